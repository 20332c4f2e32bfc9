import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REMEDIATIONS, remediationsFor, spokeRoleStatements } from '../../hub/remediations/index.ts';
import { matchesEventPattern, validateEventPattern } from '../../shared/event-pattern/index.ts';
import { normalizeEvent } from '../../shared/events/index.ts';
import { CALLS } from '../../shared/remediation/calls.ts';
import { allIamActions, sessionPolicy } from '../../shared/remediation/policy.ts';
import { triggerPatterns } from '../../shared/remediation/triggers.ts';
import { validateRemediationStatements } from '../../spoke/remediation-statements.ts';

// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation placeholders, substituted per account
const ONLY_KEY = 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/only';

describe('remediation registry', () => {
  it('lists thirty remediations with unique ids, each answering at least one finding', () => {
    expect(REMEDIATIONS).toHaveLength(30);
    expect(new Set(REMEDIATIONS.map((r) => r.id)).size).toBe(30);
    for (const r of REMEDIATIONS) expect(triggerPatterns(r.findings).length, r.id).toBeGreaterThan(0);
  });

  it('generates valid spoke role policies with exact actions only, covering every action of the registry', () => {
    const sets = spokeRoleStatements();
    for (const set of [sets.read, sets.fix, sets.undo]) {
      expect(() => validateRemediationStatements(set)).not.toThrow();
      expect(set.flatMap((s) => s.actions).every((a) => !a.includes('*'))).toBe(true);
    }
    const allowed = [...sets.read, ...sets.fix, ...sets.undo].filter((s) => s.effect !== 'Deny');
    expect(new Set(allowed.flatMap((s) => s.actions))).toEqual(new Set(allIamActions(REMEDIATIONS)));
    // Reads carry no write, and the role policies no target placeholder.
    const writes = new Set(
      Object.values(CALLS)
        .filter((c) => c.write)
        .map((c) => c.iamAction),
    );
    expect(sets.read.flatMap((s) => s.actions).filter((a) => writes.has(a))).toEqual([]);
    expect(JSON.stringify(sets)).not.toContain('${Target:');
  });

  it('adds a remediation to both the role policy and its session policy', () => {
    const extra = {
      ...REMEDIATIONS[0]!,
      id: 'extra-one',
      permissions: [{ calls: ['kms:DescribeKey'], resources: [ONLY_KEY] }],
    };
    const statements = spokeRoleStatements([...REMEDIATIONS, extra]);
    expect(statements.read.at(-1)).toEqual({ sid: 'ExtraOne', actions: ['kms:DescribeKey'], resources: [ONLY_KEY] });
    expect(sessionPolicy(extra, '210987654321', 'aws', 'read').Statement).toEqual([
      {
        Sid: 'ExtraOne',
        Effect: 'Allow',
        Action: ['kms:DescribeKey'],
        Resource: ['arn:aws:kms:*:210987654321:key/only'],
      },
    ]);
  });

  it('merges a grant on the same resources and conditions into the earlier statement, keeping the roles small', () => {
    const wide = (calls: string[]) => (s: { resources: readonly string[]; actions: readonly string[] }) =>
      s.resources.join() === '*' && calls.every((c) => s.actions.includes(c));
    const before = spokeRoleStatements().read;
    expect(before.some(wide(['ssm:GetServiceSetting']))).toBe(false);
    const extra = {
      ...REMEDIATIONS[0]!,
      id: 'extra-two',
      permissions: [{ calls: ['ssm:GetServiceSetting'], resources: ['*'] }],
    };
    const after = spokeRoleStatements([...REMEDIATIONS, extra]).read;
    expect(after).toHaveLength(before.length);
    expect(after.some(wide(['ssm:GetServiceSetting', 'ec2:DescribeInstances']))).toBe(true);
  });

  it('fills account and partition into session policies and never grants another account', () => {
    for (const r of REMEDIATIONS) {
      for (const purpose of ['read', 'fix', 'undo'] as const) {
        const doc = sessionPolicy(r, '210987654321', 'aws-us-gov', purpose);
        const text = JSON.stringify(doc);
        expect(text, r.id).not.toContain('${');
        for (const s of doc.Statement)
          for (const res of s.Resource) expect(res === '*' || res.startsWith('arn:aws-us-gov:')).toBe(true);
      }
    }
  });

  it('declares only calls in the call table', () => {
    for (const r of REMEDIATIONS)
      for (const g of r.permissions) for (const c of g.calls) expect(CALLS[c], `${r.id}: ${c}`).toBeDefined();
  });

  it('produces triggers EventBridge accepts, identical to the remediate-finding playbook Triggers', () => {
    const generated = REMEDIATIONS.flatMap((r) => triggerPatterns(r.findings));
    for (const p of generated) expect(validateEventPattern(p)).toEqual([]);
    const playbook = JSON.parse(
      readFileSync(new URL('../../playbooks/remediate-finding/playbook.json', import.meta.url), 'utf8'),
    );
    expect(playbook.Triggers).toEqual(generated);
  });

  it('matches the sample events of the playbook to the right remediation, raw and normalized', () => {
    const cases: Array<[string, string]> = [
      ['securityhub-s3-bucket-public-high.json', 's3-bucket-public-access-block'],
      ['securityhub-sg-rdp-open-critical.json', 'security-group-open-ingress'],
      ['config-restricted-ssh-noncompliant.json', 'security-group-open-ingress'],
      ['cloudtrail-stoplogging.json', 'cloudtrail-logging'],
    ];
    for (const [file, id] of cases) {
      const raw = readFileSync(new URL(`../../playbooks/remediate-finding/events/${file}`, import.meta.url), 'utf8');
      const remediation = REMEDIATIONS.find((r) => r.id === id)!;
      expect(
        triggerPatterns(remediation.findings).some((p) => matchesEventPattern(p, JSON.parse(raw))),
        file,
      ).toBe(true);
      const normalized = normalizeEvent(raw);
      if (!normalized.ok) throw new Error(normalized.reason);
      expect(remediationsFor(normalized.events[0]!).map((r) => r.id)[0], file).toBe(id);
    }
  });

  it('does not match a compliant Config evaluation', () => {
    const raw = JSON.parse(
      readFileSync(
        new URL('../../playbooks/remediate-finding/events/config-restricted-ssh-noncompliant.json', import.meta.url),
        'utf8',
      ),
    );
    raw.detail.newEvaluationResult.complianceType = 'COMPLIANT';
    const patterns = REMEDIATIONS.flatMap((r) => triggerPatterns(r.findings));
    expect(patterns.some((p) => matchesEventPattern(p, raw))).toBe(false);
  });
});
