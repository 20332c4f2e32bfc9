/**
 * Refusals are outcomes: when the resource a finding names is gone, or is not one the remediation acts on (a
 * service-linked role, an Auto Scaling instance, an organization trail of another account, a GuardDuty member, a
 * group that is not the default one), the run succeeds as `not-applicable` with the reason, opens no fix session
 * and sends no write. Infrastructure and configuration errors (AccessDenied on the spoke role, throttling, a
 * not-found from a write) stay failures.
 */
import { GetTrailCommand } from '@aws-sdk/client-cloudtrail';
import { BatchGetProjectsCommand } from '@aws-sdk/client-codebuild';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { GetAdministratorAccountCommand } from '@aws-sdk/client-guardduty';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { CALLS } from '../../shared/remediation/calls.ts';
import { RemediationApiError, RemediationTargetError } from '../../shared/remediation/errors.ts';
import { isTargetGone, refusalOf, TARGET_GONE_CODES } from '../../shared/remediation/refusal.ts';
import { RecordingSessionFactory } from './helpers.ts';
import { CONTAINMENT_CASES, INSTANCE } from './stateful-cases-containment.ts';
import { CONTROL_CASES } from './stateful-cases-controls.ts';
import { KIT_CASES } from './stateful-cases-kit.ts';
import {
  ALL_MOCKS,
  cloudtrail,
  codebuild,
  dynamodb,
  ec2,
  ecr,
  guardduty,
  iam,
  kms,
  named,
  rds,
  redshift,
  type StatefulCase,
  s3,
  sqs,
  ssm,
  useRemediateHarness,
} from './stateful-fakes.ts';

const CASES: StatefulCase[] = [...KIT_CASES, ...CONTAINMENT_CASES, ...CONTROL_CASES];
const caseOf = (id: string) => CASES.find((c) => c.remediation.id === id) as StatefulCase;

// biome-ignore lint/suspicious/noExplicitAny: one mock of each client class
type AnyStub = AwsStub<any, any, any>;

/**
 * How each remediation's resource answers when it no longer exists: the service's mock answers every call with
 * that code. Account-level remediations (EBS default encryption, GuardDuty, the password policy, the account's
 * public access block, SSM public sharing) have no resource that can be gone; lambda-public-policy reads the
 * function's policy, whose ResourceNotFoundException also means "no policy" (compliant); security-group-open-ingress
 * lists rules by a filter, which answers a gone group with no rules (compliant).
 */
const GONE: Record<string, { mock: AnyStub; code: string }> = {
  'cloudtrail-logging': { mock: cloudtrail, code: 'TrailNotFoundException' },
  'cloudtrail-log-file-validation': { mock: cloudtrail, code: 'TrailNotFoundException' },
  'default-security-group-closed': { mock: ec2, code: 'InvalidGroup.NotFound' },
  'dynamodb-deletion-protection': { mock: dynamodb, code: 'ResourceNotFoundException' },
  'ebs-snapshot-private': { mock: ec2, code: 'InvalidSnapshot.NotFound' },
  'ec2-imdsv2-required': { mock: ec2, code: 'InvalidInstanceID.NotFound' },
  'ec2-instance-isolate': { mock: ec2, code: 'InvalidInstanceID.NotFound' },
  'ec2-transit-gateway-no-auto-accept': { mock: ec2, code: 'InvalidTransitGatewayID.NotFound' },
  'ecr-scan-on-push': { mock: ecr, code: 'RepositoryNotFoundException' },
  'iam-access-key-deactivate': { mock: iam, code: 'NoSuchEntity' },
  'iam-role-revoke-sessions': { mock: iam, code: 'NoSuchEntity' },
  'kms-key-rotation': { mock: kms, code: 'NotFoundException' },
  'rds-auto-minor-version-upgrade': { mock: rds, code: 'DBInstanceNotFoundFault' },
  'rds-deletion-protection': { mock: rds, code: 'DBClusterNotFoundFault' },
  'rds-instance-not-public': { mock: rds, code: 'DBInstanceNotFound' },
  'rds-snapshot-private': { mock: rds, code: 'DBSnapshotNotFound' },
  'redshift-cluster-not-public': { mock: redshift, code: 'ClusterNotFound' },
  's3-bucket-acls-disabled': { mock: s3, code: 'NoSuchBucket' },
  's3-bucket-public-access-block': { mock: s3, code: 'NoSuchBucket' },
  's3-bucket-require-tls': { mock: s3, code: 'NoSuchBucket' },
  'sqs-queue-encryption': { mock: sqs, code: 'QueueDoesNotExist' },
  'ssm-document-not-public': { mock: ssm, code: 'InvalidDocument' },
};
const NOTHING_TO_BE_GONE = [
  'ebs-encryption-by-default',
  'guardduty-enabled',
  'iam-password-policy',
  's3-account-public-access-block',
  'ssm-block-public-sharing',
  'lambda-public-policy',
  'security-group-open-ingress',
  'codebuild-no-privileged-mode', // gone is an empty answer, tested below
];

