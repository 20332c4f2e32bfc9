import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeEvent, parseEventBridgeEnvelope } from '../../shared/events/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are mutated freely to build bad input.
type Mutable = any;

function fixture(name: string): Mutable {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'));
}

function rejection(raw: unknown, options?: Parameters<typeof normalizeEvent>[1]): { reason: string; field?: string } {
  const result = normalizeEvent(raw, options);
  if (result.ok) throw new Error('expected a rejection');
  return result;
}

describe('normalizeEvent: rejections', () => {
  it.each<[string, () => unknown, RegExp, string | undefined]>([
    ['invalid JSON text', () => '{"version": "0",', /payload is not valid JSON/, undefined],
    ['a JSON array', () => [fixture('guardduty-ssh-bruteforce.json')], /must be a JSON object/, undefined],
    ['a number', () => 42, /must be a JSON object/, undefined],
    [
      'a missing detail-type',
      () => {
        const e = fixture('guardduty-ssh-bruteforce.json');
        delete e['detail-type'];
        return e;
      },
      /^not an EventBridge event: detail-type: is required/,
      'detail-type',
    ],
    [
      'a time that is not ISO 8601',
      () => ({ ...fixture('guardduty-ssh-bruteforce.json'), time: 'yesterday' }),
      /^not an EventBridge event: time: /,
      'time',
    ],
    [
      'resources that are not strings',
      () => ({ ...fixture('custom-app-event.json'), resources: [{ arn: 'x' }] }),
      /^not an EventBridge event: resources\[0\]: /,
      'resources[0]',
    ],
    [
      'a detail that is not an object',
      () => ({ ...fixture('custom-app-event.json'), detail: 'text' }),
      /^not an EventBridge event: detail: /,
      'detail',
    ],
    [
      'an unknown ASFF severity label',
      () => {
        const e = fixture('securityhub-asff-finding.json');
        e.detail.findings[0].Severity.Label = 'SEVERE';
        return e;
      },
      /^Security Hub finding: detail\.findings\[0\]\.Severity\.Label: .*expected one of "INFORMATIONAL"\|"LOW"\|"MEDIUM"\|"HIGH"\|"CRITICAL"/,
      'detail.findings[0].Severity.Label',
    ],
    [
      'an ASFF finding without an Id',
      () => {
        const e = fixture('securityhub-asff-multi.json');
        delete e.detail.findings[1].Id;
        return e;
      },
      /detail\.findings\[1\]\.Id: is required/,
      'detail.findings[1].Id',
    ],
    [
      'an ASFF event with no findings',
      () => {
        const e = fixture('securityhub-asff-finding.json');
        e.detail.findings = [];
        return e;
      },
      /detail\.findings: must hold at least one finding/,
      'detail.findings',
    ],
    [
      'an ASFF severity with neither Label nor Normalized',
      () => {
        const e = fixture('securityhub-asff-finding.json');
        e.detail.findings[0].Severity = { Original: 'bad' };
        return e;
      },
      /Severity: needs Label or Normalized/,
      'detail.findings[0].Severity',
    ],
    [
      'an OCSF severity_id outside the enumeration',
      () => {
        const e = fixture('securityhub-ocsf-finding.json');
        e.detail.findings[0].severity_id = 7;
        return e;
      },
      /^Security Hub OCSF finding: detail\.findings\[0\]\.severity_id: must be an OCSF severity_id/,
      'detail.findings[0].severity_id',
    ],
    [
      'a GuardDuty severity above 10',
      () => {
        const e = fixture('guardduty-ssh-bruteforce.json');
        e.detail.severity = 11;
        return e;
      },
      /^GuardDuty finding: detail\.severity: must be from 0 to 10$/,
      'detail.severity',
    ],
    [
      'a GuardDuty account id that is not 12 digits',
      () => {
        const e = fixture('guardduty-ssh-bruteforce.json');
        e.detail.accountId = '12345';
        return e;
      },
      /detail\.accountId: must be a 12-digit AWS account id/,
      'detail.accountId',
    ],
    [
      'an unknown Config compliance type',
      () => {
        const e = fixture('config-noncompliant.json');
        e.detail.newEvaluationResult.complianceType = 'BROKEN';
        return e;
      },
      /^Config compliance change: detail\.newEvaluationResult\.complianceType: /,
      'detail.newEvaluationResult.complianceType',
    ],
    [
      'a CloudTrail call without eventName',
      () => {
        const e = fixture('cloudtrail-stoplogging.json');
        delete e.detail.eventName;
        return e;
      },
      /^CloudTrail API call: detail\.eventName: is required/,
      'detail.eventName',
    ],
    [
      'an Access Analyzer status that does not exist',
      () => {
        const e = fixture('access-analyzer-finding.json');
        e.detail.status = 'OPEN';
        return e;
      },
      /^Access Analyzer finding: detail\.status: /,
      'detail.status',
    ],
  ])('rejects %s with a reason naming the field', (_name, build, reason, field) => {
    const result = rejection(build());
    expect(result.reason).toMatch(reason);
    expect(result.field).toBe(field);
  });
});

