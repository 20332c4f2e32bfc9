// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Stops a transit gateway from accepting shared attachment requests automatically (Security Hub EC2.23). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { at, checkId, requireResourceId } from './support.ts';

const ID = 'ec2-transit-gateway-no-auto-accept';
const TGW = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:transit-gateway/${Target:transitGatewayId}';

export const ec2TransitGatewayNoAutoAccept = defineRemediation<{ transitGatewayId: string }, { autoAccept: string }>({
  id: ID,
  title: 'Transit gateway: no automatic acceptance of attachments',
  description:
    'Sets AutoAcceptSharedAttachments to disable: attachment requests from other accounts wait for acceptance. Existing attachments are not touched.',
  findings: {
    securityHubControls: ['EC2.23'],
    configRules: ['ec2-transit-gateway-auto-vpc-attach-disabled'],
  },
  permissions: [
    { calls: ['ec2:DescribeTransitGateways'], resources: ['*'] },
    // `disable` (fix) and `enable` (undo) are one action: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['ec2:ModifyTransitGateway'], resources: [TGW] },
    { purpose: 'undo', calls: ['ec2:ModifyTransitGateway'], resources: [TGW] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsEc2TransitGateway', 'AWS::EC2::TransitGateway']);
    return {
      transitGatewayId: checkId(
        ID,
        field,
        id.split('/').at(-1) as string,
        /^tgw-[0-9a-f]{8,17}$/,
        'a transit gateway id',
      ),
    };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'ec2',
      action: 'DescribeTransitGateways',
      input: { TransitGatewayIds: [target.transitGatewayId] },
    });
    return {
      autoAccept: String(at(out, 'TransitGateways', 0, 'Options', 'AutoAcceptSharedAttachments') ?? 'disable'),
    };
  },
  stateFromFinding: () => ({ autoAccept: 'enable' }),
  plan: (state, { target }) =>
    state.autoAccept === 'enable'
      ? [
          {
            service: 'ec2',
            action: 'ModifyTransitGateway',
            input: { TransitGatewayId: target.transitGatewayId, Options: { AutoAcceptSharedAttachments: 'disable' } },
          },
        ]
      : [],
  undo: (before, { target }) =>
    before.autoAccept === 'enable'
      ? [
          {
            service: 'ec2',
            action: 'ModifyTransitGateway',
            input: { TransitGatewayId: target.transitGatewayId, Options: { AutoAcceptSharedAttachments: 'enable' } },
          },
        ]
      : [],
});