/** Action names of every write in the call table (`PutPublicAccessBlock`, `ModifyDBInstance`...). */
const WRITES = new Set(
  Object.entries(CALLS)
    .filter(([, spec]) => spec.write)
    .map(([key]) => key.split(':')[1] as string),
);
/** The write commands the mocks received. */
function writesSent(): string[] {
  return ALL_MOCKS.flatMap((m) => m.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')))
    .filter((action) => WRITES.has(action))
    .sort();
}

describe('not-applicable: the target is gone or out of scope', () => {
  const h = useRemediateHarness();

  async function runAuto(c: StatefulCase) {
    const sessions = new RecordingSessionFactory();
    const { remediation } = await h.invoke({
      mode: 'auto',
      event: c.event,
      parameters: { remediation: c.remediation.id },
      runtime: { sessions, records: h.records },
    });
    return { remediation, purposes: sessions.requests.map((r) => r.purpose) };
  }

  it('lists a gone answer for every remediation whose resource can be gone', () => {
    expect([...Object.keys(GONE), ...NOTHING_TO_BE_GONE].sort()).toEqual(REMEDIATIONS.map((r) => r.id).sort());
    for (const { code } of Object.values(GONE)) expect(isTargetGone(code)).toBe(true);
  });

  it.each(Object.entries(GONE))('%s: a resource that is gone (%s) is not-applicable, nothing written', async (id) => {
    const c = caseOf(id);
    const { mock, code } = GONE[id] as { mock: AnyStub; code: string };
    // Against the faithful fake the same run applies: only the not-found answer makes it not-applicable.
    c.install('faithful');
    mock.reset();
    mock.onAnyCommand().rejects(named(code));
    const { remediation, purposes } = await runAuto(c);
    expect(remediation).toMatchObject({ effectiveAction: 'not-applicable', actions: [], stateSource: 'live' });
    expect(remediation.notApplicable?.reason).toContain(`the resource is gone`);
    expect(remediation.notApplicable?.reason).toContain(code);
    expect(purposes).toEqual(['read']);
    expect(writesSent()).toEqual([]);
  });

  it('codebuild-no-privileged-mode: a project BatchGetProjects lists as not found is not-applicable', async () => {
    const c = caseOf('codebuild-no-privileged-mode');
    c.install('faithful');
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [], projectsNotFound: ['image-builder'] });
    const { remediation, purposes } = await runAuto(c);
    expect(remediation).toMatchObject({
      effectiveAction: 'not-applicable',
      notApplicable: { field: 'target.projectName' },
    });
    expect(remediation.notApplicable?.reason).toContain('does not find');
    expect(purposes).toEqual(['read']);
    expect(writesSent()).toEqual([]);
  });

  const OUT_OF_SCOPE: Array<[string, string, string, () => void]> = [
    [
      'iam-role-revoke-sessions',
      'a service-linked role',
      'service-linked role',
      () =>
        iam.on(GetRoleCommand).resolves({
          Role: {
            RoleName: 'batch',
            Path: '/aws-service-role/batch.amazonaws.com/',
            Arn: 'arn:aws:iam::210987654321:role/aws-service-role/batch.amazonaws.com/batch',
            RoleId: 'AROAEXAMPLE',
            CreateDate: new Date(),
          },
        }),
    ],
    [
      'ec2-instance-isolate',
      'an instance of an Auto Scaling group (the live tags say so)',
      'Auto Scaling group "workers"',
      () =>
        ec2.on(DescribeInstancesCommand).resolves({
          Reservations: [
            {
              Instances: [
                {
                  InstanceId: INSTANCE,
                  VpcId: 'vpc-0a1b2c3d4e5f60033',
                  Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'workers' }],
                },
              ],
            },
          ],
        }),
    ],
    [
      'cloudtrail-log-file-validation',
      'an organization trail of the management account',
      'owned by another account',
      () =>
        cloudtrail.on(GetTrailCommand).resolves({
          Trail: {
            Name: 'audit',
            TrailARN: 'arn:aws:cloudtrail:eu-west-1:111111111111:trail/audit',
            IsOrganizationTrail: true,
            LogFileValidationEnabled: false,
          },
        }),
    ],
    [
      'guardduty-enabled',
      'a GuardDuty member account',
      'administrator account 111111111111',
      () =>
        guardduty
          .on(GetAdministratorAccountCommand)
          .resolves({ Administrator: { AccountId: '111111111111', RelationshipStatus: 'Enabled' } }),
    ],
    [
      'default-security-group-closed',
      'a group that is not the default group',
      'not a default security group',
      () =>
        ec2
          .on(DescribeSecurityGroupsCommand)
          .resolves({ SecurityGroups: [{ GroupId: 'sg-0123456789abcdef0', GroupName: 'web' }] }),
    ],
  ];

  it.each(OUT_OF_SCOPE)(
    '%s: %s is not-applicable with the reason, nothing written',
    async (id, _what, reason, answer) => {
      const c = caseOf(id);
      c.install('faithful');
      answer();
      const { remediation, purposes } = await runAuto(c);
      expect(remediation).toMatchObject({ effectiveAction: 'not-applicable', actions: [] });
      expect(remediation.notApplicable?.reason).toContain(reason);
      expect(remediation.notApplicable?.field).toMatch(/^(target\.|account|resources)/);
      expect(purposes).toEqual(['read']);
      expect(writesSent()).toEqual([]);
    },
  );

  it.each([
    ['AccessDenied', 'the spoke role lacks the permission: a configuration error'],
    ['SlowDown', 'throttling'],
    ['InternalError', 'a service error'],
  ])('a read answered %s (%s) fails the run; nothing is written', async (code) => {
    const c = caseOf('s3-bucket-public-access-block');
    c.install('faithful');
    s3.reset();
    s3.onAnyCommand().rejects(named(code));
    await expect(runAuto(c)).rejects.toThrow(code);
    expect(writesSent()).toEqual([]);
  });

  it('a not-found from a write (the resource went between read and write) fails the run', async () => {
    const c = caseOf('s3-bucket-public-access-block');
    c.install('faithful');
    s3.on(PutPublicAccessBlockCommand).rejects(named('NoSuchBucket'));
    await expect(runAuto(c)).rejects.toThrow('NoSuchBucket');
  });
});

