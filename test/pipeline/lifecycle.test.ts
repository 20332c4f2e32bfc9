import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { DynamoDedupStore } from '../../shared/pipeline/dynamo-stores.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import type { DedupStore } from '../../shared/pipeline/types.ts';
import { DedupCloser } from '../../shared/store/dedup.ts';
import { fixture, pipelineDeps } from './harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

/** One playbook per source, so every source's active findings route. */
const EVERY_SOURCE = createRouter(
  ['aws.guardduty', 'aws.securityhub', 'aws.config', 'aws.access-analyzer'].map((source) => ({
    name: `triage-${source.slice(4)}`,
    triggers: [{ source: [source] }],
  })),
);

let seq = 0;
const unique = () => `${++seq}-${Date.now()}`;

type Json = Record<string, unknown>;
const clone = (v: Json): Json => structuredClone(v);

/** A GuardDuty delivery of finding `findingId` with its own event id. */
function guardDuty(findingId: string, severity: number, count: number, archived = false): Json {
  const event = fixture('guardduty-ssh-bruteforce.json');
  const detail = event.detail as Json;
  return {
    ...event,
    id: `gd-${unique()}`,
    detail: { ...detail, id: findingId, severity, service: { ...(detail.service as Json), count, archived } },
  };
}

const startsOf = (deps: ReturnType<typeof pipelineDeps>) =>
  [...deps.dispatcher.starts.values()].reduce((a, b) => a + b, 0);

describe('investigation lifecycle', () => {
  it('delivers one GuardDuty finding three times (original, count raised, severity raised): one run, one duplicate, one escalation', async () => {
    const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE });
    const findingId = `three-${unique()}`;

    const [first] = await processInput(guardDuty(findingId, 5, 1), 'test', deps);
    const [repeat] = await processInput(guardDuty(findingId, 5, 7), 'test', deps);
    const [higher] = await processInput(guardDuty(findingId, 8, 9), 'test', deps);

    expect([first?.status, repeat?.status, higher?.status]).toEqual(['dispatched', 'duplicate', 'escalated']);
    expect(repeat?.investigationId).toBe(first?.eventId);
    expect(higher?.investigationId).toBe(first?.eventId);
    // One run for the original, one for the escalation; none for the repeat.
    expect(startsOf(deps)).toBe(2);
    expect(repeat?.executions).toEqual([]);
    const escalation = deps.dispatcher.inputs.get(higher!.executions[0]!.name) as {
      artifacts: { investigation_id: string; event: { id: string } };
    };
    expect(escalation.artifacts.investigation_id).toBe(first?.eventId);
    expect(escalation.artifacts.event.id).toBe(higher?.eventId);
    const dedup = new DynamoDedupStore(dynamo.client, 'dedup');
    const state = await dedup.read(`guardduty:210987654321:us-east-1:${findingId}`);
    expect(state).toMatchObject({
      investigationId: first?.eventId,
      occurrences: 3,
      runSeverity: 'HIGH',
      latestSeverity: 'HIGH',
      status: 'open',
    });
  });

  it('escalates once: a second delivery at the raised severity is a duplicate', async () => {
    const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE });
    const findingId = `once-${unique()}`;
    await processInput(guardDuty(findingId, 5, 1), 'test', deps);
    const [up] = await processInput(guardDuty(findingId, 8, 2), 'test', deps);
    const [same] = await processInput(guardDuty(findingId, 8, 3), 'test', deps);
    expect([up?.status, same?.status]).toEqual(['escalated', 'duplicate']);
    expect(startsOf(deps)).toBe(2);
  });

  it("absorbs a repeat after the triage playbook's own close step, within the window", async () => {
    const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE });
    const findingId = `triaged-${unique()}`;
    const [first] = await processInput(guardDuty(findingId, 5, 1), 'test', deps);
    const key = `guardduty:210987654321:us-east-1:${findingId}`;
    await new DedupCloser(dynamo.client, 'dedup').close(key, first!.eventId, new Date().toISOString(), {
      closedBy: 'playbook',
    });
    const [again] = await processInput(guardDuty(findingId, 5, 2), 'test', deps);
    expect(again).toMatchObject({ status: 'duplicate', investigationId: first?.eventId });
    expect(startsOf(deps)).toBe(1);
  });

  it('opens a linked investigation and runs again when a remediated finding comes back (regression)', async () => {
    const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE });
    const findingId = `regress-${unique()}`;
    const [first] = await processInput(guardDuty(findingId, 8, 1), 'test', deps);
    const key = `guardduty:210987654321:us-east-1:${findingId}`;
    await new DedupCloser(dynamo.client, 'dedup').close(key, first!.eventId, new Date().toISOString(), {
      closedBy: 'playbook',
      resolution: 'remediated',
    });
    const [back] = await processInput(guardDuty(findingId, 8, 2), 'test', deps);
    expect(back).toMatchObject({
      status: 'dispatched',
      investigationId: back?.eventId,
      previousInvestigationId: first?.eventId,
      regression: true,
    });
    expect(startsOf(deps)).toBe(2);
    expect((await deps.events.get(back!.eventId))?.previousInvestigationId).toBe(first?.eventId);
  });

  it('re-drives an escalation that crashed after its claim exactly once, still as an escalation', async () => {
    let clock = Date.parse('2026-06-01T00:00:00Z');
    const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE, now: () => clock });
    const findingId = `crash-${unique()}`;
    const [first] = await processInput(guardDuty(findingId, 5, 1), 'test', deps);
    const crashAfterClaim: DedupStore = {
      claim: async (...args) => {
        await deps.dedup.claim(...args);
        throw new Error('Task timed out after 30.00 seconds');
      },
      resolve: (...args) => deps.dedup.resolve(...args),
    };
    const up = guardDuty(findingId, 9, 2);
    await expect(processInput(up, 'test', { ...deps, dedup: crashAfterClaim })).rejects.toThrow(/timed out/);
    clock += 10 * 60_000;
    const report = await sweep(deps, { olderThanMs: 5 * 60_000 });
    expect(report.redriven.find((o) => o.eventId === up.id)).toMatchObject({
      status: 'escalated',
      investigationId: first?.eventId,
    });
    expect(startsOf(deps)).toBe(2);
  });
});

