// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/**
 * IAM policies generated from the registry: the spoke roles' statements (every remediation, split by direction)
 * and the session policy of one run (one remediation, one purpose, one target). Both come from the same
 * permission groups, so adding a remediation updates both, and neither can hold a wildcard action.
 *
 * Three statement sets, one per direction:
 * - `read`: every read of every remediation. `SoclessRemediationRole` and `SoclessUndoRole` both carry it.
 * - `fix`: the writes that bring resources into compliance, plus explicit Deny statements for the weakening
 *   forms of those writes that an IAM condition can tell apart (FIX_ROLE_DENIES). Only `SoclessRemediationRole`
 *   carries it, and only in `notify` and `auto` accounts (never in `dry-run`).
 * - `undo`: the writes that restore the state before a fix (the de-hardening ones: StopLogging, AddPermission,
 *   AuthorizeSecurityGroupIngress...). Only `SoclessUndoRole` carries it, reachable from operator roles only.
 */
import type {
  RemediationStatement,
  SpokeRoleStatements,
  StatementConditions,
} from '../../spoke/remediation-statements.ts';
import { iamActionOf } from './calls.ts';
import { RemediationTargetError } from './errors.ts';
import type { PermissionGroup, Remediation, SessionPurpose, WritePurpose } from './types.ts';

/** One of the three statement sets. */
export type StatementSet = 'read' | WritePurpose;

const SET_SUFFIX: Record<StatementSet, string> = { read: '', fix: 'Fix', undo: 'Undo' };

/**
 * IAM statement id of a remediation's n-th statement in a set (`S3BucketPublicAccessBlock`, `...Fix`,
 * `...Undo2`).
 */
export function statementSid(remediationId: string, index: number, set: StatementSet = 'read'): string {
  const base = remediationId
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w[0] as string).toUpperCase() + w.slice(1))
    .join('');
  return `${base}${SET_SUFFIX[set]}${index === 0 ? '' : index + 1}`;
}

/** The IAM actions of a list of calls, de-duplicated and sorted. */
export function iamActions(calls: readonly string[]): string[] {
  return [...new Set(calls.map(iamActionOf))].sort();
}

/** Whether a permission group belongs to a statement set. */
function inSet(group: PermissionGroup, set: StatementSet): boolean {
  return set === 'read' ? group.purpose === undefined : group.purpose === set;
}

/** The calls a session of this purpose may make: the reads, plus the writes of its direction. */
export function callsFor(remediation: Remediation, purpose: SessionPurpose): Set<string> {
  return new Set(
    remediation.permissions.filter((g) => g.purpose === undefined || g.purpose === purpose).flatMap((g) => g.calls),
  );
}

/** The calls of a direction that the other direction does not also make (undo-only: StopLogging, AddPermission...). */
export function directionOnlyCalls(registry: readonly Remediation[], purpose: WritePurpose): string[] {
  const other: WritePurpose = purpose === 'fix' ? 'undo' : 'fix';
  const of = (p: WritePurpose) =>
    new Set(registry.flatMap((r) => r.permissions.filter((g) => g.purpose === p).flatMap((g) => g.calls)));
  const mine = of(purpose);
  const theirs = new Set([...of(other)].map(iamActionOf));
  return [...mine].filter((c) => !theirs.has(iamActionOf(c))).sort();
}

/** Every IAM action the remediations need, in every direction. */
export function allIamActions(registry: readonly Remediation[]): string[] {
  return [...new Set(registry.flatMap((r) => r.permissions.flatMap((g) => iamActions(g.calls))))].sort();
}

const TARGET_PLACEHOLDER = /\$\{Target:([A-Za-z][A-Za-z0-9]*)\}/g;

