/** Types for asl-validator 4 (the package ships none). */
declare module 'asl-validator' {
  /** One finding: an error code such as `SCHEMA_VALIDATION_FAILED` and a message. */
  export interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
    readonly schemaError?: { readonly instancePath?: string; readonly schemaPath?: string; readonly message?: string };
  }
  export interface AslValidatorOptions {
    /** Check the syntax of JSONPath expressions. @default true */
    readonly checkPaths?: boolean;
    /** Check that Task Resource values are ARNs. @default true */
    readonly checkArn?: boolean;
  }
  export interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    errorsText(separator?: string): string;
  }
  /** Validates a state machine definition. Note: it adds `QueryLanguage` to each state of the object it gets. */
  export default function aslValidator(definition: unknown, options?: AslValidatorOptions): AslValidationResult;
}
