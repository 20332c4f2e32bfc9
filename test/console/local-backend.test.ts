/**
 * The console's local backend over real local hubs: one plan-only hub fed the bundled sample events (index kept
 * fresh by the hub's change hook, an execution's path with each state's input and output, an approval answered
 * through the backend and the execution finishing, a close, undo refused because nothing was applied), and one
 * hub started with `aws: true` against stateful fakes, where a remediation applied for real is undone once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConsoleBackend, localSteps } from '../../scripts/console/local-backend.ts';
import { LocalHub } from '../../scripts/local/hub.ts';
import { type ConsoleHubFixture, startConsoleHub } from './browser-hub.ts';

const OPERATOR = 'local:backend-test';
const sample = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../playbooks/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** A sample GuardDuty finding as a new delivery of finding `findingId` under event id `id`. */
function crypto(findingId: string, id: string): Record<string, unknown> {
  const event = sample('guardduty-triage/events/crypto-mining-high.json') as {
    id: string;
    detail: Record<string, unknown>;
  };
  event.id = id;
  event.detail.id = findingId;
  return event as unknown as Record<string, unknown>;
}

describe('LocalConsoleBackend over a plan-only hub', () => {
  let hub: LocalHub;
  let backend: LocalConsoleBackend;
  let waitingArn: string;
  let waitingInvestigation: string;

  beforeAll(async () => {
    hub = await LocalHub.start({ interactionTimeoutMs: 'never', executionWaitMs: 20_000 });
    // Two investigations before the backend exists (found by the load), the rest after (found by the hook).
    await hub.submit(crypto('finding-a', 'cb-inv-a'), 'test');
    await hub.submit(sample('guardduty-triage/events/port-probe-low-legacy.json'), 'test');
    backend = await LocalConsoleBackend.create(hub);
    await hub.submit(crypto('finding-b', 'cb-inv-b'), 'test');
    await hub.submit(crypto('finding-b', 'cb-inv-b-repeat'), 'test');
    const [waiting] = await hub.submit(
      sample('remediate-finding/events/securityhub-s3-bucket-public-notify-account.json'),
      'test',
    );
    waitingArn = waiting?.runs.find((r) => r.playbook === 'remediate-finding')?.arn ?? '';
    waitingInvestigation = waiting?.investigationId ?? '';
  }, 60_000);

  afterAll(async () => {
    backend?.stop();
    await hub?.close();
  });

  it('lists what the repository lists, including investigations opened after the load, with counts and facets', async () => {
    // What the hub reported is re-read (a page waits for that only so long: a loaded machine may take longer).
    await backend.settled();
    const page = await backend.listInvestigations({}, 1, 50);
    const repo = await hub.investigationRecords().list({ limit: 1000 });
    expect(page.items.map((i) => i.id)).toEqual(repo.map((i) => i.id));
    expect(page.items.map((i) => i.id)).toEqual(expect.arrayContaining(['cb-inv-a', 'cb-inv-b', waitingInvestigation]));
    expect(page.total).toBe(repo.length);
    expect(page.countsByStatus.open + page.countsByStatus.closed).toBe(repo.length);
    // The repeat is an occurrence of cb-inv-b, re-read through the hook.
    expect(page.items.find((i) => i.id === 'cb-inv-b')).toMatchObject({ occurrences: 2 });
    expect(page.items.map((i) => i.id)).not.toContain('cb-inv-b-repeat');
    expect(page.facets.accounts).toEqual(['123456789012', '210987654321', '222222222222']);
    expect(page.facets.playbooks).toEqual(expect.arrayContaining(['guardduty-triage', 'remediate-finding']));

    const payments = await backend.listInvestigations({ ou: 'Payments' }, 1, 50);
    expect(payments.items.map((i) => i.id)).toEqual([waitingInvestigation]);
    // Prod holds Payments (123456789012) and legacy-prod (222222222222), by name or by id.
    const prod = await backend.listInvestigations({ ou: 'ou-ab12-prod0001' }, 1, 50);
    expect(new Set(prod.items.map((i) => i.account))).toEqual(new Set(['123456789012', '222222222222']));
    expect((await backend.listInvestigations({ ou: 'Prod' }, 1, 50)).total).toBe(prod.total);
  });

  it('shows an investigation with its normalized and raw event and its executions', async () => {
    const shown = await backend.investigation('cb-inv-b');
    expect(shown?.detail.events.map((e) => e.id)).toEqual(['cb-inv-b', 'cb-inv-b-repeat']);
    expect(shown?.normalized).toMatchObject({ id: 'cb-inv-b', account: '210987654321' });
    expect(shown?.normalized).not.toHaveProperty('raw');
    expect(shown?.raw).toMatchObject({ id: 'cb-inv-b', detail: { id: 'finding-b' } });
    // One execution per playbook the finding routed to, each finished (the repeat started none).
    expect(shown?.executions).toHaveLength(shown?.detail.playbooks?.length ?? -1);
    expect(shown?.executions.map((e) => e.playbook)).toContain('guardduty-triage');
    expect(new Set(shown?.executions.map((e) => e.status))).toEqual(new Set(['SUCCEEDED']));
    expect(await backend.investigation('cb-inv-b-repeat')).toBeUndefined();
    expect(await backend.investigation('no-such-investigation')).toBeUndefined();
  });

  it("gives an execution's path with each state's input and output, its saved results, and its playbook", async () => {
    const [summary] = (await backend.investigation('cb-inv-a'))?.executions ?? [];
    const detail = await backend.execution(summary?.arn ?? '');
    const run = hub.dispatcher.runs.get(summary?.name ?? '');
    expect(detail?.steps.map((s) => s.state)).toEqual(run?.result?.states);
    expect(detail?.steps[0]?.input).toEqual(run?.input);
    expect(detail?.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(detail?.playbookDefinition?.name).toBe('guardduty-triage');
    expect(detail?.results.length).toBeGreaterThan(0);
    for (const r of detail?.results ?? []) {
      const step = detail?.steps.find((s) => s.state === r.state);
      expect(step, r.state).toBeDefined();
      // The results table holds what the state returned; the step's output is that merged into the context.
      if (r.result) expect(JSON.stringify(step?.output)).toContain(JSON.stringify(Object.values(r.result)[0]));
    }
    expect(await backend.execution(`${summary?.arn}-unknown`)).toBeUndefined();
    expect(await backend.recentExecutions('guardduty-triage', 10)).toEqual(
      expect.arrayContaining([expect.objectContaining({ arn: summary?.arn, investigationId: 'cb-inv-a' })]),
    );
  });

  it('shows the waiting approval with its plan; an answer through the backend lets the execution finish', async () => {
    const approvals = await backend.approvals();
    const approval = approvals.find((a) => a.executionArn === waitingArn);
    expect(approval).toMatchObject({
      state: 'Ask_Approval',
      playbook: 'remediate-finding',
      investigationId: waitingInvestigation,
    });
    expect(JSON.stringify(approval?.parameters.actions)).toContain('PutPublicAccessBlock');
    const before = await backend.execution(waitingArn);
    expect(before).toMatchObject({ status: 'WAITING', waitingOn: { id: approval?.id, state: 'Ask_Approval' } });
    expect(before?.steps.at(-1)).toMatchObject({ state: 'Ask_Approval', status: 'waiting' });

    expect(await backend.answer('i-999', 'approve', OPERATOR, '')).toMatchObject({ ok: false });
    const answered = await backend.answer(approval?.id ?? '', 'approve', OPERATOR, 'owner agreed');
    expect(answered).toMatchObject({ ok: true });
    await hub.dispatcher.runs.get(waitingArn.split(':').at(-1) ?? '')?.done;
    const after = await backend.execution(waitingArn);
    expect(after?.status).toBe('SUCCEEDED');
    expect(after?.steps.map((s) => s.state)).toContain('Remediate_Approved');
    expect((await backend.approvals()).map((a) => a.id)).not.toContain(approval?.id);
  });

  it('closes through the repository, and the index shows the close at once; a second close is refused', async () => {
    // guardduty-triage closed it itself; a person's close overrides a playbook's.
    const before = (await backend.listInvestigations({ account: '210987654321' }, 1, 50)).items.find(
      (i) => i.id === 'cb-inv-a',
    );
    expect(before).toMatchObject({ status: 'closed', closedBy: 'playbook' });
    expect(await backend.close('cb-inv-a', { resolution: 'not-a-resolution', reason: 'x' }, OPERATOR)).toMatchObject({
      ok: false,
      message: expect.stringContaining('resolution must be one of'),
    });
    const closed = await backend.close(
      'cb-inv-a',
      { resolution: 'accepted-risk', reason: 'mining test rig, owner accepts it' },
      OPERATOR,
    );
    expect(closed).toMatchObject({ ok: true });
    const page = await backend.listInvestigations({ status: 'closed', account: '210987654321' }, 1, 50);
    expect(page.items.find((i) => i.id === 'cb-inv-a')).toMatchObject({
      status: 'closed',
      resolution: 'accepted-risk',
      closedBy: 'person',
      closedByName: OPERATOR,
    });
    expect(await backend.close('cb-inv-a', { resolution: 'remediated', reason: 'again' }, OPERATOR)).toMatchObject({
      ok: false,
      message: expect.stringContaining(`already closed by ${OPERATOR}`),
    });
    expect(await backend.close('no-such-id', { resolution: 'remediated', reason: 'x' }, OPERATOR)).toMatchObject({
      ok: false,
      message: expect.stringContaining('no investigation no-such-id'),
    });
  });

  it('refuses an undo: a plan-only hub applied nothing', async () => {
    const result = await backend.undo(waitingArn, OPERATOR);
    expect(result).toMatchObject({ ok: false });
    expect(result.message).toContain('only plans');
  });

  it('lists the simulated accounts with mode, where it comes from, OU path and last event', async () => {
    const accounts = await backend.accounts();
    const byId = new Map(accounts.map((a) => [a.accountId, a]));
    expect(byId.get('333333333333')).toMatchObject({ mode: 'auto', modeSource: 'tag', ouPath: ['Root', 'Prod'] });
    expect(byId.get('123456789012')).toMatchObject({ mode: 'notify', modeSource: 'default' });
    const last = (await hub.investigations()).find((e) => e.account === '210987654321')?.receivedAt;
    expect(byId.get('210987654321')?.lastEventAt).toBe(last);
    expect(byId.get('444444444444')?.lastEventAt).toBeUndefined();
    expect((await backend.playbooks()).map((p) => p.name)).toEqual(hub.playbooks.map((p) => p.name));
  });
});

describe('LocalConsoleBackend over a hub that applies (aws: true, stateful fakes)', () => {
  let fixture: ConsoleHubFixture;
  let backend: LocalConsoleBackend;
  beforeAll(async () => {
    fixture = await startConsoleHub();
    backend = await LocalConsoleBackend.create(fixture.hub);
  }, 60_000);
  afterAll(async () => {
    backend?.stop();
    await fixture?.close();
  });

  it('undoes an applied remediation once, through the undo sessions, and refuses the second undo', async () => {
    expect(fixture.buckets.blocked(fixture.appliedBucket)).toBe(true);
    const detail = await backend.execution(fixture.appliedExecutionArn);
    expect(detail?.remediations.map((r) => r.status)).toEqual(['applied']);
    const undone = await backend.undo(fixture.appliedExecutionArn, OPERATOR);
    expect(undone).toMatchObject({ ok: true });
    expect(fixture.buckets.blocked(fixture.appliedBucket)).toBe(false);
    const after = await backend.execution(fixture.appliedExecutionArn);
    expect(after?.remediations[0]).toMatchObject({ status: 'undone', undo: { by: OPERATOR } });
    const again = await backend.undo(fixture.appliedExecutionArn, OPERATOR);
    expect(again).toMatchObject({ ok: false, message: expect.stringContaining(`already undone by ${OPERATOR}`) });
  });
});

describe('LocalConsoleBackend over the tables an earlier hub process kept (--data)', () => {
  it('lists its executions as UNKNOWN, with the states that saved a result as their steps', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'socless-console-data-'));
    try {
      const first = await LocalHub.start({ dataDir, executionWaitMs: 20_000 });
      let arn = '';
      let states: string[] = [];
      try {
        const [outcome] = await first.submit(crypto('finding-kept', 'cb-kept'), 'test');
        const run = outcome?.runs.find((r) => r.playbook === 'guardduty-triage');
        arn = run?.arn ?? '';
        states = run?.result?.states ?? [];
      } finally {
        await first.close();
      }
      const hub = await LocalHub.start({ dataDir, executionWaitMs: 0 });
      try {
        const backend = await LocalConsoleBackend.create(hub);
        const shown = await backend.investigation('cb-kept');
        expect(shown?.executions.find((e) => e.arn === arn)).toMatchObject({
          status: 'UNKNOWN',
          playbook: 'guardduty-triage',
          investigationId: 'cb-kept',
        });
        const detail = await backend.execution(arn);
        expect(detail?.status).toBe('UNKNOWN');
        expect(detail?.results.length).toBeGreaterThan(0);
        // Only states that saved a result (what they returned, not what they were given).
        const steps = detail?.steps.map((s) => s.state) ?? [];
        expect(steps.length).toBe(detail?.results.length);
        expect(steps.every((s) => states.includes(s))).toBe(true);
        expect(detail?.steps.every((s) => s.input === undefined)).toBe(true);
        expect(await backend.execution(`${arn}-never-ran`)).toBeUndefined();
        backend.stop();
      } finally {
        await hub.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('localSteps', () => {
  it('keeps the order states were entered, a retried step once, and marks the waiting one', () => {
    const at = '2026-12-01T00:00:00.000Z';
    const steps = localSteps(
      [
        { type: 'StateEntered', state: 'A', at, input: { a: 1 } },
        { type: 'StateExited', state: 'A', at, output: { a: 2 } },
        { type: 'StateEntered', state: 'B', at, input: { b: 1 } },
        { type: 'StateRetried', state: 'B', at, error: { name: 'Boom', message: 'once' } },
        { type: 'StateExited', state: 'B', at, output: { b: 2 } },
        { type: 'StateEntered', state: 'C', at, input: {} },
        { type: 'StateFailed', state: 'C', at, error: { name: 'X', message: 'no' } },
        { type: 'StateEntered', state: 'D', at, input: {} },
      ],
      'D',
    );
    expect(steps).toEqual([
      { state: 'A', enteredAt: at, status: 'succeeded', input: { a: 1 }, output: { a: 2 } },
      { state: 'B', enteredAt: at, status: 'succeeded', input: { b: 1 }, output: { b: 2 } },
      { state: 'C', enteredAt: at, status: 'failed', input: {}, error: { name: 'X', message: 'no' } },
      { state: 'D', enteredAt: at, status: 'waiting', input: {} },
    ]);
  });
});
