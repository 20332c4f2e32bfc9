import { describe, expect, it } from 'vitest';
import {
  CLOUDTRAIL_API_CALL_DETAIL_TYPE,
  ingestPatterns,
  isCoveredByBasePatterns,
  SECURITY_EVENT_SOURCES,
} from '../../hub/constructs/socless-bus.ts';

describe('ingestPatterns', () => {
  it('always routes the security sources, CloudTrail API calls and the socless. prefix', () => {
    expect(ingestPatterns()).toEqual([
      { id: 'SecuritySources', pattern: { source: [...SECURITY_EVENT_SOURCES] } },
      { id: 'CloudTrailApiCalls', pattern: { 'detail-type': [CLOUDTRAIL_API_CALL_DETAIL_TYPE] } },
      { id: 'CustomSources', pattern: { source: [{ prefix: 'socless.' }] } },
    ]);
  });

  it('adds one rule per extra pattern the base rules do not cover', () => {
    const partner = { source: ['partner.alerts'], detail: { severity: [{ numeric: ['>=', 7] }] } };

    const patterns = ingestPatterns([partner, { source: ['aws.guardduty'] }]);

    expect(patterns).toHaveLength(4);
    expect(patterns[3]).toMatchObject({ id: expect.stringMatching(/^Extra[0-9a-f]{12}$/), pattern: partner });
  });

  it('collapses identical extra patterns, whatever their key order, into one rule with a stable id', () => {
    const a = ingestPatterns([{ source: ['x.y'], 'detail-type': ['A'] }]);
    const b = ingestPatterns([
      { 'detail-type': ['A'], source: ['x.y'] },
      { source: ['x.y'], 'detail-type': ['A'] },
    ]);

    expect(b).toHaveLength(4);
    expect(b[3]!.id).toBe(a[3]!.id);
  });

  it('names the index of an empty extra pattern', () => {
    expect(() => ingestPatterns([{ source: ['a.b'] }, {}])).toThrow('SoclessBus: extraPatterns[1] must be a non-empty');
  });
});

describe('isCoveredByBasePatterns', () => {
  it('is true when every source is a security source or custom-prefixed', () => {
    expect(isCoveredByBasePatterns({ source: ['aws.securityhub', 'socless.webhook'], detail: { x: ['y'] } })).toBe(
      true,
    );
  });

  it('is true for CloudTrail API calls of any service', () => {
    expect(isCoveredByBasePatterns({ source: ['aws.s3'], 'detail-type': [CLOUDTRAIL_API_CALL_DETAIL_TYPE] })).toBe(
      true,
    );
  });

  it('is false when one source falls outside, or the source is a content filter', () => {
    expect(isCoveredByBasePatterns({ source: ['aws.guardduty', 'aws.inspector2'] })).toBe(false);
    expect(isCoveredByBasePatterns({ source: [{ prefix: 'aws.' }] })).toBe(false);
    expect(isCoveredByBasePatterns({ detail: { severity: ['HIGH'] } })).toBe(false);
  });
});
