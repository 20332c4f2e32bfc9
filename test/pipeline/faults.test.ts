import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import type { DedupStore, EventRecord } from '../../shared/pipeline/types.ts';
import { fixture, pipelineDeps } from './harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

/** Deterministic pseudo-random numbers (mulberry32), so the fault pattern is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('pipeline under faults', () => {
  it.each([
    { path: 'not from a queue (API, local hub): a crash is re-driven by the sweeper', queued: false },
    { path: 'from the SQS queue: a crash is delivered again, as SQS does until the DLQ', queued: true },
  ])(
    'gives every routable event of 1,200 exactly one execution per playbook despite dispatch failures, crashes and lost replies — $path',
    async ({ queued }) => {
      // Prepare: 1,200 events — new GuardDuty findings, Config non-compliance, repeats of open findings, and
      // events nobody routes. Faults: 10% of StartExecution calls fail (on every attempt, re-drives included);
      // 2% of events crash the endpoint before the dedup claim, 2% after the claim and before StartExecution; 3%
      // of StartExecution calls start the execution but the reply is lost (the endpoint sees an error).
      const random = rng(20261127);
      let clock = Date.parse('2026-05-01T00:00:00Z');
      const deps = pipelineDeps(dynamo, { now: () => clock, queued });
      // Step Functions Standard: a name starts one execution; starting it again is not a second execution.
      const started = new Set<string>();
      const start = deps.dispatcher.start.bind(deps.dispatcher);
      const lostReplies = new Set<string>();
      deps.dispatcher.start = async (request) => {
        if (random() < 0.1) {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        const out = await start(request);
        started.add(request.name);
        if (!lostReplies.has(request.name) && random() < 0.03) {
          lostReplies.add(request.name);
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        }
        return out;
      };
      const crashBefore = new Set<string>();
      const crashAfter = new Set<string>();
      const crashing: DedupStore = {
        claim: async (occurrence, now, window) => {
          if (crashBefore.delete(occurrence.eventId)) throw new Error('Task timed out after 30.00 seconds');
          const decision = await deps.dedup.claim(occurrence, now, window);
          if (crashAfter.delete(occurrence.eventId)) throw new Error('Runtime exited with error: signal: killed');
          return decision;
        },
        resolve: (...args) => deps.dedup.resolve(...args),
      };
      const gd = fixture('guardduty-ssh-bruteforce.json');
      const cfg = fixture('config-noncompliant.json');
      const custom = fixture('custom-app-event.json');
      const findingIds: string[] = [];
      const events: Record<string, unknown>[] = [];
      /** The finding identity of each routable event (GuardDuty finding id or Config resource). */
      const identity = new Map<string, string>();
      const unroutable = new Set<string>();
      for (let i = 0; i < 1200; i++) {
        const r = random();
        const id = `fault-${queued ? 'q' : 'a'}-${i}`;
        if (r < 0.65) {
          const findingId = `gd-finding-${queued ? 'q' : 'a'}-${i}`;
          findingIds.push(findingId);
          identity.set(id, findingId);
          events.push({ ...gd, id, detail: { ...(gd.detail as object), id: findingId, severity: 8 } });
        } else if (r < 0.8) {
          const detail = cfg.detail as { resourceId: string };
          const resourceId = `sg-${queued ? 'f' : '0'}${i.toString(16).padStart(7, '0')}`;
          identity.set(id, `config:${resourceId}`);
          events.push({ ...cfg, id, detail: { ...detail, resourceId } });
        } else if (r < 0.9 && findingIds.length > 0) {
          const findingId = findingIds[Math.floor(random() * findingIds.length)] as string;
          identity.set(id, findingId);
          events.push({ ...gd, id, detail: { ...(gd.detail as object), id: findingId, severity: 8 } });
        } else {
          unroutable.add(id);
          events.push({ ...custom, id });
        }
        const fault = random();
        if (fault < 0.02) crashBefore.add(id);
        else if (fault < 0.04) crashAfter.add(id);
      }
      const injectedBefore = [...crashBefore].filter((id) => !unroutable.has(id)).length;
      const injectedAfter = [...crashAfter].filter((id) => !unroutable.has(id)).length;

      // Act: the endpoint processes each event (a crash loses the in-memory work, not the record; from the queue the
      // message comes again), then the sweeper runs until nothing is left to re-drive.
      let crashes = 0;
      let redeliveries = 0;
      for (const event of events) {
        // The queue delivers a message again until the endpoint returns (each crash is injected once).
        for (let delivery = 0; delivery < (queued ? 5 : 1); delivery++) {
          try {
            await processInput(event, 'fault-test', { ...deps, dedup: crashing });
            break;
          } catch {
            crashes++;
            if (queued) redeliveries++;
          }
        }
      }
      if (queued) expect(redeliveries).toBe(crashes);
      let sweeps = 0;
      for (; sweeps < 20; sweeps++) {
        clock += 10 * 60_000;
        const report = await sweep(deps, { olderThanMs: 5 * 60_000, limit: 1000 });
        expect(report.stuck).toEqual([]);
        if (report.examined === 0) break;
      }

      // Assess: every crash injected in the claim happened (unrouted events never reach it), nothing is left behind.
      expect(crashes).toBe(injectedBefore + injectedAfter);
      expect(injectedBefore).toBeGreaterThan(5);
      expect(injectedAfter).toBeGreaterThan(5);
      expect(lostReplies.size).toBeGreaterThan(5);
      expect(sweeps).toBeLessThan(20);

      // Each event's own final status: per finding identity exactly one event opened the investigation and ran
      // every playbook once; every other event of it is a duplicate linked to that one; the rest are unrouted.
      const byIdentity = new Map<string, EventRecord[]>();
      for (const event of events) {
        const record = await deps.events.get(event.id as string);
        expect(record, `event ${event.id} was lost`).toBeDefined();
        const id = event.id as string;
        if (unroutable.has(id)) {
          expect(record?.status, id).toBe('unrouted');
          expect(record?.executions ?? [], id).toEqual([]);
          continue;
        }
        const key = identity.get(id) as string;
        byIdentity.set(key, [...(byIdentity.get(key) ?? []), record as EventRecord]);
      }
      let executions = 0;
      for (const [key, records] of byIdentity) {
        const opened = records.filter((r) => r.status === 'dispatched');
        expect(
          opened.map((r) => r.id),
          key,
        ).toHaveLength(1);
        const [opener] = opened as [EventRecord];
        expect(opener.investigationId).toBe(opener.id);
        expect(opener.executions?.map((e) => e.playbook)).toEqual(opener.playbooks);
        for (const e of opener.executions ?? []) {
          expect(e.arn, `${opener.id} ${e.playbook}`).toBeDefined();
          expect(started.has(e.name), `${opener.id} ${e.playbook} never started`).toBe(true);
          executions++;
        }
        for (const other of records.filter((r) => r !== opener)) {
          expect(other.status, other.id).toBe('duplicate');
          expect(other.investigationId, other.id).toBe(opener.id);
          expect(other.executions ?? [], other.id).toEqual([]);
        }
      }
      // No execution started that no event records (a lost reply retried under another name would show here).
      expect(started.size).toBe(executions);
      expect(byIdentity.size).toBeGreaterThan(700);
    },
    180_000,
  );
});

