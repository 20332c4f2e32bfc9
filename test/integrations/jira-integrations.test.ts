import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCommentJiraIssueIntegration } from '../../hub/integrations/comment-jira-issue/integration.ts';
import { createCreateJiraIssueIntegration } from '../../hub/integrations/create-jira-issue/integration.ts';
import { integrationDeployments } from '../../hub/integrations/index.ts';
import type { Integration } from '../../shared/integration-runtime/define.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { StaticSecretResolver } from '../../shared/integration-runtime/secrets.ts';
import { JiraClient } from '../../shared/integrations/jira.ts';
import { INTEGRATION_ENV, JIRA_CREDENTIALS_SECRET_NAME } from '../../shared/integrations/settings.ts';
import { CustomMappingsRepository } from '../../shared/store/custom-mappings.ts';
import { TABLES } from '../../shared/tables.ts';
import { synthHub } from '../hub/synth-hub.ts';
import { type FakeJira, startFakeJira } from './fake-jira.ts';
import { type Harness, startHarness } from './harness.ts';

const EMAIL = 'soc-bot@example.com';
const TOKEN = 'atl-token-123';
const CREDENTIALS = JSON.stringify({ email: EMAIL, apiToken: TOKEN });

describe('create_jira_issue and comment_jira_issue', () => {
  let h: Harness;
  let jira: FakeJira;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const createIssue = createCreateJiraIssueIntegration({ sleep });
  const commentIssue = createCommentJiraIssueIntegration({ sleep });

  beforeAll(async () => {
    h = await startHarness();
    jira = await startFakeJira({ email: EMAIL, apiToken: TOKEN, projects: ['SEC', 'OPS'] });
  });
  afterAll(async () => {
    await jira.close();
    await h.close();
  });
  beforeEach(() => {
    sleeps.length = 0;
  });

  const invoke = (
    integration: Integration,
    investigationId: string,
    parameters: Record<string, unknown>,
    options: { credentials?: string; env?: Record<string, string | undefined>; execution?: string } = {},
  ) =>
    toLambdaHandler(integration, {
      ...h.deps,
      secrets: new StaticSecretResolver({
        [`secret:${JIRA_CREDENTIALS_SECRET_NAME}`]: options.credentials ?? CREDENTIALS,
      }),
      env: {
        ...h.deps.env,
        [INTEGRATION_ENV.jiraBaseUrl]: jira.baseUrl,
        [INTEGRATION_ENV.jiraProject]: 'SEC',
        [INTEGRATION_ENV.jiraIssueType]: 'Task',
        [INTEGRATION_ENV.jiraCredentialsSecret]: JIRA_CREDENTIALS_SECRET_NAME,
        ...options.env,
      },
    })({
      _socless: {
        state: 'Ticket',
        playbook: 'p',
        execution_id: options.execution ?? `arn:aws:states:us-east-1:111111111111:execution:p:${investigationId}`,
        investigation_id: investigationId,
      },
      parameters,
    });
  const mappings = () => new CustomMappingsRepository(h.dynamo.client, TABLES.custom_mappings.name);
  const issuePosts = () => jira.calls.filter((c) => c.path === '/rest/api/3/issue').length;

  it('creates an issue with Basic auth, an ADF description and the investigation label, and maps it', async () => {
    const out = await invoke(createIssue, 'inv-1', {
      summary: 'Public S3 bucket in 111111111111',
      description: 'Bucket b was made public.\n\nBlocked public access.',
      priority: 'High',
      labels: ['s3'],
    });
    expect(out).toEqual({
      key: 'SEC-1',
      id: expect.any(String),
      url: `${jira.baseUrl}/browse/SEC-1`,
      created: true,
    });
    const post = jira.calls.find((c) => c.path === '/rest/api/3/issue');
    expect(post?.headers.authorization).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`);
    expect(post?.body.fields).toEqual({
      project: { key: 'SEC' },
      issuetype: { name: 'Task' },
      summary: 'Public S3 bucket in 111111111111',
      priority: { name: 'High' },
      labels: ['s3', 'socless-inv-1'],
      description: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Bucket b was made public.' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Blocked public access.' }] },
        ],
      },
    });
    expect((await mappings().get('jira-issue:inv-1'))?.value).toMatchObject({ key: 'SEC-1', project: 'SEC' });
  });

  it('returns the same issue on a second run without searching or posting again', async () => {
    const before = jira.calls.length;
    const out = await invoke(createIssue, 'inv-1', { summary: 'again' });
    expect(out).toMatchObject({ key: 'SEC-1', created: false });
    expect(jira.calls.length).toBe(before);
  });

  it('heals a crash between create and the mapping write by finding the issue by its label', async () => {
    const orphan = jira.seed('SEC', { summary: 'created before a crash', labels: ['socless-inv-crash'] });
    const posts = issuePosts();
    const out = await invoke(createIssue, 'inv-crash', { summary: 'Public bucket' });
    expect(out).toEqual({
      key: orphan.key,
      id: orphan.id,
      url: `${jira.baseUrl}/browse/${orphan.key}`,
      created: false,
    });
    expect(issuePosts()).toBe(posts);
    expect(jira.calls.at(-1)?.body).toMatchObject({ jql: 'labels = "socless-inv-crash" ORDER BY created ASC' });
    expect((await mappings().get('jira-issue:inv-crash'))?.value).toMatchObject({ key: orphan.key });
  });

  it('sanitises the investigation id into a label Jira accepts and honours project and issue type', async () => {
    const out = await invoke(createIssue, 'inv 2/x', { summary: 'Ops ticket', project: 'OPS', issue_type: 'Bug' });
    expect(out).toMatchObject({ key: 'OPS-1', created: true });
    expect(jira.issues.get('OPS-1')?.fields).toMatchObject({
      labels: ['socless-inv-2-x'],
      issuetype: { name: 'Bug' },
    });
  });

  it("names the field Jira rejected in a 400's errors object", async () => {
    await expect(invoke(createIssue, 'inv-bad-priority', { summary: 's', priority: 'Urgent' })).rejects.toMatchObject({
      name: 'JiraApiError',
      status: 400,
      errors: { priority: "Priority name 'Urgent' is not valid" },
      message: expect.stringMatching(/HTTP 400: field "priority": Priority name 'Urgent' is not valid/),
    });
    expect(await mappings().get('jira-issue:inv-bad-priority')).toBeUndefined();
  });

  it('reports a 401 as an authentication failure pointing at the credentials secret', async () => {
    const wrong = JSON.stringify({ email: EMAIL, apiToken: 'revoked' });
    await expect(invoke(createIssue, 'inv-401', { summary: 's' }, { credentials: wrong })).rejects.toThrow(
      /HTTP 401: Client must be authenticated.*check the e-mail and API token/,
    );
  });

  it('waits for Retry-After on a 429 (injected sleep) and then succeeds', async () => {
    jira.script({ status: 429, headers: { 'retry-after': '3' }, body: { errorMessages: ['Rate limited'] } });
    const out = await invoke(createIssue, 'inv-429', { summary: 'Throttled once' });
    expect(out).toMatchObject({ created: true });
    expect(sleeps).toEqual([3000]);
  });

  it('rejects bad parameters, naming the parameter, before calling Jira', async () => {
    const before = jira.calls.length;
    await expect(invoke(createIssue, 'inv-p', { summary: '' })).rejects.toThrow(
      /parameter "summary" must not be empty/,
    );
    await expect(invoke(createIssue, 'inv-p', { summary: 's', project: 'sec' })).rejects.toThrow(
      /parameter "project" must be a Jira project key/,
    );
    await expect(invoke(createIssue, 'inv-p', { summary: 's', labels: ['has space'] })).rejects.toThrow(
      /parameter "labels\[0\]" must be a Jira label/,
    );
    expect(jira.calls.length).toBe(before);
  });

  it('names the missing setting when Jira is not configured, and a malformed credentials secret', async () => {
    await expect(
      invoke(createIssue, 'inv-nc', { summary: 's' }, { env: { [INTEGRATION_ENV.jiraBaseUrl]: undefined } }),
    ).rejects.toThrow(/SOCLESS_JIRA_BASE_URL is not set: configure jira.baseUrl/);
    await expect(invoke(createIssue, 'inv-nc', { summary: 's' }, { credentials: '{"email":"a@b.c"}' })).rejects.toThrow(
      /socless\/jira\/credentials: key "apiToken" is missing/,
    );
  });

  it("comments on the investigation's issue by default, in ADF, once per state run", async () => {
    const out = await invoke(commentIssue, 'inv-1', { body: 'Remediated.\nBucket is private again.' });
    expect(out).toEqual({ key: 'SEC-1', comment_id: expect.any(String), duplicate: false });
    expect(jira.issues.get('SEC-1')?.comments.at(-1)?.body).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Remediated.' },
            { type: 'hardBreak' },
            { type: 'text', text: 'Bucket is private again.' },
          ],
        },
      ],
    });
    const count = jira.issues.get('SEC-1')?.comments.length;
    const again = await invoke(commentIssue, 'inv-1', { body: 'Remediated.\nBucket is private again.' });
    expect(again).toEqual({ ...out, duplicate: true });
    expect(jira.issues.get('SEC-1')?.comments.length).toBe(count);
  });

  it("comments on an explicit issue key and reports an unknown issue with Jira's message", async () => {
    expect(await invoke(commentIssue, 'inv-x', { issue_key: 'OPS-1', body: 'FYI' })).toMatchObject({ key: 'OPS-1' });
    await expect(invoke(commentIssue, 'inv-x', { issue_key: 'SEC-999', body: 'FYI' })).rejects.toThrow(
      /HTTP 404: Issue does not exist/,
    );
  });

  it('refuses to comment when no issue is given and the investigation has none, or the body is empty', async () => {
    await expect(invoke(commentIssue, 'inv-none', { body: 'x' })).rejects.toThrow(
      /parameter "issue_key" is not given and investigation inv-none has no Jira issue yet/,
    );
    await expect(invoke(commentIssue, 'inv-1', { body: '  ' })).rejects.toThrow(/parameter "body" must not be empty/);
    await expect(invoke(commentIssue, 'inv-1', { issue_key: 'sec-1', body: 'x' })).rejects.toThrow(
      /parameter "issue_key" must be a Jira issue key/,
    );
  });
});

describe('JiraClient', () => {
  let jira: FakeJira;
  beforeAll(async () => {
    jira = await startFakeJira({ email: EMAIL, apiToken: TOKEN, projects: ['SEC'] });
  });
  afterAll(async () => {
    await jira.close();
  });
  const sleeps: number[] = [];
  const client = () =>
    new JiraClient({
      baseUrl: `${jira.baseUrl}/`,
      credentials: { email: EMAIL, apiToken: TOKEN },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      maxAttempts: 2,
    });

  it('searches by label through the enhanced JQL search and retries a 5xx there', async () => {
    jira.seed('SEC', { summary: 'a', labels: ['x-1'] });
    jira.script({ status: 503, body: { errorMessages: ['busy'] } });
    const found = await client().searchByLabel('x-1');
    expect(found.map((i) => i.key)).toEqual(['SEC-1']);
    expect(sleeps).toHaveLength(1);
    expect(jira.calls.at(-1)).toMatchObject({ method: 'POST', path: '/rest/api/3/search/jql' });
  });

  it('gives up after the last attempt on repeated 429s with the status in the error', async () => {
    jira.script({ status: 429, headers: { 'retry-after': '1' } }, { status: 429, headers: { 'retry-after': '1' } });
    await expect(client().addComment('SEC-1', 'x')).rejects.toMatchObject({ name: 'JiraApiError', status: 429 });
  });

  it('does not retry a create on a 5xx, so an issue is never created twice by the client', async () => {
    const posts = jira.calls.length;
    jira.script({ status: 502, body: 'Bad gateway' });
    await expect(client().createIssue({ projectKey: 'SEC', issueType: 'Task', summary: 's' })).rejects.toThrow(
      /HTTP 502: Bad gateway/,
    );
    expect(jira.calls.length).toBe(posts + 1);
  });
});

describe('Jira and enrich_resource deployment', () => {
  const hub = synthHub(
    { jira: { baseUrl: 'https://example.atlassian.net', projectKey: 'SEC' } },
    { integrations: integrationDeployments(), playbooks: [] },
  );
  const t = hub.template;
  const policiesMentioning = (needle: string) =>
    Object.keys(t.findResources('AWS::IAM::Policy'))
      .filter((id) =>
        JSON.stringify(t.findResources('AWS::IAM::Policy')[id]?.Properties.PolicyDocument.Statement).includes(needle),
      )
      .map((id) => id.replace(/RoleDefaultPolicy.*$/, ''))
      .sort();

  it('lets only the two Jira integrations read the Jira credentials, and gives them the site settings', () => {
    expect(policiesMentioning('"Ref":"InteractionsJiraCredentials')).toEqual([
      'IntegrationsCommentJiraIssue',
      'IntegrationsCreateJiraIssue',
    ]);
    for (const id of ['create_jira_issue', 'comment_jira_issue']) {
      t.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(`^Integration ${id}`),
        Environment: {
          Variables: Match.objectLike({
            SOCLESS_JIRA_BASE_URL: 'https://example.atlassian.net',
            SOCLESS_JIRA_PROJECT: 'SEC',
            SOCLESS_JIRA_ISSUE_TYPE: 'Task',
            SOCLESS_JIRA_CREDENTIALS_SECRET: { Ref: Match.stringLikeRegexp('InteractionsJiraCredentials') },
            SOCLESS_CUSTOM_MAPPINGS_TABLE: Match.anyValue(),
          }),
        },
      });
    }
  });

  it('deploys enrich_resource with the accounts table only and no way into spoke accounts', () => {
    const deployment = integrationDeployments().find((d) => d.id === 'enrich_resource');
    expect(deployment?.assumesSpokeRoles).toBeUndefined();
    expect(deployment?.tables.map((x) => x.table).sort()).toEqual(['accounts', 'results']);
    expect(deployment?.statements).toBeUndefined();
  });
});
