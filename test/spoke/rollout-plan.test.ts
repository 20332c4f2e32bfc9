import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { planGlobalRollout } from '../../spoke/rollout-plan.ts';
import { testConfig } from './fixtures.ts';

const [PROD, DEV, SANDBOX] = ['ou-ab12-prod0001', 'ou-ab12-dev00001', 'ou-ab12-sandbox1'];

describe('planGlobalRollout', () => {
  it('puts every target OU in one default group when there are no OU overrides', () => {
    const plan = planGlobalRollout(testConfig({ remediation: { defaultMode: 'notify' } }));
    expect(plan.groups).toEqual([{ mode: 'notify', organizationalUnitIds: [PROD, DEV, SANDBOX] }]);
    expect(plan.autoDeploymentMode).toBe('notify');
  });

  it('moves an overridden target OU out of the default group into the group of its mode', () => {
    const plan = planGlobalRollout(
      testConfig({ remediation: { defaultMode: 'notify', ous: { [SANDBOX]: 'auto', [DEV]: 'dry-run' } } }),
    );
    expect(plan.groups).toEqual([
      { mode: 'notify', organizationalUnitIds: [PROD] },
      { mode: 'dry-run', organizationalUnitIds: [DEV] },
      { mode: 'auto', organizationalUnitIds: [SANDBOX] },
    ]);
  });

  it('never lists an OU in two groups, and covers every target OU', () => {
    const plan = planGlobalRollout(testConfig({ remediation: { defaultMode: 'auto', ous: { [PROD]: 'off' } } }));
    const listed = plan.groups.flatMap((g) => g.organizationalUnitIds);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([PROD, DEV, SANDBOX].sort());
  });

  it('merges OUs that share a mode into one group', () => {
    const plan = planGlobalRollout(
      testConfig({ remediation: { defaultMode: 'auto', ous: { [PROD]: 'notify', [DEV]: 'notify' } } }),
    );
    expect(plan.groups).toEqual([
      { mode: 'notify', organizationalUnitIds: [PROD, DEV] },
      { mode: 'auto', organizationalUnitIds: [SANDBOX] },
    ]);
  });

  it('gives auto-deployed accounts the least permissive mode of any target OU', () => {
    const plan = planGlobalRollout(testConfig({ remediation: { defaultMode: 'auto', ous: { [PROD]: 'off' } } }));
    expect(plan.autoDeploymentMode).toBe('off');
  });

  it('keeps account overrides out of the groups and hands them to the template', () => {
    const plan = planGlobalRollout(testConfig({ remediation: { accounts: { '222222222222': 'off' } } }));
    expect(plan.accountModes).toEqual({ '222222222222': 'off' });
    expect(JSON.stringify(plan.groups)).not.toContain('222222222222');
  });

  it('refuses an override for an OU that is not a target OU, naming the key and the way out', () => {
    const nested = 'ou-ab12-teamx0001';
    let error: unknown;
    try {
      planGlobalRollout(testConfig({ remediation: { ous: { [nested]: 'auto' } } }), 'cdk.json context "socless"');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const [problem] = (error as ConfigError).problems;
    expect(problem?.file).toBe('cdk.json context "socless"');
    expect(problem?.path).toBe(`$.remediation.ous["${nested}"]`);
    expect(problem?.reason).toContain(`remediation.ous.${nested} is not one of targetOuIds`);
    expect(problem?.reason).toMatch(/list ou-ab12-teamx0001 itself in targetOuIds/i);
    expect(problem?.reason).toContain('remediation.accounts');
  });
});