/** Inputs that are broken or hostile in every way a queue or webhook could deliver them. */
function hostileInputs(): unknown[] {
  const random = rng(7);
  const valid = JSON.stringify(fixture('guardduty-ssh-bruteforce.json'));
  const out: unknown[] = [];
  for (let i = 0; i < 150; i++) out.push(valid.slice(0, Math.floor(random() * (valid.length - 1))));
  const base = fixture('guardduty-ssh-bruteforce.json');
  const wrongs: unknown[] = [42, 'x', true, null, [], {}, [1, 2], -1.5, { a: 1 }];
  for (const field of ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']) {
    for (const wrong of wrongs) {
      // Any string is a legal value of the free-form string fields.
      if (typeof wrong === 'string' && ['version', 'id', 'detail-type', 'source'].includes(field)) continue;
      if (field === 'detail' && typeof wrong === 'object' && wrong !== null && !Array.isArray(wrong)) continue;
      if (field === 'resources' && Array.isArray(wrong) && wrong.length === 0) continue;
      out.push({ ...base, [field]: wrong });
    }
    const { [field]: _gone, ...missing } = base;
    out.push(missing);
  }
  for (const field of ['severity', 'type', 'id', 'accountId', 'region', 'resource', 'updatedAt']) {
    for (const wrong of [null, [], 'zzz', { nested: true }]) {
      // Free-form strings in GuardDuty's schema: any string is legal there.
      if (['type', 'id', 'region'].includes(field) && wrong === 'zzz') continue;
      if (field === 'resource' && typeof wrong === 'object' && wrong !== null && !Array.isArray(wrong)) continue;
      out.push({ ...base, detail: { ...(base.detail as object), [field]: wrong } });
    }
  }
  out.push('a'.repeat(300 * 1024));
  out.push(JSON.stringify({ ...base, detail: { ...(base.detail as object), blob: 'z'.repeat(300 * 1024) } }));
  let deep = '1';
  for (let i = 0; i < 5000; i++) deep = `{"a":${deep}}`;
  out.push(deep);
  out.push(`${'['.repeat(100000)}${']'.repeat(100000)}`);
  for (const s of [
    '',
    ' ',
    'null',
    'true',
    '0',
    '[]',
    '"string"',
    '\u0000',
    '\ud800',
    '{"__proto__":{"x":1}}',
    'NaN',
    '{,}',
  ]) {
    out.push(s);
  }
  while (out.length < 520) {
    const n = Math.floor(random() * 64) + 1;
    out.push(Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 0xffff))).join(''));
  }
  return out;
}

