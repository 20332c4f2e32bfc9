import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthesizedHub, synthHub } from './synth-hub.ts';

// The other end of each configurable: two NAT gateways, a warm endpoint, no e-mail, an archive kept forever,
// and a hub with no integrations or playbooks yet.
let hub: SynthesizedHub;
let template: Template;

beforeAll(() => {
  hub = synthHub(
    { natGateways: 2, endpointProvisionedConcurrency: 2, alarmEmail: undefined, eventArchiveRetentionDays: 0 },
    { integrations: [], playbooks: [] },
  );
  template = hub.template;
});

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

describe('HubStack with two NAT gateways and a warm endpoint', () => {
  it('creates one NAT gateway per AZ, each on its own Elastic IP, and outputs both addresses', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::EC2::EIP', 2);
    const eips = hub.stack.network.natEips;
    const allocations = Object.values(template.findResources('AWS::EC2::NatGateway')).map(
      (n) => n.Properties.AllocationId,
    );
    expect(allocations).toEqual(eips.map((eip) => ({ 'Fn::GetAtt': [logicalId(eip), 'AllocationId'] })));
    const outputs = template.toJSON().Outputs;
    expect(outputs.NatEip1.Value).toEqual({ 'Fn::GetAtt': [logicalId(eips[0]!), 'PublicIp'] });
    expect(outputs.NatEip2.Value).toEqual({ 'Fn::GetAtt': [logicalId(eips[1]!), 'PublicIp'] });
  });

  it('keeps provisioned endpoint instances on a live alias that the queue and the API invoke', () => {
    const alias = hub.stack.endpoint.handler.alias!;
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    // The alias Ref is its ARN; the mapping takes `<function name>:live` derived from it.
    const qualified = (value: unknown) => JSON.stringify(value).includes(`{"Ref":"${logicalId(alias)}"}`);
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0]!;
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(qualified(mapping.Properties.FunctionName)).toBe(true);
    const events = Object.values(template.findResources('AWS::ApiGateway::Method')).find((m) =>
      JSON.stringify(m.Properties.RequestParameters ?? {}).includes('x-socless-signature'),
    )!;
    expect(qualified(events.Properties.Integration.Uri)).toBe(true);
  });

  it('keeps the archive indefinitely when retention is 0', () => {
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 0 });
  });

  it('still creates the alarm and notification topics, without subscriptions, when no e-mail is configured', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('creates the hub remediation role even with no assumers, trusting only the account root', () => {
    const role = template.toJSON().Resources[logicalId(hub.stack.remediationRole.role)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': [`arn:aws:iam::${hub.config.hubAccountId}:root`] },
    });
  });

  it('has zero unacknowledged cdk-nag AwsSolutions findings', () => {
    const report = new AwsSolutionsChecks().validateScope(hub.stack);

    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
      [],
    );
  });
});

describe('HubRemediationRole with operator roles', () => {
  it('lets the configured operator roles assume it, next to the remediation Lambdas', () => {
    const operator = 'arn:aws:iam::111111111111:role/SecurityOperator';
    const { template } = synthHub({ operatorRoleArns: [operator] });
    const roles = Object.values(
      template.findResources('AWS::IAM::Role', { Properties: { RoleName: 'SoclessHubRemediationRole' } }),
    );
    const trust = JSON.stringify(roles[0]?.Properties.AssumeRolePolicyDocument);
    expect(trust).toContain(operator);
    expect(trust).toContain('aws:PrincipalArn');
  });

  it('refuses an operator role outside the hub account, naming the key', () => {
    expect(() => synthHub({ operatorRoleArns: ['arn:aws:iam::999999999999:role/Elsewhere'] })).toThrow(
      /\$\.operatorRoleArns\[0\]: must be a role of the hub account/,
    );
  });
});
