import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookSenderConfig } from '../../shared/config.ts';
import { matchesEventPattern } from '../../shared/event-pattern/compile.ts';
import { soclessDedupHash } from '../../shared/events/socless-create-events.ts';
import { normalizeWebhookEvent, signWebhookPayload } from '../../shared/events/webhook.ts';
import { buildExecutionInput } from '../../shared/playbook/index.ts';

const SECRET = 'whsec_9a8b7c6d5e4f3a2b';
const NOW = Date.parse('2026-01-01T12:00:00Z');
const T = Math.floor(NOW / 1000);
const SENDER: WebhookSenderConfig = {
  name: 'socless-sender',
  sources: [],
  accounts: ['123456789012'],
  mayRemediate: false,
  severityMayReachAuto: false,
};
const OPTIONS = {
  sender: SENDER,
  secret: SECRET,
  now: NOW,
  autoMinSeverity: 'HIGH' as const,
  hubAccountId: '111111111111',
  region: 'us-east-1',
};

function signed(body: unknown) {
  const text = JSON.stringify(body);
  return { headers: { 'x-socless-signature': `t=${T},v1=${signWebhookPayload(SECRET, T, text)}` }, body: text };
}

const CREATE_EVENTS = {
  event_type: 'Suspicious_Login',
  playbook: 'TriageLogin',
  details: [{ username: 'Bob', ip: '203.0.113.9', account: '999999999999' }],
  dedup_keys: ['username', 'ip'],
  add_to_details: { team: 'secops' },
};

describe("SOCless's create-events body on POST /events", () => {
  it('computes the dedup hash as SOCless does: md5 of the event type and the sorted lower-cased values', () => {
    const expected = createHash('md5').update('suspicious_login203.0.113.9bob').digest('hex');
    expect(soclessDedupHash('Suspicious_Login', { username: 'Bob', ip: '203.0.113.9' }, ['username', 'ip'])).toBe(
      expected,
    );
  });

  it('becomes one webhook event under the sender scope, with the SOCless dedup key and details', () => {
    const result = normalizeWebhookEvent(signed(CREATE_EVENTS), OPTIONS);
    if (!result.ok) throw new Error(result.reason);
    const [event] = result.events;
    const hash = createHash('md5').update('suspicious_login203.0.113.9bob').digest('hex');
    expect(event).toMatchObject({
      kind: 'Suspicious_Login',
      title: 'Suspicious_Login',
      dedupKey: `webhook:socless-sender:${hash}`,
      // The details' account is not the event's account: only the sender's scope may name accounts.
      account: '',
      origin: { kind: 'webhook', sender: 'socless-sender', mayRemediate: false },
    });
    expect(result.envelope).toMatchObject({
      source: 'socless.webhook.socless-sender',
      'detail-type': 'Suspicious_Login',
      detail: {
        soclessPlaybook: 'TriageLogin',
        soclessDetails: { username: 'Bob', ip: '203.0.113.9', account: '999999999999', team: 'secops' },
      },
    });
    // The body's playbook routes only where a playbook's trigger opts in to this sender and name.
    const trigger = { source: ['socless.webhook.socless-sender'], detail: { soclessPlaybook: ['TriageLogin'] } };
    expect(matchesEventPattern(trigger, result.envelope)).toBe(true);
    expect(matchesEventPattern({ ...trigger, detail: { soclessPlaybook: ['Other'] } }, result.envelope)).toBe(false);
    // A SOCless-style playbook reads its own keys at artifacts.event.details; the normalized fields win.
    const input = buildExecutionInput({
      event: {
        id: event?.id as string,
        investigation_id: event?.id as string,
        event_type: event?.kind as string,
        created_at: event?.time as string,
        playbook: 'triage_login',
        details: event as unknown as Record<string, unknown>,
      },
      execution_id: 'e1',
      account: { id: '111111111111', mode: 'notify' },
    });
    expect(input.artifacts.event.details).toMatchObject({ username: 'Bob', team: 'secops', account: '' });
  });

  it('makes one event per detail, each with its own envelope, id and dedup hash', () => {
    const several = normalizeWebhookEvent(
      signed({
        ...CREATE_EVENTS,
        details: [
          { username: 'a', ip: 'b' },
          { username: 'c', ip: 'd' },
        ],
      }),
      OPTIONS,
    );
    if (!several.ok) throw new Error(several.reason);
    expect(several.items).toHaveLength(2);
    expect(several.events.map((e) => e.dedupKey)).toEqual([
      `webhook:socless-sender:${createHash('md5').update('suspicious_loginab').digest('hex')}`,
      `webhook:socless-sender:${createHash('md5').update('suspicious_logincd').digest('hex')}`,
    ]);
    expect(new Set(several.events.map((e) => e.id)).size).toBe(2);
    expect(several.items.map((i) => (i.envelope.detail as { soclessDetails: unknown }).soclessDetails)).toEqual([
      { username: 'a', ip: 'b', team: 'secops' },
      { username: 'c', ip: 'd', team: 'secops' },
    ]);
  });

  it('is refused naming the field: a non-string dedup value (and which detail), an unknown key', () => {
    const nonString = normalizeWebhookEvent(signed({ ...CREATE_EVENTS, details: { username: 7, ip: 'x' } }), OPTIONS);
    expect(nonString).toMatchObject({ ok: false, status: 400, field: 'details.username' });
    const second = normalizeWebhookEvent(
      signed({ ...CREATE_EVENTS, details: [{ username: 'a', ip: 'b' }, { username: 'c' }] }),
      OPTIONS,
    );
    expect(second).toMatchObject({ ok: false, status: 400, field: 'details[1].ip' });
    const unknown = normalizeWebhookEvent(signed({ ...CREATE_EVENTS, source: 'aws.guardduty' }), OPTIONS);
    expect(unknown).toMatchObject({ ok: false, status: 400 });
  });

  it('still needs the sender signature', () => {
    const request = signed(CREATE_EVENTS);
    const forged = { ...request, body: request.body.replace('Bob', 'Eve') };
    expect(normalizeWebhookEvent(forged, OPTIONS)).toMatchObject({ ok: false, authenticated: false });
  });
});
