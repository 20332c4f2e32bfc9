import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { FORWARDED_EVENTS } from '../../spoke/forwarded-events.ts';
import { SpokeRegionalStack } from '../../spoke/spoke-regional-stack.ts';
import { templateWithoutValidationFindings, testConfig } from './fixtures.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

const RISKY = ['StopLogging', 'DeleteTrail', 'PutBucketPolicy', 'CreateAccessKey'];

describe('SpokeRegionalStack', () => {
  let stack: SpokeRegionalStack;
  let template: Template;
  let rules: Record<string, Resource>;
  let queueId: string;

  beforeAll(() => {
    stack = new SpokeRegionalStack(new App(), 'SoclessSpokeRegional', { config: testConfig({ riskyApiNames: RISKY }) });
    template = templateWithoutValidationFindings(stack);
    rules = template.findResources('AWS::Events::Rule') as Record<string, Resource>;
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(1);
    queueId = queues[0] as string;
  });

  const patterns = () => Object.values(rules).map((r) => r.Properties.EventPattern);

  it('forwards Security Hub findings in both ASFF and OCSF', () => {
    expect(patterns()).toContainEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
    });
    expect(patterns()).toContainEqual({ source: ['aws.securityhub'], 'detail-type': ['Findings Imported V2'] });
  });

  it('forwards GuardDuty findings, Config compliance changes and Access Analyzer findings', () => {
    expect(patterns()).toContainEqual({ source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] });
    expect(patterns()).toContainEqual({ source: ['aws.config'], 'detail-type': ['Config Rules Compliance Change'] });
    expect(patterns()).toContainEqual({ source: ['aws.access-analyzer'], 'detail-type': ['Access Analyzer Finding'] });
  });

  it('forwards CloudTrail calls of exactly the configured risky API names from any service', () => {
    expect(patterns()).toContainEqual({ 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventName: RISKY } });
  });

  it('has one rule per forwarded event kind, all on the default bus', () => {
    expect(Object.keys(rules)).toHaveLength(FORWARDED_EVENTS.length);
    for (const rule of Object.values(rules)) {
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(rule.Properties.State).toBe('ENABLED');
    }
  });

  it('targets the hub bus through the forwarding role and the dead-letter queue, with no RetryPolicy (EventBridge default: 24 h, 185 attempts)', () => {
    for (const rule of Object.values(rules)) {
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'SoclessHubBus',
          Arn: { Ref: 'HubBusArn' },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
          RoleArn: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/SoclessEventForwardingRole' },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        },
      ]);
    }
  });

  it('encrypts the dead-letter queue and lets only the forwarding rules write to it, over TLS', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy'))[0] as Resource;
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const allow = statements.find((s) => s.Effect === 'Allow') as
      | { Condition: { ArnEquals: { 'aws:SourceArn': unknown[] } } }
      | undefined;
    expect(allow).toMatchObject({ Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } });
    const sourceArns = allow?.Condition.ArnEquals['aws:SourceArn'];
    expect(sourceArns).toEqual(Object.keys(rules).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
  });

  it('alarms when anything waits in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('has only the HubBusArn parameter, defaulting to the hub bus in the home region', () => {
    expect(Object.keys((template.toJSON() as { Parameters: object }).Parameters)).toEqual(['HubBusArn']);
    template.hasParameter('HubBusArn', { Default: 'arn:aws:events:eu-west-1:111111111111:event-bus/SoclessBus' });
  });

  it('is flat and asset-free, without a BootstrapVersion parameter or rule', () => {
    const json = template.toJSON() as Record<string, unknown>;
    expect(json.Rules).toBeUndefined();
    template.resourceCountIs('AWS::CloudFormation::Stack', 0);
    expect(JSON.stringify(json)).not.toMatch(/AssetParameters|aws:asset:|BootstrapVersion|cdk-bootstrap/);
  });

  it('passes the AwsSolutions checks', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});
