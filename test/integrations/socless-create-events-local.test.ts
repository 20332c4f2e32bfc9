/**
 * SOCless CreateEvents end to end on a local hub: a SOCless-style playbook's CreateEvents state makes events that
 * go through the same pipeline as any other (saved, deduplicated on SOCless's hash, routed) and start the
 * playbook that opts in, once; a repeat is a duplicate; the hub refuses playbook events it did not send, and the
 * loop guard stops a playbook that keeps starting itself.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHub } from '../../scripts/local/hub.ts';
import {
  MAX_PLAYBOOK_EVENT_DEPTH,
  PLAYBOOK_EVENT_DETAIL_TYPE,
  playbookEventDedupKey,
  soclessDedupHash,
} from '../../shared/events/socless-create-events.ts';

const DIR = fileURLToPath(new URL('../fixtures/socless/create-events', import.meta.url));
const SPOKE = '123456789012';
const OTHER_SPOKE = '210987654321';
let hub: LocalHub;
let n = 0;

function customEvent(source: string, title: string, account = SPOKE) {
  n += 1;
  return {
    version: '0',
    id: `evt-create-${n}`,
    'detail-type': 'Sweep Finished',
    source,
    account,
    time: '2026-01-01T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { title },
  };
}

/** Waits until no execution is running and none was started meanwhile. */
async function settle(): Promise<void> {
  for (;;) {
    const before = hub.dispatcher.runs.size;
    await hub.dispatcher.drain();
    if (hub.dispatcher.runs.size === before) return;
  }
}

const runsOf = (playbook: string): LocalRun[] =>
  [...hub.dispatcher.runs.values()].filter((r) => r.playbook === playbook);

type LocalRun = LocalHub['dispatcher']['runs'] extends ReadonlyMap<string, infer R> ? R : never;
type Output = { artifacts: { event: { details: Record<string, unknown> } }; results: Record<string, unknown> };
/** The execution's output keeps SOCless's artifacts: the event the run was for, as its input had it. */
const outputOf = (run: LocalRun) => run.result?.output as Output | undefined;
const detailsOf = (run: LocalRun) => outputOf(run)?.artifacts.event.details ?? {};

