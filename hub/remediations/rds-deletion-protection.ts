// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns on deletion protection of an RDS DB cluster (Security Hub RDS.7) or DB instance (RDS.8). */
import type { PlannedCall } from '../../shared/remediation/types.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import { at, rdsTarget } from './support.ts';

const ID = 'rds-deletion-protection';
const DB = 'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:${Target:dbInstance}';
const CLUSTER = 'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Target:dbCluster}';

/** One of the two is set: the finding names a DB instance or a DB cluster. */
export interface RdsDeletionTarget {
  readonly dbInstance?: string;
  readonly dbCluster?: string;
}

function modify(target: RdsDeletionTarget, on: boolean): PlannedCall {
  return target.dbCluster
    ? {
        service: 'rds',
        action: 'ModifyDBCluster',
        input: { DBClusterIdentifier: target.dbCluster, DeletionProtection: on, ApplyImmediately: true },
      }
    : {
        service: 'rds',
        action: 'ModifyDBInstance',
        input: { DBInstanceIdentifier: target.dbInstance, DeletionProtection: on, ApplyImmediately: true },
      };
}

export const rdsDeletionProtection = defineRemediation<RdsDeletionTarget, { deletionProtection: boolean }>({
  id: ID,
  title: 'RDS DB cluster or instance: deletion protection on',
  description: 'Sets DeletionProtection to true on the DB cluster (RDS.7) or DB instance (RDS.8) the finding names.',
  findings: {
    securityHubControls: ['RDS.7', 'RDS.8'],
    configRules: ['rds-cluster-deletion-protection-enabled', 'rds-instance-deletion-protection-enabled'],
  },
  permissions: [
    { calls: ['rds:DescribeDBInstances'], resources: [DB] },
    { calls: ['rds:DescribeDBClusters'], resources: [CLUSTER] },
    { purpose: 'fix', calls: ['rds:ModifyDBInstance'], resources: [DB] },
    { purpose: 'fix', calls: ['rds:ModifyDBCluster'], resources: [CLUSTER] },
    { purpose: 'undo', calls: ['rds:ModifyDBInstance'], resources: [DB] },
    { purpose: 'undo', calls: ['rds:ModifyDBCluster'], resources: [CLUSTER] },
  ],
  target(event) {
    const found = rdsTarget(ID, event, ['cluster', 'instance']);
    return found.kind === 'cluster' ? { dbCluster: found.identifier } : { dbInstance: found.identifier };
  },
  async readState(call, { target }) {
    if (target.dbCluster) {
      const out = await call({
        service: 'rds',
        action: 'DescribeDBClusters',
        input: { DBClusterIdentifier: target.dbCluster },
      });
      return { deletionProtection: at(out, 'DBClusters', 0, 'DeletionProtection') === true };
    }
    const out = await call({
      service: 'rds',
      action: 'DescribeDBInstances',
      input: { DBInstanceIdentifier: target.dbInstance },
    });
    return { deletionProtection: at(out, 'DBInstances', 0, 'DeletionProtection') === true };
  },
  stateFromFinding: () => ({ deletionProtection: false }),
  plan: (state, { target }) => (state.deletionProtection ? [] : [modify(target, true)]),
  undo: (before, { target }) => (before.deletionProtection ? [] : [modify(target, false)]),
});
