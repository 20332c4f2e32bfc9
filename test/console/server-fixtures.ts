/**
 * A ConsoleBackend over in-memory records shaped like the stores' (investigations, an execution with results and a
 * write-ahead remediation record, an approval, accounts, playbooks), recording every action it is asked for.
 */
import type {
  ConsoleAccount,
  ConsoleActionResult,
  ConsoleApproval,
  ConsoleBackend,
  ConsoleExecutionDetail,
  ConsoleInvestigation,
  ConsolePlaybook,
  InvestigationFilter,
  InvestigationPage,
} from '../../scripts/console/backend.ts';
import { type ConsoleAppOptions, consoleCookie, createConsoleApp, deriveSecret } from '../../scripts/console/server.ts';
import type { CompiledPlaybook } from '../../shared/deploy-model.ts';
import type { InvestigationSummary } from '../../shared/store/investigations.ts';
import type { RemediationRecord } from '../../shared/store/remediations.ts';
import { compileOk, playbookWith, task } from '../fixtures/playbooks/catalog.ts';

/** Strings an attacker can put in a finding: markup, template syntax, unicode tricks. */
export const HOSTILE = {
  script: 'Impossible travel for {{context.user}} <script>alert(1)</script>',
  img: '<img src=x onerror=alert(2)>',
  attr: '" onmouseover="alert(3)" x="',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template syntax an attacker may send, kept literal
  template: '${7*7} {{7*7}} <%= 7*7 %>',
  unicode: 'pay\u202Epal \u200B\u0000 ｜ 🙂',
  closeTag: '</pre></title><svg onload=alert(4)>',
} as const;

export const ARN = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:inv-1-remediate';
export const PORT = 4860;
export const TOKEN = 'test-token-0123456789';
export const ORIGIN = `http://127.0.0.1:${PORT}`;
export const OPERATOR = 'local:alice';

export function demoPlaybook(name = 'remediate-finding'): CompiledPlaybook {
  return compileOk(
    playbookWith(
      {
        Enrich: task('enrich_account', 'Check'),
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.results.Enrich.owner', StringEquals: 'alice', Next: 'Ask' }],
          Default: 'Done',
        },
        Ask: { Type: 'Interaction', Resource: 'prompt_for_confirmation', TimeoutSeconds: 60, Next: 'Fix' },
        Fix: task('remediate', 'Done'),
        Done: { Type: 'Succeed' },
      },
      { Decorators: { TaskFailureHandler: task('notify') } },
    ),
    name,
  ).playbook;
}

function summary(i: number, overrides: Partial<InvestigationSummary> = {}): InvestigationSummary {
  return {
    id: `inv-${i}`,
    status: i % 3 === 0 ? 'closed' : 'open',
    source: i % 2 ? 'aws.securityhub' : 'aws.guardduty',
    kind: 'finding',
    account: i % 2 ? '111111111111' : '222222222222',
    region: 'eu-west-1',
    title: `Finding ${i}`,
    severity: 'HIGH',
    openedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    occurrences: 1,
    playbooks: ['remediate-finding'],
    ...overrides,
  };
}

export interface Recorded {
  close: Array<{ id: string; request: unknown; operator: string }>;
  answer: Array<{ id: string; decision: string; operator: string; reason: string }>;
  undo: Array<{ arn: string; operator: string }>;
  lists: Array<{ filter: InvestigationFilter; page: number; pageSize: number }>;
}

