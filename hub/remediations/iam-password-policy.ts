/** Brings the account's IAM password policy up to a baseline (Security Hub IAM.7 and the CIS IAM.11–IAM.16). */
import { CIS_PASSWORD_BASELINE } from '../../shared/remediation/settings.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import { readOr } from './support.ts';

const ID = 'iam-password-policy';

/** The password policy settings the remediation manages, as UpdateAccountPasswordPolicy takes them. */
export interface PasswordPolicy {
  readonly MinimumPasswordLength: number;
  readonly RequireSymbols: boolean;
  readonly RequireNumbers: boolean;
  readonly RequireUppercaseCharacters: boolean;
  readonly RequireLowercaseCharacters: boolean;
  readonly AllowUsersToChangePassword: boolean;
  /** Days; absent: passwords do not expire. */
  readonly MaxPasswordAge?: number;
  /** Previous passwords that cannot be reused; absent: none. */
  readonly PasswordReusePrevention?: number;
  readonly HardExpiry: boolean;
}

/** The CIS AWS Foundations baseline (length 14, every character class, 24 remembered, no forced expiry). */
export const DEFAULT_PASSWORD_BASELINE: PasswordPolicy = CIS_PASSWORD_BASELINE;

/** The stricter of two values of each setting: a baseline never weakens a stronger current policy. */
export function strongest(current: PasswordPolicy | null, baseline: PasswordPolicy): PasswordPolicy {
  if (!current) return baseline;
  const ages = [current.MaxPasswordAge, baseline.MaxPasswordAge].filter((v): v is number => v !== undefined);
  const reuse = Math.max(current.PasswordReusePrevention ?? 0, baseline.PasswordReusePrevention ?? 0);
  return {
    MinimumPasswordLength: Math.max(current.MinimumPasswordLength, baseline.MinimumPasswordLength),
    RequireSymbols: current.RequireSymbols || baseline.RequireSymbols,
    RequireNumbers: current.RequireNumbers || baseline.RequireNumbers,
    RequireUppercaseCharacters: current.RequireUppercaseCharacters || baseline.RequireUppercaseCharacters,
    RequireLowercaseCharacters: current.RequireLowercaseCharacters || baseline.RequireLowercaseCharacters,
    AllowUsersToChangePassword: current.AllowUsersToChangePassword || baseline.AllowUsersToChangePassword,
    ...(ages.length > 0 ? { MaxPasswordAge: Math.min(...ages) } : {}),
    ...(reuse > 0 ? { PasswordReusePrevention: reuse } : {}),
    HardExpiry: current.HardExpiry,
  };
}

/** Reads GetAccountPasswordPolicy's `PasswordPolicy` into the managed settings. */
function fromAws(p: Record<string, unknown>): PasswordPolicy {
  return {
    MinimumPasswordLength: Number(p.MinimumPasswordLength ?? 6),
    RequireSymbols: p.RequireSymbols === true,
    RequireNumbers: p.RequireNumbers === true,
    RequireUppercaseCharacters: p.RequireUppercaseCharacters === true,
    RequireLowercaseCharacters: p.RequireLowercaseCharacters === true,
    AllowUsersToChangePassword: p.AllowUsersToChangePassword === true,
    ...(typeof p.MaxPasswordAge === 'number' && p.ExpirePasswords !== false
      ? { MaxPasswordAge: p.MaxPasswordAge }
      : {}),
    ...(typeof p.PasswordReusePrevention === 'number' ? { PasswordReusePrevention: p.PasswordReusePrevention } : {}),
    HardExpiry: p.HardExpiry === true,
  };
}

const same = (a: PasswordPolicy, b: PasswordPolicy) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const sorted = (p: PasswordPolicy) => Object.fromEntries(Object.entries(p).sort(([x], [y]) => x.localeCompare(y)));

/** Creates the remediation with a baseline; the registry holds the CIS default. */
export function createIamPasswordPolicy(baseline: PasswordPolicy = DEFAULT_PASSWORD_BASELINE) {
  return defineRemediation<Record<string, never>, { policy: PasswordPolicy | null }>({
    id: ID,
    title: 'IAM: account password policy to the baseline',
    description: `Raises each setting of the account password policy to the baseline (minimum length ${baseline.MinimumPasswordLength}, ${baseline.PasswordReusePrevention ?? 0} remembered, every character class) and keeps any stronger setting. Undo puts the saved policy back, or deletes the policy when there was none.`,
    findings: {
      securityHubControls: ['IAM.7', 'IAM.11', 'IAM.12', 'IAM.13', 'IAM.14', 'IAM.15', 'IAM.16'],
      configRules: ['iam-password-policy'],
    },
    permissions: [
      { calls: ['iam:GetAccountPasswordPolicy'], resources: ['*'] },
      // No condition key inspects the settings: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
      { purpose: 'fix', calls: ['iam:UpdateAccountPasswordPolicy'], resources: ['*'] },
      {
        purpose: 'undo',
        calls: ['iam:UpdateAccountPasswordPolicy', 'iam:DeleteAccountPasswordPolicy'],
        resources: ['*'],
      },
    ],
    target: () => ({}),
    async readState(call) {
      const out = await readOr(
        () => call({ service: 'iam', action: 'GetAccountPasswordPolicy', input: {} }),
        ['NoSuchEntity', 'NoSuchEntityException'],
        {},
      );
      const p = out.PasswordPolicy as Record<string, unknown> | undefined;
      return { policy: p ? fromAws(p) : null };
    },
    stateFromFinding: () => undefined,
    plan(state) {
      const wanted = strongest(state.policy, baseline);
      if (state.policy && same(state.policy, wanted)) return [];
      return [{ service: 'iam', action: 'UpdateAccountPasswordPolicy', input: { ...wanted } }];
    },
    undo(before) {
      if (!before.policy) return [{ service: 'iam', action: 'DeleteAccountPasswordPolicy', input: {} }];
      return [{ service: 'iam', action: 'UpdateAccountPasswordPolicy', input: { ...before.policy } }];
    },
  });
}

export const iamPasswordPolicy = createIamPasswordPolicy();