describe('pipeline against hostile input', () => {
  it('rejects each of 500+ malformed inputs with a reason, without crashing, and keeps a record of each', async () => {
    const deps = pipelineDeps(dynamo);
    const inputs = hostileInputs();
    expect(inputs.length).toBeGreaterThanOrEqual(500);
    const accepted: string[] = [];
    for (const input of inputs) {
      const outcomes = await processInput(input, 'hostile', deps);
      expect(outcomes).toHaveLength(1);
      const [o] = outcomes;
      if (o?.status !== 'rejected') accepted.push(String(JSON.stringify(input)).slice(0, 400));
      else {
        expect(o.reason?.length).toBeGreaterThan(5);
        expect((await deps.events.get(o.eventId))?.status).toBe('rejected');
      }
    }
    expect(accepted).toEqual([]);
    expect(deps.dispatcher.starts.size).toBe(0);
  });

  it('processes valid events that carry template, path, markup and odd unicode strings, never evaluating them', async () => {
    const deps = pipelineDeps(dynamo);
    const base = fixture('guardduty-ssh-bruteforce.json');
    const strings = [
      '{{context.artifacts.event}}',
      '{{secret:prod/db}}',
      '$.results.Enrich',
      '$$.Execution.Id',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder-looking string is the test input
      '${fn_enrich_account}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder-looking string is the test input
      '${{self:custom.socless.Counter}}',
      '<img src=x onerror=alert(1)>',
      "'; DROP TABLE events; --",
      "States.Format('{}', $.x)",
      'ṩ̸̢̛ö̷c̶l̴e̷s̸s̶ \u202e gnirts \ufeff 🦆',
    ];
    for (const [i, s] of strings.entries()) {
      const event = {
        ...base,
        id: `inert-${i}`,
        detail: { ...(base.detail as object), id: `inert-f-${i}`, title: s, description: s },
      };
      const [o] = await processInput(event, 'inert', deps);
      expect(o?.status).toBe('dispatched');
      const input = deps.dispatcher.inputs.get(o!.executions[0]!.name) as {
        artifacts: { event: { details: { title: string; description?: string } } };
      };
      expect(input.artifacts.event.details.title).toBe(s);
    }
  });
});
