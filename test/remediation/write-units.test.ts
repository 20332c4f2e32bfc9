/**
 * What one applied fix writes to the `remediations` table, counted on dynalite with the cost bench's own counter
 * (request units DynamoDB would bill, execution-index writes included), and the guarantees the cheaper writes keep:
 * the last call is recorded by the completion itself, so a one-call fix writes its record twice (claim, complete);
 * the outcome is stored without the before-state, plan and target the record already holds; claims stay out of the
 * execution index and are listed by one small `exec#` item each.
 */

import { EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSecurityGroupClosed } from '../../hub/remediations/default-security-group-closed.ts';
import { s3BucketPublicAccessBlock } from '../../hub/remediations/s3-bucket-public-access-block.ts';
import { countDynamo, type DynamoCounts } from '../../scripts/bench/cost/counters.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import type { Remediation, RemediationOutcome } from '../../shared/remediation/types.ts';
import type { NewRemediationRecord, RemediationClaim } from '../../shared/store/remediations.ts';
import { fakeDefaultGroup, GROUP } from './default-group-fake.ts';
import {
  BLOCK_ALL,
  bucketEvent,
  finding,
  NOW,
  RecordingSessionFactory,
  type RemediateHarness,
  startRemediateHarness,
} from './helpers.ts';

const s3 = mockClient(S3Client);
const ec2 = mockClient(EC2Client);
/** Two planned calls (revoke ingress, then egress), made automatic for the test. */
const twoCalls: Remediation = { ...defaultSecurityGroupClosed, id: 'test-two-calls', neverAuto: false };
const groupEvent = finding({ kind: 'EC2.2', resources: [{ type: 'AwsEc2SecurityGroup', id: GROUP }] });

/**
 * Write units of one applied fix in the remediations table as measured when this test was written: guard counters
 * 2, the claim's `exec#` listing 1, claim 1 and completion 1 for the one-call fix; the two-call fix adds a mark (1)
 * and its record passes 1 KB at completion (2). Before the last call was folded into the completion, the outcome
 * slimmed and claims kept out of the execution index (whose whole-item copy doubled every write), the same fixes
 * cost 10 and 12.
 */
const BUDGET = { oneCall: 5, twoCalls: 7 } as const;

/** The remediations-table writes of a run, each with the item it wrote (claim, guard counter). */
interface Write {
  readonly op: string;
  /** The record, its `exec#` listing under the execution, or a blast-radius counter. */
  readonly item: 'claim' | 'listing' | 'guard';
}

function watchWrites(h: RemediateHarness): { writes: Write[]; detach: () => void } {
  const writes: Write[] = [];
  const name = `write-units-${Math.random().toString(36).slice(2)}`;
  h.dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '');
      const input = args.input as { TableName?: string; Key?: Record<string, unknown>; Item?: Record<string, unknown> };
      if (input.TableName === 'remediations' && ['PutItem', 'UpdateItem', 'DeleteItem'].includes(op)) {
        const pk = String((input.Key ?? input.Item)?.investigationId ?? '');
        writes.push({ op, item: pk.startsWith('guard#') ? 'guard' : pk.startsWith('exec#') ? 'listing' : 'claim' });
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { writes, detach: () => void h.dynamo.client.middlewareStack.remove(name) };
}

function remediationsWru(counts: DynamoCounts): number {
  return Object.entries(counts)
    .filter(([k]) => k.startsWith('remediations/'))
    .reduce((n, [, t]) => n + t.wru, 0);
}

