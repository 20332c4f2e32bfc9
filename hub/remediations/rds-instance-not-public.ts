// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Makes a publicly accessible RDS DB instance private (Security Hub RDS.2). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { dbInstanceFlag, rdsTarget } from './support.ts';

const ID = 'rds-instance-not-public';
const DB = 'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:${Target:dbInstance}';

export const rdsInstanceNotPublic = defineRemediation<{ dbInstance: string }, { publiclyAccessible: boolean }>({
  id: ID,
  title: 'RDS DB instance: not publicly accessible',
  description:
    'Sets PubliclyAccessible to false on the DB instance (its endpoint then resolves to the private address only). Never automatic: clients outside the VPC lose their connection.',
  findings: { securityHubControls: ['RDS.2'], configRules: ['rds-instance-public-access-check'] },
  neverAuto: true,
  permissions: [
    { calls: ['rds:DescribeDBInstances'], resources: [DB] },
    // One action for every instance setting: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['rds:ModifyDBInstance'], resources: [DB] },
    { purpose: 'undo', calls: ['rds:ModifyDBInstance'], resources: [DB] },
  ],
  target: (event) => ({ dbInstance: rdsTarget(ID, event, ['instance']).identifier }),
  async readState(call, { target }) {
    return { publiclyAccessible: await dbInstanceFlag(call, target.dbInstance, 'PubliclyAccessible') };
  },
  stateFromFinding: () => ({ publiclyAccessible: true }),
  plan: (state, { target }) =>
    state.publiclyAccessible
      ? [
          {
            service: 'rds',
            action: 'ModifyDBInstance',
            input: { DBInstanceIdentifier: target.dbInstance, PubliclyAccessible: false, ApplyImmediately: true },
          },
        ]
      : [],
  undo: (before, { target }) =>
    before.publiclyAccessible
      ? [
          {
            service: 'rds',
            action: 'ModifyDBInstance',
            input: { DBInstanceIdentifier: target.dbInstance, PubliclyAccessible: true, ApplyImmediately: true },
          },
        ]
      : [],
});