describe('normalizeEvent: limits', () => {
  it('rejects JSON text over the size limit before parsing it', () => {
    const event = fixture('custom-app-event.json');
    event.detail.padding = 'x'.repeat(300 * 1024);
    expect(rejection(JSON.stringify(event)).reason).toMatch(/^payload is \d+ bytes; the limit is 262144 bytes$/);
  });

  it('rejects parsed objects over the size limit', () => {
    const event = fixture('custom-app-event.json');
    event.detail.padding = 'x'.repeat(2000);
    expect(rejection(event, { maxBytes: 1024 }).reason).toMatch(/the limit is 1024 bytes/);
  });

  it('counts bytes, not characters', () => {
    const event = fixture('custom-app-event.json');
    event.detail.padding = 'é'.repeat(600);
    const size = Buffer.byteLength(JSON.stringify(event), 'utf8');
    expect(normalizeEvent(JSON.stringify(event), { maxBytes: size }).ok).toBe(true);
    expect(normalizeEvent(JSON.stringify(event), { maxBytes: size - 1 }).ok).toBe(false);
  });

  it('rejects absurd nesting in JSON text without overflowing the stack', () => {
    const text = `{"version":"0","detail":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(rejection(text, { maxBytes: 1_000_000 }).reason).toBe('payload nests deeper than 64 levels');
  });

  it('rejects absurd nesting in a parsed object', () => {
    const event = fixture('custom-app-event.json');
    let deep: Mutable = {};
    for (let i = 0; i < 50_000; i++) deep = { d: deep };
    event.detail.nested = deep;
    expect(rejection(event).reason).toBe('payload nests deeper than 64 levels');
  });

  it('accepts nesting up to the configured depth', () => {
    const event = fixture('custom-app-event.json');
    let deep: Mutable = 'leaf';
    for (let i = 0; i < 10; i++) deep = { d: deep };
    event.detail.nested = deep;
    expect(normalizeEvent(event, { maxDepth: 12 }).ok).toBe(true);
    expect(normalizeEvent(event, { maxDepth: 11 }).ok).toBe(false);
  });

  it('rejects values that are not JSON data', () => {
    expect(rejection({ ...fixture('custom-app-event.json'), big: 1n }).reason).toMatch(/not JSON data/);
  });
});

describe('parseEventBridgeEnvelope', () => {
  it('returns the typed envelope and the parsed input', () => {
    const result = parseEventBridgeEnvelope(JSON.stringify(fixture('config-compliant.json')));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.envelope['detail-type']).toBe('Config Rules Compliance Change');
      expect((result.raw as Mutable).detail.configRuleName).toBe('s3-bucket-server-side-encryption-enabled');
    }
  });

  it('rejects a missing id with the field named', () => {
    const event = fixture('config-compliant.json');
    delete event.id;
    expect(parseEventBridgeEnvelope(event)).toEqual({
      ok: false,
      reason: 'not an EventBridge event: id: is required (expected string)',
      field: 'id',
    });
  });
});