describe('write units of an applied fix', () => {
  let h: RemediateHarness;
  let blocked: boolean;
  beforeAll(async () => {
    h = await startRemediateHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    blocked = false;
    s3.on(GetPublicAccessBlockCommand).callsFake(() => {
      if (!blocked) throw Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' });
      return { PublicAccessBlockConfiguration: BLOCK_ALL };
    });
    s3.on(PutPublicAccessBlockCommand).callsFake(() => {
      blocked = true;
      return {};
    });
    s3.on(DeletePublicAccessBlockCommand).callsFake(() => {
      blocked = false;
      return {};
    });
    fakeDefaultGroup(ec2);
  });
  afterEach(() => {
    s3.reset();
    ec2.reset();
  });

  async function measured(event: typeof bucketEvent, registry: Remediation[], investigationId: string) {
    const watch = watchWrites(h);
    const counter = countDynamo(h.dynamo.client);
    try {
      const out = await h.invoke({
        mode: 'auto',
        event,
        registry,
        investigationId,
        runtime: { sessions: new RecordingSessionFactory() },
      });
      return { out, writes: watch.writes, wru: remediationsWru(counter.counts) };
    } finally {
      counter.detach();
      watch.detach();
    }
  }

  it('a one-call fix writes its record twice (claim, then complete with the call), within its unit budget', async () => {
    const { out, writes, wru } = await measured(bucketEvent, [s3BucketPublicAccessBlock], 'inv-units-one');
    expect(out.remediation).toMatchObject({ effectiveAction: 'applied', verified: true });
    expect(writes.filter((w) => w.item === 'claim')).toEqual([
      { op: 'PutItem', item: 'claim' },
      { op: 'UpdateItem', item: 'claim' },
    ]);
    // Listed once under its execution, before the claim; one slot from the account's and the org's hourly budget.
    expect(writes.findIndex((w) => w.item === 'listing')).toBeLessThan(writes.findIndex((w) => w.item === 'claim'));
    expect(writes.filter((w) => w.item === 'listing')).toEqual([{ op: 'PutItem', item: 'listing' }]);
    expect(writes.filter((w) => w.item === 'guard')).toHaveLength(2);
    expect(wru).toBeLessThanOrEqual(BUDGET.oneCall);
    const claim = { investigationId: 'inv-units-one', remediationId: s3BucketPublicAccessBlock.id };
    expect(await h.records.get(claim)).toMatchObject({ status: 'applied', applied: [0] });
  });

  it('a two-call fix writes its record three times (claim, mark the first call, complete with the second)', async () => {
    const { out, writes, wru } = await measured(groupEvent, [twoCalls], 'inv-units-two');
    expect(out.remediation).toMatchObject({ effectiveAction: 'applied', verified: true });
    expect(writes.filter((w) => w.item === 'claim').map((w) => w.op)).toEqual(['PutItem', 'UpdateItem', 'UpdateItem']);
    expect(writes.filter((w) => w.item === 'listing')).toHaveLength(1);
    expect(writes.filter((w) => w.item === 'guard')).toHaveLength(2);
    expect(wru).toBeLessThanOrEqual(BUDGET.twoCalls);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(1);
    const claim = { investigationId: 'inv-units-two', remediationId: twoCalls.id };
    expect(await h.records.get(claim)).toMatchObject({ status: 'applied', applied: [0, 1] });
  });

  it("stores the outcome once: the item's outcome leaves out what the record holds, every read puts it back", async () => {
    const run = {
      mode: 'auto',
      event: bucketEvent,
      registry: [s3BucketPublicAccessBlock],
      executionId: 'arn:exec:slim',
      investigationId: 'inv-slim',
      runtime: { sessions: new RecordingSessionFactory() },
    };
    const first = await h.invoke(run);
    const key = { investigationId: 'inv-slim', remediationId: s3BucketPublicAccessBlock.id };
    const raw = (await h.dynamo.client.send(new GetCommand({ TableName: 'remediations', Key: key }))).Item;
    expect(raw?.outcome).toMatchObject({ effectiveAction: 'applied', after: { config: BLOCK_ALL } });
    expect(raw?.outcome).not.toHaveProperty('before');
    expect(raw?.outcome).not.toHaveProperty('actions');
    expect(raw?.outcome).not.toHaveProperty('target');
    expect((await h.records.get(key))?.outcome).toEqual(first.remediation);
    const [listed] = await h.records.listByExecution('arn:exec:slim');
    expect(listed?.outcome).toEqual(first.remediation);
    // A redelivery answers with the recorded outcome, whole, and calls nothing.
    const puts = s3.commandCalls(PutPublicAccessBlockCommand).length;
    expect((await h.invoke(run)).remediation).toEqual(first.remediation);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(puts);
  });

  it('reads a record whose outcome was stored whole (written before the outcome was slimmed) as it was', async () => {
    const claim = { investigationId: 'inv-legacy', remediationId: s3BucketPublicAccessBlock.id };
    const outcome = {
      id: s3BucketPublicAccessBlock.id,
      account: bucketEvent.account,
      region: bucketEvent.region,
      mode: 'auto',
      severity: 'HIGH',
      undoable: true,
      target: { bucket: 'exports-bucket' },
      stateSource: 'live',
      before: { config: null },
      effectiveAction: 'applied',
      actions: [{ service: 's3', action: 'PutPublicAccessBlock', input: { Bucket: 'exports-bucket' } }],
      compliant: false,
      after: { config: BLOCK_ALL },
      verified: true,
    } satisfies RemediationOutcome;
    await h.dynamo.client.send(
      new PutCommand({
        TableName: 'remediations',
        Item: {
          ...newRecord(claim, 'arn:exec:legacy'),
          target: { bucket: 'exports-bucket' },
          before: { config: null },
          planned: outcome.actions,
          status: 'applied',
          applied: [0],
          updatedAt: NOW.toISOString(),
          outcome,
        },
      }),
    );
    expect((await h.records.get(claim))?.outcome).toEqual(outcome);
  });

  it('marks the last call on its own when the verify read fails, so the retry sends nothing again', async () => {
    let reads = 0;
    s3.on(GetPublicAccessBlockCommand).callsFake(() => {
      reads += 1;
      if (reads === 2) throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
      if (!blocked) throw Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' });
      return { PublicAccessBlockConfiguration: BLOCK_ALL };
    });
    const run = {
      mode: 'auto',
      event: bucketEvent,
      registry: [s3BucketPublicAccessBlock],
      executionId: 'arn:exec:verify-fails',
      investigationId: 'inv-verify-fails',
      runtime: { sessions: new RecordingSessionFactory() },
    };
    await expect(h.invoke(run)).rejects.toThrow('slow down');
    const claim = { investigationId: 'inv-verify-fails', remediationId: s3BucketPublicAccessBlock.id };
    expect(await h.records.get(claim)).toMatchObject({
      status: 'applying',
      applied: [0],
      lastError: { message: expect.stringContaining('slow down') },
    });
    const retry = await h.invoke(run);
    expect(retry.remediation).toMatchObject({ effectiveAction: 'applied', verified: true, before: { config: null } });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
    expect(await h.records.get(claim)).toMatchObject({ status: 'applied', applied: [0] });
    expect(await h.records.get(claim)).not.toHaveProperty('lastError');
  });

  it('undoes a fix whose only call was recorded by the completion', async () => {
    const sessions = new RecordingSessionFactory();
    const run = {
      mode: 'auto',
      event: bucketEvent,
      registry: [s3BucketPublicAccessBlock],
      executionId: 'arn:exec:undo-folded',
    };
    await h.invoke({ ...run, investigationId: 'inv-undo-folded', runtime: { sessions } });
    expect(blocked).toBe(true);
    const undone = await undoExecution({
      records: h.records,
      executionId: run.executionId,
      registry: [s3BucketPublicAccessBlock],
      sessions,
      by: 'alice',
      now: () => NOW,
    });
    expect(undone[0]?.calls.map((c) => c.action)).toEqual(['DeletePublicAccessBlock']);
    expect(s3.commandCalls(DeletePublicAccessBlockCommand)).toHaveLength(1);
    expect(blocked).toBe(false);
    expect(
      await h.records.get({ investigationId: 'inv-undo-folded', remediationId: s3BucketPublicAccessBlock.id }),
    ).toMatchObject({ status: 'undone', applied: [0], undo: { by: 'alice', from: 'applied' } });
  });
});