describe('refusalOf', () => {
  const gone = new RemediationApiError('r', 'ec2:DescribeInstances', 'InvalidInstanceID.NotFound', 'gone');
  it('refuses a target error in any phase, a gone resource only while reading', () => {
    const target = new RemediationTargetError('r', 'resources[0].id', 'is not an instance');
    for (const phase of ['target', 'read', 'plan'] as const) {
      expect(refusalOf(target, phase)).toEqual({ reason: target.message, field: 'resources[0].id' });
    }
    expect(refusalOf(gone, 'read')?.reason).toContain('the resource is gone');
    expect(refusalOf(gone, 'plan')).toBeUndefined();
  });
  it('treats access denied, throttling and absent optional configuration as failures, not refusals', () => {
    for (const code of [
      'AccessDenied',
      'AccessDeniedException',
      'UnauthorizedOperation',
      'Throttling',
      'NoSuchBucketPolicy',
      'NoSuchPublicAccessBlockConfiguration',
      'OwnershipControlsNotFoundError',
    ]) {
      expect(refusalOf(new RemediationApiError('r', 'c', code, 'm'), 'read')).toBeUndefined();
    }
    expect(refusalOf(new Error('InvalidInstanceID.NotFound'), 'read')).toBeUndefined();
  });
  it("recognizes EC2's Invalid<Thing>.NotFound family and every listed code", () => {
    expect(isTargetGone('InvalidVpcID.NotFound')).toBe(true);
    expect(isTargetGone('InvalidKeyPair.NotFound')).toBe(true);
    expect(isTargetGone('InvalidParameterValue')).toBe(false);
    for (const code of Object.values(TARGET_GONE_CODES).flat()) expect(isTargetGone(code)).toBe(true);
  });
});
