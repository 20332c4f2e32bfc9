// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Removes the public (`all`) create-volume permission from EBS snapshots. */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { checkId, findResource, lastSegment } from './support.ts';

const ID = 'ebs-snapshot-private';
/** Snapshot ARNs carry no account; the spoke roles add an aws:ResourceAccount condition to writes. */
const SNAPSHOT = 'arn:${AWS::Partition}:ec2:*::snapshot/${Target:snapshotId}';

export interface SnapshotTarget {
  /** The snapshot; absent for an account-level finding (every public snapshot the account owns). */
  readonly snapshotId?: string;
}

export const ebsSnapshotPrivate = defineRemediation<SnapshotTarget, { publicSnapshots: string[] }>({
  id: ID,
  title: 'EBS snapshot: make private',
  description:
    'Removes the `all` group from the createVolumePermission of a public snapshot (or of every public snapshot the account owns).',
  findings: {
    securityHubControls: ['EC2.1'],
    configRules: ['ebs-snapshot-public-restorable-check'],
    cloudTrail: { eventSource: 'ec2.amazonaws.com', eventNames: ['ModifySnapshotAttribute'] },
  },
  permissions: [
    { calls: ['ec2:DescribeSnapshots', 'ec2:DescribeSnapshotAttribute'], resources: ['*'] },
    // The same call both ways: the fix role denies its `add` form (see FIX_ROLE_DENIES), the undo role does not.
    { purpose: 'fix', calls: ['ec2:ModifySnapshotAttribute'], resources: [SNAPSHOT] },
    { purpose: 'undo', calls: ['ec2:ModifySnapshotAttribute'], resources: [SNAPSHOT] },
  ],
  target(event) {
    const found = findResource(event, ['AwsEc2Snapshot', 'AWS::EC2::Snapshot']);
    if (!found) return {};
    const id = lastSegment(found.resource.id);
    return {
      snapshotId: checkId(ID, `resources[${found.index}].id`, id, /^snap-[0-9a-f]{8,17}$/, 'an EBS snapshot id'),
    };
  },
  async readState(call, { target }) {
    if (target.snapshotId) {
      const out = await call({
        service: 'ec2',
        action: 'DescribeSnapshotAttribute',
        input: { SnapshotId: target.snapshotId, Attribute: 'createVolumePermission' },
      });
      const perms = (out.CreateVolumePermissions as Array<Record<string, unknown>> | undefined) ?? [];
      return { publicSnapshots: perms.some((p) => p.Group === 'all') ? [target.snapshotId] : [] };
    }
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const out = await call({
        service: 'ec2',
        action: 'DescribeSnapshots',
        input: { OwnerIds: ['self'], RestorableByUserIds: ['all'], ...(token ? { NextToken: token } : {}) },
      });
      for (const s of (out.Snapshots as Array<Record<string, unknown>> | undefined) ?? [])
        ids.push(String(s.SnapshotId));
      token = typeof out.NextToken === 'string' && out.NextToken !== '' ? out.NextToken : undefined;
    } while (token);
    return { publicSnapshots: ids.sort() };
  },
  stateFromFinding: (_event, { target }) => (target.snapshotId ? { publicSnapshots: [target.snapshotId] } : undefined),
  plan: (state) =>
    state.publicSnapshots.map((id) => ({
      service: 'ec2',
      action: 'ModifySnapshotAttribute',
      input: { SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'remove', GroupNames: ['all'] },
    })),
  undo: (before) =>
    before.publicSnapshots.map((id) => ({
      service: 'ec2',
      action: 'ModifySnapshotAttribute',
      input: { SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'add', GroupNames: ['all'] },
    })),
});
