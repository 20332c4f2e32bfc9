/**
 * The playbook compiler: SOCless-dialect `playbooks/<name>/playbook.json` → validated, rendered Amazon States
 * Language with `${fn_<integration>}` placeholders. Used by the CDK hub stack, the CLI and the local hub.
 */
export {
  defineIntegrationCatalog,
  type ExternalIntegrationConfig,
  externalIntegrationId,
  type IntegrationCatalog,
  type IntegrationCatalogEntry,
  knownResourceNames,
  type ResolvedResource,
  resolveResource,
  withExternalIntegrations,
} from './catalog.ts';
export {
  type CompileOptions,
  type CompileResult,
  checkRenderedAsl,
  compileAllPlaybooks,
  compilePlaybook,
  withPlaceholderArns,
} from './compile.ts';
export {
  type DialectResult,
  type PlaybookVariables,
  playbookVariablesFrom,
  resolvePlaybookDialect,
} from './dialect.ts';
export {
  type BuildExecutionInputArgs,
  buildExecutionInput,
  EXECUTION_INPUT_LIMIT_BYTES,
  type ExecutionInput,
  ExecutionInputTooLargeError,
  type PlaybookEventArtifact,
} from './input.ts';
export { checkPath, checkPayloadPath, INTRINSIC_FUNCTIONS } from './jsonpath.ts';
export {
  DEFAULT_PLAYBOOKS_DIR,
  loadPlaybookPath,
  loadPlaybookSource,
  loadPlaybookSources,
  looksLikePlaybookPath,
  PLAYBOOK_FILE,
  type PlaybookSource,
  parsePlaybookText,
} from './loader.ts';
export { describeChoiceRule, playbookToMermaid } from './mermaid.ts';
export {
  DEFAULT_RETRY,
  EXPRESS_MAX_SECONDS,
  STATE_TYPES,
  TASK_FAILURE_END_STATE,
  TASK_FAILURE_ERROR,
  TASK_FAILURE_HANDLER_STATE,
  type ValidPlaybook,
  WAIT_FOR_TASK_TOKEN_RESOURCE,
} from './model.ts';
export { memberPath, mergeRetry, renderPlaybook } from './renderer.ts';
export {
  AWAIT_MESSAGE_RESPONSE_ACTIVITY,
  parseSoclessReference,
  SOCLESS_ALIASES,
  SOCLESS_CORE_INTEGRATION,
  SOCLESS_SLACK_INTEGRATION,
  SOCLESS_SLACK_PROMPT_INTEGRATION,
  type SoclessAlias,
  type SoclessReference,
  soclessAlias,
} from './socless-aliases.ts';
export { type SoclessOverhead, type SoclessOverheadOptions, soclessRendererStateOverhead } from './socless-overhead.ts';
export { convertTemplates, nativePathFor } from './templates.ts';
export { type ValidationResult, validatePlaybook } from './validator.ts';
