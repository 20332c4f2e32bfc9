/**
 * Verify and undo with teeth. Each remediation runs against a small stateful fake of its resource: reads answer
 * from the fake's state and writes change it only by what their input says. So "compliant after apply" holds only
 * because apply sent the right calls: the same run against a fake that accepts writes but ignores them must end
 * not verified, and undo must bring the resource back to exactly the state it had before.
 */
import { StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { afterEach, describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { callRunner } from '../../shared/remediation/runner.ts';
import type { PlanContext, SessionPurpose } from '../../shared/remediation/types.ts';
import { ACCOUNT, NOW, REGION, RecordingSessionFactory } from './helpers.ts';
import { CONTAINMENT_CASES } from './stateful-cases-containment.ts';
import { CONTROL_CASES } from './stateful-cases-controls.ts';
import { KIT_CASES } from './stateful-cases-kit.ts';
import {
  ALL_MOCKS,
  clone,
  cloudtrail,
  type FakeMode,
  type StatefulCase,
  useRemediateHarness,
} from './stateful-fakes.ts';

afterEach(() => {
  for (const m of ALL_MOCKS) m.reset();
});

const CASES: StatefulCase[] = [...KIT_CASES, ...CONTAINMENT_CASES, ...CONTROL_CASES];

/** read → plan → apply (fix session) → re-read, as the runner does; undo through an undo session. */
async function run(c: StatefulCase, mode: FakeMode) {
  const snapshot = c.install(mode);
  const remediation = c.remediation;
  const target = remediation.target(c.event);
  const ctx: PlanContext<object> = { target, account: ACCOUNT, region: REGION, partition: 'aws', now: NOW };
  const factory = new RecordingSessionFactory();
  const open = async (purpose: SessionPurpose) =>
    callRunner(
      remediation,
      await factory.open({ account: ACCOUNT, region: REGION, remediation, executionId: 'exec-1', purpose, target }),
    );
  const initial = clone(snapshot());
  const read = await open('read');
  const before = await remediation.readState(read, ctx);
  const plan = remediation.plan(before, ctx);
  const fix = await open('fix');
  for (const call of plan) await fix(call);
  const after = await remediation.readState(fix, ctx);
  const applied = clone(snapshot());
  const undoCalls = remediation.undo?.(before, ctx) ?? [];
  const undo = await open('undo');
  for (const call of undoCalls) await undo(call);
  return { initial, plan, verified: remediation.plan(after, ctx).length === 0, applied, restored: snapshot() };
}

describe('every remediation against a stateful fake of its resource', () => {
  it('covers the whole registry', () => {
    expect(CASES.map((c) => c.remediation.id).sort()).toEqual(REMEDIATIONS.map((r) => r.id).sort());
  });

  it.each(CASES.map((c) => [c.remediation.id, c] as const))(
    '%s: plans calls, verifies compliant only because of what apply sent, and undo restores the exact before-state',
    async (_id, c) => {
      const faithful = await run(c, 'faithful');
      expect(faithful.plan.length).toBeGreaterThan(0);
      expect(faithful.applied).not.toEqual(faithful.initial);
      expect(faithful.verified).toBe(true);
      expect(faithful.restored).toEqual(faithful.initial);
    },
  );

  it.each(CASES.map((c) => [c.remediation.id, c] as const))(
    '%s: is not verified when the writes it sent changed nothing',
    async (_id, c) => {
      const ignored = await run(c, 'ignores-writes');
      expect(ignored.plan.length).toBeGreaterThan(0);
      expect(ignored.applied).toEqual(ignored.initial);
      expect(ignored.verified).toBe(false);
    },
  );
});

describe('the remediate integration when a fix does not take', () => {
  const h = useRemediateHarness([]);

  it('reports applied but not verified, with the calls it sent and the after-state it read', async () => {
    const c = CASES.find((x) => x.remediation.id === 'cloudtrail-logging') as StatefulCase;
    c.install('ignores-writes');
    const out = await h.invoke({
      mode: 'auto',
      event: c.event,
      runtime: { sessions: new RecordingSessionFactory(), records: h.records },
    });
    expect(out.remediation).toMatchObject({ effectiveAction: 'applied', verified: false, after: { isLogging: false } });
    expect(cloudtrail.commandCalls(StartLoggingCommand)).toHaveLength(1);
  });
});
