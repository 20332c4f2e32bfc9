/**
 * Undo of a partial apply, for every remediation: a run whose Nth write fails leaves its record `applying` with
 * the calls before it applied; undo must reverse exactly those calls, last first, so the stateful fake ends in
 * exactly the state it had before the run. Every N from 1 to the number of writes in the plan is tried.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { CALLS } from '../../shared/remediation/calls.ts';
import { BlastRadiusGuard } from '../../shared/remediation/guard.ts';
import { undoCalls, undoExecution } from '../../shared/remediation/record.ts';
import { callRunner } from '../../shared/remediation/runner.ts';
import type { SpokeSession, SpokeSessionRequest } from '../../shared/remediation/session.ts';
import { REMEDIATION_IDS, REMEDIATION_SETTINGS_ENV } from '../../shared/remediation/settings.ts';
import type { PlanContext } from '../../shared/remediation/types.ts';
import type { RemediationRecord } from '../../shared/store/remediations.ts';
import { ACCOUNT, NOW, REGION, RecordingSessionFactory } from './helpers.ts';
import { CONTAINMENT_CASES } from './stateful-cases-containment.ts';
import { CONTROL_CASES } from './stateful-cases-controls.ts';
import { KIT_CASES } from './stateful-cases-kit.ts';
import { ALL_MOCKS, clone, named, type StatefulCase, useRemediateHarness } from './stateful-fakes.ts';

const CASES: StatefulCase[] = [...KIT_CASES, ...CONTAINMENT_CASES, ...CONTROL_CASES];
const WRITES = new Set(
  Object.entries(CALLS)
    .filter(([, spec]) => spec.write)
    .map(([key]) => key.split(':')[1] as string),
);
/** Every never-automatic entry named as automatic, so each case applies in an auto account. */
const ENV = { [REMEDIATION_SETTINGS_ENV]: JSON.stringify({ autoAllowed: [...REMEDIATION_IDS] }) };

/** Fix sessions whose Nth write fails (before it reaches the fake), as a throttled or failing API would. */
class FailingNthWrite extends RecordingSessionFactory {
  private writes = 0;
  constructor(private readonly n: number) {
    super();
  }
  override async open(request: SpokeSessionRequest): Promise<SpokeSession> {
    const session = await super.open(request);
    if (request.purpose !== 'fix') return session;
    const clients = new Proxy(session.clients, {
      get: (target, service) => {
        const client = Reflect.get(target, service) as { send(command: object): Promise<unknown> };
        return new Proxy(client, {
          get: (c, prop) => {
            if (prop !== 'send') return Reflect.get(c, prop);
            return async (command: object) => {
              if (WRITES.has(command.constructor.name.replace(/Command$/, ''))) {
                this.writes += 1;
                if (this.writes === this.n) throw named('InternalFailure');
              }
              return c.send(command);
            };
          },
        });
      },
    });
    return { ...session, clients };
  }
}

/** The plan index of each write of the plan against the faithful fake (a plan may read first, as CodeBuild's does). */
async function writeIndexes(c: StatefulCase): Promise<number[]> {
  c.install('faithful');
  const target = c.remediation.target(c.event);
  const ctx: PlanContext<object> = { target, account: ACCOUNT, region: REGION, partition: 'aws', now: NOW };
  const session = await new RecordingSessionFactory().open({
    account: ACCOUNT,
    region: REGION,
    remediation: c.remediation,
    executionId: 'plan',
    purpose: 'read',
    target,
  });
  const before = await c.remediation.readState(callRunner(c.remediation, session), ctx);
  for (const m of ALL_MOCKS) m.reset();
  return c.remediation.plan(before, ctx).flatMap((call, i) => (WRITES.has(call.action) ? [i] : []));
}

describe('undo of a partial apply restores the exact before-state', () => {
  const h = useRemediateHarness();
  let guard: BlastRadiusGuard;
  let run = 0;
  beforeAll(() => {
    guard = new BlastRadiusGuard(h.dynamo.client, 'remediations', {
      maxAutoPerAccountPerHour: 10_000,
      maxAutoPerOrgPerHour: 10_000,
    });
  });

  /** Runs `c` in auto mode with its `n`th write failing: the run throws and leaves its record `applying`. */
  async function runFailingAt(c: StatefulCase, n: number, parameters?: Record<string, unknown>) {
    run += 1;
    const executionId = `arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:partial-${run}`;
    await expect(
      h.invoke({
        mode: 'auto',
        event: c.event,
        executionId,
        env: ENV,
        ...(parameters ? { parameters } : {}),
        runtime: { sessions: new FailingNthWrite(n), records: h.records, guard },
      }),
    ).rejects.toThrow('InternalFailure');
    const [record] = (await h.records.listByExecution(executionId)) as RemediationRecord[];
    return { executionId, record };
  }

  it('covers the whole registry', () => {
    expect(CASES.map((c) => c.remediation.id).sort()).toEqual(REMEDIATIONS.map((r) => r.id).sort());
  });

  it.each(CASES.map((c) => [c.remediation.id, c] as const))(
    '%s: whichever write fails, undo reverses exactly the applied calls',
    async (_id, c) => {
      const writes = await writeIndexes(c);
      const length = writes.length;
      expect(length).toBeGreaterThan(0);
      for (let n = 1; n <= length; n++) {
        for (const m of ALL_MOCKS) m.reset();
        const snapshot = c.install('faithful');
        const initial = clone(snapshot());
        const { executionId, record } = await runFailingAt(c, n, { remediation: c.remediation.id });
        expect(record).toMatchObject({ status: 'applying', applied: [...Array(writes[n - 1]).keys()] });
        // With all but the last write applied the resource has changed, so the restore below is undo's doing.
        if (n === length && n > 1) expect(snapshot(), `write ${n} failed: the fake changed`).not.toEqual(initial);
        const [undone] = await undoExecution({
          records: h.records,
          executionId,
          registry: REMEDIATIONS,
          sessions: new RecordingSessionFactory(),
          now: () => NOW,
        });
        expect(snapshot(), `write ${n} of ${length} failed, then undo`).toEqual(initial);
        expect(undone?.calls.length ?? 0).toBeLessThanOrEqual(writes[n - 1] as number);
      }
    },
  );

  it('ec2-instance-isolate: undo after the second interface swap failed restores only the first interface', async () => {
    const c = CASES.find((x) => x.remediation.id === 'ec2-instance-isolate') as StatefulCase;
    c.install('faithful');
    // Writes: CreateSecurityGroup, the first swap, then the second swap fails.
    const { record } = await runFailingAt(c, 3);
    const calls = undoCalls(c.remediation, record as RemediationRecord);
    expect(calls).toEqual([
      {
        service: 'ec2',
        action: 'ModifyNetworkInterfaceAttribute',
        input: {
          NetworkInterfaceId: 'eni-0a1b2c3d4e5f60001',
          Groups: ['sg-0a1b2c3d4e5f60011', 'sg-0a1b2c3d4e5f60022'],
        },
      },
    ]);
  });

  it('s3-bucket-acls-disabled: undo after the ownership call failed puts the old ACL back, nothing else', async () => {
    const c = CASES.find((x) => x.remediation.id === 's3-bucket-acls-disabled') as StatefulCase;
    c.install('faithful');
    const { record } = await runFailingAt(c, 2);
    expect(record?.planned.map((p) => p.action)).toEqual(['PutBucketAcl', 'PutBucketOwnershipControls']);
    expect(undoCalls(c.remediation, record as RemediationRecord).map((p) => p.action)).toEqual(['PutBucketAcl']);
  });
});
