import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setInvestigationStatus } from '../../hub/integrations/set-investigation-status/integration.ts';
import { IntegrationParameterError, InvestigationNotFoundError } from '../../shared/integration-runtime/errors.ts';
import { type Harness, startHarness } from './harness.ts';

describe('set_investigation_status', () => {
  let h: Harness;
  const get = async (table: string, key: Record<string, string>) =>
    (await h.dynamo.client.send(new GetCommand({ TableName: table, Key: key }))).Item;

  beforeAll(async () => {
    h = await startHarness();
    const put = (table: string, item: Record<string, unknown>) =>
      h.dynamo.client.send(new PutCommand({ TableName: table, Item: item }));
    await put('events', {
      id: 'evt-1',
      status: 'dispatched',
      receivedAt: '2025-01-01T00:00:00Z',
      dedupKey: 'gd#abc',
      investigationId: 'evt-1',
    });
    await put('dedup', { dedupKey: 'gd#abc', investigationId: 'evt-1', status: 'open', expiresAt: 4_000_000_000 });
    await put('events', {
      id: 'evt-2',
      status: 'dispatched',
      receivedAt: '2025-01-01T00:00:00Z',
      dedupKey: 'gd#def',
      investigationId: 'evt-2',
    });
    await put('dedup', { dedupKey: 'gd#def', investigationId: 'evt-newer', status: 'open', expiresAt: 4_000_000_000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sets the status on the event item without closing the dedup record while open', async () => {
    const out = await h.invoke(setInvestigationStatus, { status: 'active' }, { investigationId: 'evt-1' });
    expect(out).toEqual({ event_id: 'evt-1', status: 'active', dedup_closed: false });
    expect((await get('events', { id: 'evt-1' }))?.investigationStatus).toBe('active');
    expect((await get('dedup', { dedupKey: 'gd#abc' }))?.status).toBe('open');
  });

  it('closes the dedup record named by the event artifact when the investigation closes', async () => {
    const out = await h.invoke(
      setInvestigationStatus,
      { status: 'closed' },
      {
        investigationId: 'evt-1',
        context: { artifacts: { event: { id: 'evt-1', details: { dedupKey: 'gd#abc' } } }, results: {} },
      },
    );
    expect(out).toEqual({ event_id: 'evt-1', status: 'closed', dedup_key: 'gd#abc', dedup_closed: true });
    expect(await get('dedup', { dedupKey: 'gd#abc' })).toMatchObject({ status: 'closed' });
    expect(await get('events', { id: 'evt-1' })).toMatchObject({ investigationStatus: 'closed', status: 'dispatched' });
  });

  it('closes the investigation, not the later event, when an escalation runs the playbook, with its resolution', async () => {
    const put = (table: string, item: Record<string, unknown>) =>
      h.dynamo.client.send(new PutCommand({ TableName: table, Item: item }));
    await put('events', { id: 'inv-9', status: 'dispatched', receivedAt: '2025-01-01T00:00:00Z', dedupKey: 'gd#esc' });
    await put('events', { id: 'evt-9b', status: 'escalated', receivedAt: '2025-01-01T00:10:00Z', dedupKey: 'gd#esc' });
    await put('dedup', { dedupKey: 'gd#esc', investigationId: 'inv-9', status: 'open', version: 3 });
    const out = await h.invoke(
      setInvestigationStatus,
      { status: 'closed', resolution: 'remediated' },
      {
        investigationId: 'inv-9',
        context: { artifacts: { event: { id: 'evt-9b', details: { dedupKey: 'gd#esc' } } }, results: {} },
      },
    );
    expect(out).toMatchObject({ event_id: 'inv-9', resolution: 'remediated', dedup_closed: true });
    expect(await get('events', { id: 'inv-9' })).toMatchObject({
      investigationStatus: 'closed',
      resolution: 'remediated',
      closedBy: 'playbook',
      closedByName: 'test-playbook',
    });
    expect((await get('events', { id: 'evt-9b' }))?.investigationStatus).toBeUndefined();
    // The version moves, so a pipeline decision read before the close cannot write the record back open.
    expect(await get('dedup', { dedupKey: 'gd#esc' })).toMatchObject({
      status: 'closed',
      resolution: 'remediated',
      closedBy: 'playbook',
      version: 4,
    });
  });

  it('leaves a dedup record alone when a newer investigation owns it', async () => {
    const out = await h.invoke(setInvestigationStatus, { status: 'closed', event_id: 'evt-2' });
    expect(out).toMatchObject({ dedup_key: 'gd#def', dedup_closed: false });
    expect((await get('dedup', { dedupKey: 'gd#def' }))?.status).toBe('open');
  });

  it('raises InvestigationNotFoundError for an event that does not exist', async () => {
    const err = await h.invoke(setInvestigationStatus, { status: 'closed', event_id: 'evt-missing' }).catch((e) => e);
    expect(err).toBeInstanceOf(InvestigationNotFoundError);
    expect(err.name).toBe('InvestigationNotFoundError');
    expect(await get('events', { id: 'evt-missing' })).toBeUndefined();
  });

  it('rejects a status outside open, active, closed, whitelisted', async () => {
    const err = await h.invoke(setInvestigationStatus, { status: 'done' }, { state: 'Close' }).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.parameter).toBe('status');
  });
});
