import { readFileSync, writeFileSync } from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATIONS } from '../../hub/integrations/index.ts';
import { createRemediateIntegration } from '../../hub/integrations/remediate/integration.ts';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { LocalHub } from '../../scripts/local/hub.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import {
  APPROVAL_NOT_IN_EXPRESS,
  dispatchTarget,
  EXPRESS_VARIANTS,
  expressVariantDocument,
} from '../../shared/pipeline/workflow-variants.ts';
import { createSpokeClients } from '../../shared/remediation/calls.ts';
import { BlastRadiusGuard, StaticKillSwitch } from '../../shared/remediation/guard.ts';
import type { SpokeSessionFactory } from '../../shared/remediation/session.ts';
import { RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { pipelineDeps } from './harness.ts';

const read = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));
const STANDARD = read('playbooks/remediate-finding/playbook.json');
const TWIN_FILE = 'playbooks/remediate-finding-express/playbook.json';
const TEST_FILE = 'test/pipeline/workflow-variants.test.ts';
const EXPRESS = read(TWIN_FILE);
const BUCKET = read('playbooks/remediate-finding/events/securityhub-s3-bucket-public-high.json');
const NEW_KEY = read('playbooks/remediate-finding/events/cloudtrail-createaccesskey-for-admin.json');
const VARIANT = EXPRESS_VARIANTS['remediate-finding']!;

describe('the Express twin of remediate-finding', () => {
  it('is the checked-in playbook: the Standard one without its approval branch, generated', () => {
    const generated = expressVariantDocument(STANDARD, VARIANT);
    // After editing remediate-finding: SOCLESS_WRITE_VARIANTS=1 npx vitest run test/pipeline/workflow-variants.test.ts
    if (process.env.SOCLESS_WRITE_VARIANTS === '1') {
      writeFileSync(new URL(`../../${TWIN_FILE}`, import.meta.url), `${JSON.stringify(generated, null, 2)}\n`);
    } else {
      expect(EXPRESS, `${TWIN_FILE} is generated: run SOCLESS_WRITE_VARIANTS=1 npx vitest run ${TEST_FILE}`).toEqual(
        generated,
      );
    }
    expect(EXPRESS.Workflow).toBe('express');
    expect(EXPRESS.Triggers).toBeUndefined();
    const text = JSON.stringify(EXPRESS.States);
    expect(text).not.toContain('waitForTaskToken');
    expect(text).not.toContain('"Interaction"');
    expect(EXPRESS.States[APPROVAL_NOT_IN_EXPRESS].Type).toBe('Fail');
  });

  it('keeps the approval findings of auto mode equal to the registry', () => {
    const kinds = REMEDIATIONS.flatMap((r) => r.findings.cloudTrail?.approvalFor ?? []);
    expect([...VARIANT.approvalInAuto.kinds].sort()).toEqual([...new Set(kinds)].sort());
  });

  it('is chosen for off, dry-run and auto; notify and approval findings in auto stay Standard', () => {
    const deployed = ['remediate-finding', 'remediate-finding-express'];
    const finding = { source: 'securityhub-asff' as const, kind: 'S3.2' };
    const key = { source: 'cloudtrail' as const, kind: 'CreateAccessKey' };
    for (const mode of ['off', 'dry-run', 'auto'] as const) {
      expect(dispatchTarget('remediate-finding', mode, finding, deployed)).toBe('remediate-finding-express');
    }
    expect(dispatchTarget('remediate-finding', 'notify', finding, deployed)).toBe('remediate-finding');
    expect(dispatchTarget('remediate-finding', 'auto', key, deployed)).toBe('remediate-finding');
    expect(dispatchTarget('remediate-finding', 'dry-run', key, deployed)).toBe('remediate-finding-express');
    // An analyst's Security Hub custom action `remediate` may need an approval in auto; its dry-run never asks.
    const action = (decision: 'remediate' | 'dry-run') => ({
      ...finding,
      origin: { customAction: { decision, actionArn: 'arn:aws:securityhub:::action/custom/x', by: 'arn' } },
    });
    expect(dispatchTarget('remediate-finding', 'auto', action('remediate'), deployed)).toBe('remediate-finding');
    expect(dispatchTarget('remediate-finding', 'auto', action('dry-run'), deployed)).toBe('remediate-finding-express');
    expect(dispatchTarget('remediate-finding', 'dry-run', action('remediate'), deployed)).toBe(
      'remediate-finding-express',
    );
    // Not deployed (a hub without the twin): the Standard playbook, as before.
    expect(dispatchTarget('remediate-finding', 'auto', finding, ['remediate-finding'])).toBe('remediate-finding');
    expect(dispatchTarget('guardduty-triage', 'auto', finding, deployed)).toBe('guardduty-triage');
  });
});

