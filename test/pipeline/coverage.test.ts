/**
 * Drift test: a sample event for every kind of finding the spokes forward (every control, type, rule and API call
 * a remediation answers, one nobody lists, and each source's "it is over" signal) routes to a response. A new
 * forwarded kind, a renamed trigger or a dropped playbook shows up here as unhandled.
 */
import { describe, expect, it } from 'vitest';
import { repoCoverage } from '../../scripts/commands/coverage.ts';
import { coverageText } from '../../scripts/routing/coverage.ts';
import { createRouter, FALLBACK_PLAYBOOK } from '../../shared/pipeline/router.ts';
import { FORWARDED_EVENTS } from '../../spoke/forwarded-events.ts';

describe('socless coverage', () => {
  const report = repoCoverage();

  it('leaves nothing the spokes forward without a response', () => {
    expect(report.unhandled).toEqual([]);
    expect(report.rows.filter((r) => r.response.startsWith('(sample'))).toEqual([]);
    for (const definition of FORWARDED_EVENTS) {
      expect(
        report.rows.some((r) => r.forwarded === definition.id),
        definition.id,
      ).toBe(true);
    }
    expect(coverageText(report)).toContain('Forwarded but unhandled: none');
  });

  it('gives a control the same response in OCSF as in ASFF', () => {
    const asff = report.rows.filter((r) => r.forwarded === 'SecurityHubFindingsAsff' && !r.lifecycle);
    const ocsf = new Map(report.rows.filter((r) => r.forwarded === 'SecurityHubFindingsOcsf').map((r) => [r.item, r]));
    expect(asff.length).toBeGreaterThan(10);
    for (const row of asff) expect(ocsf.get(row.item)?.response, row.item).toBe(row.response);
  });

  it('sends a finding no specific playbook claims to triage-notify, and the end signals to the lifecycle', () => {
    const of = (item: string) => report.rows.find((r) => r.item === item);
    expect(of('control Account.1')?.playbooks).toEqual([FALLBACK_PLAYBOOK]);
    expect(of('rule s3-bucket-versioning-enabled')?.playbooks).toEqual([FALLBACK_PLAYBOOK]);
    expect(of('AWS::IAM::Role shared outside the zone of trust')?.playbooks).toEqual([FALLBACK_PLAYBOOK]);
    expect(
      report.rows
        .filter((r) => r.lifecycle)
        .map((r) => r.forwarded)
        .sort(),
    ).toEqual(['AccessAnalyzerFindings', 'ConfigComplianceChanges', 'SecurityHubFindingsAsff']);
  });

  it('closes the routing gaps: public bucket findings, public ACL grants, keys created for another user', () => {
    const of = (item: string) => report.rows.find((r) => r.item === item)?.remediation;
    expect(of('AWS::S3::Bucket public')).toBe('s3-bucket-public-access-block');
    expect(of('api PutBucketAcl (condition 1)')).toBe('s3-bucket-public-access-block');
    expect(of('api PutObjectAcl (condition 2)')).toBe('s3-bucket-public-access-block');
    expect(of('api CreateAccessKey (condition 1)')).toBe('iam-access-key-deactivate');
  });
});

describe('the fallback playbook', () => {
  const router = createRouter([
    { name: 'guardduty-triage', triggers: [{ source: ['aws.guardduty'] }] },
    { name: FALLBACK_PLAYBOOK, triggers: [{ source: [{ prefix: 'aws.' }] }] },
  ]);

  it('runs only when no other playbook matches', () => {
    expect(router.route({ source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: {} })).toEqual([
      'guardduty-triage',
    ]);
    expect(router.route({ source: 'aws.config', 'detail-type': 'x', detail: {} })).toEqual([FALLBACK_PLAYBOOK]);
    expect(router.route({ source: 'custom.app', 'detail-type': 'x', detail: {} })).toEqual([]);
  });
});
