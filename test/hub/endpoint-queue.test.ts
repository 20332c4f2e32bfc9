import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpointHandler, type EndpointDeps } from '../../hub/functions/endpoint.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import type { EventStore } from '../../shared/pipeline/types.ts';
import { fixture, pipelineDeps } from '../pipeline/harness.ts';

// The SQS ingest queue delivers a message again until the endpoint returns (then its dead-letter queue takes it):
// the endpoint's first write of such an event is unlisted, and a crash is the queue's to re-drive.
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function sqsEvent(body: string): SQSEvent {
  return {
    Records: [
      {
        messageId: 'msg-q1',
        receiptHandle: 'rh-q1',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1714564740000',
          SenderId: 'AIDA',
          ApproximateFirstReceiveTimestamp: '1714564740000',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:ingest',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

describe('the endpoint on the SQS queue', () => {
  it('writes an event first unlisted, and a crash before it settles becomes a batch item failure SQS redelivers', async () => {
    const pipeline = pipelineDeps(dynamo, { isOrgAccount: async () => true });
    const firstWrites: Array<boolean | undefined> = [];
    let crash = true;
    const events: EventStore = {
      putNew: (record, options) => {
        firstWrites.push(options?.unlisted);
        return pipeline.events.putNew(record, options);
      },
      update: (id, f) => pipeline.events.update(id, f),
      replace: async (r, s) => {
        if (crash) {
          crash = false;
          throw new Error('Runtime exited with error: signal: killed');
        }
        return pipeline.events.replace(r, s);
      },
      get: (id) => pipeline.events.get(id),
      listByStatus: (...a) => pipeline.events.listByStatus(...a),
    };
    const deps: EndpointDeps = {
      pipeline: { ...pipeline, events },
      webhooks: { senders: [], readSecret: async () => '', autoMinSeverity: 'HIGH' },
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: () => undefined,
      now: () => new Date(),
      region: 'us-east-1',
      hubAccountId: '111111111111',
    };
    const handler = createEndpointHandler(deps);
    const base = fixture('guardduty-ssh-bruteforce.json');
    const body = JSON.stringify({ ...base, id: 'sqs-unlisted', detail: { ...(base.detail as object), id: 'f-sqs' } });
    expect(await handler(sqsEvent(body))).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-q1' }] });
    expect(firstWrites).toEqual([true]);
    expect((await pipeline.events.get('sqs-unlisted'))?.status).toBe('received');
    // The redelivery settles it; starting again under the same deterministic names starts nothing new.
    expect(await handler(sqsEvent(body))).toEqual({ batchItemFailures: [] });
    const record = await pipeline.events.get('sqs-unlisted');
    expect(record?.status).toBe('dispatched');
    expect(record?.executions?.length).toBeGreaterThan(0);
    expect(new Set(pipeline.dispatcher.starts.keys())).toEqual(new Set(record?.executions?.map((e) => e.name)));
  });
});
