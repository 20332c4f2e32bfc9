/**
 * A loopback HTTP server that speaks the part of Jira Cloud's REST v3 API SOCless calls (create issue, add
 * comment, enhanced JQL search by label): real requests, a Basic auth check, Jira-shaped error bodies
 * (`errorMessages`, `errors` by field) and scripted statuses (429 with Retry-After) for the next calls.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JiraCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

export interface FakeIssue {
  readonly id: string;
  readonly key: string;
  readonly fields: Record<string, unknown>;
  readonly comments: Array<{ id: string; body: unknown }>;
}

export interface FakeJira {
  /** e.g. `http://127.0.0.1:54321` */
  readonly baseUrl: string;
  readonly calls: JiraCall[];
  /** Issues by key. */
  readonly issues: Map<string, FakeIssue>;
  /** Makes the next request(s) answer with this status, headers and body (first in, first used). */
  script(...responses: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>): void;
  /** Adds an issue as if created earlier (e.g. by a run that crashed before writing its mapping). */
  seed(project: string, fields: Record<string, unknown>): FakeIssue;
  close(): Promise<void>;
}

const PRIORITIES = new Set(['Highest', 'High', 'Medium', 'Low', 'Lowest']);

function isAdf(value: unknown): boolean {
  const v = value as { type?: unknown; version?: unknown; content?: unknown } | undefined;
  return v?.type === 'doc' && v.version === 1 && Array.isArray(v.content);
}

export async function startFakeJira(options: {
  email: string;
  apiToken: string;
  projects: readonly string[];
}): Promise<FakeJira> {
  const expectedAuth = `Basic ${Buffer.from(`${options.email}:${options.apiToken}`).toString('base64')}`;
  const calls: JiraCall[] = [];
  const issues = new Map<string, FakeIssue>();
  const scripted: Array<{ status: number; headers?: Record<string, string>; body?: unknown }> = [];
  let nextId = 10_000;
  let nextComment = 50_000;
  const counters = new Map<string, number>();
  const seed = (project: string, fields: Record<string, unknown>): FakeIssue => {
    const n = (counters.get(project) ?? 0) + 1;
    counters.set(project, n);
    nextId += 1;
    const issue = { id: String(nextId), key: `${project}-${n}`, fields, comments: [] };
    issues.set(issue.key, issue);
    return issue;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      calls.push({ method: req.method ?? '', path, headers: req.headers, body });
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json',
          ...headers,
        });
        res.end(text);
      };
      const next = scripted.shift();
      if (next) return reply(next.status, next.body ?? '', next.headers);
      // Jira Cloud answers a bad API token with a plain-text 401.
      if (req.headers.authorization !== expectedAuth) {
        return reply(401, 'Client must be authenticated to access this resource.');
      }
      if (req.method === 'POST' && path === '/rest/api/3/issue') {
        const fields = (body.fields ?? {}) as Record<string, unknown>;
        const errors: Record<string, string> = {};
        const project = (fields.project as { key?: string } | undefined)?.key ?? '';
        if (!options.projects.includes(project)) errors.project = 'valid project is required';
        if (typeof (fields.issuetype as { name?: unknown } | undefined)?.name !== 'string')
          errors.issuetype = 'Specify an issue type';
        if (typeof fields.summary !== 'string' || fields.summary === '')
          errors.summary = 'You must specify a summary of the issue.';
        const priority = (fields.priority as { name?: string } | undefined)?.name;
        if (priority !== undefined && !PRIORITIES.has(priority))
          errors.priority = `Priority name '${priority}' is not valid`;
        if (fields.description !== undefined && !isAdf(fields.description))
          errors.description = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
        const labels = fields.labels as unknown[] | undefined;
        if (labels?.some((l) => typeof l !== 'string' || /\s/.test(l)))
          errors.labels = 'The label must not contain spaces.';
        if (Object.keys(errors).length > 0) return reply(400, { errorMessages: [], errors });
        const issue = seed(project, fields);
        return reply(201, { id: issue.id, key: issue.key, self: `http://x/rest/api/3/issue/${issue.id}` });
      }
      const comment = /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/.exec(path);
      if (req.method === 'POST' && comment) {
        const issue = issues.get(decodeURIComponent(comment[1] as string));
        if (!issue) {
          return reply(404, {
            errorMessages: ['Issue does not exist or you do not have permission to see it.'],
            errors: {},
          });
        }
        if (!isAdf(body.body))
          return reply(400, { errorMessages: [], errors: { comment: 'Comment body is not valid!' } });
        nextComment += 1;
        issue.comments.push({ id: String(nextComment), body: body.body });
        return reply(201, { id: String(nextComment), body: body.body });
      }
      if (req.method === 'POST' && path === '/rest/api/3/search/jql') {
        const m = /^labels = "([^"]+)"/.exec(String(body.jql ?? ''));
        if (!m) return reply(400, { errorMessages: [`Error in the JQL Query: ${String(body.jql)}`], errors: {} });
        const label = m[1] as string;
        const found = [...issues.values()]
          .filter((i) => ((i.fields.labels as string[] | undefined) ?? []).includes(label))
          .slice(0, Number(body.maxResults ?? 50));
        return reply(200, {
          issues: found.map((i) => ({ id: i.id, key: i.key, fields: { summary: i.fields.summary } })),
          isLast: true,
        });
      }
      return reply(404, { errorMessages: [`No route for ${req.method} ${path}`], errors: {} });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    issues,
    script: (...r) => scripted.push(...r),
    seed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
