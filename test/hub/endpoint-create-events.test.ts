/** SOCless create-events bodies with several details on POST /events: one event and one execution per detail. */
import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpointHandler, type EndpointDeps } from '../../hub/functions/endpoint.ts';
import { SIGNATURE_HEADER, signPayload } from '../../hub/functions/http.ts';
import type { WebhookSenderConfig } from '../../shared/config.ts';
import { WEBHOOK_SENDER_HEADER } from '../../shared/events/webhook.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { pipelineDeps } from '../pipeline/harness.ts';

const NOW = new Date();
const SECRET = 'create-events-secret-0123456789';
const SENDER: WebhookSenderConfig = {
  name: 'legacy-socless',
  sources: [],
  accounts: ['123456789012'],
  mayRemediate: false,
  severityMayReachAuto: false,
};
const ROUTE = {
  name: 'triage-login',
  triggers: [{ source: ['socless.webhook.legacy-socless'], detail: { soclessPlaybook: ['TriageLogin'] } }],
};

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function makeDeps() {
  const pipeline = pipelineDeps(dynamo, { router: createRouter([ROUTE]), isOrgAccount: async () => true });
  const deps: EndpointDeps = {
    pipeline,
    webhooks: { senders: [SENDER], readSecret: async () => SECRET, autoMinSeverity: 'HIGH' },
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: () => {},
    now: () => NOW,
    region: 'us-east-1',
    hubAccountId: '111111111111',
  };
  return { deps, pipeline };
}

function post(body: unknown): APIGatewayProxyEvent {
  const text = JSON.stringify(body);
  return {
    httpMethod: 'POST',
    path: '/events',
    body: text,
    headers: {
      [WEBHOOK_SENDER_HEADER]: SENDER.name,
      [SIGNATURE_HEADER]: signPayload(text, SECRET, Math.floor(NOW.getTime() / 1000)),
    },
    isBase64Encoded: false,
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/events',
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('POST /events with a SOCless create-events body of several details', () => {
  it('stores one event and starts one execution per detail, each with its own details and dedup hash', async () => {
    const { deps, pipeline } = makeDeps();
    const body = {
      event_type: 'Suspicious_Login',
      playbook: 'TriageLogin',
      details: [
        { username: 'Bob', ip: '203.0.113.9' },
        { username: 'Alice', ip: '198.51.100.4' },
        { username: 'Carol', ip: '192.0.2.77' },
      ],
      dedup_keys: ['username', 'ip'],
      add_to_details: { team: 'secops' },
    };
    const result = (await createEndpointHandler(deps)(post(body))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(202);
    const events = JSON.parse(result.body).events as Array<{ id: string; status: string; playbooks: string[] }>;
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    for (const e of events) expect(e).toMatchObject({ status: 'dispatched', playbooks: ['triage-login'] });
    expect([...pipeline.dispatcher.starts.values()]).toEqual([1, 1, 1]);

    const inputs = [...pipeline.dispatcher.inputs.values()] as Array<{
      artifacts: { account: { id: string }; event: { details: Record<string, unknown> } };
    }>;
    expect(inputs.map((i) => i.artifacts.event.details.username).sort()).toEqual(['Alice', 'Bob', 'Carol']);
    for (const input of inputs) {
      expect(input.artifacts.event.details.team).toBe('secops');
      // Within the sender's scope: its account (none named: the hub's), never remediating.
      expect(input.artifacts.event.details.origin).toMatchObject({ kind: 'webhook', mayRemediate: false });
    }
    const stored = await Promise.all(events.map((e) => pipeline.events.get(e.id)));
    expect(stored.map((s) => s?.dedupKey).sort()).toEqual(
      [
        md5('suspicious_login203.0.113.9bob'),
        md5('suspicious_login198.51.100.4alice'),
        md5('suspicious_login192.0.2.77carol'),
      ]
        .map((h) => `webhook:legacy-socless:${h}`)
        .sort(),
    );
  });

  it('refuses the whole request, naming the detail, when one detail cannot become an event', async () => {
    const { deps, pipeline } = makeDeps();
    const body = {
      event_type: 'Suspicious_Login',
      playbook: 'TriageLogin',
      details: [
        { username: 'Bob', ip: '203.0.113.9' },
        { username: 'Eve', ip: '203.0.113.10', account: '999999999999' },
      ],
    };
    // A detail's own `account` is SOCless data, never the event's account; a `source` asking for AWS is refused.
    const ok = (await createEndpointHandler(deps)(post(body))) as APIGatewayProxyResult;
    expect(ok.statusCode).toBe(202);
    const before = pipeline.dispatcher.starts.size;
    const bad = {
      ...body,
      details: [
        { username: 'Mallory', ip: '203.0.113.11' },
        { username: 'Trent', ip: 7 },
      ],
      dedup_keys: ['username', 'ip'],
    };
    const refused = (await createEndpointHandler(deps)(post(bad))) as APIGatewayProxyResult;
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body).error).toContain('details[1].ip');
    expect(pipeline.dispatcher.starts.size).toBe(before);
    const inputs = [...pipeline.dispatcher.inputs.values()] as Array<{
      artifacts: { account: { id: string }; event: { details: Record<string, unknown> } };
    }>;
    expect(inputs.map((i) => i.artifacts.account.id)).not.toContain('999999999999');
  });
});
