import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import type { DedupStore } from '../../shared/pipeline/types.ts';
import { EventsStatusRepository } from '../../shared/store/events.ts';
import { fixture, pipelineDeps } from './harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let seq = 0;
/** A fixture with a fresh event id (and, unless told otherwise, a fresh finding id). */
function guardDuty(opts: { findingId?: string; file?: string } = {}): Record<string, unknown> {
  const event = fixture(opts.file ?? 'guardduty-ssh-bruteforce.json');
  seq++;
  const detail = {
    ...(event.detail as Record<string, unknown>),
    id: opts.findingId ?? `finding-${seq}-${Date.now()}`,
    severity: 8,
  };
  return { ...event, id: `evt-${seq}-${Date.now()}`, detail };
}

describe('processInput', () => {
  it('persists, routes and dispatches a GuardDuty finding with two events-table writes and one dedup write', async () => {
    const deps = pipelineDeps(dynamo);
    const [outcome] = await processInput(guardDuty(), 'test', deps);
    expect(outcome?.status).toBe('dispatched');
    expect(outcome?.playbooks).toEqual(['guardduty-triage', 'high-severity-any']);
    expect(outcome?.executions.every((e) => e.arn)).toBe(true);
    expect(deps.events.writes).toBe(2);
    const stored = await deps.events.get(outcome!.eventId);
    expect(stored?.status).toBe('dispatched');
    expect(stored?.raw).toContain('GuardDuty Finding');
    expect(deps.dispatcher.starts.size).toBe(2);
  });

  it('hands each playbook the event, investigation id and account mode, without the raw event', async () => {
    const deps = pipelineDeps(dynamo, { accountMode: async () => 'dry-run' });
    const [outcome] = await processInput(guardDuty(), 'test', deps);
    const input = deps.dispatcher.inputs.get(outcome!.executions[0]!.name) as {
      artifacts: { account: { mode: string }; investigation_id: string; event: { details: Record<string, unknown> } };
    };
    expect(input.artifacts.account.mode).toBe('dry-run');
    expect(input.artifacts.investigation_id).toBe(outcome!.eventId);
    expect(input.artifacts.event.details.raw).toBeUndefined();
    expect(input.artifacts.event.details.dedupKey).toMatch(/^guardduty:/);
  });

  it('records the same delivery twice as one record and starts nothing again', async () => {
    const deps = pipelineDeps(dynamo);
    const event = guardDuty();
    const [first] = await processInput(event, 'test', deps);
    const [second] = await processInput(JSON.stringify(event), 'test', deps);
    expect(second?.eventId).toBe(first?.eventId);
    expect(second?.redelivered).toBe(true);
    expect(second?.status).toBe('dispatched');
    expect([...deps.dispatcher.starts.values()]).toEqual([1, 1]);
  });

  it('links a repeat of an open finding to its investigation and does not start the playbook again', async () => {
    const deps = pipelineDeps(dynamo);
    const findingId = `finding-repeat-${Date.now()}`;
    const [first] = await processInput(guardDuty({ findingId }), 'test', deps);
    const [again] = await processInput(
      guardDuty({ findingId, file: 'guardduty-ssh-bruteforce-updated.json' }),
      'test',
      deps,
    );
    expect(again?.status).toBe('duplicate');
    expect(again?.investigationId).toBe(first?.eventId);
    expect(deps.dispatcher.starts.size).toBe(2);
    expect((await deps.events.get(again!.eventId))?.investigationId).toBe(first?.eventId);
  });

  it('opens a new investigation once the dedup window has passed, even though TTL never deletes locally', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const deps = pipelineDeps(dynamo, { now: () => clock, dedupWindowMs: 60_000 });
    const findingId = `finding-window-${Date.now()}`;
    await processInput(guardDuty({ findingId }), 'test', deps);
    clock += 61_000;
    const [later] = await processInput(guardDuty({ findingId }), 'test', deps);
    expect(later?.status).toBe('dispatched');
    expect(later?.investigationId).toBe(later?.eventId);
  });

  it('records an event no playbook wants as unrouted', async () => {
    const deps = pipelineDeps(dynamo);
    const [outcome] = await processInput(fixture('custom-app-event.json'), 'test', deps);
    expect(outcome?.status).toBe('unrouted');
    expect((await deps.events.get(outcome!.eventId))?.status).toBe('unrouted');
    expect(deps.dispatcher.starts.size).toBe(0);
  });

  it('rejects malformed input with a reason and keeps it, instead of throwing', async () => {
    const deps = pipelineDeps(dynamo);
    const [outcome] = await processInput('{"version":"0","id":', 'test', deps);
    expect(outcome?.status).toBe('rejected');
    expect(outcome?.reason).toMatch(/JSON/i);
    const stored = await deps.events.get(outcome!.eventId);
    expect(stored?.status).toBe('rejected');
    expect(stored?.raw).toBe('{"version":"0","id":');
  });

  it('names the field of a schema violation in a known source', async () => {
    const deps = pipelineDeps(dynamo);
    const event = guardDuty();
    const [outcome] = await processInput(
      { ...event, detail: { ...(event.detail as object), severity: 'very' } },
      'test',
      deps,
    );
    expect(outcome?.status).toBe('rejected');
    expect(outcome?.field ?? outcome?.reason).toMatch(/detail\.severity/);
  });

  it('keeps a large raw event in the vault rather than the events item', async () => {
    const deps = pipelineDeps(dynamo, { maxInlineRawBytes: 1024 });
    const event = guardDuty();
    const [outcome] = await processInput(
      { ...event, detail: { ...(event.detail as object), description: 'x'.repeat(4000) } },
      'test',
      deps,
    );
    const stored = await deps.events.get(outcome!.eventId);
    expect(stored?.raw).toBeUndefined();
    expect(stored?.rawRef?.key).toContain(outcome!.eventId);
    expect(await deps.blobs.get(stored!.rawRef!)).toContain('x'.repeat(4000));
  });

  it('leaves an event pending when StartExecution fails, and the sweeper dispatches it exactly once', async () => {
    let clock = Date.parse('2026-02-01T00:00:00Z');
    const deps = pipelineDeps(dynamo, { now: () => clock });
    deps.dispatcher.failNext = (name) => name.startsWith('high-severity-any');
    const [outcome] = await processInput(guardDuty(), 'test', deps);
    expect(outcome?.status).toBe('pending');
    expect(outcome?.reason).toMatch(/ThrottlingException/);
    deps.dispatcher.failNext = () => false;
    clock += 10 * 60_000;
    const report = await sweep(deps, { olderThanMs: 5 * 60_000 });
    expect(report.redriven.map((r) => r.eventId)).toContain(outcome?.eventId);
    expect((await deps.events.get(outcome!.eventId))?.status).toBe('dispatched');
    const names = outcome!.executions.map((e) => e.name);
    expect(names.map((n) => deps.dispatcher.starts.get(n))).toEqual([1, 1]);
  });

  it('re-drives an event the endpoint persisted before it crashed', async () => {
    let clock = Date.parse('2026-03-01T00:00:00Z');
    const deps = pipelineDeps(dynamo, { now: () => clock });
    const crashing: DedupStore = {
      claim: async () => {
        throw new Error('Lambda timed out');
      },
      resolve: async () => {
        throw new Error('Lambda timed out');
      },
    };
    const event = guardDuty();
    await expect(processInput(event, 'test', { ...deps, dedup: crashing })).rejects.toThrow(/timed out/);
    expect((await deps.events.get(event.id as string))?.status).toBe('received');
    clock += 10 * 60_000;
    const report = await sweep(deps, { olderThanMs: 5 * 60_000 });
    expect(report.redriven.find((r) => r.eventId === event.id)?.status).toBe('dispatched');
  });

  it('does not re-drive events younger than the threshold', async () => {
    const clock = Date.parse('2026-04-01T00:00:00Z');
    const deps = pipelineDeps(dynamo, { now: () => clock });
    deps.dispatcher.failNext = () => true;
    const [outcome] = await processInput(guardDuty(), 'test', deps);
    const report = await sweep(deps, { olderThanMs: 5 * 60_000 });
    expect(report.redriven.map((r) => r.eventId)).not.toContain(outcome?.eventId);
  });

  it('does not overwrite what a fast playbook wrote to the event before dispatch was recorded', async () => {
    const deps = pipelineDeps(dynamo);
    const statuses = new EventsStatusRepository(dynamo.client, 'events');
    const start = deps.dispatcher.start.bind(deps.dispatcher);
    deps.dispatcher.start = async (request) => {
      const out = await start(request);
      // The playbook closes the investigation before the endpoint records `dispatched`.
      await statuses.setInvestigationStatus(
        String(request.input.artifacts && (request.input.artifacts as { investigation_id: string }).investigation_id),
        'closed',
        new Date().toISOString(),
      );
      return out;
    };
    const [outcome] = await processInput(guardDuty(), 'test', deps);
    const stored = (await deps.events.get(outcome!.eventId)) as Record<string, unknown> | undefined;
    expect(stored?.status).toBe('dispatched');
    expect(stored?.investigationStatus).toBe('closed');
  });

  it('keeps finding strings that look like templates as inert data', async () => {
    const deps = pipelineDeps(dynamo);
    const event = guardDuty();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder-looking string is the test input
    const title = '{{context.results.x}} $.results.y <script>alert(1)</script> ${fn_x} \u202e\u0000';
    const [outcome] = await processInput({ ...event, detail: { ...(event.detail as object), title } }, 'test', deps);
    expect(outcome?.status).toBe('dispatched');
    const input = deps.dispatcher.inputs.get(outcome!.executions[0]!.name) as {
      artifacts: { event: { details: { title: string } } };
    };
    expect(input.artifacts.event.details.title).toBe(title);
  });
});