export function fakeBackend(options: { count?: number; result?: ConsoleActionResult } = {}): {
  backend: ConsoleBackend;
  recorded: Recorded;
} {
  const recorded: Recorded = { close: [], answer: [], undo: [], lists: [] };
  const result = options.result ?? { ok: true, message: 'done <b>it</b>' };
  const items: InvestigationSummary[] = [
    summary(1, { title: HOSTILE.script, severity: HOSTILE.img, account: '111111111111' }),
    ...Array.from({ length: (options.count ?? 3) - 1 }, (_, i) => summary(i + 2)),
  ];
  const playbook = demoPlaybook();
  const record: RemediationRecord = {
    investigationId: 'inv-1',
    remediationId: 's3-public-access#bucket-1',
    status: 'applied',
    executionId: ARN,
    state: 'Fix',
    playbook: 'remediate-finding',
    account: '111111111111',
    region: 'eu-west-1',
    target: { bucket: HOSTILE.closeTag },
    before: { BlockPublicAcls: false, note: HOSTILE.attr },
    planned: [
      { service: 's3', action: 'PutPublicAccessBlock', input: { Bucket: 'bucket-1' } },
      { service: 's3', action: 'PutBucketTagging', input: { Bucket: 'bucket-1' } },
    ],
    planHash: 'h',
    applied: [0],
    plannedAt: '2026-01-01T00:01:00.000Z',
    claimedAt: '2026-01-01T00:01:00.000Z',
    updatedAt: '2026-01-01T00:01:05.000Z',
    outcome: {
      id: 's3-public-access',
      account: '111111111111',
      region: 'eu-west-1',
      mode: 'auto',
      effectiveAction: 'applied',
      actions: [],
      after: { BlockPublicAcls: true },
      verified: true,
      undoable: true,
    } as unknown as RemediationRecord['outcome'],
    expiresAt: 0,
  };
  const execution: ConsoleExecutionDetail = {
    arn: ARN,
    playbook: 'remediate-finding',
    name: 'inv-1-remediate',
    status: 'FAILED',
    startedAt: '2026-01-01T00:01:00.000Z',
    stoppedAt: '2026-01-01T00:02:00.000Z',
    investigationId: 'inv-1',
    playbookDefinition: playbook,
    steps: [
      { state: 'Enrich', status: 'succeeded', input: { title: HOSTILE.script }, output: { owner: 'alice' } },
      { state: 'Check', status: 'succeeded' },
      { state: 'Ask', status: 'succeeded', output: { answer: 'yes' } },
      { state: 'Fix', status: 'failed', error: { name: 'AccessDenied', message: HOSTILE.img } },
    ],
    results: [
      {
        executionId: ARN,
        stateKey: 'Enrich#1#a',
        state: 'Enrich',
        playbook: 'remediate-finding',
        integration: 'enrich_account',
        investigationId: 'inv-1',
        savedAt: '2026-01-01T00:01:01.000Z',
        status: 'succeeded',
        result: { owner: 'alice' },
        expiresAt: 0,
      },
    ],
    remediations: [record],
    error: 'AccessDenied',
    cause: HOSTILE.closeTag,
  };
  const investigation: ConsoleInvestigation = {
    detail: {
      ...(items[0] as InvestigationSummary),
      events: [
        {
          id: 'inv-1',
          status: 'dispatched',
          receivedAt: '2026-01-01T00:01:00.000Z',
          updatedAt: '2026-01-01T00:01:00.000Z',
          title: HOSTILE.script,
        },
        {
          id: 'evt-dup',
          status: 'duplicate',
          receivedAt: '2026-01-01T00:05:00.000Z',
          updatedAt: '2026-01-01T00:05:00.000Z',
          title: HOSTILE.unicode,
        },
      ] as unknown as ConsoleInvestigation['detail']['events'],
    },
    normalized: { id: 'inv-1', title: HOSTILE.script, description: HOSTILE.template },
    raw: { detail: { title: HOSTILE.script, note: HOSTILE.closeTag } },
    executions: [execution],
  };
  const approvals: ConsoleApproval[] = [
    {
      id: 'int-1',
      executionArn: ARN,
      playbook: 'remediate-finding',
      state: 'Ask',
      integration: 'prompt_for_confirmation',
      createdAt: '2026-01-01T00:01:30.000Z',
      investigationId: 'inv-1',
      parameters: { message: `Block public access? ${HOSTILE.img}`, plan: record.planned },
    },
  ];
  const accounts: ConsoleAccount[] = [
    {
      accountId: '111111111111',
      name: HOSTILE.attr,
      ouPath: ['Root', 'Security'],
      mode: 'auto',
      modeSource: 'account tag socless:mode',
      lastEventAt: '2026-01-01T00:05:00.000Z',
      spoke: { status: 'deployed', regions: ['eu-west-1'] },
    },
    {
      accountId: '222222222222',
      name: 'prod',
      ouPath: ['Root', 'Workloads', 'Prod'],
      mode: 'notify',
      modeSource: 'OU default (Workloads)',
    },
    { accountId: '333333333333', ouPath: ['Root'], mode: 'dry-run', modeSource: 'org default' },
  ];
  const playbooks: ConsolePlaybook[] = [
    {
      name: playbook.name,
      workflow: playbook.workflow,
      triggers: [{ source: ['aws.securityhub'], 'detail-type': [HOSTILE.closeTag] }],
      integrations: playbook.integrations,
      compiled: playbook,
    },
  ];
  const backend: ConsoleBackend = {
    label: 'local',
    async listInvestigations(filter, page, pageSize): Promise<InvestigationPage> {
      recorded.lists.push({ filter, page, pageSize });
      const matching = items.filter(
        (i) =>
          (!filter.account || i.account === filter.account) &&
          (!filter.severity || i.severity === filter.severity) &&
          (!filter.source || i.source === filter.source),
      );
      const filtered = matching.filter((i) => !filter.status || i.status === filter.status);
      return {
        items: filtered.slice((page - 1) * pageSize, page * pageSize),
        total: filtered.length,
        countsByStatus: {
          open: matching.filter((i) => i.status === 'open').length,
          closed: matching.filter((i) => i.status === 'closed').length,
        },
        page,
        pageSize,
        facets: {
          accounts: [...new Set(items.map((i) => i.account as string))],
          severities: [...new Set(items.map((i) => i.severity as string))],
          sources: [...new Set(items.map((i) => i.source as string))],
          playbooks: ['remediate-finding'],
        },
      };
    },
    async investigation(id) {
      return id === 'inv-1' ? investigation : undefined;
    },
    async execution(arn) {
      return arn === ARN ? execution : undefined;
    },
    async approvals() {
      return approvals;
    },
    async answer(id, decision, operator, reason) {
      recorded.answer.push({ id, decision, operator, reason });
      return result;
    },
    async undo(arn, operator) {
      recorded.undo.push({ arn, operator });
      return result;
    },
    async close(id, request, operator) {
      recorded.close.push({ id, request, operator });
      return result;
    },
    async accounts() {
      return accounts;
    },
    async playbooks() {
      return playbooks;
    },
    async recentExecutions(name) {
      return name === playbook.name ? [execution] : [];
    },
  };
  return { backend, recorded };
}

/** The console app over the fake backend, and helpers that send authenticated requests to it. */
export function consoleUnderTest(options: Parameters<typeof fakeBackend>[0] & Partial<ConsoleAppOptions> = {}) {
  const { backend, recorded } = fakeBackend(options);
  const app = createConsoleApp(backend, { token: TOKEN, port: () => PORT, operator: OPERATOR, ...options });
  const cookie = `${consoleCookie(PORT)}=${deriveSecret(TOKEN, 'session')}`;
  const csrf = deriveSecret(TOKEN, 'csrf');
  const get = (path: string, headers: Record<string, string> = {}) =>
    app.request(`${ORIGIN}${path}`, { headers: { cookie, ...headers } });
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  return { app, backend, recorded, get, post, csrf, cookie };
}
