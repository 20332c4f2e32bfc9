/**
 * Investigations from the operator's side: list, show and close through the local hub's routes (what
 * `socless investigation` calls), and what a close by a person means for the next occurrence of the finding.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investigationLine, localInvestigations } from '../../scripts/commands/investigation.ts';
import { LocalHub } from '../../scripts/local/hub.ts';
import { type LocalServer, serveLocalHub } from '../../scripts/local/server.ts';

const SAMPLE = fileURLToPath(
  new URL('../../playbooks/guardduty-triage/events/crypto-mining-high.json', import.meta.url),
);

/** The sample as a new delivery of finding `findingId`. */
function delivery(findingId: string, id: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(SAMPLE, 'utf8')) as { id: string; detail: Record<string, unknown> };
  event.id = id;
  event.detail.id = findingId;
  return event as unknown as Record<string, unknown>;
}

describe('socless investigation against the local hub', () => {
  let hub: LocalHub;
  let served: LocalServer;
  beforeAll(async () => {
    hub = await LocalHub.start();
    served = await serveLocalHub(hub, 0);
  });
  afterAll(async () => {
    await new Promise((resolve) => served.server.close(resolve));
    await hub.close();
  });

  it('lists, shows and closes an investigation; a close as remediated makes the next occurrence a regression', async () => {
    const source = localInvestigations({ port: String(new URL(served.url).port), token: served.token as string });
    const [first] = await hub.submit(delivery('inv-cli-finding', 'inv-cli-1'), 'test');
    const [repeat] = await hub.submit(delivery('inv-cli-finding', 'inv-cli-2'), 'test');
    expect([first?.status, repeat?.status]).toEqual(['dispatched', 'duplicate']);

    const listed = await source.list();
    const mine = listed.find((i) => i.id === 'inv-cli-1');
    // guardduty-triage closes its investigation itself; repeats stay duplicates within the window.
    expect(mine).toMatchObject({ status: 'closed', closedBy: 'playbook', occurrences: 2, account: '210987654321' });
    expect(investigationLine(mine!)).toContain('inv-cli-1  closed by guardduty-triage');

    const shown = await source.show('inv-cli-1');
    expect(shown.events.map((e) => [e.id, e.status])).toEqual([
      ['inv-cli-1', 'dispatched'],
      ['inv-cli-2', 'duplicate'],
    ]);
    await expect(source.show('inv-cli-2')).rejects.toThrow(
      'event inv-cli-2 is not an investigation: it belongs to investigation inv-cli-1',
    );

    const closed = await source.close('inv-cli-1', {
      resolution: 'remediated',
      reason: 'owner fixed the instance by hand',
    });
    expect(closed).toMatchObject({
      status: 'closed',
      resolution: 'remediated',
      closedBy: 'person',
      reason: 'owner fixed the instance by hand',
    });
    expect(closed.closedByName).toMatch(/^local:/);
    await expect(source.close('inv-cli-1', { resolution: 'false-positive', reason: 'again' })).rejects.toThrow(
      /already closed by local:.* \(remediated\)/,
    );

    const [back] = await hub.submit(delivery('inv-cli-finding', 'inv-cli-3'), 'test');
    expect(back).toMatchObject({ status: 'dispatched', previousInvestigationId: 'inv-cli-1', regression: true });
  });

  it('refuses a close without a reason, an unknown resolution, and duplicate-of without its target', async () => {
    const source = localInvestigations({ port: String(new URL(served.url).port), token: served.token as string });
    await hub.submit(delivery('inv-cli-refusals', 'inv-cli-r1'), 'test');
    // A just-opened investigation counts its one occurrence, seen when it opened.
    const opened = (await source.list()).find((i) => i.id === 'inv-cli-r1');
    expect(opened).toMatchObject({ occurrences: 1, latestSeverity: 'HIGH' });
    expect(opened?.lastSeen).toBeDefined();
    await expect(source.close('inv-cli-r1', { resolution: 'remediated', reason: ' ' })).rejects.toThrow(
      '--reason must say why',
    );
    await expect(source.close('inv-cli-r1', { resolution: 'done' as never, reason: 'x' })).rejects.toThrow(
      '--resolution must be one of remediated, resolved-by-source, accepted-risk, false-positive, duplicate-of',
    );
    await expect(source.close('inv-cli-r1', { resolution: 'duplicate-of', reason: 'x' })).rejects.toThrow(
      'needs --duplicate-of',
    );
    await expect(source.show('no-such-investigation')).rejects.toThrow('no investigation no-such-investigation');
  });
});
