/**
 * A Jira Cloud REST v3 client on the shared HttpClient: basic auth with an Atlassian account e-mail and API
 * token, issue creation and comments with Atlassian Document Format (ADF) bodies, and a label search through
 * the enhanced JQL search (`POST /rest/api/3/search/jql`; the older `/rest/api/3/search` is removed from Jira
 * Cloud). Jira's error bodies (`errorMessages`, `errors` by field) become a JiraApiError naming the fields.
 */
import { SoclessError } from '../errors.ts';
import type { SecretResolver } from '../integration-runtime/secrets.ts';
import { HttpClient, type HttpResponse, type Sleep } from './http.ts';
import {
  INTEGRATION_ENV,
  IntegrationNotConfiguredError,
  JIRA_CREDENTIALS_SECRET_NAME,
  readSecret,
} from './settings.ts';

/** The value of the Jira credentials secret: `{"email": "...", "apiToken": "..."}`. */
export interface JiraCredentials {
  readonly email: string;
  readonly apiToken: string;
}

/** Jira answered an error status; carries its `errorMessages` and per-field `errors`. */
export class JiraApiError extends SoclessError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** Jira's general messages. */
  readonly errorMessages: readonly string[];
  /** Jira's messages by field (e.g. `priority` → `Specify the Priority (name) in the string format`). */
  readonly errors: Readonly<Record<string, string>>;
  constructor(
    method: string,
    path: string,
    status: number,
    details: { errorMessages: readonly string[]; errors: Readonly<Record<string, string>>; text: string },
  ) {
    const parts = [
      ...details.errorMessages,
      ...Object.entries(details.errors).map(([field, message]) => `field "${field}": ${message}`),
    ];
    const why = parts.length > 0 ? parts.join('; ') : details.text.trim().slice(0, 300) || '(no error body)';
    const hint =
      status === 401
        ? ' (check the e-mail and API token in the Jira credentials secret)'
        : status === 403
          ? ' (the Jira account lacks permission for this project or issue)'
          : '';
    super(`jira: ${method} ${path} answered HTTP ${status}: ${why}${hint}`);
    this.status = status;
    this.method = method;
    this.path = path;
    this.errorMessages = details.errorMessages;
    this.errors = details.errors;
  }
}

/** The credentials secret is not the JSON object the README describes. */
export class JiraCredentialsError extends SoclessError {
  constructor(secretId: string, reason: string) {
    super(`jira credentials secret ${secretId}: ${reason}; expected {"email": "...", "apiToken": "..."}`);
  }
}

/** Parses the credentials secret; never puts the token in a message. */
export function parseJiraCredentials(text: string, secretId: string): JiraCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JiraCredentialsError(secretId, 'is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new JiraCredentialsError(secretId, 'is not an object');
  const { email, apiToken } = parsed as Record<string, unknown>;
  if (typeof email !== 'string' || !email.includes('@')) {
    throw new JiraCredentialsError(secretId, 'key "email" is missing or not an e-mail address');
  }
  if (typeof apiToken !== 'string' || apiToken.trim() === '') {
    throw new JiraCredentialsError(secretId, 'key "apiToken" is missing or empty');
  }
  return { email: email.trim(), apiToken: apiToken.trim() };
}

/** An ADF node (only the few kinds this client writes). */
export interface AdfNode {
  readonly type: string;
  readonly text?: string;
  readonly content?: readonly AdfNode[];
}

/** An ADF document, the body format of v3 descriptions and comments. */
export interface AdfDocument {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly AdfNode[];
}

/**
 * Plain text as ADF: blank lines separate paragraphs, single newlines become hard breaks. ADF text nodes
 * must not be empty, so empty lines are dropped rather than written as empty text.
 */
export function adfDocument(text: string): AdfDocument {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((p) => {
      const content: AdfNode[] = [];
      for (const [i, line] of p.split('\n').entries()) {
        if (i > 0) content.push({ type: 'hardBreak' });
        if (line.length > 0) content.push({ type: 'text', text: line });
      }
      return { type: 'paragraph', content };
    }),
  };
}

