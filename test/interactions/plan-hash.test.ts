import { describe, expect, it } from 'vitest';
import { canonicalJson, planHash } from '../../shared/remediation/plan-hash.ts';

describe('planHash', () => {
  it('is the same for the same calls whatever the key order, and differs when an input changes', () => {
    const a = planHash([
      { service: 's3', action: 'PutPublicAccessBlock', input: { Bucket: 'b', Config: { x: 1, y: 2 } } },
    ]);
    const b = planHash([
      { action: 'PutPublicAccessBlock', input: { Config: { y: 2, x: 1 }, Bucket: 'b' }, service: 's3' },
    ]);
    const c = planHash([
      { service: 's3', action: 'PutPublicAccessBlock', input: { Bucket: 'c', Config: { x: 1, y: 2 } } },
    ]);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('keeps the order of calls (a different order is a different plan)', () => {
    const one = { service: 'ec2', action: 'RevokeSecurityGroupIngress', input: { GroupId: 'sg-1' } };
    const two = { service: 'ec2', action: 'CreateTags', input: { Resources: ['sg-1'] } };
    expect(planHash([one, two])).not.toBe(planHash([two, one]));
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});
