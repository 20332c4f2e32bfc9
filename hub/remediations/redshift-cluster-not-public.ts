// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Makes a publicly accessible Redshift cluster private (Security Hub Redshift.1). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { at, checkId, lastSegment, requireResourceId } from './support.ts';

const ID = 'redshift-cluster-not-public';
const CLUSTER = 'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:cluster:${Target:cluster}';

export const redshiftClusterNotPublic = defineRemediation<{ cluster: string }, { publiclyAccessible: boolean }>({
  id: ID,
  title: 'Redshift cluster: not publicly accessible',
  description:
    'Sets PubliclyAccessible to false on the cluster. Never automatic: clients outside the VPC lose their connection.',
  findings: { securityHubControls: ['Redshift.1'], configRules: ['redshift-cluster-public-access-check'] },
  neverAuto: true,
  permissions: [
    { calls: ['redshift:DescribeClusters'], resources: [CLUSTER] },
    { purpose: 'fix', calls: ['redshift:ModifyCluster'], resources: [CLUSTER] },
    { purpose: 'undo', calls: ['redshift:ModifyCluster'], resources: [CLUSTER] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsRedshiftCluster', 'AWS::Redshift::Cluster']);
    return {
      cluster: checkId(
        ID,
        field,
        lastSegment(id, /:/),
        /^[a-z](?!.*--)[a-z0-9-]{0,62}$/,
        'a Redshift cluster identifier',
      ),
    };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'redshift',
      action: 'DescribeClusters',
      input: { ClusterIdentifier: target.cluster },
    });
    return { publiclyAccessible: at(out, 'Clusters', 0, 'PubliclyAccessible') === true };
  },
  stateFromFinding: () => ({ publiclyAccessible: true }),
  plan: (state, { target }) =>
    state.publiclyAccessible
      ? [
          {
            service: 'redshift',
            action: 'ModifyCluster',
            input: { ClusterIdentifier: target.cluster, PubliclyAccessible: false },
          },
        ]
      : [],
  undo: (before, { target }) =>
    before.publiclyAccessible
      ? [
          {
            service: 'redshift',
            action: 'ModifyCluster',
            input: { ClusterIdentifier: target.cluster, PubliclyAccessible: true },
          },
        ]
      : [],
});
