/**
 * The containment and control remediations one by one: the exact calls for a non-compliant state, nothing for a
 * compliant one, the exact undo calls, and the typed refusals (naming the field) for findings they cannot act on.
 * Verify against state that apply actually changed is covered by stateful-verify.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createEc2InstanceIsolate, ec2InstanceIsolate } from '../../hub/remediations/ec2-instance-isolate.ts';
import { iamRoleRevokeSessions } from '../../hub/remediations/iam-role-revoke-sessions.ts';
import { REMEDIATIONS, remediationById, remediationsFor } from '../../hub/remediations/index.ts';
import { outputRef } from '../../shared/remediation/calls.ts';
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import type { PlannedCall, Remediation, RemediationEvent } from '../../shared/remediation/types.ts';
import { ACCOUNT, finding, NOW, REGION } from './helpers.ts';
import { isolateEvent, revokeEvent, scaledIsolateEvent } from './stateful-cases-containment.ts';
import { CONTROL_CASES } from './stateful-cases-controls.ts';

const ctxOf = (r: Remediation, event: RemediationEvent) => ({
  target: r.target(event),
  account: ACCOUNT,
  region: REGION,
  partition: 'aws',
  now: NOW,
});
const eventOf = (id: string) => CONTROL_CASES.find((c) => c.remediation.id === id)?.event as RemediationEvent;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof RemediationTargetError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
};

interface PlanCase {
  readonly id: string;
  readonly nonCompliant: unknown;
  readonly plan: PlannedCall[];
  readonly undo: PlannedCall[];
  readonly compliant: unknown;
}

const DB = { DBInstanceIdentifier: 'orders-db', ApplyImmediately: true };
const BUCKET = { Bucket: 'exports-bucket', ExpectedBucketOwner: ACCOUNT };
const URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/orders-queue`;
const OWNER = { ID: 'owner' };
const OWNER_GRANT = { Grantee: { Type: 'CanonicalUser', ID: 'owner' }, Permission: 'FULL_CONTROL' };
const LOG_GRANT = {
  Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' },
  Permission: 'WRITE',
};
const call = (service: string, action: string, input: Record<string, unknown>): PlannedCall => ({
  service,
  action,
  input,
});

const CASES: PlanCase[] = [
  {
    id: 'rds-instance-not-public',
    nonCompliant: { publiclyAccessible: true },
    plan: [call('rds', 'ModifyDBInstance', { ...DB, PubliclyAccessible: false })],
    undo: [call('rds', 'ModifyDBInstance', { ...DB, PubliclyAccessible: true })],
    compliant: { publiclyAccessible: false },
  },
  {
    id: 'rds-auto-minor-version-upgrade',
    nonCompliant: { autoMinorVersionUpgrade: false },
    plan: [call('rds', 'ModifyDBInstance', { ...DB, AutoMinorVersionUpgrade: true })],
    undo: [call('rds', 'ModifyDBInstance', { ...DB, AutoMinorVersionUpgrade: false })],
    compliant: { autoMinorVersionUpgrade: true },
  },
  {
    id: 'rds-deletion-protection',
    nonCompliant: { deletionProtection: false },
    plan: [
      call('rds', 'ModifyDBCluster', {
        DBClusterIdentifier: 'orders-aurora',
        DeletionProtection: true,
        ApplyImmediately: true,
      }),
    ],
    undo: [
      call('rds', 'ModifyDBCluster', {
        DBClusterIdentifier: 'orders-aurora',
        DeletionProtection: false,
        ApplyImmediately: true,
      }),
    ],
    compliant: { deletionProtection: true },
  },
  {
    id: 'redshift-cluster-not-public',
    nonCompliant: { publiclyAccessible: true },
    plan: [call('redshift', 'ModifyCluster', { ClusterIdentifier: 'analytics', PubliclyAccessible: false })],
    undo: [call('redshift', 'ModifyCluster', { ClusterIdentifier: 'analytics', PubliclyAccessible: true })],
    compliant: { publiclyAccessible: false },
  },
  {
    id: 'ssm-document-not-public',
    nonCompliant: { accountIds: ['444455556666', 'all'] },
    plan: [
      call('ssm', 'ModifyDocumentPermission', {
        Name: 'patch-fleet',
        PermissionType: 'Share',
        AccountIdsToRemove: ['All'],
      }),
    ],
    undo: [
      call('ssm', 'ModifyDocumentPermission', {
        Name: 'patch-fleet',
        PermissionType: 'Share',
        AccountIdsToAdd: ['All'],
      }),
    ],
    compliant: { accountIds: ['444455556666'] },
  },
  {
    id: 'ssm-block-public-sharing',
    nonCompliant: { sharing: 'Enable' },
    plan: [
      call('ssm', 'UpdateServiceSetting', {
        SettingId: '/ssm/documents/console/public-sharing-permission',
        SettingValue: 'Disable',
      }),
    ],
    undo: [
      call('ssm', 'UpdateServiceSetting', {
        SettingId: '/ssm/documents/console/public-sharing-permission',
        SettingValue: 'Enable',
      }),
    ],
    compliant: { sharing: 'Disable' },
  },
  {
    id: 'ec2-imdsv2-required',
    nonCompliant: { httpTokens: 'optional' },
    plan: [call('ec2', 'ModifyInstanceMetadataOptions', { InstanceId: 'i-0abc1234def567890', HttpTokens: 'required' })],
    undo: [call('ec2', 'ModifyInstanceMetadataOptions', { InstanceId: 'i-0abc1234def567890', HttpTokens: 'optional' })],
    compliant: { httpTokens: 'required' },
  },
  {
    id: 'cloudtrail-log-file-validation',
    nonCompliant: { logFileValidation: false },
    plan: [
      call('cloudtrail', 'UpdateTrail', {
        Name: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`,
        EnableLogFileValidation: true,
      }),
    ],
    undo: [
      call('cloudtrail', 'UpdateTrail', {
        Name: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`,
        EnableLogFileValidation: false,
      }),
    ],
    compliant: { logFileValidation: true },
  },
  {
    id: 'guardduty-enabled',
    nonCompliant: { detectorId: 'd0a1', enabled: false },
    plan: [call('guardduty', 'UpdateDetector', { DetectorId: 'd0a1', Enable: true })],
    undo: [call('guardduty', 'UpdateDetector', { DetectorId: 'd0a1', Enable: false })],
    compliant: { detectorId: 'd0a1', enabled: true },
  },
  {
    id: 'iam-password-policy',
    nonCompliant: {
      policy: {
        MinimumPasswordLength: 20,
        RequireSymbols: false,
        RequireNumbers: true,
        RequireUppercaseCharacters: false,
        RequireLowercaseCharacters: false,
        AllowUsersToChangePassword: false,
        MaxPasswordAge: 60,
        HardExpiry: false,
      },
    },
    // Every setting to the baseline, and the stronger current ones kept (length 20, 60-day expiry).
    plan: [
      call('iam', 'UpdateAccountPasswordPolicy', {
        MinimumPasswordLength: 20,
        RequireSymbols: true,
        RequireNumbers: true,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        AllowUsersToChangePassword: true,
        MaxPasswordAge: 60,
        PasswordReusePrevention: 24,
        HardExpiry: false,
      }),
    ],
    undo: [
      call('iam', 'UpdateAccountPasswordPolicy', {
        MinimumPasswordLength: 20,
        RequireSymbols: false,
        RequireNumbers: true,
        RequireUppercaseCharacters: false,
        RequireLowercaseCharacters: false,
        AllowUsersToChangePassword: false,
        MaxPasswordAge: 60,
        HardExpiry: false,
      }),
    ],
    compliant: {
      policy: {
        MinimumPasswordLength: 14,
        RequireSymbols: true,
        RequireNumbers: true,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        AllowUsersToChangePassword: true,
        PasswordReusePrevention: 24,
        HardExpiry: false,
      },
    },
  },
  {
    id: 'codebuild-no-privileged-mode',
    nonCompliant: {
      environment: { type: 'LINUX_CONTAINER', image: 'img', computeType: 'SMALL', privilegedMode: true },
    },
    plan: [
      call('codebuild', 'UpdateProject', {
        name: 'image-builder',
        environment: { type: 'LINUX_CONTAINER', image: 'img', computeType: 'SMALL', privilegedMode: false },
      }),
    ],
    undo: [
      call('codebuild', 'UpdateProject', {
        name: 'image-builder',
        environment: { type: 'LINUX_CONTAINER', image: 'img', computeType: 'SMALL', privilegedMode: true },
      }),
    ],
    compliant: { environment: { type: 'LINUX_CONTAINER', image: 'img', computeType: 'SMALL', privilegedMode: false } },
  },
  {
    id: 'sqs-queue-encryption',
    nonCompliant: { sqsManagedSse: false },
    plan: [call('sqs', 'SetQueueAttributes', { QueueUrl: URL, Attributes: { SqsManagedSseEnabled: 'true' } })],
    undo: [call('sqs', 'SetQueueAttributes', { QueueUrl: URL, Attributes: { SqsManagedSseEnabled: 'false' } })],
    // A queue with its own KMS key complies: no key-policy trap is planned.
    compliant: { sqsManagedSse: false, kmsMasterKeyId: 'alias/orders' },
  },
  {
    id: 'dynamodb-deletion-protection',
    nonCompliant: { deletionProtection: false },
    plan: [call('dynamodb', 'UpdateTable', { TableName: 'orders', DeletionProtectionEnabled: true })],
    undo: [call('dynamodb', 'UpdateTable', { TableName: 'orders', DeletionProtectionEnabled: false })],
    compliant: { deletionProtection: true },
  },
  {
    id: 'ec2-transit-gateway-no-auto-accept',
    nonCompliant: { autoAccept: 'enable' },
    plan: [
      call('ec2', 'ModifyTransitGateway', {
        TransitGatewayId: 'tgw-0123456789abcdef0',
        Options: { AutoAcceptSharedAttachments: 'disable' },
      }),
    ],
    undo: [
      call('ec2', 'ModifyTransitGateway', {
        TransitGatewayId: 'tgw-0123456789abcdef0',
        Options: { AutoAcceptSharedAttachments: 'enable' },
      }),
    ],
    compliant: { autoAccept: 'disable' },
  },
  {
    id: 'ecr-scan-on-push',
    nonCompliant: { scanOnPush: false },
    plan: [
      call('ecr', 'PutImageScanningConfiguration', {
        repositoryName: 'team/api',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    ],
    undo: [
      call('ecr', 'PutImageScanningConfiguration', {
        repositoryName: 'team/api',
        imageScanningConfiguration: { scanOnPush: false },
      }),
    ],
    compliant: { scanOnPush: true },
  },
  {
    id: 's3-bucket-acls-disabled',
    nonCompliant: { ownership: null, acl: { owner: OWNER, grants: [OWNER_GRANT, LOG_GRANT] } },
    // The ACL grants outside the account: reset it first, or S3 refuses BucketOwnerEnforced.
    plan: [
      call('s3', 'PutBucketAcl', { ...BUCKET, ACL: 'private' }),
      call('s3', 'PutBucketOwnershipControls', {
        ...BUCKET,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    ],
    undo: [
      call('s3', 'DeleteBucketOwnershipControls', BUCKET),
      call('s3', 'PutBucketAcl', {
        ...BUCKET,
        AccessControlPolicy: { Owner: OWNER, Grants: [OWNER_GRANT, LOG_GRANT] },
      }),
    ],
    compliant: { ownership: 'BucketOwnerEnforced', acl: { owner: OWNER, grants: [OWNER_GRANT] } },
  },
];

describe('control remediations', () => {
  it('has a plan case for every control remediation', () => {
    expect(CASES.map((c) => c.id).sort()).toEqual(CONTROL_CASES.map((c) => c.remediation.id).sort());
  });

  it.each(CASES.map((c) => [c.id, c] as const))(
    '%s: plans exact calls when non-compliant, nothing when compliant, and undo reverses exactly',
    (id, c) => {
      const r = remediationById(id);
      const ctx = ctxOf(r, eventOf(id));
      expect(r.plan(c.nonCompliant, ctx)).toEqual(c.plan);
      expect(r.plan(c.compliant, ctx)).toEqual([]);
      expect(r.undo?.(c.nonCompliant, ctx)).toEqual(c.undo);
      // Each of them answers its control's Security Hub finding.
      expect(remediationsFor(eventOf(id)).map((x) => x.id)).toContain(id);
    },
  );

  it('resets an ACL only when it grants outside the account, and undoes an ownership setting it replaced', () => {
    const r = remediationById('s3-bucket-acls-disabled');
    const ctx = ctxOf(r, eventOf(r.id));
    const ownerOnly = { ownership: 'ObjectWriter', acl: { owner: OWNER, grants: [OWNER_GRANT] } };
    expect(r.plan(ownerOnly, ctx).map((p) => p.action)).toEqual(['PutBucketOwnershipControls']);
    expect(r.undo?.(ownerOnly, ctx)).toEqual([
      call('s3', 'PutBucketOwnershipControls', {
        ...BUCKET,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      }),
    ]);
  });

  it('creates a detector where there is none, and keeps it on undo (deleting one deletes its findings)', () => {
    const r = remediationById('guardduty-enabled');
    const ctx = ctxOf(r, eventOf(r.id));
    expect(r.plan({ enabled: false }, ctx)).toEqual([call('guardduty', 'CreateDetector', { Enable: true })]);
    expect(r.undo?.({ enabled: false }, ctx)).toEqual([]);
  });

  it('deletes the password policy on undo when there was none', () => {
    const r = remediationById('iam-password-policy');
    const ctx = ctxOf(r, eventOf(r.id));
    expect(r.plan({ policy: null }, ctx)[0]?.action).toBe('UpdateAccountPasswordPolicy');
    expect(r.undo?.({ policy: null }, ctx)).toEqual([call('iam', 'DeleteAccountPasswordPolicy', {})]);
  });

  it('refuses findings it cannot act on, naming the field', () => {
    const trail = remediationById('cloudtrail-log-file-validation');
    const orgTrail = finding({
      kind: 'CloudTrail.4',
      resources: [{ type: 'AwsCloudTrailTrail', id: 'arn:aws:cloudtrail:eu-west-1:999999999999:trail/org' }],
    });
    expect(refusal(() => trail.target(orgTrail))).toMatchObject({
      field: 'resources[0].id',
      message: expect.stringMatching(/organization trail seen from member account 210987654321/),
    });
    const sqs = remediationById('sqs-queue-encryption');
    const injected = finding({
      kind: 'SQS.1',
      resources: [{ type: 'AwsSqsQueue', id: 'arn:aws:sqs:eu-west-1:210987654321:q/../other' }],
    });
    expect(refusal(() => sqs.target(injected)).field).toBe('resources[0].id');
    const rds = remediationById('rds-instance-not-public');
    expect(
      refusal(() => rds.target(finding({ kind: 'RDS.2', resources: [{ type: 'AwsRdsDbInstance', id: 'db*' }] }))).field,
    ).toBe('resources[0].id');
    expect(refusal(() => rds.target(finding({ kind: 'RDS.2' }))).field).toBe('resources');
  });

  it('marks the changes that can break workloads never automatic', () => {
    const never = REMEDIATIONS.filter((r) => r.neverAuto).map((r) => r.id);
    expect(never).toEqual(
      expect.arrayContaining([
        'iam-role-revoke-sessions',
        'ec2-instance-isolate',
        'rds-instance-not-public',
        'redshift-cluster-not-public',
        'ec2-imdsv2-required',
        'codebuild-no-privileged-mode',
        's3-bucket-acls-disabled',
      ]),
    );
  });
});

describe('iam-role-revoke-sessions', () => {
  const ctx = ctxOf(iamRoleRevokeSessions, revokeEvent);
  const put = (time: string) =>
    call('iam', 'PutRolePolicy', {
      RoleName: 'batch-worker-role',
      PolicyName: 'SoclessRevokeOlderSessions',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'SoclessDenyCredentialsIssuedBefore',
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { DateLessThan: { 'aws:TokenIssueTime': time } },
          },
        ],
      }),
    });

  it("denies credentials issued before the finding's last sighting, and undo deletes the policy", () => {
    expect(ctx.target).toEqual({ roleName: 'batch-worker-role', revokeBefore: '2025-03-14T08:55:12Z' });
    const none = { path: '/', policy: null };
    expect(iamRoleRevokeSessions.plan(none, ctx)).toEqual([put('2025-03-14T08:55:12Z')]);
    expect(iamRoleRevokeSessions.undo?.(none, ctx)).toEqual([
      call('iam', 'DeleteRolePolicy', { RoleName: 'batch-worker-role', PolicyName: 'SoclessRevokeOlderSessions' }),
    ]);
  });

  it('plans nothing when an equal or later revocation is in place, and moves an earlier one forward (undo puts it back)', () => {
    const doc = (time: string) => JSON.parse(put(time).input.PolicyDocument as string);
    expect(iamRoleRevokeSessions.plan({ path: '/', policy: doc('2025-03-14T09:00:00Z') }, ctx)).toEqual([]);
    const earlier = { path: '/', policy: doc('2025-03-01T00:00:00Z') };
    expect(iamRoleRevokeSessions.plan(earlier, ctx)).toEqual([put('2025-03-14T08:55:12Z')]);
    expect(iamRoleRevokeSessions.undo?.(earlier, ctx)).toEqual([put('2025-03-01T00:00:00Z')]);
  });

  it("refuses long-term keys, other principals' sessions, SOCless's own roles and service-linked roles", () => {
    const key = (id: string, details: Record<string, unknown>) =>
      finding({ ...revokeEvent, resources: [{ type: 'AwsIamAccessKey', id, details }] });
    expect(refusal(() => iamRoleRevokeSessions.target(key('AKIAEXAMPLEKEY000001', { userName: 'x' }))).field).toBe(
      'resources[0].id',
    );
    expect(
      refusal(() =>
        iamRoleRevokeSessions.target(
          key('ASIAEXAMPLETEMPKEY01', { userName: 'alice', principalId: '210987654321:alice' }),
        ),
      ).field,
    ).toBe('resources[0].details.principalId');
    for (const role of ['SoclessRemediationRole', 'SoclessUndoRole', 'AWSServiceRoleForECS']) {
      expect(
        refusal(() =>
          iamRoleRevokeSessions.target(key('ASIAEXAMPLETEMPKEY01', { userName: role, principalId: 'AROAX:s' })),
        ).field,
      ).toBe('resources[0].details.userName');
    }
    expect(
      refusal(() =>
        iamRoleRevokeSessions.target(key('ASIAEXAMPLETEMPKEY01', { userName: 'role/*', principalId: 'AROAX:s' })),
      ).field,
    ).toBe('resources[0].details.userName');
  });

  it('goes to a GuardDuty finding about a role session ahead of the access-key remediation, and not to a long-term key', () => {
    expect(remediationsFor(revokeEvent)[0]?.id).toBe('iam-role-revoke-sessions');
    const longTerm = finding({
      ...revokeEvent,
      resources: [{ type: 'AwsIamAccessKey', id: 'AKIAEXAMPLEKEY000001', details: { userName: 'ci' } }],
    });
    expect(remediationsFor(longTerm)[0]?.id).toBe('iam-access-key-deactivate');
  });
});

describe('ec2-instance-isolate', () => {
  const ctx = ctxOf(ec2InstanceIsolate, isolateEvent);
  const live = {
    vpcId: 'vpc-0a1b2c3d4e5f60033',
    interfaces: [{ id: 'eni-0a1b2c3d4e5f60001', groups: ['sg-0a1b2c3d4e5f60011'] }],
    terminationProtection: false,
    volumes: ['vol-0root'],
    snapshotted: [],
    tagged: false,
  };
  const tags = [
    { Key: 'socless:isolation', Value: 'i-0123456789abcdef0' },
    { Key: 'socless:finding', Value: 'gd-finding-0001' },
  ];

  it('creates the isolation group, swaps it in, then removes its egress rule; snapshots; protects; tags', () => {
    const group = outputRef('ec2:CreateSecurityGroup', 'GroupId');
    expect(ec2InstanceIsolate.plan(live, ctx)).toEqual([
      call('ec2', 'CreateSecurityGroup', {
        GroupName: 'socless-isolation-i-0123456789abcdef0',
        Description: 'SOCless isolation of i-0123456789abcdef0',
        VpcId: 'vpc-0a1b2c3d4e5f60033',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }],
      }),
      call('ec2', 'ModifyNetworkInterfaceAttribute', { NetworkInterfaceId: 'eni-0a1b2c3d4e5f60001', Groups: [group] }),
      call('ec2', 'RevokeSecurityGroupEgress', {
        GroupId: group,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
      call('ec2', 'CreateSnapshot', {
        VolumeId: 'vol-0root',
        Description: 'SOCless forensic snapshot of vol-0root (i-0123456789abcdef0)',
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
      }),
      call('ec2', 'ModifyInstanceAttribute', {
        InstanceId: 'i-0123456789abcdef0',
        DisableApiTermination: { Value: true },
      }),
      call('ec2', 'CreateTags', {
        Resources: ['i-0123456789abcdef0'],
        Tags: [{ Key: 'socless:isolation', Value: 'gd-finding-0001' }],
      }),
    ]);
  });

  it('plans nothing for an isolated instance', () => {
    const isolated = {
      ...live,
      interfaces: [{ id: 'eni-0a1b2c3d4e5f60001', groups: ['sg-0feedfacefeedface'] }],
      isolationGroup: { id: 'sg-0feedfacefeedface', egressOpen: false },
      terminationProtection: true,
      snapshotted: ['vol-0root'],
      tagged: true,
    };
    expect(ec2InstanceIsolate.plan(isolated, ctx)).toEqual([]);
    // Half done (the egress rule still there): only the rest is planned, with the group's real id.
    expect(
      ec2InstanceIsolate.plan({ ...isolated, isolationGroup: { id: 'sg-0feedfacefeedface', egressOpen: true } }, ctx),
    ).toEqual([
      call('ec2', 'RevokeSecurityGroupEgress', {
        GroupId: 'sg-0feedfacefeedface',
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    ]);
  });

  it('refuses an instance that was only probed, and an Auto Scaling instance unless config allows it', () => {
    const probed = finding({
      ...isolateEvent,
      kind: 'Recon:EC2/PortProbeUnprotectedPort',
      resources: [{ type: 'AwsEc2Instance', id: 'i-0123456789abcdef0', details: { resourceRole: 'TARGET' } }],
      raw: undefined,
    });
    expect(refusal(() => ec2InstanceIsolate.target(probed))).toMatchObject({
      field: 'resources[0].details.resourceRole',
      message: expect.stringMatching(/only when it is the actor/),
    });
    expect(refusal(() => ec2InstanceIsolate.target(scaledIsolateEvent))).toMatchObject({
      field: 'resources[0].details.tags',
      message: expect.stringMatching(/Auto Scaling group "workers"/),
    });
    expect(createEc2InstanceIsolate({ allowAutoScalingGroups: true }).target(scaledIsolateEvent).instanceId).toBe(
      'i-0123456789abcdef0',
    );
    const bad = finding({ ...isolateEvent, resources: [{ type: 'AwsEc2Instance', id: 'i-0123;rm' }] });
    expect(refusal(() => ec2InstanceIsolate.target(bad)).field).toBe('resources[0].id');
  });

  it('plans from the interfaces the finding lists, and not at all when an id there is malformed', () => {
    const withInterfaces = (groupId: string) =>
      finding({
        ...isolateEvent,
        raw: undefined,
        resources: [
          {
            type: 'AwsEc2Instance',
            id: 'i-0123456789abcdef0',
            details: {
              networkInterfaces: [
                {
                  networkInterfaceId: 'eni-0a1b2c3d4e5f60001',
                  vpcId: 'vpc-0a1b2c3d4e5f60033',
                  securityGroups: [{ groupId }],
                },
              ],
            },
          },
        ],
      });
    const event = withInterfaces('sg-0a1b2c3d4e5f60011');
    expect(ec2InstanceIsolate.stateFromFinding(event, ctxOf(ec2InstanceIsolate, event))).toEqual({
      ...live,
      volumes: [],
    });
    const forged = withInterfaces('sg-1 Groups');
    expect(ec2InstanceIsolate.stateFromFinding(forged, ctxOf(ec2InstanceIsolate, forged))).toBeUndefined();
  });
});
