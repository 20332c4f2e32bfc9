import { Fn, RemovalPolicy } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  type ISecurityGroup,
  NatProvider,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The two AZs of the hub: the first two the account sees in the region, resolved by CloudFormation at deploy
 * time (`Fn::GetAZs`), so neither `cdk synth` nor the template hard-codes or looks up zone names. HubStack
 * reports the same values as its `availabilityZones`, so the VPC never asks the CLI for a look-up.
 */
export function hubAvailabilityZones(): string[] {
  const zones = Fn.getAzs();
  return [Fn.select(0, zones), Fn.select(1, zones)];
}

/** Properties of {@link HubNetwork}. */
export interface HubNetworkProps {
  /** NAT gateways (1 or 2); each gets its own Elastic IP, the hub's static egress address. */
  readonly natGateways: number;
  /** Key that encrypts the flow-log group. */
  readonly key: IKey;
  /**
   * Retention of the VPC flow logs.
   * @default RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: RetentionDays;
}

/**
 * The hub VPC: two AZs chosen at deploy time (no look-up, so `cdk synth` needs no credentials), public subnets
 * for the NAT gateways, private subnets with egress for the Lambdas, one Elastic IP per NAT gateway, gateway
 * endpoints for S3 and DynamoDB (their traffic never crosses the NAT), and flow logs to an encrypted group.
 */
export class HubNetwork extends Construct {
  readonly vpc: Vpc;
  /** The Elastic IPs of the NAT gateways: the addresses partners put on allow-lists. */
  readonly natEips: readonly CfnEIP[];
  /** Where Lambdas go. */
  readonly lambdaSubnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };

  constructor(scope: Construct, id: string, props: HubNetworkProps) {
    super(scope, id);
    if (!Number.isInteger(props.natGateways) || props.natGateways < 1 || props.natGateways > 2) {
      throw new Error(`HubNetwork: natGateways must be 1 or 2 (one per AZ at most), got ${props.natGateways}`);
    }

    this.natEips = Array.from(
      { length: props.natGateways },
      (_, i) =>
        new CfnEIP(this, `NatEip${i + 1}`, { domain: 'vpc', tags: [{ key: 'Name', value: `socless-nat-${i + 1}` }] }),
    );
    for (const eip of this.natEips) eip.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.vpc = new Vpc(this, 'Vpc', {
      availabilityZones: hubAvailabilityZones(),
      natGateways: props.natGateways,
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: this.natEips.map((eip) => eip.attrAllocationId) }),
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'lambda', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        S3: { service: GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    const flowLogGroup = new LogGroup(this, 'FlowLogGroup', {
      encryptionKey: props.key,
      retention: props.flowLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: FlowLogTrafficType.ALL,
    });
  }

  /** A security group for one Lambda: no ingress (nothing calls into a Lambda ENI), all egress through the NAT. */
  newLambdaSecurityGroup(scope: Construct, id: string, description: string): ISecurityGroup {
    return new SecurityGroup(scope, id, { vpc: this.vpc, description, allowAllOutbound: true });
  }
}
