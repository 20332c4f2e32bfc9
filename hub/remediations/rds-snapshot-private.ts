// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Removes the public (`all`) restore permission from a manual RDS DB snapshot. */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { checkId, requireResourceId } from './support.ts';

const ID = 'rds-snapshot-private';
const SNAPSHOT = 'arn:${AWS::Partition}:rds:*:${AWS::AccountId}:snapshot:${Target:snapshot}';

/** `arn:aws:rds:eu-west-1:123456789012:snapshot:name` → `name`; a bare identifier stays as it is. */
function snapshotIdentifier(id: string): string {
  const m = /^arn:[^:]+:rds:[^:]*:\d*:snapshot:(.+)$/.exec(id);
  return m ? (m[1] as string) : id;
}

export const rdsSnapshotPrivate = defineRemediation<{ snapshot: string }, { public: boolean }>({
  id: ID,
  title: 'RDS snapshot: make private',
  description: 'Removes `all` from the restore attribute of a manual DB snapshot.',
  findings: {
    securityHubControls: ['RDS.1'],
    configRules: ['rds-snapshots-public-prohibited'],
    cloudTrail: { eventSource: 'rds.amazonaws.com', eventNames: ['ModifyDBSnapshotAttribute'] },
  },
  permissions: [
    { calls: ['rds:DescribeDBSnapshotAttributes'], resources: [SNAPSHOT] },
    // The same action both ways (ValuesToRemove to fix, ValuesToAdd to undo) and no condition key on the values:
    // the fix role can share a snapshot. Listed in FIX_ROLE_RESIDUAL_RISKS.
    { purpose: 'fix', calls: ['rds:ModifyDBSnapshotAttribute'], resources: [SNAPSHOT] },
    { purpose: 'undo', calls: ['rds:ModifyDBSnapshotAttribute'], resources: [SNAPSHOT] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsRdsDbSnapshot', 'AWS::RDS::DBSnapshot']);
    return {
      snapshot: checkId(
        ID,
        field,
        snapshotIdentifier(id),
        /^[A-Za-z][A-Za-z0-9-:]{0,254}$/,
        'a DB snapshot identifier',
      ),
    };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'rds',
      action: 'DescribeDBSnapshotAttributes',
      input: { DBSnapshotIdentifier: target.snapshot },
    });
    const attrs =
      ((out.DBSnapshotAttributesResult as Record<string, unknown> | undefined)?.DBSnapshotAttributes as
        | Array<Record<string, unknown>>
        | undefined) ?? [];
    const restore = attrs.find((a) => a.AttributeName === 'restore');
    return { public: ((restore?.AttributeValues as string[] | undefined) ?? []).includes('all') };
  },
  stateFromFinding: () => ({ public: true }),
  plan: (state, { target }) =>
    state.public
      ? [
          {
            service: 'rds',
            action: 'ModifyDBSnapshotAttribute',
            input: { DBSnapshotIdentifier: target.snapshot, AttributeName: 'restore', ValuesToRemove: ['all'] },
          },
        ]
      : [],
  undo: (before, { target }) =>
    before.public
      ? [
          {
            service: 'rds',
            action: 'ModifyDBSnapshotAttribute',
            input: { DBSnapshotIdentifier: target.snapshot, AttributeName: 'restore', ValuesToAdd: ['all'] },
          },
        ]
      : [],
});
