/**
 * The SOCless alias table: every integration name a SOCless playbook may reference, and the built-in
 * integration (and operation) that answers to it with SOCless's parameters and result shapes. Declared once:
 * the compiler resolves Resources with it, `socless integration list` prints it, `socless playbook import`
 * reports with it, and the runtime dispatches the operation it names.
 *
 * A SOCless reference comes in three written forms (the group is a convention only, so any group matches):
 * - `${{self:custom.<group>.<Name>}}`
 * - `${{self.custom.<group>.<Name>}}` (a typo form that SOCless repositories carry)
 * - `arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${{self:functions.<Name>.name}}`
 */

/** One SOCless integration name and what answers to it here. */
export interface SoclessAlias {
  /** The SOCless name, as written after the group (`SetInvestigationStatus`). */
  readonly name: string;
  /** The SOCless repository it comes from. */
  readonly origin: 'socless' | 'socless-slack';
  /** The built-in integration id that serves it. */
  readonly integration: string;
  /** The operation of that integration (one Lambda hosts several lightweight SOCless operations). */
  readonly operation: string;
  /** Waits for a human: must be written as an `Interaction` state. */
  readonly interaction?: boolean;
}

/** The integration hosting the SOCless core operations. */
export const SOCLESS_CORE_INTEGRATION = 'socless_core';
/** The integration hosting the socless-slack operations. */
export const SOCLESS_SLACK_INTEGRATION = 'socless_slack';
/** The integration hosting AWSRequest: its own Lambda, the only SOCless one that chains into spoke sessions. */
export const SOCLESS_AWS_REQUEST_INTEGRATION = 'socless_aws_request';
/** The integration hosting socless-slack's Interactions (they store a task token and wait). */
export const SOCLESS_SLACK_PROMPT_INTEGRATION = 'socless_slack_prompt';

const core = (name: string): SoclessAlias => ({
  name,
  origin: 'socless',
  integration: SOCLESS_CORE_INTEGRATION,
  operation: name,
});
const slack = (name: string): SoclessAlias => ({
  name,
  origin: 'socless-slack',
  integration: SOCLESS_SLACK_INTEGRATION,
  operation: name,
});
const prompt = (name: string): SoclessAlias => ({
  name,
  origin: 'socless-slack',
  integration: SOCLESS_SLACK_PROMPT_INTEGRATION,
  operation: name,
  interaction: true,
});

/** Every SOCless name the engine serves itself. Anything else must be declared in `integrations.external`. */
export const SOCLESS_ALIASES: readonly SoclessAlias[] = [
  core('SetInvestigationStatus'),
  core('HTTPRequest'),
  { name: 'AWSRequest', origin: 'socless', integration: SOCLESS_AWS_REQUEST_INTEGRATION, operation: 'AWSRequest' },
  core('CacheResults'),
  core('Counter'),
  core('AddCustomMapping'),
  core('QueryCustomMapping'),
  core('CreateEvents'),
  core('SoclessLogFindings'),
  core('MergeParallelOutput'),
  slack('SendMessage'),
  slack('FindUser'),
  slack('CheckIfUserInChannel'),
  slack('SetChannelTopic'),
  slack('CreateChannel'),
  slack('InviteToChannel'),
  slack('UploadFile'),
  prompt('PromptForConfirmation'),
  prompt('PromptForResponse'),
];

/** The legacy Activity SOCless used before Interaction states; refused with the equivalent Interaction. */
export const AWAIT_MESSAGE_RESPONSE_ACTIVITY = 'AwaitMessageResponseActivity';

/** The alias of a SOCless name, if the engine serves it. */
export function soclessAlias(name: string): SoclessAlias | undefined {
  return SOCLESS_ALIASES.find((a) => a.name === name);
}

/** A parsed SOCless reference: the group (`functions` for the function-ARN form) and the name. */
export interface SoclessReference {
  readonly form: 'custom' | 'custom-typo' | 'function';
  readonly group: string;
  readonly name: string;
}

const CUSTOM = /^\$\{\{\s*self([:.])custom\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\s*\}\}$/;
const FUNCTION =
  /^arn:aws[a-z-]*:lambda:\$\{AWS::Region\}:\$\{AWS::AccountId\}:function:\$\{\{\s*self:functions\.([A-Za-z0-9_-]+)\.name\s*\}\}$/;

/** Parses a Resource written in one of SOCless's reference forms; undefined for anything else. */
export function parseSoclessReference(resource: string): SoclessReference | undefined {
  const custom = CUSTOM.exec(resource);
  if (custom) {
    return {
      form: custom[1] === ':' ? 'custom' : 'custom-typo',
      group: custom[2] as string,
      name: custom[3] as string,
    };
  }
  const fn = FUNCTION.exec(resource);
  if (fn) return { form: 'function', group: 'functions', name: fn[1] as string };
  return undefined;
}