/** Whether `general` (wildcards `*` only) covers every resource `specific` can name. */
function covers(general: string, specific: string): boolean {
  if (general === specific) return true;
  if (general.includes('?')) return false;
  const regex = new RegExp(`^${general.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(specific);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Drops resources another resource of the list already covers (`user/*` covers `user/*\/*`). */
function withoutCovered(resources: readonly string[]): string[] {
  const unique = [...new Set(resources)];
  return unique.filter(
    (r, i) => !unique.some((other, j) => j !== i && covers(other, r) && !(covers(r, other) && j > i)),
  );
}

/**
 * `aws:ResourceAccount` on write statements: the role can change resources of its own account only, even where
 * the ARN names no account (S3 buckets, EBS snapshots). The key is in the request context of every action these
 * remediations write with a resource-level permission (S3, EC2, IAM, KMS, Lambda, CloudTrail, RDS); actions
 * without one (`Resource: *`: EBS encryption by default, account-level Block Public Access) carry no resource,
 * so the condition would never match and is left off.
 */
const OWN_ACCOUNT: StatementConditions = { StringEquals: { 'aws:ResourceAccount': '${AWS::AccountId}' } };

/** One remediation's statements of one set, `${Target:...}` widened to `*`, `${AWS::...}` left for CloudFormation. */
export function remediationStatements(remediation: Remediation, set: StatementSet = 'read'): RemediationStatement[] {
  return remediation.permissions
    .filter((g) => inSet(g, set))
    .map((group, i) => {
      const resources = withoutCovered(group.resources.map((r) => r.replace(TARGET_PLACEHOLDER, '*')));
      const resourceLevel = set !== 'read' && resources.every((r) => r !== '*');
      return {
        sid: statementSid(remediation.id, i, set),
        actions: iamActions(group.calls),
        resources,
        ...(resourceLevel ? { conditions: OWN_ACCOUNT } : {}),
      };
    });
}

/**
 * Deny statements of the fix role: the weakening forms of fix actions that an IAM condition key tells apart.
 * Each applies only when the fix set grants its action. The undo role has none of them (undo is the weakening).
 */
export const FIX_ROLE_DENIES: ReadonlyArray<RemediationStatement & { readonly reason: string }> = [
  {
    sid: 'DenySnapshotPublicShare',
    effect: 'Deny',
    actions: ['ec2:ModifySnapshotAttribute'],
    resources: ['*'],
    // `ec2:Add/group` is present whenever the request adds a group (`all` = public) to createVolumePermission.
    conditions: { Null: { 'ec2:Add/group': 'false' } },
    reason: 'ModifySnapshotAttribute with an add of group "all" makes a snapshot public',
  },
  {
    sid: 'DenySnapshotAccountShare',
    effect: 'Deny',
    actions: ['ec2:ModifySnapshotAttribute'],
    resources: ['*'],
    conditions: { Null: { 'ec2:Add/userId': 'false' } },
    reason: 'ModifySnapshotAttribute with an add of an account id shares a snapshot with that account',
  },
  {
    sid: 'DenyLongKeyRotationPeriod',
    effect: 'Deny',
    actions: ['kms:EnableKeyRotation'],
    resources: ['*'],
    // The fix sends no period (KMS's default, 365 days); a longer one would loosen a key that rotates yearly.
    conditions: { NumericGreaterThan: { 'kms:RotationPeriodInDays': '365' } },
    reason: 'EnableKeyRotation with a RotationPeriodInDays above 365 stretches the rotation of a key',
  },
  {
    sid: 'DenyInlinePolicyOnProtectedRoles',
    effect: 'Deny',
    actions: ['iam:PutRolePolicy'],
    // SOCless's own roles (with or without a path) and service-linked roles: the fix role can never widen them.
    resources: ['arn:*:iam::*:role/Socless*', 'arn:*:iam::*:role/*/Socless*', 'arn:*:iam::*:role/aws-service-role/*'],
    reason: "PutRolePolicy on SOCless's own roles or a service-linked role could grant them anything",
  },
];

/** How a fix action could hurt the account when someone who can act as the hub chooses its input. */
export interface FixRoleResidualRisk {
  /** The IAM action of the fix role. */
  readonly action: string;
  /** The remediations that grant it in the fix direction. */
  readonly remediations: readonly string[];
  /** `weakens`: can lower the account's security; `disrupts`: can only take away access (availability). */
  readonly impact: 'weakens' | 'disrupts';
  /** Why no IAM condition stops it, and what does limit it. */
  readonly reason: string;
}

/**
 * What the fix role can still do with attacker-chosen input that no IAM condition key can stop (the README
 * cites this list). Every run's session policy narrows these to one remediation and one target, but a principal
 * that can act as the hub remediation role may assume `SoclessRemediationRole` without a session policy.
 */
export const FIX_ROLE_RESIDUAL_RISKS: readonly FixRoleResidualRisk[] = [
  {
    action: 'iam:UpdateAccessKey',
    remediations: ['iam-access-key-deactivate'],
    impact: 'weakens',
    reason:
      'One action sets a key Inactive (fix) or Active (undo) and IAM has no condition key on the requested status, so the fix role can re-activate a deactivated key of any IAM user in the account. No other IAM action deactivates one key (DeleteAccessKey cannot be undone; a deny policy on the user blocks all of its keys and needs iam:PutUserPolicy, which is far broader).',
  },
  {
    action: 'rds:ModifyDBSnapshotAttribute',
    remediations: ['rds-snapshot-private'],
    impact: 'weakens',
    reason:
      'ValuesToRemove (fix) and ValuesToAdd (undo) are the same action and RDS has no condition key on the values, so the fix role can add "all" or an account id to the restore attribute of a manual DB snapshot in the account.',
  },
  {
    action: 's3:PutBucketPublicAccessBlock',
    remediations: ['s3-bucket-public-access-block'],
    impact: 'weakens',
    reason:
      "S3 has no condition key on the Block Public Access settings in the request, so the fix role can turn a bucket's settings off (the same action also authorizes DeletePublicAccessBlock). Account-level Block Public Access, where it is on, still overrides a bucket's settings.",
  },
  {
    action: 's3:PutAccountPublicAccessBlock',
    remediations: ['s3-account-public-access-block'],
    impact: 'weakens',
    reason:
      'S3 has no condition key on the settings in the request, so the fix role can turn the account-level Block Public Access settings off (the same action authorizes DeletePublicAccessBlock). An SCP denying it outside the hub role is the organization-level guard.',
  },
  {
    action: 's3:PutBucketPolicy',
    remediations: ['s3-bucket-require-tls'],
    impact: 'weakens',
    reason:
      "No condition key inspects the policy document, so the fix role can replace the policy of any bucket in the account (aws:ResourceAccount keeps it to the account's own buckets). Block Public Access (BlockPublicPolicy) rejects public policies where it is on; grants to other accounts are not public and are not stopped.",
  },
  {
    action: 'ec2:RevokeSecurityGroupIngress',
    remediations: ['security-group-open-ingress', 'default-security-group-closed'],
    impact: 'disrupts',
    reason: 'Revoking rules only takes access away (security groups are allow lists), but it can cut a workload off.',
  },
  {
    action: 'ec2:RevokeSecurityGroupEgress',
    remediations: ['default-security-group-closed'],
    impact: 'disrupts',
    reason: 'Revoking egress only takes access away, but it can cut a workload off.',
  },
  {
    action: 'iam:PutRolePolicy',
    remediations: ['iam-role-revoke-sessions'],
    impact: 'weakens',
    reason:
      "No condition key inspects an inline policy document, so the fix role can put an Allow policy on any role of the account other than SOCless's own and service-linked roles (denied by FIX_ROLE_DENIES): the strongest action of the fix role. Each run's session policy narrows it to the one role the finding names; an SCP that allows iam:PutRolePolicy only for the SoclessRevokeOlderSessions policy name is not possible (no policy-name key), so keep the hub remediation role's own trust tight.",
  },
  {
    action: 'ec2:ModifyNetworkInterfaceAttribute',
    remediations: ['ec2-instance-isolate'],
    impact: 'weakens',
    reason:
      'The same action swaps in the isolation group (fix) and the original groups (undo), and can attach any security group of the account to any network interface, including an open one; it also changes source/destination checks.',
  },
  {
    action: 'ec2:ModifyInstanceAttribute',
    remediations: ['ec2-instance-isolate'],
    impact: 'weakens',
    reason:
      "The fix sends only DisableApiTermination, but the action also changes an instance's user data, type and groups; no condition key used here limits the attribute, so the fix role could change them on any instance.",
  },
  {
    action: 'ec2:CreateTags',
    remediations: ['ec2-instance-isolate'],
    impact: 'weakens',
    reason:
      'Tags can drive attribute-based access control: the fix role can tag any instance, security group or snapshot of the account, which weakens policies that trust tags.',
  },
  {
    action: 'ec2:ModifyInstanceMetadataOptions',
    remediations: ['ec2-imdsv2-required'],
    impact: 'weakens',
    reason:
      'HttpTokens required (fix) and optional (undo) are one action, so the fix role can turn IMDSv1 back on for any instance of the account.',
  },
  {
    action: 'ec2:ModifyTransitGateway',
    remediations: ['ec2-transit-gateway-no-auto-accept'],
    impact: 'weakens',
    reason:
      'AutoAcceptSharedAttachments disable (fix) and enable (undo) are one action, and it changes other transit gateway options too.',
  },
  {
    action: 'rds:ModifyDBInstance',
    remediations: ['rds-instance-not-public', 'rds-auto-minor-version-upgrade', 'rds-deletion-protection'],
    impact: 'weakens',
    reason:
      'One action for every DB instance setting: the fix role can make an instance public, turn deletion protection or minor upgrades off, or change its security groups.',
  },
  {
    action: 'rds:ModifyDBCluster',
    remediations: ['rds-deletion-protection'],
    impact: 'weakens',
    reason:
      "One action for every DB cluster setting: the fix role can turn deletion protection off or change the cluster's security groups.",
  },
  {
    action: 'redshift:ModifyCluster',
    remediations: ['redshift-cluster-not-public'],
    impact: 'weakens',
    reason:
      'One action for every cluster setting: the fix role can make a cluster public or change its master password.',
  },
  {
    action: 'ssm:ModifyDocumentPermission',
    remediations: ['ssm-document-not-public'],
    impact: 'weakens',
    reason:
      'AccountIdsToRemove (fix) and AccountIdsToAdd (undo) are one action: the fix role can share a document of the account publicly (unless ssm-block-public-sharing is on) or with any account.',
  },
  {
    action: 'ssm:UpdateServiceSetting',
    remediations: ['ssm-block-public-sharing'],
    impact: 'weakens',
    reason:
      "Disable (fix) and Enable (undo) are one action on the public-sharing setting (the role's resource is that one setting), so the fix role can allow public sharing again.",
  },
  {
    action: 'cloudtrail:UpdateTrail',
    remediations: ['cloudtrail-log-file-validation'],
    impact: 'weakens',
    reason:
      "UpdateTrail changes every trail setting: the fix role could turn validation off or send the trail's logs to another bucket.",
  },
  {
    action: 'guardduty:UpdateDetector',
    remediations: ['guardduty-enabled'],
    impact: 'weakens',
    reason:
      'Enable true (fix) and false (undo) are one action: the fix role can suspend GuardDuty in the account (a detector managed by an administrator account resists, members cannot suspend it).',
  },
  {
    action: 'iam:UpdateAccountPasswordPolicy',
    remediations: ['iam-password-policy'],
    impact: 'weakens',
    reason: 'No condition key inspects the settings: the fix role can set a weak account password policy.',
  },
  {
    action: 'codebuild:UpdateProject',
    remediations: ['codebuild-no-privileged-mode'],
    impact: 'weakens',
    reason:
      "UpdateProject changes every project setting, including the buildspec and source, which runs code with the project's service role: the fix role can turn any project into a way to use that role.",
  },
  {
    action: 'sqs:SetQueueAttributes',
    remediations: ['sqs-queue-encryption'],
    impact: 'weakens',
    reason:
      'SetQueueAttributes sets every attribute, including the queue policy: the fix role can open a queue of the account to any principal or turn its encryption off.',
  },
  {
    action: 'dynamodb:UpdateTable',
    remediations: ['dynamodb-deletion-protection'],
    impact: 'weakens',
    reason:
      'UpdateTable turns deletion protection off as well as on, and changes streams, capacity and encryption settings.',
  },
  {
    action: 'ecr:PutImageScanningConfiguration',
    remediations: ['ecr-scan-on-push'],
    impact: 'weakens',
    reason:
      'scanOnPush true (fix) and false (undo) are one action: the fix role can turn scanning on push off for any repository.',
  },
  {
    action: 's3:PutBucketAcl',
    remediations: ['s3-bucket-acls-disabled'],
    impact: 'weakens',
    reason:
      'The fix sends only the private canned ACL, but the action takes any grant: the fix role can grant a bucket to other accounts (BlockPublicAcls stops public grants where it is on).',
  },
  {
    action: 's3:PutBucketOwnershipControls',
    remediations: ['s3-bucket-acls-disabled'],
    impact: 'weakens',
    reason:
      'BucketOwnerEnforced (fix) and the other settings (undo) are one action (it also authorizes DeleteBucketOwnershipControls): the fix role can turn ACLs back on for a bucket.',
  },
  {
    action: 'lambda:RemovePermission',
    remediations: ['lambda-public-policy'],
    impact: 'disrupts',
    reason:
      "Lambda resource policies only allow, so removing a statement cannot open a function, but it can break the function's legitimate invokers.",
  },
];

/** Fix actions reviewed as unable to weaken or disrupt an account whatever their input, with the reason. */
export const FIX_ACTIONS_CANNOT_WEAKEN: Readonly<Record<string, string>> = {
  'cloudtrail:StartLogging': 'only starts logging',
  'ec2:EnableEbsEncryptionByDefault': 'only turns encryption by default on',
  'kms:EnableKeyRotation': 'turns rotation on; a period above 365 days is denied by FIX_ROLE_DENIES',
  'ec2:ModifySnapshotAttribute': 'its add forms (the only weakening ones) are denied by FIX_ROLE_DENIES',
  'ec2:CreateSecurityGroup': 'a new group has no ingress rule and is attached to nothing',
  'ec2:CreateSnapshot':
    'a new snapshot is private to the account; sharing it needs ModifySnapshotAttribute adds, which are denied',
  'guardduty:CreateDetector':
    'creates a detector only where there is none; a disabled one leaves the account as it was',
};

/**
 * Statements that allow on the same resources under the same conditions, merged into the first of them (the union
 * of their actions): the same grant in fewer characters, so the roles' policies stay inside IAM's size limits as
 * remediations are added (three RDS remediations write the same DB instances, for example).
 */
export function mergeSameScope(statements: readonly RemediationStatement[]): RemediationStatement[] {
  const merged: RemediationStatement[] = [];
  const scope = (s: RemediationStatement) =>
    JSON.stringify([s.effect ?? 'Allow', [...s.resources].sort(), s.conditions ?? null]);
  for (const statement of statements) {
    const same = merged.findIndex((m) => scope(m) === scope(statement));
    const into = merged[same];
    if (into) merged[same] = { ...into, actions: [...new Set([...into.actions, ...statement.actions])].sort() };
    else merged.push(statement);
  }
  return merged;
}

/** The spoke roles' statements for a registry: read, fix (with the fix role's denies) and undo. */
export function spokeRoleStatementSets(registry: readonly Remediation[]): SpokeRoleStatements {
  const read = mergeSameScope(registry.flatMap((r) => remediationStatements(r, 'read')));
  const fixAllows = mergeSameScope(registry.flatMap((r) => remediationStatements(r, 'fix')));
  const granted = new Set(fixAllows.flatMap((s) => s.actions));
  const denies = FIX_ROLE_DENIES.filter((d) => d.actions.some((a) => granted.has(a))).map(
    ({ reason: _reason, ...statement }) => statement,
  );
  const undo = mergeSameScope(registry.flatMap((r) => remediationStatements(r, 'undo')));
  return { read, fix: [...fixAllows, ...denies], undo };
}

/** One statement of a session policy. */
export interface SessionStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

/** A session policy document. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly SessionStatement[];
}

/** Characters a target value may bring into an ARN segment; `:` only where the placeholder ends the ARN. */
const TARGET_VALUE = /^[A-Za-z0-9_+=,.@-]{1,512}$/;
const TARGET_VALUE_LAST_SEGMENT = /^[A-Za-z0-9_+=,.@:-]{1,512}$/;

/**
 * A resource pattern of one run: `${Target:<field>}` becomes the target's value (`*` when the target leaves the
 * field out), the account and partition are filled in, the region stays a wildcard. A value that could widen
 * or re-shape the ARN (`*`, `?`, `/`, a `$` policy variable, or `:` before the ARN's last segment) is refused
 * with a RemediationTargetError naming the remediation and the field.
 */
export function sessionResource(
  remediation: Pick<Remediation, 'id'>,
  pattern: string,
  account: string,
  partition: string,
  target?: object,
): string {
  const values = (target ?? {}) as Record<string, unknown>;
  const withTarget = pattern.replace(TARGET_PLACEHOLDER, (placeholder, field: string, offset: number) => {
    const value = values[field];
    if (value === undefined || value === null || value === '') return '*';
    if (typeof value !== 'string') {
      throw new RemediationTargetError(
        remediation.id,
        `target.${field}`,
        `is a ${typeof value}, not a string: it cannot name the resource in the session policy`,
      );
    }
    const last = !pattern.slice(offset + placeholder.length).includes(':');
    if (!(last ? TARGET_VALUE_LAST_SEGMENT : TARGET_VALUE).test(value)) {
      throw new RemediationTargetError(
        remediation.id,
        `target.${field}`,
        `is ${JSON.stringify(value)}, which cannot go into the ARN ${pattern}: only letters, digits and _+=,.@-${last ? ':' : ''} are allowed (no wildcard, policy variable or ARN separator), at most 512`,
      );
    }
    return value;
  });
  return withTarget
    .replaceAll('${AWS::Partition}', partition)
    .replaceAll('${AWS::AccountId}', account)
    .replaceAll('${AWS::Region}', '*');
}

/**
 * The session policy of one run: the remediation's reads plus the writes of the purpose (`read`: reads only;
 * `fix`: reads and fix writes; `undo`: reads and undo writes), on the target's resources (see
 * sessionResource). Groups that end up on the same resources share a statement, to stay well inside STS's
 * 2,048-character limit. The session's permissions are the intersection of this and the role's policy, which
 * adds the aws:ResourceAccount conditions and the fix role's denies.
 */
export function sessionPolicy(
  remediation: Remediation,
  account: string,
  partition: string,
  purpose: SessionPurpose,
  target?: object,
): PolicyDocument {
  if (purpose !== 'read' && purpose !== 'fix' && purpose !== 'undo') {
    throw new Error(`sessionPolicy: purpose must be read, fix or undo, not ${JSON.stringify(purpose)}`);
  }
  const merged: Array<{ actions: Set<string>; resources: string[] }> = [];
  for (const group of remediation.permissions) {
    if (group.purpose !== undefined && group.purpose !== purpose) continue;
    const resources = withoutCovered(
      group.resources.map((r) => sessionResource(remediation, r, account, partition, target)),
    ).sort();
    const same = merged.find((m) => m.resources.join('\n') === resources.join('\n'));
    if (same) for (const a of iamActions(group.calls)) same.actions.add(a);
    else merged.push({ actions: new Set(iamActions(group.calls)), resources });
  }
  return {
    Version: '2012-10-17',
    Statement: merged.map((m, i) => ({
      Sid: statementSid(remediation.id, i),
      Effect: 'Allow',
      Action: [...m.actions].sort(),
      Resource: m.resources,
    })),
  };
}