describe('dispatch by mode in the pipeline', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  const router = createRouter([
    { name: 'remediate-finding', triggers: STANDARD.Triggers },
    { name: 'remediate-finding-express', triggers: [] },
  ]);

  it('starts exactly one remediation execution per finding, of the workflow the mode needs', async () => {
    for (const [mode, event, started] of [
      ['auto', BUCKET, 'remediate-finding-express'],
      ['dry-run', BUCKET, 'remediate-finding-express'],
      ['off', BUCKET, 'remediate-finding-express'],
      ['notify', BUCKET, 'remediate-finding'],
      ['auto', NEW_KEY, 'remediate-finding'],
    ] as const) {
      // Each case is a first sighting of its finding: its own tables.
      const own = await startLocalDynamo();
      try {
        const deps = pipelineDeps(own, { router, accountMode: async () => mode });
        const [outcome] = await processInput(event, 'test', deps);
        expect(outcome?.status).toBe('dispatched');
        expect(outcome?.playbooks).toEqual(['remediate-finding']);
        expect(outcome?.executions.map((e) => e.playbook)).toEqual([started]);
        expect([...deps.dispatcher.starts.values()]).toEqual([1]);
        const input = [...deps.dispatcher.inputs.values()][0] as { artifacts: { account: { mode: string } } };
        expect(input.artifacts.account.mode).toBe(mode);
      } finally {
        await own.close();
      }
    }
  });

  it('re-drives a pending event into the execution already started, whatever the mode is now', async () => {
    let mode: 'auto' | 'notify' = 'auto';
    const deps = pipelineDeps(dynamo, { router, accountMode: async () => mode });
    let lost = true;
    deps.dispatcher.failNext = () => {
      // The first start succeeds in AWS but its reply is lost: the event stays pending.
      if (!lost) return false;
      lost = false;
      return true;
    };
    const event = { ...BUCKET, id: 'redrive-1', detail: JSON.parse(JSON.stringify(BUCKET.detail)) };
    event.detail.findings[0].Id = 'arn:aws:securityhub:redrive-finding';
    const [first] = await processInput(event, 'test', deps);
    expect(first?.status).toBe('pending');
    mode = 'notify';
    await sweep({ ...deps, now: () => Date.now() + 3_600_000 }, { olderThanMs: 0 });
    const record = await deps.events.get('redrive-1');
    expect(record?.status).toBe('dispatched');
    // One remediation execution: the Express one the mode chose at first dispatch, never also the Standard one.
    expect(record?.executions?.map((e) => e.playbook)).toEqual(['remediate-finding-express']);
  });
});

