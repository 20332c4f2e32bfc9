import { describe, expect, it } from 'vitest';
import type { WebhookSenderConfig } from '../../shared/config.ts';
import {
  capWebhookSeverity,
  normalizeEvent,
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

const SENDER: WebhookSenderConfig = {
  name: 'phish-inbox',
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

function signedRequest(body: string, secret = SECRET) {
  return { headers: { 'x-socless-signature': header(T, body, secret) }, body };
}

describe('normalizeWebhookEvent', () => {
  it('normalizes a signed webhook with the header in any case, leaving strings inert', () => {
    const result = normalizeWebhookEvent(
      { headers: { 'X-Socless-Signature': header(T) }, body: BODY },
      { ...OPTIONS, sender: { ...SENDER, severityMayReachAuto: true } },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const event = result.events[0]!;
    expect(SecurityEventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      id: 'webhook-phish-inbox-wh-20240503-0001',
      source: 'webhook',
      kind: 'phishing-report',
      account: '123456789012',
      title: 'Reported phishing mail to {{context.user}}',
      severity: { label: 'HIGH', score: 70 },
      time: '2024-05-03T15:00:00.000Z',
      dedupKey: 'webhook:phish-inbox:phishing-report:wh-20240503-0001',
      status: 'active',
      resources: [{ type: 'Mailbox', id: 'alice@example.com' }],
      origin: { kind: 'webhook', source: 'socless.webhook.phish-inbox', sender: 'phish-inbox', mayRemediate: false },
    });
    expect(result.envelope).toMatchObject({ source: 'socless.webhook.phish-inbox', account: '123456789012' });
  });

  it("keeps a sender's chosen dedup key under its own name, so it cannot silence another source's finding", () => {
    const body = JSON.stringify({ id: 'wh-9', type: 'x', title: 't', dedupKey: 'guardduty:210987654321:us-east-1:f1' });
    const result = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(result.ok && result.events[0]?.dedupKey).toBe('webhook:phish-inbox:guardduty:210987654321:us-east-1:f1');
  });

  it('carries the sender scope permission to remediate on the event', () => {
    const result = normalizeWebhookEvent(signedRequest(BODY), {
      ...OPTIONS,
      sender: { ...SENDER, mayRemediate: true },
    });
    expect(result.ok && result.events[0]?.origin?.mayRemediate).toBe(true);
  });

  it('refuses an unsigned webhook before reading the body, as unauthenticated', () => {
    const result = normalizeWebhookEvent({ headers: {}, body: '{not json' }, OPTIONS);
    expect(result).toEqual({
      ok: false,
      authenticated: false,
      reason: 'webhook rejected: missing x-socless-signature header',
    });
  });

  it("refuses a webhook signed with another sender's secret, as unauthenticated", () => {
    const result = normalizeWebhookEvent(signedRequest(BODY, 'whsec_of_another_sender_000'), OPTIONS);
    expect(result).toMatchObject({ ok: false, authenticated: false, reason: /signature does not match/ });
  });

  it('refuses a signed body that breaks the payload schema, naming the field', () => {
    const body = JSON.stringify({ id: 'wh-1', type: 'x', title: 't', severity: 'SEVERE' });
    const result = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(result).toMatchObject({
      ok: false,
      authenticated: true,
      status: 400,
      field: 'severity',
      reason: expect.stringMatching(/^webhook payload: severity: /),
    });
  });

  it('refuses a signed body that is not JSON', () => {
    const result = normalizeWebhookEvent(signedRequest('not json'), OPTIONS);
    expect(result).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/not valid JSON/) });
  });

  it('refuses an oversize signed body', () => {
    const body = JSON.stringify({ id: 'wh-1', type: 'x', title: 'y'.repeat(2000) });
    const result = normalizeWebhookEvent(signedRequest(body), { ...OPTIONS, maxBytes: 1000 });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/the limit is 1000 bytes/) });
  });

  it('refuses a signed EventBridge envelope instead of passing it through as an AWS finding', () => {
    const body = JSON.stringify({
      version: '0',
      id: 'forged-1',
      'detail-type': 'GuardDuty Finding',
      source: 'aws.guardduty',
      account: '999999999999',
      time: '2024-05-03T15:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { accountId: '999999999999', severity: 9.5, type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller' },
    });
    const result = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(result).toMatchObject({
      ok: false,
      authenticated: true,
      status: 400,
      flags: ['not-a-webhook'],
      reason: expect.stringMatching(/never EventBridge events/),
    });
  });

  it('refuses a payload that asks for an aws.* source', () => {
    const body = JSON.stringify({ id: 'wh-2', type: 'x', title: 't', source: 'aws.guardduty' });
    const result = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(result).toMatchObject({ ok: false, status: 400, flags: ['not-a-webhook'], field: 'source' });
  });

  it("refuses a source outside the sender's declared sources", () => {
    const body = JSON.stringify({ id: 'wh-3', type: 'x', title: 't', source: 'socless.webhook.other-sender' });
    const result = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(result).toMatchObject({ ok: false, status: 403, flags: ['webhook-scope'] });
  });

  it('accepts a declared sub-source', () => {
    const body = JSON.stringify({ id: 'wh-4', type: 'x', title: 't', source: 'socless.webhook.phish-inbox.triage' });
    const sender = { ...SENDER, sources: ['socless.webhook.phish-inbox', 'socless.webhook.phish-inbox.triage'] };
    const result = normalizeWebhookEvent(signedRequest(body), { ...OPTIONS, sender });
    expect(result.ok && result.envelope.source).toBe('socless.webhook.phish-inbox.triage');
  });

  it("refuses a payload naming an account outside the sender's scope", () => {
    const body = JSON.stringify({ id: 'wh-5', type: 'x', title: 't', account: '999999999999' });
    const result = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      flags: ['webhook-scope'],
      field: 'account',
      reason: expect.stringMatching(/names account 999999999999, which sender phish-inbox may not name/),
    });
  });

  it("refuses a resource ARN in an account outside the sender's scope", () => {
    const body = JSON.stringify({
      id: 'wh-6',
      type: 'x',
      title: 't',
      account: '123456789012',
      resources: [{ type: 'AwsIamRole', id: 'arn:aws:iam::999999999999:role/victim' }],
    });
    const result = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(result).toMatchObject({ ok: false, status: 403, field: 'resources[0]' });
  });

  it('caps a CRITICAL severity below autoMinSeverity unless the scope lets it reach auto', () => {
    const body = JSON.stringify({ id: 'wh-7', type: 'x', title: 't', severity: 'CRITICAL' });
    const capped = normalizeWebhookEvent(signedRequest(body), OPTIONS);
    expect(capped.ok).toBe(true);
    if (!capped.ok) return;
    expect(capped.events[0]?.severity).toEqual({ label: 'MEDIUM', score: 69 });
    expect(capped.flags).toEqual(['severity-capped']);
    // The stored form carries the capped value, so a re-drive sees the same.
    expect(normalizeEvent(capped.envelope)).toMatchObject({ ok: true, events: [{ severity: { score: 69 } }] });
    const free = normalizeWebhookEvent(signedRequest(body), {
      ...OPTIONS,
      sender: { ...SENDER, severityMayReachAuto: true },
    });
    expect(free.ok && free.events[0]?.severity).toEqual({ label: 'CRITICAL', score: 90 });
  });
});

