/**
 * The remediation registry: every remediation the hub can run in a spoke account, one file each. Adding one is
 * adding a file and a line here; the spoke role's policy, the session policies, the playbook triggers and
 * `socless remediation list` all follow from this list.
 */

import { UnknownRemediationError } from '../../shared/remediation/errors.ts';
import { spokeRoleStatementSets } from '../../shared/remediation/policy.ts';
import { DEFAULT_REMEDIATION_SETTINGS, type RemediationSettings } from '../../shared/remediation/settings.ts';
import { answersFinding } from '../../shared/remediation/triggers.ts';
import type { Remediation, RemediationEvent } from '../../shared/remediation/types.ts';
import type { SpokeRoleStatements } from '../../spoke/remediation-statements.ts';
import { cloudTrailLogFileValidation } from './cloudtrail-log-file-validation.ts';
import { cloudTrailLogging } from './cloudtrail-logging.ts';
import { codeBuildNoPrivilegedMode } from './codebuild-no-privileged-mode.ts';
import { defaultSecurityGroupClosed } from './default-security-group-closed.ts';
import { dynamoDbDeletionProtection } from './dynamodb-deletion-protection.ts';
import { ebsEncryptionByDefault } from './ebs-encryption-by-default.ts';
import { ebsSnapshotPrivate } from './ebs-snapshot-private.ts';
import { ec2Imdsv2Required } from './ec2-imdsv2-required.ts';
import { createEc2InstanceIsolate, ec2InstanceIsolate } from './ec2-instance-isolate.ts';
import { ec2TransitGatewayNoAutoAccept } from './ec2-transit-gateway-no-auto-accept.ts';
import { ecrScanOnPush } from './ecr-scan-on-push.ts';
import { guardDutyEnabled } from './guardduty-enabled.ts';
import { iamAccessKeyDeactivate } from './iam-access-key-deactivate.ts';
import { createIamPasswordPolicy, iamPasswordPolicy } from './iam-password-policy.ts';
import { iamRoleRevokeSessions } from './iam-role-revoke-sessions.ts';
import { kmsKeyRotation } from './kms-key-rotation.ts';
import { lambdaPublicPolicy } from './lambda-public-policy.ts';
import { rdsAutoMinorVersionUpgrade } from './rds-auto-minor-version-upgrade.ts';
import { rdsDeletionProtection } from './rds-deletion-protection.ts';
import { rdsInstanceNotPublic } from './rds-instance-not-public.ts';
import { rdsSnapshotPrivate } from './rds-snapshot-private.ts';
import { redshiftClusterNotPublic } from './redshift-cluster-not-public.ts';
import { s3AccountPublicAccessBlock } from './s3-account-public-access-block.ts';
import { s3BucketAclsDisabled } from './s3-bucket-acls-disabled.ts';
import { s3BucketPublicAccessBlock } from './s3-bucket-public-access-block.ts';
import { s3BucketRequireTls } from './s3-bucket-require-tls.ts';
import { securityGroupOpenIngress } from './security-group-open-ingress.ts';
import { sqsQueueEncryption } from './sqs-queue-encryption.ts';
import { ssmBlockPublicSharing } from './ssm-block-public-sharing.ts';
import { ssmDocumentNotPublic } from './ssm-document-not-public.ts';

/** Every remediation, in the order they are tried against a finding. */
export const REMEDIATIONS: readonly Remediation[] = [
  s3BucketPublicAccessBlock,
  s3AccountPublicAccessBlock,
  securityGroupOpenIngress,
  defaultSecurityGroupClosed,
  iamAccessKeyDeactivate,
  ebsSnapshotPrivate,
  rdsSnapshotPrivate,
  ebsEncryptionByDefault,
  kmsKeyRotation,
  cloudTrailLogging,
  lambdaPublicPolicy,
  s3BucketRequireTls,
  iamRoleRevokeSessions,
  ec2InstanceIsolate,
  rdsInstanceNotPublic,
  redshiftClusterNotPublic,
  ssmDocumentNotPublic,
  ssmBlockPublicSharing,
  ec2Imdsv2Required,
  cloudTrailLogFileValidation,
  guardDutyEnabled,
  iamPasswordPolicy,
  codeBuildNoPrivilegedMode,
  sqsQueueEncryption,
  rdsAutoMinorVersionUpgrade,
  rdsDeletionProtection,
  dynamoDbDeletionProtection,
  ec2TransitGatewayNoAutoAccept,
  ecrScanOnPush,
  s3BucketAclsDisabled,
];

