/**
 * Typed errors of the integration runtime. Step Functions matches Retry/Catch on the error `name`, which
 * the Lambda runtime reports as the error type, so each class name is part of the playbook contract.
 */
import { SoclessError } from '../errors.ts';

/** A parameter of a state is missing, of the wrong shape or refers to something that does not exist. */
export class IntegrationParameterError extends SoclessError {
  readonly state: string;
  readonly integration: string;
  /** The offending parameter as a dotted path under `Parameters` (e.g. `status`, `headers.Authorization`). */
  readonly parameter: string;
  readonly reason: string;
  constructor(details: { state: string; integration: string; parameter: string; reason: string }) {
    super(`state "${details.state}" (${details.integration}): parameter "${details.parameter}" ${details.reason}`);
    this.state = details.state;
    this.integration = details.integration;
    this.parameter = details.parameter;
    this.reason = details.reason;
  }
}

/** The Lambda was called with something that is not an integration invocation (the compiler's shape). */
export class IntegrationInvocationError extends SoclessError {
  readonly integration: string;
  constructor(integration: string, reason: string) {
    super(`${integration}: not an integration invocation: ${reason}`);
    this.integration = integration;
  }
}

/** A `{{secret:…}}` or `{{ssm:…}}` reference could not be resolved. */
export class SecretResolutionError extends SoclessError {
  readonly reference: string;
  constructor(reference: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot resolve ${reference}: ${reason}`, options);
    this.reference = reference;
  }
}

/** Reading or writing the S3 vault failed, or a vault reference points outside the vault. */
export class VaultError extends SoclessError {
  readonly bucket: string;
  readonly key: string;
  constructor(bucket: string, key: string, reason: string, options?: { cause?: unknown }) {
    super(`vault object s3://${bucket}/${key}: ${reason}`, options);
    this.bucket = bucket;
    this.key = key;
  }
}

/** A Lambda started without the environment variables its integration needs (raised at cold start). */
export class MissingEnvironmentError extends SoclessError {
  readonly variables: readonly string[];
  constructor(integration: string, variables: readonly string[]) {
    super(`${integration}: missing environment variable(s) ${variables.join(', ')}`);
    this.variables = variables;
  }
}

/** The investigation (events table item) a state refers to does not exist. */
export class InvestigationNotFoundError extends SoclessError {
  readonly eventId: string;
  constructor(eventId: string) {
    super(`no event with id ${eventId} in the events table: cannot set the status of its investigation`);
    this.eventId = eventId;
  }
}
