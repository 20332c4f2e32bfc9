/**
 * Where the Slack, Jira and HTTP integrations find their settings: environment variables the hub stack sets
 * from the configuration (never a credential: secrets are named here and read from Secrets Manager), and the
 * names of the secrets the stack creates for the user to fill in.
 */
import type { SoclessConfig } from '../config.ts';
import { SoclessError } from '../errors.ts';
import type { SecretResolver } from '../integration-runtime/secrets.ts';

/** Secret (created by the hub stack when `slack` is configured) holding the bot token `xoxb-…`. */
export const SLACK_BOT_TOKEN_SECRET_NAME = 'socless/slack/bot-token';
/** Secret holding the Slack app's signing secret (Basic Information → App Credentials). */
export const SLACK_SIGNING_SECRET_NAME = 'socless/slack/signing-secret';
/** Secret holding an incoming webhook URL, for notify_slack without a bot. */
export const SLACK_WEBHOOK_SECRET_NAME = 'socless/slack/webhook-url';
/** Secret holding `{"email": "...", "apiToken": "..."}` for Jira Cloud basic auth. */
export const JIRA_CREDENTIALS_SECRET_NAME = 'socless/jira/credentials';

/** Environment variables of the integrations and the interactions function. */
export const INTEGRATION_ENV = {
  slackApiUrl: 'SOCLESS_SLACK_API_URL',
  slackBotTokenSecret: 'SOCLESS_SLACK_BOT_TOKEN_SECRET',
  slackSigningSecret: 'SOCLESS_SLACK_SIGNING_SECRET',
  slackWebhookSecret: 'SOCLESS_SLACK_WEBHOOK_SECRET',
  slackDefaultChannel: 'SOCLESS_SLACK_DEFAULT_CHANNEL',
  slackAllowedUserIds: 'SOCLESS_SLACK_ALLOWED_USER_IDS',
  slackAllowedUserGroupIds: 'SOCLESS_SLACK_ALLOWED_USER_GROUP_IDS',
  slackTeamId: 'SOCLESS_SLACK_TEAM_ID',
  timeoutDecision: 'SOCLESS_INTERACTION_TIMEOUT_DECISION',
  jiraBaseUrl: 'SOCLESS_JIRA_BASE_URL',
  jiraProject: 'SOCLESS_JIRA_PROJECT',
  jiraIssueType: 'SOCLESS_JIRA_ISSUE_TYPE',
  jiraCredentialsSecret: 'SOCLESS_JIRA_CREDENTIALS_SECRET',
  httpAllowedHosts: 'SOCLESS_HTTP_ALLOWED_HOSTS',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A setting an integration needs is not configured; names the variable and the config key behind it. */
export class IntegrationNotConfiguredError extends SoclessError {
  readonly variable: string;
  constructor(integration: string, variable: string, configKey: string) {
    super(`${integration}: ${variable} is not set: configure ${configKey} in the socless configuration`);
    this.variable = variable;
  }
}

/** A comma-separated list from the environment. */
export function envList(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Reads a secret's string value by name or ARN through the runtime's resolver (cached, Secrets Manager). */
export async function readSecret(secrets: SecretResolver, id: string, jsonKey?: string): Promise<string> {
  const value = await secrets.resolve(jsonKey ? { kind: 'secret', id, jsonKey } : { kind: 'secret', id });
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SoclessError(
      `secret ${id}${jsonKey ? ` key ${jsonKey}` : ''} is empty: put the value in Secrets Manager`,
    );
  }
  return value.trim();
}

/** Which integrations need which secret (the stack grants read on exactly these). */
export const SECRET_USERS = {
  slackBotToken: ['request_approval', 'interaction_timeout', 'notify_slack', 'socless_slack', 'socless_slack_prompt'],
  slackWebhook: ['notify_slack'],
  jiraCredentials: ['create_jira_issue', 'comment_jira_issue'],
} as const;

/**
 * Environment of each integration, from the configuration (plain settings only; secrets are granted and
 * their ARNs set by the stack). Keys are integration ids.
 */
export function integrationEnvironment(config: SoclessConfig): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const add = (ids: readonly string[], vars: Record<string, string>) => {
    for (const id of ids) out[id] = { ...out[id], ...vars };
  };
  add(['request_approval', 'interaction_timeout'], {
    [INTEGRATION_ENV.timeoutDecision]: config.interactions.timeoutDecision,
  });
  if (config.slack) {
    add(SECRET_USERS.slackBotToken, {
      [INTEGRATION_ENV.slackApiUrl]: config.slack.apiBaseUrl,
      ...(config.slack.defaultChannel ? { [INTEGRATION_ENV.slackDefaultChannel]: config.slack.defaultChannel } : {}),
    });
  }
  if (config.jira) {
    add(SECRET_USERS.jiraCredentials, {
      [INTEGRATION_ENV.jiraBaseUrl]: config.jira.baseUrl,
      [INTEGRATION_ENV.jiraProject]: config.jira.projectKey,
      [INTEGRATION_ENV.jiraIssueType]: config.jira.issueType,
    });
  }
  add(['http_request', 'socless_core'], { [INTEGRATION_ENV.httpAllowedHosts]: config.httpAllowedHosts.join(',') });
  return out;
}

/** Environment of the interactions function's Slack provider (besides the secret ARNs). */
export function interactionsSlackEnvironment(config: SoclessConfig): Record<string, string> {
  if (!config.slack) return {};
  return {
    [INTEGRATION_ENV.slackApiUrl]: config.slack.apiBaseUrl,
    [INTEGRATION_ENV.slackAllowedUserIds]: config.interactions.slack.allowedUserIds.join(','),
    [INTEGRATION_ENV.slackAllowedUserGroupIds]: config.interactions.slack.allowedUserGroupIds.join(','),
    ...(config.slack.teamId ? { [INTEGRATION_ENV.slackTeamId]: config.slack.teamId } : {}),
  };
}
