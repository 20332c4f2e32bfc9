/**
 * What config decides about individual remediations: which never-automatic entries may still run automatically
 * (globally, per OU, per account), and the settings of the entries that have any. The config schema
 * (shared/config.ts, `remediation.*`) validates them; this module carries them to the remediate Lambda (one
 * environment variable, set by the hub stack and by the local hub alike) and reads them back there.
 */
import { z } from 'zod';

/**
 * Every remediation id in the registry (hub/remediations/index.ts; a test keeps the two equal). Config names
 * remediations by these ids, and shared code cannot import the registry itself.
 */
export const REMEDIATION_IDS = [
  's3-bucket-public-access-block',
  's3-account-public-access-block',
  'security-group-open-ingress',
  'default-security-group-closed',
  'iam-access-key-deactivate',
  'ebs-snapshot-private',
  'rds-snapshot-private',
  'ebs-encryption-by-default',
  'kms-key-rotation',
  'cloudtrail-logging',
  'lambda-public-policy',
  's3-bucket-require-tls',
  'iam-role-revoke-sessions',
  'ec2-instance-isolate',
  'rds-instance-not-public',
  'redshift-cluster-not-public',
  'ssm-document-not-public',
  'ssm-block-public-sharing',
  'ec2-imdsv2-required',
  'cloudtrail-log-file-validation',
  'guardduty-enabled',
  'iam-password-policy',
  'codebuild-no-privileged-mode',
  'sqs-queue-encryption',
  'rds-auto-minor-version-upgrade',
  'rds-deletion-protection',
  'dynamodb-deletion-protection',
  'ec2-transit-gateway-no-auto-accept',
  'ecr-scan-on-push',
  's3-bucket-acls-disabled',
] as const;

/** A remediation id of the registry; any other string is refused naming the known ids. */
export const RemediationIdSchema = z.string().refine((id) => (REMEDIATION_IDS as readonly string[]).includes(id), {
  error: (issue) => `is "${String(issue.input)}", not a remediation id (known: ${REMEDIATION_IDS.join(', ')})`,
});

/** An account password policy baseline, as UpdateAccountPasswordPolicy takes it (with IAM's own bounds). */
export const PasswordBaselineSchema = z
  .object({
    MinimumPasswordLength: z.number().int().min(6).max(128),
    RequireSymbols: z.boolean(),
    RequireNumbers: z.boolean(),
    RequireUppercaseCharacters: z.boolean(),
    RequireLowercaseCharacters: z.boolean(),
    AllowUsersToChangePassword: z.boolean(),
    /** Days before a password expires; absent: passwords do not expire. */
    MaxPasswordAge: z.number().int().min(1).max(1095).optional(),
    /** Previous passwords that cannot be reused; absent: none. */
    PasswordReusePrevention: z.number().int().min(1).max(24).optional(),
    HardExpiry: z.boolean(),
  })
  .strict();
export type PasswordBaseline = z.output<typeof PasswordBaselineSchema>;

/** The CIS AWS Foundations baseline (length 14, every character class, 24 remembered, no forced expiry). */
export const CIS_PASSWORD_BASELINE: PasswordBaseline = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: true,
  PasswordReusePrevention: 24,
  HardExpiry: false,
};

/** The part of `config.remediation` the remediate Lambda needs besides its limits. */
export const RemediationSettingsSchema = z
  .object({
    autoAllowed: z.array(RemediationIdSchema).default([]),
    autoAllowedByOu: z.record(z.string(), z.array(RemediationIdSchema)).default({}),
    autoAllowedByAccount: z.record(z.string(), z.array(RemediationIdSchema)).default({}),
    isolateAutoScalingInstances: z.boolean().default(false),
    passwordPolicyBaseline: PasswordBaselineSchema.default(CIS_PASSWORD_BASELINE),
  })
  .strict();
export type RemediationSettings = z.output<typeof RemediationSettingsSchema>;

/** The settings with every default: what a deployment without these keys runs with. */
export const DEFAULT_REMEDIATION_SETTINGS: RemediationSettings = RemediationSettingsSchema.parse({});

/** Environment variable of the remediate Lambda holding the settings as JSON. */
export const REMEDIATION_SETTINGS_ENV = 'SOCLESS_REMEDIATION_SETTINGS';

/**
 * Lambda keeps at most 4 KB of environment for a function; the settings get this much of it. A config that lists
 * more (e.g. a long per-account list) is refused at synth rather than at deploy.
 */
export const REMEDIATION_SETTINGS_MAX_BYTES = 2048;

/** The settings as the environment variable carries them; throws naming the keys when they do not fit. */
export function remediationSettingsValue(settings: z.input<typeof RemediationSettingsSchema>): string {
  const value = JSON.stringify(RemediationSettingsSchema.parse(settings));
  if (Buffer.byteLength(value) > REMEDIATION_SETTINGS_MAX_BYTES) {
    throw new Error(
      `config remediation.autoAllowed/autoAllowedByOu/autoAllowedByAccount/passwordPolicyBaseline take ${Buffer.byteLength(value)} bytes, more than the ${REMEDIATION_SETTINGS_MAX_BYTES} of Lambda environment the remediate function gives them: name remediations per OU rather than per account`,
    );
  }
  return value;
}

/** The settings from the environment: the defaults when the variable is unset, an error naming it when invalid. */
export function remediationSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): RemediationSettings {
  const raw = env[REMEDIATION_SETTINGS_ENV];
  if (raw === undefined || raw === '') return DEFAULT_REMEDIATION_SETTINGS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`remediate: ${REMEDIATION_SETTINGS_ENV} is not JSON (${(err as Error).message})`);
  }
  const result = RemediationSettingsSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `remediate: ${REMEDIATION_SETTINGS_ENV} field ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`,
    );
  }
  return result.data;
}

/**
 * Whether config lets `remediationId` run automatically in an account (on its OU path, root first): named in
 * `autoAllowed`, for the account, or for any OU on the path.
 */
export function autoAllowedIn(
  settings: Pick<RemediationSettings, 'autoAllowed' | 'autoAllowedByOu' | 'autoAllowedByAccount'>,
  remediationId: string,
  accountId: string,
  ouPath: readonly string[] = [],
): boolean {
  return (
    settings.autoAllowed.includes(remediationId) ||
    (settings.autoAllowedByAccount[accountId] ?? []).includes(remediationId) ||
    ouPath.some((ou) => (settings.autoAllowedByOu[ou] ?? []).includes(remediationId))
  );
}
