import { describe, expect, it } from 'vitest';
import {
  normalizeWebhookEvent,
  SecurityEventSchema,
  signWebhookPayload,
  verifyWebhookSignature,
} from '../../shared/events/index.ts';

const SECRET = 'whsec_4f1c2a7b9e0d3c5a';
const NOW = Date.parse('2024-05-03T15:00:00Z');
const T = Math.floor(NOW / 1000);
const BODY = JSON.stringify({
  id: 'wh-20240503-0001',
  type: 'phishing-report',
  title: 'Reported phishing mail to {{context.user}}',
  severity: 'HIGH',
  account: '123456789012',
  region: 'us-east-1',
  resources: [{ type: 'Mailbox', id: 'alice@example.com' }],
});

function header(t: number, body = BODY, secret = SECRET): string {
  return `t=${t},v1=${signWebhookPayload(secret, t, body)}`;
}

describe('verifyWebhookSignature', () => {
  it('accepts a valid signature', () => {
    expect(verifyWebhookSignature({ rawBody: BODY, signatureHeader: header(T), secret: SECRET, now: NOW })).toEqual({
      ok: true,
      timestamp: T,
    });
  });

  it('rejects a signature made with another secret', () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      signatureHeader: header(T, BODY, 'other-secret'),
      secret: SECRET,
      now: NOW,
    });
    expect(result).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('accepts the old secret during rotation', () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      signatureHeader: header(T, BODY, 'old'),
      secret: [SECRET, 'old'],
      now: NOW,
    });
    expect(result.ok).toBe(true);
  });

  it('rejects a stale timestamp', () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      signatureHeader: header(T - 301),
      secret: SECRET,
      now: NOW,
    });
    expect(result).toEqual({ ok: false, reason: 'signature timestamp is too old (outside the 300s window)' });
  });

  it('accepts a timestamp at the edge of the window', () => {
    expect(
      verifyWebhookSignature({ rawBody: BODY, signatureHeader: header(T - 300), secret: SECRET, now: NOW }).ok,
    ).toBe(true);
  });

  it('rejects a timestamp from the future', () => {
    const result = verifyWebhookSignature({
      rawBody: BODY,
      signatureHeader: header(T + 301),
      secret: SECRET,
      now: NOW,
    });
    expect(result).toEqual({ ok: false, reason: 'signature timestamp is in the future (outside the 300s window)' });
  });

  it.each([
    [undefined, /missing x-socless-signature header/],
    ['', /missing x-socless-signature header/],
    ['garbage', /malformed x-socless-signature header/],
    [`t=${T}`, /malformed x-socless-signature header/],
    [`v1=${'a'.repeat(64)}`, /malformed x-socless-signature header/],
    [`t=abc,v1=${'a'.repeat(64)}`, /malformed signature timestamp/],
    [`t=${T},v1=xyz`, /malformed v1 signature/],
  ])('rejects the malformed header %s', (signatureHeader, reason) => {
    const result = verifyWebhookSignature({ rawBody: BODY, signatureHeader, secret: SECRET, now: NOW });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('rejects a tampered body', () => {
    const tampered = BODY.replace('HIGH', 'LOW');
    const result = verifyWebhookSignature({ rawBody: tampered, signatureHeader: header(T), secret: SECRET, now: NOW });
    expect(result).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('rejects a signature moved to another timestamp', () => {
    const sig = signWebhookPayload(SECRET, T - 10, BODY);
    const result = verifyWebhookSignature({
      rawBody: BODY,
      signatureHeader: `t=${T},v1=${sig}`,
      secret: SECRET,
      now: NOW,
    });
    expect(result.ok).toBe(false);
  });
});

describe('normalizeWebhookEvent', () => {
  it('normalizes a signed webhook with the header in any case, leaving strings inert', () => {
    const result = normalizeWebhookEvent(
      { headers: { 'X-Socless-Signature': header(T) }, body: BODY },
      { secret: SECRET, now: NOW },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const event = result.events[0]!;
    expect(SecurityEventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      id: 'wh-20240503-0001',
      source: 'webhook',
      kind: 'phishing-report',
      title: 'Reported phishing mail to {{context.user}}',
      severity: { label: 'HIGH', score: 70 },
      time: '2024-05-03T15:00:00.000Z',
      dedupKey: 'webhook:phishing-report:wh-20240503-0001',
      status: 'active',
      resources: [{ type: 'Mailbox', id: 'alice@example.com' }],
    });
  });

  it('rejects an unsigned webhook before reading the body', () => {
    const result = normalizeWebhookEvent({ headers: {}, body: '{not json' }, { secret: SECRET, now: NOW });
    expect(result).toEqual({ ok: false, reason: 'webhook rejected: missing x-socless-signature header' });
  });

  it('rejects a signed body that breaks the payload schema, naming the field', () => {
    const body = JSON.stringify({ id: 'wh-1', type: 'x', title: 't', severity: 'SEVERE' });
    const result = normalizeWebhookEvent(
      { headers: { 'x-socless-signature': header(T, body) }, body },
      { secret: SECRET, now: NOW },
    );
    expect(result).toMatchObject({
      ok: false,
      field: 'severity',
      reason: expect.stringMatching(/^webhook payload: severity: /),
    });
  });

  it('rejects a signed body that is not JSON', () => {
    const body = 'not json';
    const result = normalizeWebhookEvent(
      { headers: { 'x-socless-signature': header(T, body) }, body },
      { secret: SECRET, now: NOW },
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid JSON/) });
  });

  it('rejects an oversize signed body', () => {
    const body = JSON.stringify({ id: 'wh-1', type: 'x', title: 'y'.repeat(2000) });
    const result = normalizeWebhookEvent(
      { headers: { 'x-socless-signature': header(T, body) }, body },
      { secret: SECRET, now: NOW, maxBytes: 1000 },
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/the limit is 1000 bytes/) });
  });
});
