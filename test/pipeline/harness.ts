import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LocalDynamo } from '../../shared/local/dynalite.ts';
import { LocalVaultStore } from '../../shared/local/local-vault.ts';
import { DynamoDedupStore, DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import type { PipelineDeps } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import type { Dispatcher, EventStore } from '../../shared/pipeline/types.ts';

export function fixture(name: string): Record<string, unknown> {
  const file = fileURLToPath(new URL(`../fixtures/events/${name}`, import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export const TRIGGERS = [
  { name: 'guardduty-triage', triggers: [{ source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] }] },
  {
    name: 'config-noncompliant',
    triggers: [{ source: ['aws.config'], detail: { newEvaluationResult: { complianceType: ['NON_COMPLIANT'] } } }],
  },
  {
    name: 'high-severity-any',
    triggers: [{ source: ['aws.guardduty'], detail: { severity: [{ numeric: ['>=', 7] }] } }],
  },
];

/** A Step Functions stand-in that counts starts per execution name and can be told to fail. */
export class RecordingDispatcher implements Dispatcher {
  readonly starts = new Map<string, number>();
  readonly inputs = new Map<string, Record<string, unknown>>();
  failNext: (name: string) => boolean = () => false;

  async start(request: { playbook: string; name: string; input: Record<string, unknown> }) {
    if (this.failNext(request.name)) {
      const err = new Error('Rate exceeded');
      err.name = 'ThrottlingException';
      throw err;
    }
    this.starts.set(request.name, (this.starts.get(request.name) ?? 0) + 1);
    this.inputs.set(request.name, request.input);
    return { executionArn: `arn:aws:states:us-east-1:111111111111:execution:${request.playbook}:${request.name}` };
  }
}

/** Counts writes so tests can hold the pipeline to its write budget. */
export class CountingEventStore implements EventStore {
  writes = 0;
  constructor(private readonly inner: EventStore) {}
  putNew(...args: Parameters<EventStore['putNew']>) {
    this.writes++;
    return this.inner.putNew(...args);
  }
  update(...args: Parameters<EventStore['update']>) {
    this.writes++;
    return this.inner.update(...args);
  }
  replace(...args: Parameters<EventStore['replace']>) {
    this.writes++;
    return this.inner.replace(...args);
  }
  get(id: string) {
    return this.inner.get(id);
  }
  listByStatus(...args: Parameters<EventStore['listByStatus']>) {
    return this.inner.listByStatus(...args);
  }
}

export function pipelineDeps(
  dynamo: LocalDynamo,
  overrides: Partial<PipelineDeps> & { tablePrefix?: string } = {},
): PipelineDeps & { dispatcher: RecordingDispatcher; events: CountingEventStore } {
  const { tablePrefix: _p, ...rest } = overrides;
  return {
    events: new CountingEventStore(new DynamoEventStore(dynamo.client, 'events')),
    dedup: new DynamoDedupStore(dynamo.client, 'dedup'),
    blobs: new LocalVaultStore(),
    dispatcher: new RecordingDispatcher(),
    router: createRouter(TRIGGERS),
    accountMode: async () => 'notify',
    dedupWindowMs: 60 * 60 * 1000,
    ...rest,
  } as PipelineDeps & { dispatcher: RecordingDispatcher; events: CountingEventStore };
}