/**
 * A string as a Jira label: labels cannot contain spaces, so anything outside `[A-Za-z0-9_.-]` becomes `-`;
 * cut to Jira's 255 characters.
 */
export function jiraLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 255);
}

/** An issue as this client returns it. */
export interface JiraIssueRef {
  readonly id: string;
  readonly key: string;
  /** The browse URL a person opens: `<site>/browse/<key>`. */
  readonly url: string;
}

/** What createIssue sends. */
export interface JiraIssueInput {
  readonly projectKey: string;
  readonly issueType: string;
  readonly summary: string;
  /** Plain text; sent as ADF. */
  readonly description?: string;
  /** Priority name, e.g. `High`. */
  readonly priority?: string;
  readonly labels?: readonly string[];
}

export interface JiraClientOptions {
  /** The site URL, e.g. `https://example.atlassian.net` (tests: a loopback server). */
  readonly baseUrl: string;
  readonly credentials: JiraCredentials;
  readonly sleep?: Sleep;
  readonly maxAttempts?: number;
  readonly fetch?: typeof fetch;
}

/** The Jira Cloud calls SOCless makes. */
export class JiraClient {
  private readonly http: HttpClient;
  private readonly site: string;

  constructor(options: JiraClientOptions) {
    this.site = options.baseUrl.replace(/\/+$/, '');
    const basic = Buffer.from(`${options.credentials.email}:${options.credentials.apiToken}`, 'utf8').toString(
      'base64',
    );
    this.http = new HttpClient({
      service: 'jira',
      baseUrl: this.site,
      headers: { authorization: `Basic ${basic}` },
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** `<site>/browse/<key>` */
  browseUrl(key: string): string {
    return `${this.site}/browse/${encodeURIComponent(key)}`;
  }

  /** POST /rest/api/3/issue */
  async createIssue(input: JiraIssueInput): Promise<JiraIssueRef> {
    const fields: Record<string, unknown> = {
      project: { key: input.projectKey },
      issuetype: { name: input.issueType },
      summary: input.summary,
      ...(input.description ? { description: adfDocument(input.description) } : {}),
      ...(input.priority ? { priority: { name: input.priority } } : {}),
      ...(input.labels && input.labels.length > 0 ? { labels: [...input.labels] } : {}),
    };
    const out = await this.call('POST', '/rest/api/3/issue', { fields });
    const id = stringField(out, 'id');
    const key = stringField(out, 'key');
    return { id, key, url: this.browseUrl(key) };
  }

  /** POST /rest/api/3/issue/{key}/comment; returns the comment id. */
  async addComment(issueKey: string, body: string): Promise<{ id: string }> {
    const out = await this.call('POST', `/rest/api/3/issue/${encodeURIComponent(issueKey)}/comment`, {
      body: adfDocument(body),
    });
    return { id: stringField(out, 'id') };
  }

  /**
   * Issues carrying a label, oldest first (POST /rest/api/3/search/jql, a read: retried on 5xx). The search
   * index is near-real-time, so an issue created seconds ago may not be found yet.
   */
  async searchByLabel(label: string, options: { maxResults?: number } = {}): Promise<JiraIssueRef[]> {
    // Labels never hold quotes once passed through jiraLabel; escape anyway so the JQL stays one string.
    const quoted = `"${label.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const out = await this.call(
      'POST',
      '/rest/api/3/search/jql',
      {
        jql: `labels = ${quoted} ORDER BY created ASC`,
        fields: ['summary', 'created'],
        maxResults: options.maxResults ?? 10,
      },
      true,
    );
    const issues = Array.isArray(out.issues) ? (out.issues as Array<Record<string, unknown>>) : [];
    return issues
      .filter((i) => typeof i.key === 'string' && (typeof i.id === 'string' || typeof i.id === 'number'))
      .map((i) => ({ id: String(i.id), key: i.key as string, url: this.browseUrl(i.key as string) }));
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    json: unknown,
    retryServerErrors = false,
  ): Promise<Record<string, unknown>> {
    const res = await this.http.request({ method, path, json, retryServerErrors });
    if (res.status < 200 || res.status > 299) throw jiraError(method, path, res);
    return typeof res.json === 'object' && res.json !== null ? (res.json as Record<string, unknown>) : {};
  }
}

function jiraError(method: string, path: string, res: HttpResponse): JiraApiError {
  const body = typeof res.json === 'object' && res.json !== null ? (res.json as Record<string, unknown>) : {};
  const errorMessages = Array.isArray(body.errorMessages)
    ? body.errorMessages.filter((m): m is string => typeof m === 'string')
    : [];
  const errors =
    typeof body.errors === 'object' && body.errors !== null
      ? Object.fromEntries(Object.entries(body.errors as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
      : {};
  // Without a JSON error body (e.g. an HTML 401 page) only the status is useful; the text is cut short.
  return new JiraApiError(method, path, res.status, {
    errorMessages,
    errors,
    text: res.json === undefined ? res.text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ') : '',
  });
}

function stringField(out: Record<string, unknown>, name: string): string {
  const value = out[name];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  throw new SoclessError(`jira: the answer has no "${name}": ${JSON.stringify(out).slice(0, 200)}`);
}

/** The custom_mappings key under which an investigation's Jira issue is kept. */
export function jiraIssueMappingKey(investigationId: string): string {
  return `jira-issue:${investigationId}`;
}

/** The label that marks the issue of an investigation in Jira (found again after a crash). */
export function investigationLabel(investigationId: string): string {
  return jiraLabel(`socless-${investigationId}`);
}

/** What the Jira integrations store under {@link jiraIssueMappingKey}. */
export interface JiraIssueMapping extends JiraIssueRef {
  readonly project: string;
}

/** A stored mapping, or undefined when absent or not one the Jira integrations wrote. */
export function parseJiraIssueMapping(value: unknown): JiraIssueMapping | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.key !== 'string' || typeof v.id !== 'string' || typeof v.url !== 'string') return undefined;
  return { key: v.key, id: v.id, url: v.url, project: typeof v.project === 'string' ? v.project : '' };
}

/** Jira settings of an integration, from its environment (set by the hub stack from `config.jira`). */
export interface JiraSettings {
  readonly baseUrl: string;
  readonly projectKey: string;
  readonly issueType: string;
  readonly credentialsSecret: string;
}

/** Reads the Jira settings; a missing one names its variable and the configuration key behind it. */
export function jiraSettings(integration: string, env: Readonly<Record<string, string | undefined>>): JiraSettings {
  const need = (variable: string, configKey: string): string => {
    const value = env[variable];
    if (!value) throw new IntegrationNotConfiguredError(integration, variable, configKey);
    return value;
  };
  return {
    baseUrl: need(INTEGRATION_ENV.jiraBaseUrl, 'jira.baseUrl'),
    projectKey: need(INTEGRATION_ENV.jiraProject, 'jira.projectKey'),
    issueType: env[INTEGRATION_ENV.jiraIssueType] || 'Task',
    // The stack sets the ARN; the well-known name serves the local hub, whose secrets are keyed by name.
    credentialsSecret: env[INTEGRATION_ENV.jiraCredentialsSecret] || JIRA_CREDENTIALS_SECRET_NAME,
  };
}

/** A client for the configured site, with the credentials read from Secrets Manager (cached by the resolver). */
export async function jiraClientFor(
  settings: JiraSettings,
  secrets: SecretResolver,
  options: { readonly sleep?: Sleep } = {},
): Promise<JiraClient> {
  const text = await readSecret(secrets, settings.credentialsSecret);
  return new JiraClient({
    baseUrl: settings.baseUrl,
    credentials: parseJiraCredentials(text, settings.credentialsSecret),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}