describe('capWebhookSeverity', () => {
  it('holds a score at the floor one below it, and leaves lower scores alone', () => {
    const cap = (score: number, autoMinSeverity: 'LOW' | 'CRITICAL') =>
      capWebhookSeverity({ label: 'HIGH', score }, { autoMinSeverity, severityMayReachAuto: false });
    expect(cap(90, 'CRITICAL')).toEqual({ severity: { label: 'HIGH', score: 89 }, capped: true });
    expect(cap(70, 'CRITICAL')).toEqual({ severity: { label: 'HIGH', score: 70 }, capped: false });
    expect(cap(5, 'LOW')).toEqual({ severity: { label: 'INFORMATIONAL', score: 0 }, capped: true });
  });
});

describe('webhook events arriving on the bus', () => {
  it('never carry remediation permission and speak only for the envelope account', () => {
    const result = normalizeEvent({
      version: '0',
      id: 'bus-1',
      'detail-type': 'phishing-report',
      source: 'socless.webhook.phish-inbox',
      account: '210987654321',
      time: '2024-05-03T15:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { id: 'x', type: 'phishing-report', title: 't', account: '123456789012' },
    });
    expect(result).toMatchObject({
      ok: true,
      events: [{ account: '123456789012', origin: { account: '210987654321', mayRemediate: false } }],
    });
  });
});
