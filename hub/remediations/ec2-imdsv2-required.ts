// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Requires IMDSv2 (session tokens) on an EC2 instance (Security Hub EC2.8). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { at, checkId, requireResourceId } from './support.ts';

const ID = 'ec2-imdsv2-required';
const INSTANCE = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/${Target:instanceId}';

export const ec2Imdsv2Required = defineRemediation<{ instanceId: string }, { httpTokens: string }>({
  id: ID,
  title: 'EC2 instance: IMDSv2 required',
  description:
    'Sets HttpTokens to required in the instance metadata options. Never automatic: software on the instance that still uses IMDSv1 loses its credentials.',
  findings: {
    securityHubControls: ['EC2.8'],
    configRules: ['ec2-imdsv2-check'],
    cloudTrail: { eventSource: 'ec2.amazonaws.com', eventNames: ['ModifyInstanceMetadataOptions'] },
  },
  neverAuto: true,
  permissions: [
    { calls: ['ec2:DescribeInstances'], resources: ['*'] },
    // `required` (fix) and `optional` (undo) are one action: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['ec2:ModifyInstanceMetadataOptions'], resources: [INSTANCE] },
    { purpose: 'undo', calls: ['ec2:ModifyInstanceMetadataOptions'], resources: [INSTANCE] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsEc2Instance', 'AWS::EC2::Instance']);
    return {
      instanceId: checkId(ID, field, id.split('/').at(-1) as string, /^i-[0-9a-f]{8,17}$/, 'an EC2 instance id'),
    };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'ec2',
      action: 'DescribeInstances',
      input: { InstanceIds: [target.instanceId] },
    });
    return {
      httpTokens: String(at(out, 'Reservations', 0, 'Instances', 0, 'MetadataOptions', 'HttpTokens') ?? 'optional'),
    };
  },
  stateFromFinding: () => ({ httpTokens: 'optional' }),
  plan: (state, { target }) =>
    state.httpTokens === 'required'
      ? []
      : [
          {
            service: 'ec2',
            action: 'ModifyInstanceMetadataOptions',
            input: { InstanceId: target.instanceId, HttpTokens: 'required' },
          },
        ],
  undo: (before, { target }) =>
    before.httpTokens === 'required'
      ? []
      : [
          {
            service: 'ec2',
            action: 'ModifyInstanceMetadataOptions',
            input: { InstanceId: target.instanceId, HttpTokens: before.httpTokens },
          },
        ],
});
