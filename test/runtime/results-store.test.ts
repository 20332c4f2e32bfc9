import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDynamo } from '../../scripts/bench/cost/counters.ts';
import { measureEventProfiles } from '../../scripts/bench/cost/measure.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { dynamoItemBytes, WRITE_UNIT_BYTES } from '../../shared/store/item-size.ts';
import {
  parseResultStateKey,
  ResultsRepository,
  resultStateKey,
  type StateResultRecord,
  toStoredRow,
} from '../../shared/store/results.ts';

const SAMPLES = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/results/sample-results.json', import.meta.url)), 'utf8'),
) as Record<'remediateSecurityGroup' | 'remediateInstanceIsolate' | 'setInvestigationStatus', Record<string, unknown>>;

const REMEDIATED_SAMPLE = fileURLToPath(
  new URL('../../playbooks/remediate-finding/events/securityhub-sg-rdp-open-critical.json', import.meta.url),
);

// As the hub names them: a Standard execution ARN and an investigation id (the event id).
const EXECUTION =
  'arn:aws:states:us-east-1:123456789012:execution:socless-remediate-finding:remediate-finding-f099b091f0b7b72e92ff3fc2781ce072';

function record(
  state: string,
  integration: string,
  at: string,
  extra: Partial<StateResultRecord> = {},
  executionId = EXECUTION,
): StateResultRecord {
  return {
    executionId,
    stateKey: resultStateKey(state, at, '17016959-b6be-43e5-ad17-a30bedb6b369'),
    state,
    playbook: 'remediate-finding',
    integration,
    investigationId: 'securityhub-3f1c0e52-8d1b-4f57-9a53-2c4b7e6f1a90',
    savedAt: at,
    status: 'succeeded',
    expiresAt: 1_804_398_403,
    ...extra,
  };
}