type EntrySettings = Pick<RemediationSettings, 'isolateAutoScalingInstances' | 'passwordPolicyBaseline'>;
let configured: { key: string; registry: readonly Remediation[] } | undefined;

/**
 * The registry as config sets it up: ec2-instance-isolate isolates Auto Scaling instances when
 * `isolateAutoScalingInstances` allows it, iam-password-policy raises the policy to `passwordPolicyBaseline`.
 * Same order and ids as REMEDIATIONS (which holds the defaults).
 */
export function remediationRegistry(settings: EntrySettings = DEFAULT_REMEDIATION_SETTINGS): readonly Remediation[] {
  const key = JSON.stringify([settings.isolateAutoScalingInstances, settings.passwordPolicyBaseline]);
  const defaults = JSON.stringify([
    DEFAULT_REMEDIATION_SETTINGS.isolateAutoScalingInstances,
    DEFAULT_REMEDIATION_SETTINGS.passwordPolicyBaseline,
  ]);
  if (key === defaults) return REMEDIATIONS;
  if (configured?.key !== key) {
    const isolate = createEc2InstanceIsolate({ allowAutoScalingGroups: settings.isolateAutoScalingInstances });
    const password = createIamPasswordPolicy(settings.passwordPolicyBaseline);
    configured = {
      key,
      registry: REMEDIATIONS.map((r) => (r.id === isolate.id ? isolate : r.id === password.id ? password : r)),
    };
  }
  return configured.registry;
}

/** The remediation with this id; throws UnknownRemediationError listing the known ids. */
export function remediationById(id: string, registry: readonly Remediation[] = REMEDIATIONS): Remediation {
  const found = registry.find((r) => r.id === id);
  if (!found) {
    throw new UnknownRemediationError(`no remediation "${id}"; known: ${registry.map((r) => r.id).join(', ')}`);
  }
  return found;
}

/**
 * The remediations that answer a finding (by source and kind), in registry order, except that where several answer
 * and the event names its resources, those that can act on them come first: a GuardDuty IAMUser finding about a
 * temporary (ASIA) key goes to iam-role-revoke-sessions, one about a long-term key to iam-access-key-deactivate.
 */
export function remediationsFor(
  event: Pick<RemediationEvent, 'source' | 'kind'> & Partial<RemediationEvent>,
  registry: readonly Remediation[] = REMEDIATIONS,
): Remediation[] {
  const answering = registry.filter((r) => answersFinding(r, event));
  if (answering.length < 2 || event.resources === undefined) return answering;
  const full = event as RemediationEvent;
  const canAct = (r: Remediation) => {
    try {
      r.target(full);
      return true;
    } catch {
      return false;
    }
  };
  return [...answering.filter(canAct), ...answering.filter((r) => !canAct(r))];
}

/**
 * The spoke roles' permission statements, generated from the registry by direction (read, fix, undo): one
 * statement per permission group of each remediation, exact actions only, plus the fix role's denies.
 */
export function spokeRoleStatements(registry: readonly Remediation[] = REMEDIATIONS): SpokeRoleStatements {
  return spokeRoleStatementSets(registry);
}

/**
 * CloudTrail API names that some remediation answers. The spokes must forward these calls, so the CDK app
 * adds them to the configured `riskyApiNames`: adding a remediation updates the spoke rules too.
 */
export function remediationApiNames(registry: readonly Remediation[] = REMEDIATIONS): string[] {
  return [...new Set(registry.flatMap((r) => r.findings.cloudTrail?.eventNames ?? []))].sort();
}