describe('exactly once on Express', () => {
  let hub: LocalHub;
  beforeAll(async () => {
    hub = await LocalHub.start({ interactionTimeoutMs: 0 });
  }, 120_000);
  afterAll(async () => {
    await hub.close();
  });

  it('applies a fix once when the Express flow is started twice for a finding and a task runs twice', async () => {
    const client = hub.integrationDeps.documentClient;
    const account = String(BUCKET.account);
    await client.send(
      new PutCommand({
        TableName: 'accounts',
        Item: { accountId: account, name: 'x', email: 'owner@example.com', mode: 'auto', ouPath: [], tags: {} },
      }),
    );
    // The pipeline picks the Express twin for the auto account; capture its input instead of running it.
    let request: { playbook: string; name: string; input: Record<string, unknown> } | undefined;
    hub.dispatcher.start = async (r) => {
      request = r;
      return { executionArn: `arn:aws:states:us-east-1:000000000000:express:x:${r.name}:1` };
    };
    const [outcome] = await processInput({ ...BUCKET, id: 'exactly-once-1' }, 'test', hub.pipeline);
    expect(outcome?.executions.map((e) => e.playbook)).toEqual(['remediate-finding-express']);
    expect(request?.playbook).toBe('remediate-finding-express');

    let puts = 0;
    let blocked = false;
    const spoke: SpokeSessionFactory = {
      async open(req) {
        const clients = createSpokeClients(req.region, { accessKeyId: 'ASIATEST', secretAccessKey: 'x' });
        clients.s3.middlewareStack.add(
          (_next, context) => async () => {
            const op = String((context as { commandName?: string }).commandName);
            if (op === 'GetPublicAccessBlockCommand') {
              if (!blocked) throw Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' });
              const all = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true };
              return {
                output: { PublicAccessBlockConfiguration: { ...all, RestrictPublicBuckets: true }, $metadata: {} },
                response: {},
              };
            }
            if (op === 'PutPublicAccessBlockCommand') {
              puts++;
              blocked = true;
              return { output: { $metadata: {} }, response: {} };
            }
            throw new Error(`not simulated: ${op}`);
          },
          { step: 'initialize', name: 'test-spoke' },
        );
        return { account: req.account, region: req.region, partition: 'aws', clients };
      },
    };
    const now = () => new Date();
    const remediate = createRemediateIntegration({
      runtime: () => ({
        sessions: spoke,
        killSwitch: new StaticKillSwitch(false),
        guard: new BlastRadiusGuard(client, 'remediations', {
          maxAutoPerAccountPerHour: 10,
          maxAutoPerOrgPerHour: 100,
        }),
        records: new RemediationRecordsRepository(client, 'remediations'),
        now,
      }),
    });
    const handlers = new Map(
      [...INTEGRATIONS.values()].map((i) => [
        i.id,
        toLambdaHandler(i.id === 'remediate' ? remediate : i, hub.integrationDeps),
      ]),
    );
    const remediateHandler = handlers.get('remediate')!;
    // At-least-once: the first execution's Remediate task is invoked twice.
    handlers.set('remediate', async (input: unknown) => {
      const out = await remediateHandler(input);
      if (runs === 0) await remediateHandler(input);
      return out;
    });
    let runs = 0;
    const express = hub.playbooks.find((p) => p.name === 'remediate-finding-express')!;
    const results: Awaited<ReturnType<typeof runLocalExecution>>[] = [];
    // Express does not de-duplicate names: a re-drive starts the same name again as a new execution.
    for (const name of [request!.name, request!.name]) {
      results.push(
        await runLocalExecution(express.definition, request!.input, {
          handlers,
          region: 'us-east-1',
          stateMachineName: 'socless-remediate-finding-express',
          executionName: `${name}-${runs}`,
        }),
      );
      runs++;
    }
    expect(results.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(puts).toBe(1);
    // The second execution found the first's write-ahead record and replayed its outcome instead of applying.
    const remediation = (r: (typeof results)[number]) =>
      (r.output as { results: { Remediate: { remediation: Record<string, unknown> } } }).results.Remediate.remediation;
    expect(remediation(results[0]!).effectiveAction).toBe('applied');
    expect(remediation(results[1]!)).toEqual(remediation(results[0]!));
  }, 120_000);
});
