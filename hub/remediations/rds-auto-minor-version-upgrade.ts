// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns on automatic minor version upgrades of an RDS DB instance (Security Hub RDS.13). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { dbInstanceFlag, rdsTarget } from './support.ts';

const ID = 'rds-auto-minor-version-upgrade';
const DB = 'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:${Target:dbInstance}';

export const rdsAutoMinorVersionUpgrade = defineRemediation<
  { dbInstance: string },
  { autoMinorVersionUpgrade: boolean }
>({
  id: ID,
  title: 'RDS DB instance: automatic minor version upgrades on',
  description:
    'Sets AutoMinorVersionUpgrade to true on the DB instance: RDS applies minor engine upgrades in its maintenance window.',
  findings: {
    securityHubControls: ['RDS.13'],
    configRules: ['rds-automatic-minor-version-upgrade-enabled'],
  },
  permissions: [
    { calls: ['rds:DescribeDBInstances'], resources: [DB] },
    { purpose: 'fix', calls: ['rds:ModifyDBInstance'], resources: [DB] },
    { purpose: 'undo', calls: ['rds:ModifyDBInstance'], resources: [DB] },
  ],
  target: (event) => ({ dbInstance: rdsTarget(ID, event, ['instance']).identifier }),
  async readState(call, { target }) {
    return { autoMinorVersionUpgrade: await dbInstanceFlag(call, target.dbInstance, 'AutoMinorVersionUpgrade') };
  },
  stateFromFinding: () => ({ autoMinorVersionUpgrade: false }),
  plan: (state, { target }) =>
    state.autoMinorVersionUpgrade
      ? []
      : [
          {
            service: 'rds',
            action: 'ModifyDBInstance',
            input: { DBInstanceIdentifier: target.dbInstance, AutoMinorVersionUpgrade: true, ApplyImmediately: true },
          },
        ],
  undo: (before, { target }) =>
    before.autoMinorVersionUpgrade
      ? []
      : [
          {
            service: 'rds',
            action: 'ModifyDBInstance',
            input: { DBInstanceIdentifier: target.dbInstance, AutoMinorVersionUpgrade: false, ApplyImmediately: true },
          },
        ],
});