describe('results table rows', () => {
  let dynamo: LocalDynamo;
  let repo: ResultsRepository;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    repo = new ResultsRepository(dynamo.client, 'results');
  });
  afterAll(async () => {
    await dynamo.close();
  });

  /** Write units DynamoDB bills for one save (dynalite's consumed capacity plus index entries). */
  async function unitsToSave(r: StateResultRecord): Promise<number> {
    const { counts, detach } = countDynamo(dynamo.client);
    try {
      await repo.save(r);
    } finally {
      detach();
    }
    return counts['results/PutItem']?.wru ?? Number.NaN;
  }

  it('saves a remediation plan (a typical row of a remediated event) in one write unit', async () => {
    const r = record('Remediate', 'remediate', '2026-12-07T05:48:30.097Z', { result: SAMPLES.remediateSecurityGroup });
    // As it was stored (the record whole, the result as a map): over 1 KB, two units, plus one for an index entry.
    expect(dynamoItemBytes(r)).toBeGreaterThan(WRITE_UNIT_BYTES);
    expect(await unitsToSave(r)).toBe(1);
    expect(dynamoItemBytes(toStoredRow(r))).toBeLessThanOrEqual(WRITE_UNIT_BYTES);
  });

  it('saves a small result in one write unit, as a readable map, and the largest sample plan in two', async () => {
    const small = record('CloseInvestigation', 'set_investigation_status', '2026-12-07T05:48:31.000Z', {
      result: SAMPLES.setInvestigationStatus,
    });
    expect(await unitsToSave(small)).toBe(1);
    expect(toStoredRow(small)).toMatchObject({ result: SAMPLES.setInvestigationStatus });
    // 2.5 KB of JSON: three units inline (four with the index); compressed, two.
    const largest = record('Remediate', 'remediate', '2026-12-07T05:48:32.000Z', {
      result: SAMPLES.remediateInstanceIsolate,
    });
    expect(Math.ceil(dynamoItemBytes(largest) / WRITE_UNIT_BYTES)).toBe(3);
    expect(await unitsToSave(largest)).toBe(2);
  });

  it('bills every result a remediated sample event saves at one write unit', async () => {
    const { profiles } = await measureEventProfiles({ files: [REMEDIATED_SAMPLE] });
    const puts = profiles.map((p) => p.dynamo.playbooks['results/PutItem']).filter((t) => t !== undefined);
    const calls = puts.reduce((n, t) => n + t.calls, 0);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(puts.reduce((n, t) => n + t.wru, 0)).toBe(calls);
  }, 60_000);

  it('stores neither the state nor the save time beside the key that holds them', async () => {
    const r = record('Remediate', 'remediate', '2026-12-07T05:48:33.000Z', { result: SAMPLES.remediateSecurityGroup });
    await repo.save(r);
    const out = await dynamo.client.send(
      new GetCommand({ TableName: 'results', Key: { executionId: r.executionId, stateKey: r.stateKey } }),
    );
    const item = out.Item as Record<string, unknown>;
    expect(Object.keys(item).sort()).toEqual([
      'executionId',
      'expiresAt',
      'integration',
      'investigationId',
      'playbook',
      'resultBrotli',
      'stateKey',
      'status',
    ]);
    expect(item.resultBrotli).toBeInstanceOf(Uint8Array);
  });

  it('reads back every shape it saves exactly as saved: inline, compressed, failed, offloaded, a state with "#"', async () => {
    const execution = `${EXECUTION}-roundtrip`;
    const saved = [
      record('Enrich', 'enrich_account', '2026-12-07T06:00:00.000Z', { result: { owner: 'x', n: 1.5 } }, execution),
      record(
        'Remediate',
        'remediate',
        '2026-12-07T06:00:01.000Z',
        { result: SAMPLES.remediateInstanceIsolate },
        execution,
      ),
      record(
        'Notify',
        'notify_email',
        '2026-12-07T06:00:02.000Z',
        { status: 'failed', error: { name: 'UpstreamDownError', message: 'smtp is down' } },
        execution,
      ),
      record(
        'Fetch',
        'http_request',
        '2026-12-07T06:00:03.000Z',
        { resultRef: { bucket: 'vault', key: 'results/x/Fetch/1.json' } },
        execution,
      ),
      record('Ask #2 (owner)', 'request_approval', '2026-12-07T06:00:04.000Z', { result: { ok: true } }, execution),
    ];
    for (const r of saved) await repo.save(r);
    const read = await repo.listByExecution(execution);
    expect([...read].sort((a, b) => a.savedAt.localeCompare(b.savedAt))).toEqual(saved);
  });

  it('reads a row saved in the earlier shape (state and savedAt attributes, the result as a map) as it was', async () => {
    const old = record('Remediate', 'remediate', '2026-11-30T10:00:00.000Z', {
      result: SAMPLES.remediateSecurityGroup,
    });
    const other = { ...old, executionId: `${EXECUTION}-old` };
    await dynamo.client.send(new PutCommand({ TableName: 'results', Item: other }));
    expect(await repo.listByExecution(other.executionId)).toEqual([other]);
  });

  it('refuses a record whose key does not hold its state and save time, and names a corrupt stored result', async () => {
    const r = record('Enrich', 'enrich_account', '2026-12-07T06:10:00.000Z', { result: { a: 1 } });
    await expect(repo.save({ ...r, state: 'Other' })).rejects.toThrow(
      /stateKey "Enrich#.*" does not start with state "Other"/,
    );
    expect(() => resultStateKey('S', '2026-12-07T06:10:00.000Z', 'a#b')).toThrow(/without "#"/);
    expect(() => parseResultStateKey('Enrich#1')).toThrow(/stateKey "Enrich#1" is not/);
    const execution = `${EXECUTION}-corrupt`;
    await dynamo.client.send(
      new PutCommand({
        TableName: 'results',
        Item: { ...toStoredRow({ ...r, executionId: execution }), resultBrotli: new Uint8Array([1, 2, 3]) },
      }),
    );
    await expect(repo.listByExecution(execution)).rejects.toThrow(
      new RegExp(`results table: row ${execution} Enrich#.*: resultBrotli is not brotli-compressed JSON`),
    );
  });

  it('sizes items by the DynamoDB rules (names, UTF-8 strings, numbers by digits, 3 bytes per map or list)', () => {
    expect(dynamoItemBytes({ a: 'xyz' })).toBe(4);
    expect(dynamoItemBytes({ é: 'é' })).toBe(4);
    expect(dynamoItemBytes({ n: 123 })).toBe(1 + 2 + 1);
    expect(dynamoItemBytes({ n: 1_804_398_403 })).toBe(1 + 5 + 1);
    expect(dynamoItemBytes({ b: true, z: null, u: undefined })).toBe(4);
    expect(dynamoItemBytes({ m: { k: 'v' } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(dynamoItemBytes({ l: ['ab', 1] })).toBe(1 + 3 + 2 + 1 + 2 + 1);
    expect(dynamoItemBytes({ bin: new Uint8Array(10) })).toBe(13);
  });
});