/** A new claim for the repository tests. */
function newRecord(claim: RemediationClaim, executionId: string): NewRemediationRecord {
  return {
    ...claim,
    executionId,
    state: 'Remediate',
    playbook: 'remediate-finding',
    account: '210987654321',
    region: 'eu-west-1',
    target: { groupId: GROUP },
    before: { rules: ['ingress', 'egress'] },
    planned: [
      { service: 'ec2', action: 'RevokeSecurityGroupIngress', input: { GroupId: GROUP } },
      { service: 'ec2', action: 'RevokeSecurityGroupEgress', input: { GroupId: GROUP } },
    ],
    planHash: 'hash',
    plannedAt: NOW.toISOString(),
    claimedAt: NOW.toISOString(),
    expiresAt: Math.floor(NOW.getTime() / 1000) + 86_400,
  };
}

const appliedOutcome = (record: NewRemediationRecord): RemediationOutcome => ({
  id: record.remediationId,
  account: record.account,
  region: record.region,
  mode: 'auto',
  severity: 'HIGH',
  undoable: true,
  target: record.target,
  stateSource: 'live',
  before: record.before,
  effectiveAction: 'applied',
  actions: record.planned,
  compliant: false,
  after: { rules: [] },
  verified: true,
});

describe('remediation record completion', () => {
  let h: RemediateHarness;
  beforeAll(async () => {
    h = await startRemediateHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('completes only for the execution that claimed it, with every earlier call marked, once', async () => {
    const record = newRecord({ investigationId: 'inv-complete', remediationId: 'test-two-calls' }, 'arn:exec:owner');
    const at = NOW.toISOString();
    const outcome = appliedOutcome(record);
    expect(await h.records.claim(record)).toBe(true);
    // Another execution can neither mark nor complete the claim.
    expect(await h.records.markApplied(record, 'arn:exec:other', 0, at)).toBe(false);
    expect(await h.records.complete(record, 'arn:exec:other', outcome, at, 0, 0)).toBe(false);
    // The owner cannot complete with the second call while the first is unmarked, nor skip it.
    await expect(h.records.complete(record, 'arn:exec:owner', outcome, at, 0, 1)).rejects.toThrow(/next unmarked/);
    expect(await h.records.complete(record, 'arn:exec:owner', outcome, at, 1, 1)).toBe(false);
    expect(await h.records.get(record)).toMatchObject({ status: 'applying', applied: [] });

    expect(await h.records.markApplied(record, 'arn:exec:owner', 0, at)).toBe(true);
    // A second invocation that still thinks nothing was marked is refused: the first call is not appended twice.
    expect(await h.records.complete(record, 'arn:exec:owner', outcome, at, 0, 0)).toBe(false);
    expect(await h.records.complete(record, 'arn:exec:other', outcome, at, 1, 1)).toBe(false);
    expect(await h.records.complete(record, 'arn:exec:owner', outcome, at, 1, 1)).toBe(true);
    expect(await h.records.get(record)).toMatchObject({ status: 'applied', applied: [0, 1], outcome });
    // Completed once: neither a late duplicate of the same execution nor a complete without the call goes through.
    expect(await h.records.complete(record, 'arn:exec:owner', outcome, at, 1, 1)).toBe(false);
    expect(await h.records.complete(record, 'arn:exec:owner', outcome, at, 2)).toBe(false);
    expect(await h.records.get(record)).toMatchObject({ applied: [0, 1] });
  });

  it('refuses to complete a record an operator took for an undo', async () => {
    const record = newRecord({ investigationId: 'inv-complete-undone', remediationId: 'test-two-calls' }, 'arn:exec:o');
    const at = NOW.toISOString();
    expect(await h.records.claim(record)).toBe(true);
    expect(await h.records.markApplied(record, 'arn:exec:o', 0, at)).toBe(true);
    expect(await h.records.beginUndo(record, 'dave', at, 'applying')).toMatchObject({ status: 'undoing' });
    expect(await h.records.complete(record, 'arn:exec:o', appliedOutcome(record), at, 1, 1)).toBe(false);
    expect(await h.records.get(record)).toMatchObject({ status: 'undoing', applied: [0] });
  });

  it("lists an execution's records, whole and current, from its exec# items: new claims stay out of the execution index", async () => {
    const first = newRecord({ investigationId: 'inv-listed', remediationId: 'test-two-calls' }, 'arn:exec:listed');
    const second = { ...first, remediationId: 'test-other' };
    const at = NOW.toISOString();
    expect(await h.records.claim(first)).toBe(true);
    expect(await h.records.claim(second)).toBe(true);
    expect(await h.records.claim(newRecord({ investigationId: 'inv-else', remediationId: 'x' }, 'arn:exec:else'))).toBe(
      true,
    );
    // Another execution's claim of the same key lists it under that execution too, but the record is not its.
    expect(await h.records.claim(newRecord(first, 'arn:exec:late'))).toBe(false);
    expect(await h.records.markApplied(first, 'arn:exec:listed', 0, at)).toBe(true);
    expect(await h.records.complete(first, 'arn:exec:listed', appliedOutcome(first), at, 1, 1)).toBe(true);
    const listed = await h.records.listByExecution('arn:exec:listed');
    expect(listed.sort((a, b) => a.remediationId.localeCompare(b.remediationId))).toEqual([
      expect.objectContaining({ remediationId: 'test-other', status: 'applying', before: first.before, applied: [] }),
      expect.objectContaining({
        remediationId: 'test-two-calls',
        executionId: 'arn:exec:listed',
        status: 'applied',
        applied: [0, 1],
        planned: first.planned,
        outcome: appliedOutcome(first),
      }),
    ]);
    expect(await h.records.listByExecution('arn:exec:late')).toEqual([]);
    expect(await h.records.listByExecution('arn:exec:none')).toEqual([]);
    // The record keeps its execution under another name than the index key: no whole-item index copy to bill.
    const raw = (
      await h.dynamo.client.send(
        new GetCommand({
          TableName: 'remediations',
          Key: { investigationId: first.investigationId, remediationId: first.remediationId },
        }),
      )
    ).Item;
    expect(raw).toMatchObject({ execution: 'arn:exec:listed' });
    expect(raw).not.toHaveProperty('executionId');
    const indexed = await h.dynamo.client.send(
      new QueryCommand({
        TableName: 'remediations',
        IndexName: 'execution-index',
        KeyConditionExpression: 'executionId = :e',
        ExpressionAttributeValues: { ':e': 'arn:exec:listed' },
      }),
    );
    expect(indexed.Items).toEqual([]);
  });

  it('lists, resumes and completes a record claimed before exec# items (its execution as executionId, in the index)', async () => {
    const legacy = newRecord(
      { investigationId: 'inv-legacy-applying', remediationId: 'test-two-calls' },
      'arn:exec:old',
    );
    const at = NOW.toISOString();
    await h.dynamo.client.send(
      new PutCommand({
        TableName: 'remediations',
        Item: { ...legacy, status: 'applying', applied: [0], updatedAt: at },
      }),
    );
    expect(await h.records.listByExecution('arn:exec:old')).toEqual([
      expect.objectContaining({ investigationId: 'inv-legacy-applying', executionId: 'arn:exec:old', applied: [0] }),
    ]);
    expect(await h.records.complete(legacy, 'arn:exec:other', appliedOutcome(legacy), at, 1, 1)).toBe(false);
    expect(await h.records.complete(legacy, 'arn:exec:old', appliedOutcome(legacy), at, 1, 1)).toBe(true);
    expect(await h.records.get(legacy)).toMatchObject({
      status: 'applied',
      applied: [0, 1],
      executionId: 'arn:exec:old',
    });
  });
});
