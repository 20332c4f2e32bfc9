import { describe, expect, it } from 'vitest';
import { cloudTrailSourceOf, normalizeEvent, normalizerFor } from '../../shared/events/index.ts';
import { fixture } from '../pipeline/harness.ts';

function withSource(file: string, source: string, detail: Record<string, unknown> = {}) {
  const event = fixture(file);
  return { ...event, source, detail: { ...(event.detail as Record<string, unknown>), ...detail } };
}

describe('normalizers are bound to their real sources', () => {
  it('does not normalize a CloudTrail-shaped event from source socless.x as CloudTrail', () => {
    const result = normalizeEvent(withSource('cloudtrail-stoplogging.json', 'socless.x'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events[0]).toMatchObject({
      source: 'generic',
      account: '210987654321',
      origin: { kind: 'custom', source: 'socless.x', mayRemediate: false },
    });
  });

  it('never treats a socless.* event with an AWS detail-type as that AWS finding', () => {
    for (const file of ['guardduty-ssh-bruteforce.json', 'securityhub-asff-finding.json', 'config-noncompliant.json']) {
      const event = fixture(file);
      expect(normalizerFor('socless.anything', event['detail-type'] as string).id).toBe('generic');
    }
  });

  it('accepts a CloudTrail call only when detail.eventSource is the service of the aws.<service> source', () => {
    expect(normalizeEvent(fixture('cloudtrail-stoplogging.json'))).toMatchObject({
      ok: true,
      events: [{ source: 'cloudtrail', origin: { kind: 'aws', accountField: 'detail.recipientAccountId' } }],
    });
    expect(normalizeEvent(withSource('cloudtrail-stoplogging.json', 'aws.s3'))).toMatchObject({
      ok: false,
      field: 'detail.eventSource',
      reason: expect.stringMatching(/"cloudtrail.amazonaws.com" is not the service of source "aws.s3"/),
    });
  });

  it('maps <service>.amazonaws.com to aws.<service>', () => {
    expect(cloudTrailSourceOf('s3.amazonaws.com')).toBe('aws.s3');
    expect(cloudTrailSourceOf('monitoring.amazonaws.com')).toBe('aws.monitoring');
    expect(cloudTrailSourceOf('access-analyzer.amazonaws.com')).toBe('aws.access-analyzer');
    expect(cloudTrailSourceOf('s3.amazonaws.com.evil.example')).toBeUndefined();
  });

  it('records where each AWS normalizer read the account and which aggregator list may vouch for it', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['guardduty-ssh-bruteforce.json', 'detail.accountId', 'guardduty'],
      ['securityhub-asff-finding.json', 'detail.findings[0].AwsAccountId', 'securityhub'],
      ['securityhub-ocsf-finding.json', 'detail.findings[0].cloud.account.uid', 'securityhub'],
      ['config-noncompliant.json', 'detail.awsAccountId', 'config'],
      ['access-analyzer-finding.json', 'detail.accountId', 'access-analyzer'],
      ['cloudtrail-stoplogging.json', 'detail.recipientAccountId', undefined],
    ];
    for (const [file, accountField, aggregator] of cases) {
      const result = normalizeEvent(fixture(file));
      expect(result.ok, file).toBe(true);
      if (!result.ok) continue;
      const origin = result.events[0]?.origin;
      expect(origin, file).toMatchObject({
        kind: 'aws',
        account: fixture(file).account,
        accountField,
        mayRemediate: true,
      });
      expect(origin?.aggregator, file).toBe(aggregator);
    }
  });

  it('marks a custom event whose detail names another account with that claim', () => {
    const event = fixture('custom-app-event.json');
    const result = normalizeEvent({
      ...event,
      source: 'socless.anything',
      detail: { ...(event.detail as object), accountId: '999999999999' },
    });
    expect(result).toMatchObject({
      ok: true,
      events: [
        { account: '123456789012', origin: { claims: [{ field: 'detail.accountId', account: '999999999999' }] } },
      ],
    });
  });
});
