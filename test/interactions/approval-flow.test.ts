import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signPayload } from '../../hub/functions/http.ts';
import { answerLocalInteraction, localHubToken } from '../../scripts/commands/local.ts';
import {
  LOCAL_WEBHOOK_RESPONDER,
  LOCAL_WEBHOOK_SECRET_NAME,
  LocalHub,
  loadRepoConfig,
} from '../../scripts/local/hub.ts';
import { localTokenFile, serveLocalHub } from '../../scripts/local/server.ts';
import { parseConfig } from '../../shared/config.ts';
import { slackSignature } from '../../shared/integrations/slack.ts';
import { type FakeSlack, startFakeSlack } from '../integrations/fake-slack.ts';

const BOT_TOKEN = 'xoxb-test-0001';
const SIGNING_SECRET = 'slack-signing-secret-0123456789';
const WEBHOOK_SECRET = 'webhook-signing-secret-0123456789';
const EVENT = JSON.parse(
  readFileSync(
    new URL(
      '../../playbooks/remediate-finding/events/securityhub-s3-bucket-public-notify-account.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as Record<string, unknown>;

function slackClick(messageId: string, user: string, options: { reject?: boolean; reason?: string } = {}): string {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase() },
    team: { id: 'T0TEAM0001' },
    container: { type: 'message', channel_id: 'C0SOC00001', message_ts: '1700000001.000100' },
    actions: [
      {
        action_id: options.reject ? 'socless_reject' : 'socless_approve',
        value: messageId,
        type: 'button',
        action_ts: '1',
      },
    ],
    state: { values: { socless_reason: { reason: { type: 'plain_text_input', value: options.reason ?? null } } } },
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function messageIdOf(blocks: unknown): string {
  const actions = (blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>).flatMap(
    (b) => b.elements ?? [],
  );
  const approve = actions.find((e) => e.action_id === 'socless_approve');
  if (!approve?.value) throw new Error('no approve button in the posted message');
  return approve.value;
}

describe('approval flow in the local hub', () => {
  let slack: FakeSlack;
  let hub: LocalHub;
  let server: Server;
  let url: string;
  let token: string;
  let dataDir: string;

  beforeEach(async () => {
    slack = await startFakeSlack({ token: BOT_TOKEN });
    const config = parseConfig(
      {
        ...loadRepoConfig(),
        slack: { apiBaseUrl: slack.apiUrl, defaultChannel: 'C0SOC00001', teamId: 'T0TEAM0001' },
        interactions: { slack: { allowedUserIds: ['U0ALICE001'], allowedUserGroupIds: ['S0SOC00001'] } },
      },
      'test config',
    );
    hub = await LocalHub.start({
      config,
      executionWaitMs: 0,
      interactionTimeoutMs: 'never',
      secrets: {
        'socless/slack/bot-token': BOT_TOKEN,
        'socless/slack/signing-secret': SIGNING_SECRET,
        [LOCAL_WEBHOOK_SECRET_NAME]: WEBHOOK_SECRET,
      },
    });
    dataDir = mkdtempSync(join(tmpdir(), 'socless-approval-'));
    const served = await serveLocalHub(hub, 0, { tokenFile: (port) => localTokenFile(dataDir, port) });
    ({ server, url } = served);
    token = served.token as string;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await hub.close();
    await slack.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const postSlack = (body: string, options: { secret?: string; timestamp?: number } = {}) => {
    const ts = options.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(`${url}/interactions/slack`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature(options.secret ?? SIGNING_SECRET, ts, body),
      },
      body,
    });
  };

  const approvalRun = () => [...hub.dispatcher.runs.values()].find((r) => r.playbook === 'remediate-finding');

  it('asks in Slack, takes a signed click from an allowed user, and remediates once (a plan, with no spoke session)', async () => {
    slack.groups.set('S0SOC00001', ['U0BOB00001']);
    await hub.submit(EVENT, 'notify-account.json');
    const posted = await slack.waitFor('/api/chat.postMessage');
    expect(posted.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(posted.body.channel).toBe('C0SOC00001');
    expect(String(posted.body.text)).toContain('Approval needed');
    const messageId = messageIdOf(posted.body.blocks);
    const pending = (await (
      await fetch(`${url}/interactions`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Array<{
      state: string;
    }>;
    expect(pending.map((p) => p.state)).toEqual(['Ask_Approval']);

    const forged = await postSlack(slackClick(messageId, 'U0ALICE001'), { secret: 'not-the-secret' });
    const stale = await postSlack(slackClick(messageId, 'U0ALICE001'), {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const stranger = await postSlack(slackClick(messageId, 'U0MALLORY1'));
    expect([forged.status, stale.status, stranger.status]).toEqual([401, 401, 403]);
    expect(((await stranger.json()) as { error: string }).error).toContain('U0MALLORY1 is not allowed');
    expect(hub.pendingInteractions()).toHaveLength(1);

    const click = await postSlack(slackClick(messageId, 'U0ALICE001', { reason: 'owner agreed' }));
    expect(click.status).toBe(200);
    await hub.dispatcher.drain();

    const run = approvalRun()?.result;
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.states).toEqual([
      'Remediate',
      'Route_By_Outcome',
      'Plan_To_Approve',
      'Ask_Approval',
      'Remediate_Approved',
      'Route_Approved_Outcome',
      'Notify_Planned',
      'Close_Investigation',
    ]);
    const results = (run?.output as { results: Record<string, Record<string, unknown>> } | undefined)?.results ?? {};
    expect(results.Ask_Approval).toMatchObject({
      decision: 'approve',
      responder: 'U0ALICE001',
      reason: 'owner agreed',
    });
    expect(results.Remediate_Approved?.remediation).toMatchObject({
      mode: 'auto',
      approvedBy: 'U0ALICE001',
      effectiveAction: 'planned',
      stateSource: 'finding',
      actions: [{ service: 's3', action: 'PutPublicAccessBlock' }],
    });
    const update = slack.calls.find((c) => c.path === '/api/chat.update');
    expect(update?.body).toMatchObject({ channel: 'C0SOC00001' });
    expect(String(update?.body.ts)).toMatch(/^\d+\.\d+$/);
    expect(JSON.stringify(update?.body.blocks)).toContain('Approved by <@U0ALICE001>');

    const again = await postSlack(slackClick(messageId, 'U0ALICE001', { reject: true }));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toContain('already answered by U0ALICE001');
    expect(slack.calls.filter((c) => c.path === '/api/chat.update')).toHaveLength(1);
  });

  it('lets a member of an allowed user group reject, which changes nothing', async () => {
    slack.groups.set('S0SOC00001', ['U0BOB00001']);
    await hub.submit(EVENT, 'notify-account.json');
    const messageId = messageIdOf((await slack.waitFor('/api/chat.postMessage')).body.blocks);

    const click = await postSlack(slackClick(messageId, 'U0BOB00001', { reject: true, reason: 'change freeze' }));
    expect(click.status).toBe(200);
    await hub.dispatcher.drain();

    const run = approvalRun()?.result;
    expect(run?.states).toEqual([
      'Remediate',
      'Route_By_Outcome',
      'Plan_To_Approve',
      'Ask_Approval',
      'Notify_Rejected',
      'Close_Investigation',
    ]);
    expect(slack.calls.some((c) => c.path === '/api/usergroups.users.list' && c.body.usergroup === 'S0SOC00001')).toBe(
      true,
    );
    const notice = hub.integrationDeps.notifier.sent.find((n) => n.attributes?.kind === 'remediation-rejected');
    expect(notice?.subject).toContain('Fix not applied in 123456789012');
  });

  it('answers an unknown message id with 404 and a signed webhook answer resumes the playbook', async () => {
    await hub.submit(EVENT, 'notify-account.json');
    const messageId = messageIdOf((await slack.waitFor('/api/chat.postMessage')).body.blocks);
    const unknown = await postSlack(slackClick('req-nope', 'U0ALICE001'));
    expect(unknown.status).toBe(404);

    const body = JSON.stringify({ messageId, decision: 'approve', responder: 'soc-lead@example.com' });
    const res = await fetch(`${url}/interactions/webhook`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signPayload(body, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    expect(res.status).toBe(200);
    await hub.dispatcher.drain();
    const run = approvalRun()?.result;
    expect(run?.states).toContain('Remediate_Approved');
    const results = (run?.output as { results: Record<string, Record<string, unknown>> } | undefined)?.results ?? {};
    // The shared secret's bound responder answered; the name in the body is only a note.
    expect(results.Ask_Approval).toMatchObject({
      responder: LOCAL_WEBHOOK_RESPONDER,
      responder_note: 'soc-lead@example.com',
      plan_hash: results.Remediate ? expect.stringMatching(/^[0-9a-f]{64}$/) : undefined,
    });
    expect(results.Remediate_Approved?.remediation).toMatchObject({ approvedBy: LOCAL_WEBHOOK_RESPONDER });
  });

  it("takes an answer from socless local answer with the token from the hub's token file", async () => {
    await hub.submit(EVENT, 'notify-account.json');
    await slack.waitFor('/api/chat.postMessage');
    const [pending] = hub.pendingInteractions();
    const port = Number(new URL(url).port);
    const reply = JSON.parse(
      await answerLocalInteraction({
        port,
        id: pending?.id as string,
        decision: 'approve',
        token: localHubToken({ port, dataDir }),
        responder: 'ciso@example.com',
      }),
    ) as Record<string, unknown>;
    expect(reply).toMatchObject({ status: 'delivered', responder: expect.stringMatching(/^local:/) });
    await hub.dispatcher.drain();
    const results =
      (approvalRun()?.result?.output as { results: Record<string, Record<string, unknown>> } | undefined)?.results ??
      {};
    const asked = results.Ask_Approval ?? {};
    expect(asked.responder).toMatch(/^local:/);
    expect(asked.responder_note).toBe('ciso@example.com');
    expect(asked.plan_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(results.Remediate_Approved?.remediation).toMatchObject({ approvedBy: asked.responder });

    await expect(
      answerLocalInteraction({ port, id: pending?.id as string, decision: 'approve', token: 'not-the-token' }),
    ).rejects.toThrow(/HTTP 401/);
  });
});