/** For each source: an active finding, and the same finding as the source reports it over. */
const OVER_SIGNALS: Array<[string, () => Json, (active: Json) => Json]> = [
  [
    'Security Hub ASFF Workflow.Status RESOLVED',
    () => fixture('securityhub-asff-finding.json'),
    (e) => withAsff(e, (f) => ({ ...f, Workflow: { Status: 'RESOLVED' } })),
  ],
  [
    'Security Hub ASFF Workflow.Status SUPPRESSED',
    () => fixture('securityhub-asff-finding.json'),
    (e) => withAsff(e, (f) => ({ ...f, Workflow: { Status: 'SUPPRESSED' } })),
  ],
  [
    'Security Hub ASFF RecordState ARCHIVED',
    () => fixture('securityhub-asff-finding.json'),
    (e) => withAsff(e, (f) => ({ ...f, RecordState: 'ARCHIVED' })),
  ],
  [
    'Security Hub ASFF Compliance.Status PASSED',
    () => fixture('securityhub-asff-finding.json'),
    (e) => withAsff(e, (f) => ({ ...f, Compliance: { ...(f.Compliance as Json), Status: 'PASSED' } })),
  ],
  [
    'Security Hub OCSF status Resolved',
    () => fixture('securityhub-ocsf-finding.json'),
    (e) => withAsff(e, (f) => ({ ...f, status_id: 4, status: 'Resolved' })),
  ],
  [
    'GuardDuty archived',
    () => fixture('guardduty-ssh-bruteforce.json'),
    (e) => ({
      ...e,
      detail: { ...(e.detail as Json), service: { ...((e.detail as Json).service as Json), archived: true } },
    }),
  ],
  [
    'Config COMPLIANT',
    () => fixture('config-noncompliant.json'),
    (e) => {
      const detail = clone(e.detail as Json);
      (detail.newEvaluationResult as Json).complianceType = 'COMPLIANT';
      return { ...e, detail };
    },
  ],
  [
    'Config NOT_APPLICABLE (the resource was deleted or left the rule scope)',
    () => fixture('config-noncompliant.json'),
    (e) => {
      const detail = clone(e.detail as Json);
      (detail.newEvaluationResult as Json).complianceType = 'NOT_APPLICABLE';
      return { ...e, detail };
    },
  ],
  [
    'Access Analyzer RESOLVED',
    () => fixture('access-analyzer-finding.json'),
    (e) => ({ ...e, detail: { ...(e.detail as Json), status: 'RESOLVED' } }),
  ],
  [
    'Access Analyzer ARCHIVED',
    () => fixture('access-analyzer-finding.json'),
    (e) => ({ ...e, detail: { ...(e.detail as Json), status: 'ARCHIVED' } }),
  ],
];

function withAsff(event: Json, change: (finding: Json) => Json): Json {
  const detail = event.detail as { findings: Json[] };
  return { ...event, detail: { ...detail, findings: detail.findings.map(change) } };
}