describe('SOCless CreateEvents on the local hub', () => {
  beforeAll(async () => {
    hub = await LocalHub.start({ playbooksDir: DIR });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('creates one event per detail through the pipeline, each starting the routed playbook once; a repeat is a duplicate', async () => {
    const [first] = await hub.submit(customEvent('acme.idp', 'sweep 1'), 'test');
    expect(first).toMatchObject({ status: 'dispatched', playbooks: ['login_sweep'] });
    await settle();
    expect(runsOf('login_sweep')[0]?.result).toMatchObject({ status: 'SUCCEEDED' });
    const followUps = runsOf('follow_up_login');
    expect(followUps).toHaveLength(2);
    const bob = followUps.map(detailsOf).find((d) => d.username === 'Bob');
    // The created event is in the investigation's account whatever the details say, and may not remediate.
    expect(bob).toMatchObject({
      username: 'Bob',
      ip: '203.0.113.9',
      found_by: 'sweep 1',
      account: SPOKE,
      origin: { source: 'socless.playbook.login_sweep', account: hub.config.hubAccountId, mayRemediate: false },
      dedupKey: playbookEventDedupKey(
        SPOKE,
        soclessDedupHash('Suspicious_Login', { username: 'Bob', ip: '203.0.113.9' }, ['username', 'ip']),
      ),
    });
    for (const run of followUps) {
      expect(run.result).toMatchObject({ status: 'SUCCEEDED' });
      expect(outputOf(run)?.results.cached).toMatchObject({ account: SPOKE });
    }
    // Saved before anything else, as every event: the created events are in the events table.
    const records = await hub.investigations();
    const created = records.filter((r) => r.playbooks?.includes('follow_up_login'));
    expect(created).toHaveLength(2);

    // Another sweep finds the same logins: the same SOCless hashes, so the open investigations absorb them.
    await hub.submit(customEvent('acme.idp', 'sweep 2'), 'test');
    await settle();
    expect(runsOf('login_sweep')).toHaveLength(2);
    expect(runsOf('follow_up_login')).toHaveLength(2);
  });

  it('refuses a playbook event the hub did not send, or one naming another account than its investigation', async () => {
    const [sweep] = await hub.submit(customEvent('acme.idp', 'sweep 3'), 'test');
    await settle();
    const investigationId = sweep?.investigationId as string;
    const playbookEvent = (account: string, detailAccount: string) => ({
      ...customEvent('socless.playbook.login_sweep', 'x', account),
      'detail-type': PLAYBOOK_EVENT_DETAIL_TYPE,
      detail: {
        type: 'Suspicious_Login',
        title: 'forged',
        account: detailAccount,
        region: 'us-east-1',
        dedupHash: soclessDedupHash('Suspicious_Login', { username: 'mallory' }, ['username']),
        soclessDetails: { username: 'mallory' },
        soclessPlaybook: 'FollowUpLogin',
        createdBy: {
          playbook: 'login_sweep',
          investigationId,
          execution: 'x',
          depth: 1,
          chain: [{ playbook: 'login_sweep', dedupKey: 'k' }],
        },
      },
    });
    const before = runsOf('follow_up_login').length;
    // A spoke's own PutEvents to the hub bus carries the spoke's account.
    const [fromSpoke] = await hub.submit(playbookEvent(SPOKE, SPOKE), 'test');
    expect(fromSpoke).toMatchObject({ status: 'rejected', flags: ['account-mismatch'] });
    expect(fromSpoke?.reason).toContain("comes only from the hub's own account");
    const [otherAccount] = await hub.submit(playbookEvent(hub.config.hubAccountId, OTHER_SPOKE), 'test');
    expect(otherAccount).toMatchObject({ status: 'rejected' });
    expect(otherAccount?.reason).toContain(`is in account ${SPOKE}`);
    // A playbook event under any other detail-type is not taken as a generic custom event either.
    const [foreignType] = await hub.submit(
      { ...playbookEvent(hub.config.hubAccountId, SPOKE), 'detail-type': 'Something Else' },
      'test',
    );
    expect(foreignType).toMatchObject({ status: 'rejected', field: 'detail-type' });
    const [genuine] = await hub.submit(playbookEvent(hub.config.hubAccountId, SPOKE), 'test');
    expect(genuine).toMatchObject({ status: 'dispatched', playbooks: ['follow_up_login'] });
    await settle();
    expect(runsOf('follow_up_login')).toHaveLength(before + 1);
  });

  it('does not start a playbook again for a dedup key it already ran for in the chain', async () => {
    const [sweep] = await hub.submit(customEvent('acme.idp', 'sweep 4'), 'test');
    await settle();
    const dedupHash = soclessDedupHash('Suspicious_Login', { username: 'eve' }, ['username']);
    const event = (chainPlaybook: string) => ({
      ...customEvent('socless.playbook.login_sweep', 'x', hub.config.hubAccountId),
      'detail-type': PLAYBOOK_EVENT_DETAIL_TYPE,
      detail: {
        type: 'Suspicious_Login',
        title: 'eve',
        account: SPOKE,
        region: 'us-east-1',
        dedupHash,
        soclessDetails: { username: 'eve' },
        soclessPlaybook: 'FollowUpLogin',
        createdBy: {
          playbook: 'login_sweep',
          investigationId: sweep?.investigationId as string,
          execution: 'x',
          depth: 2,
          chain: [
            { playbook: chainPlaybook, dedupKey: playbookEventDedupKey(SPOKE, dedupHash) },
            { playbook: 'login_sweep', dedupKey: 'k' },
          ],
        },
      },
    });
    const [looped] = await hub.submit(event('follow_up_login'), 'test');
    expect(looped).toMatchObject({ status: 'unrouted', playbooks: [] });
    const [fresh] = await hub.submit(event('some_other_playbook'), 'test');
    expect(fresh).toMatchObject({ status: 'dispatched', playbooks: ['follow_up_login'] });
    await settle();
  });

  it('stops a playbook that keeps creating events that start it, at the depth limit', async () => {
    await hub.submit(customEvent('acme.loop', 'loop'), 'test');
    await settle();
    const runs = runsOf('echo_loop');
    // The real event's run, then one per hop allowed; the run on the deepest event is refused its CreateEvents.
    expect(runs).toHaveLength(MAX_PLAYBOOK_EVENT_DEPTH + 1);
    const failed = runs.filter((r) => r.result?.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0]?.result)).toContain('loop guard');
  });
});
