import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../shared/events/index.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import { customActionArn } from '../../shared/remediation/custom-actions.ts';
import { InvestigationsRepository } from '../../shared/store/investigations.ts';
import { fixture, pipelineDeps, TRIGGERS } from './harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const HUB = '111111111111';
const ADMIN = '222222222222';
const MEMBER = '123456789012';
const REGION = 'us-east-1';
const PLAYBOOKS = [
  ...TRIGGERS,
  {
    name: 'remediate-finding',
    triggers: [{ source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Imported'] }],
  },
  { name: 'remediate-finding-express', triggers: [] },
];

let seq = 0;
/** The imported fixture's finding (account MEMBER) sent to one of SOCless's actions in `from`. */
function actionEvent(
  id: string,
  opts: { from?: string; findingAccount?: string; findingId?: string; eventId?: string; actionAccount?: string } = {},
) {
  const imported = fixture('securityhub-asff-finding.json');
  const finding = (imported.detail as { findings: Record<string, unknown>[] }).findings[0] as Record<string, unknown>;
  seq++;
  const from = opts.from ?? HUB;
  return {
    version: '0',
    id: opts.eventId ?? `ca-${seq}-${Date.now()}`,
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: from,
    time: '2026-12-07T04:00:00Z',
    region: REGION,
    resources: [customActionArn('aws', REGION, opts.actionAccount ?? from, id)],
    detail: {
      actionName: 'SOCless',
      actionDescription: 'd',
      findings: [
        {
          // The fixture's resources are in MEMBER: they move with the finding.
          ...(JSON.parse(JSON.stringify(finding).replaceAll(MEMBER, opts.findingAccount ?? from)) as object),
          Id: opts.findingId ?? `finding-${seq}-${Date.now()}`,
        },
      ],
    },
  };
}

function deps(overrides: Parameters<typeof pipelineDeps>[1] = {}) {
  const investigations = new InvestigationsRepository(dynamo.client, 'events', 'dedup');
  return pipelineDeps(dynamo, {
    router: createRouter(PLAYBOOKS),
    hubAccountId: HUB,
    trustedAggregators: { securityhub: [ADMIN] },
    isOrgAccount: async (a) => a === MEMBER,
    closeInvestigation: (id, request) => investigations.close(id, request),
    ...overrides,
  });
}

describe('Security Hub custom action events in the pipeline', () => {
  it('normalizes each selected finding with the decision and an approver naming the action and account, never a person', () => {
    const event = actionEvent('SoclessRemediate');
    const result = normalizeEvent(event);
    expect(result.ok).toBe(true);
    const [normalized] = result.ok ? result.events : [];
    expect(normalized?.account).toBe(HUB);
    expect(normalized?.origin?.customAction).toEqual({
      decision: 'remediate',
      actionArn: event.resources[0],
      by: `Security Hub custom action ${event.resources[0]} in account ${HUB}`,
    });
  });

  it('remediate starts remediate-finding (Standard) once, under the finding investigation, even for a redelivery', async () => {
    const d = deps({ accountMode: async () => 'notify' });
    const event = actionEvent('SoclessRemediate');
    const [outcome] = await processInput(event, 'test', d);
    expect(outcome?.status).toBe('dispatched');
    expect(outcome?.executions.map((e) => e.playbook)).toEqual(['remediate-finding']);
    const input = d.dispatcher.inputs.get(outcome!.executions[0]!.name) as {
      artifacts: { investigation_id: string; event: { details: { origin: { customAction: unknown } } } };
    };
    expect(input.artifacts.investigation_id).toBe(outcome?.investigationId);
    expect(input.artifacts.event.details.origin.customAction).toMatchObject({ decision: 'remediate' });
    const [again] = await processInput(JSON.stringify(event), 'test', d);
    expect(again?.redelivered).toBe(true);
    expect([...d.dispatcher.starts.values()]).toEqual([1]);
  });

  it('dry-run starts the Express twin, which only plans, whatever the account mode', async () => {
    const d = deps({ accountMode: async () => 'notify' });
    const [outcome] = await processInput(actionEvent('SoclessDryRun'), 'test', d);
    expect(outcome?.status).toBe('dispatched');
    expect(outcome?.executions.map((e) => e.playbook)).toEqual(['remediate-finding-express']);
  });

  it('accept-risk closes the finding investigation as accepted-risk, by the action', async () => {
    const d = deps();
    const findingId = `accepted-${Date.now()}`;
    // The finding was imported first: it has an open investigation.
    const imported = fixture('securityhub-asff-finding.json');
    const finding = (imported.detail as { findings: Record<string, unknown>[] }).findings[0] as Record<string, unknown>;
    const [opened] = await processInput(
      {
        ...imported,
        id: `imp-${Date.now()}`,
        account: HUB,
        detail: {
          findings: [{ ...(JSON.parse(JSON.stringify(finding).replaceAll(MEMBER, HUB)) as object), Id: findingId }],
        },
      },
      'test',
      d,
    );
    expect(opened?.status).toBe('dispatched');
    const event = actionEvent('SoclessAcceptRisk', { findingId });
    const [outcome] = await processInput(event, 'test', d);
    expect(outcome?.status).toBe('resolved');
    expect(outcome?.investigationId).toBe(opened?.investigationId);
    const investigation = await new InvestigationsRepository(dynamo.client, 'events', 'dedup').show(
      opened!.investigationId!,
    );
    expect(investigation.status).toBe('closed');
    expect(investigation.resolution).toBe('accepted-risk');
    expect(investigation.closedByName).toBe(`Security Hub custom action ${event.resources[0]} in account ${HUB}`);
    expect(d.dispatcher.starts.size).toBe(1); // only the import's playbook ran
  });

  it('accept-risk of a finding with no investigation opens one and closes it', async () => {
    const d = deps();
    const [outcome] = await processInput(actionEvent('SoclessAcceptRisk'), 'test', d);
    expect(outcome?.status).toBe('resolved');
    const investigation = await new InvestigationsRepository(dynamo.client, 'events', 'dedup').show(
      outcome!.investigationId!,
    );
    expect(investigation.resolution).toBe('accepted-risk');
    expect(d.dispatcher.starts.size).toBe(0);
  });

  it('refuses an action event from an account that is neither the hub nor a Security Hub aggregator', async () => {
    const d = deps();
    const [outcome] = await processInput(actionEvent('SoclessRemediate', { from: '333333333333' }), 'test', d);
    expect(outcome?.status).toBe('rejected');
    expect(outcome?.flags).toEqual(['account-mismatch']);
    expect(outcome?.reason).toMatch(/neither the hub's account nor a trusted securityhub aggregator/);
    expect(d.dispatcher.starts.size).toBe(0);
  });

  it('refuses a finding of another account unless the sender is a trusted aggregator and the account is in the org', async () => {
    // The hub is not configured as a Security Hub aggregator here: it speaks only for its own findings.
    const d = deps();
    const [fromHub] = await processInput(actionEvent('SoclessRemediate', { findingAccount: MEMBER }), 'test', d);
    expect(fromHub?.status).toBe('rejected');
    expect(fromHub?.flags).toEqual(['account-mismatch']);
    expect(fromHub?.account).toBe(HUB);
    // The delegated administrator speaks for org accounts only.
    const [notInOrg] = await processInput(
      actionEvent('SoclessRemediate', { from: ADMIN, findingAccount: '444444444444' }),
      'test',
      d,
    );
    expect(notInOrg?.status).toBe('rejected');
    expect(notInOrg?.reason).toMatch(/not in the org registry/);
    const [ok] = await processInput(
      actionEvent('SoclessRemediate', { from: ADMIN, findingAccount: MEMBER }),
      'test',
      d,
    );
    expect(ok?.status).toBe('dispatched');
    expect(ok?.account).toBe(MEMBER);
    expect(d.dispatcher.starts.size).toBe(1);
  });

  it('rejects an action ARN of another account than the event came from, naming the field', async () => {
    const d = deps();
    const [outcome] = await processInput(
      actionEvent('SoclessRemediate', { from: HUB, actionAccount: '999999999999' }),
      'test',
      d,
    );
    expect(outcome?.status).toBe('rejected');
    expect(outcome?.field).toBe('resources[0]');
    expect(outcome?.reason).toMatch(/action of account 999999999999/);
    expect(d.dispatcher.starts.size).toBe(0);
  });

  it('records accept-risk as unrouted, with the reason, when a person already closed the investigation', async () => {
    const d = deps();
    const findingId = `closed-${Date.now()}`;
    const [first] = await processInput(actionEvent('SoclessAcceptRisk', { findingId }), 'test', d);
    const [second] = await processInput(actionEvent('SoclessAcceptRisk', { findingId }), 'test', d);
    expect(first?.status).toBe('resolved');
    expect(second?.status).toBe('unrouted');
    expect(second?.reason).toMatch(/already closed by Security Hub custom action/);
  });

  it('leaves a remediate pending when StartExecution fails, and the sweeper starts it exactly once, under the same investigation', async () => {
    let clock = Date.parse('2026-04-01T00:00:00Z');
    const d = deps({ now: () => clock });
    d.dispatcher.failNext = () => true;
    const [outcome] = await processInput(actionEvent('SoclessRemediate'), 'test', d);
    expect(outcome?.status).toBe('pending');
    d.dispatcher.failNext = () => false;
    clock += 10 * 60_000;
    const report = await sweep(d, { olderThanMs: 5 * 60_000 });
    const redriven = report.redriven.find((r) => r.eventId === outcome?.eventId);
    expect(redriven).toMatchObject({ status: 'dispatched', investigationId: outcome?.investigationId });
    expect(redriven?.executions.map((e) => e.playbook)).toEqual(['remediate-finding']);
    expect([...d.dispatcher.starts.values()]).toEqual([1]);
    await sweep(d, { olderThanMs: 5 * 60_000 });
    expect([...d.dispatcher.starts.values()]).toEqual([1]);
  });
});