/** Gives the finding a fresh identity (so tests do not share investigations) and the event a fresh id. */
function fresh(event: Json, tag: string): Json {
  const out = clone(event);
  out.id = `${tag}-${unique()}`;
  const detail = out.detail as Json;
  if (Array.isArray(detail.findings)) {
    for (const f of detail.findings as Json[]) {
      if (typeof f.Id === 'string') f.Id = `${f.Id}-${tag}`;
      const info = f.finding_info as Json | undefined;
      if (info && typeof info.uid === 'string') info.uid = `${info.uid}-${tag}`;
    }
  } else if (typeof detail.resourceId === 'string') {
    detail.resourceId = `${detail.resourceId}-${tag}`;
    const qualifier = ((detail.newEvaluationResult as Json | undefined)?.evaluationResultIdentifier as Json | undefined)
      ?.evaluationResultQualifier as Json | undefined;
    if (qualifier && typeof qualifier.resourceId === 'string') qualifier.resourceId = detail.resourceId;
  } else if (typeof detail.id === 'string') {
    detail.id = `${detail.id}-${tag}`;
  }
  return out;
}

describe('the source says it is over', () => {
  it.each(OVER_SIGNALS)(
    '%s closes the open investigation as resolved-by-source, with no run',
    async (_name, active, over) => {
      const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE });
      const tag = `over${unique().replace(/\W/g, '')}`;
      const base = fresh(active(), tag);
      const [opened] = await processInput(base, 'test', deps);
      expect(opened?.status).toBe('dispatched');
      const closing = { ...over(base), id: `closing-${unique()}` };
      const [closed] = await processInput(closing, 'test', deps);
      expect(closed).toMatchObject({ status: 'resolved', investigationId: opened?.eventId, executions: [] });
      expect(await deps.events.get(opened!.eventId)).toMatchObject({
        investigationStatus: 'closed',
        resolution: 'resolved-by-source',
        closedBy: 'source',
      });
      expect(startsOf(deps)).toBe(opened!.playbooks.length);
      // The finding coming back after the source said it was gone is a regression: a new, linked investigation.
      const [back] = await processInput({ ...base, id: `back-${unique()}` }, 'test', deps);
      expect(back).toMatchObject({ status: 'dispatched', previousInvestigationId: opened?.eventId, regression: true });
    },
  );

  it('Security Hub ASFF Compliance.Status NOT_AVAILABLE (check could not run) pages nobody and closes nothing', async () => {
    const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE });
    const tag = `na${unique().replace(/\W/g, '')}`;
    const base = fresh(fixture('securityhub-asff-finding.json'), tag);
    const [opened] = await processInput(base, 'test', deps);
    expect(opened?.status).toBe('dispatched');
    const notAvailable = {
      ...withAsff(base, (f) => ({ ...f, Compliance: { ...(f.Compliance as Json), Status: 'NOT_AVAILABLE' } })),
      id: `na-${unique()}`,
    };
    const [outcome] = await processInput(notAvailable, 'test', deps);
    expect(outcome).toMatchObject({ status: 'unrouted', playbooks: [], executions: [] });
    expect(outcome?.reason).toMatch(/could not evaluate the check \(NOT_AVAILABLE\)/);
    expect(startsOf(deps)).toBe(opened!.playbooks.length);
    // The open investigation stays open: the source said nothing about the problem being over.
    expect((await deps.events.get(opened!.eventId))?.investigationStatus).not.toBe('closed');
    // And with nothing open, it starts nothing either.
    const lonely = {
      ...withAsff(fresh(fixture('securityhub-asff-finding.json'), `${tag}x`), (f) => ({
        ...f,
        Compliance: { ...(f.Compliance as Json), Status: 'NOT_AVAILABLE' },
      })),
      id: `na-lonely-${unique()}`,
    };
    const before = startsOf(deps);
    expect((await processInput(lonely, 'test', deps))[0]?.status).toBe('unrouted');
    expect(startsOf(deps)).toBe(before);
  });

  it.each(OVER_SIGNALS)(
    '%s with no investigation open is recorded as unrouted, with the reason',
    async (_name, active, over) => {
      const deps = pipelineDeps(dynamo, { router: EVERY_SOURCE });
      const tag = `none${unique().replace(/\W/g, '')}`;
      const closing = { ...over(fresh(active(), tag)), id: `lonely-${unique()}` };
      const [outcome] = await processInput(closing, 'test', deps);
      expect(outcome?.status).toBe('unrouted');
      expect(outcome?.reason).toMatch(
        /the source reports the finding (resolved|suppressed|archived|compliant|not-applicable)/,
      );
      expect(deps.dispatcher.starts.size).toBe(0);
    },
  );
});
