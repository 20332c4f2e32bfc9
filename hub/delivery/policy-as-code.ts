/**
 * Policy as code at synth: the AWS Control Tower proactive controls (cfn-guard rules shipped inside
 * `@cdklabs/cdk-validator-cfnguard`, with the cfn-guard binary) run over every template of the app. A rule the
 * design answers another way is disabled here, with the reason; the plugin can only disable a rule for all
 * stacks, so each reason says why it holds everywhere it applies.
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IConstruct } from 'constructs';

/** Context key that turns the guard rules off for one synth (`-c socless:guard=false`). Default: on. */
export const GUARD_CONTEXT_KEY = 'socless:guard';

/**
 * Whether a synth runs the guard rules: yes for `cdk synth` / `cdk deploy` (and the pipeline's build), unless
 * `socless:guard` is false. A synth that skips Lambda bundling (`aws:cdk:bundling-stacks: []`, what template
 * tests do) skips them too: cfn-guard takes 13 s over the four templates here, 45 s under load, and
 * test/delivery/policy-as-code.test.ts runs it over the same templates once.
 */
export function guardEnabled(scope: IConstruct): boolean {
  const flag = scope.node.tryGetContext(GUARD_CONTEXT_KEY);
  if (flag === false || flag === 'false') return false;
  const bundling = scope.node.tryGetContext('aws:cdk:bundling-stacks');
  return !(Array.isArray(bundling) && bundling.length === 0);
}

/** Disabled Control Tower rules (rule file name → control and reason). Every other rule must pass. */
export const GUARD_DISABLED_RULES: Readonly<Record<string, { readonly control: string; readonly reason: string }>> = {
  'ct-cloudwatch-pr-1': {
    control: 'CT.CLOUDWATCH.PR.1 (alarm action)',
    reason:
      "The spoke's dead-letter-queue alarm lives in member accounts that have no SOCless topic; it is there for the account's own monitoring. Every hub alarm notifies the alarm topic (asserted by the hub tests).",
  },
  'ct-ec2-pr-11': {
    control: 'CT.EC2.PR.11 (subnet auto-assigns public IPs)',
    reason:
      "The hub VPC's public subnets hold only the NAT gateways and their Elastic IPs; no instance or Lambda is ever placed there (hub Lambdas run in the private subnets).",
  },
  'ct-kms-pr-3': {
    control: 'CT.KMS.PR.3 (key policy limits CreateGrant to AWS services)',
    reason:
      "The hub key's policy delegates to the account's IAM policies (the key-policy default); no hub role is granted kms:CreateGrant, and the services that need grants (Lambda, DynamoDB, SQS) create them through their own service integration.",
  },
  'ct-lambda-pr-2': {
    control: 'CT.LAMBDA.PR.2 (function policy prohibits public access)',
    reason:
      'The only function-policy statements are API Gateway invoke permissions scoped by aws:SourceArn to one method of the hub API; the API itself is the signed, WAF-protected entry point.',
  },
  'ct-lambda-pr-3': {
    control: 'CT.LAMBDA.PR.3 (function in a VPC)',
    reason:
      "Only the CDK-generated custom-resource provider that strips the VPC's default security group runs outside the VPC (it runs once per deploy and reaches only the EC2 API); every SOCless Lambda runs in the private subnets.",
  },
  'ct-s3-pr-2': {
    control: 'CT.S3.PR.2 (server access logging)',
    reason: 'The logs bucket is the server-access-log target of the vault; a log bucket does not log to itself.',
  },
  'ct-s3-pr-4': {
    control: 'CT.S3.PR.4 (event notifications)',
    reason:
      'Vault objects are written by the hub itself, which records each write in its tables; nothing consumes bucket events, and the logs bucket receives only access logs.',
  },
  'ct-s3-pr-9': {
    control: 'CT.S3.PR.9 (Object Lock)',
    reason:
      'Both buckets expire objects by lifecycle (access logs after logRetentionDays, vault tmp/ objects and their old versions after a day); Object Lock would make those deletions fail. Both buckets are versioned, TLS-only and block public access.',
  },
  'ct-s3-pr-10': {
    control: 'CT.S3.PR.10 (SSE-KMS)',
    reason:
      'The logs bucket uses SSE-S3 because S3 server access logging delivers only to SSE-S3 target buckets; the vault uses the hub KMS key.',
  },
};

/**
 * Control Tower rules that require X-Ray: disabled only where the configuration turns tracing off (`tracing`,
 * the default `off`); with `tracing: active` they must pass like every other rule.
 */
export const GUARD_TRACING_RULES: Readonly<Record<string, { readonly control: string; readonly reason: string }>> = {
  'ct-stepfunctions-pr-2': {
    control: 'CT.STEPFUNCTIONS.PR.2 (state machine X-Ray tracing)',
    reason:
      "X-Ray on every playbook's state machine is a cost the operator chooses (config `tracing`, default off: the cost model's per-event trace charge); executions are still logged at ERROR with data and every state's output is in the results table.",
  },
  'ct-apigateway-pr-2': {
    control: 'CT.APIGATEWAY.PR.2 (REST API stage X-Ray tracing)',
    reason:
      'X-Ray on the hub API stage follows the same `tracing` setting as the functions and state machines; the stage keeps its encrypted access log, throttling and WAF web ACL either way.',
  },
};

/**
 * The Control Tower guard rules as a CDK policy-validation plugin, with the disabled rules above (and the X-Ray
 * rules when tracing is off).
 */
export function guardValidator(options: { readonly tracing?: 'off' | 'active' } = {}): CfnGuardValidator {
  const tracingOff = (options.tracing ?? 'off') === 'off';
  return new CfnGuardValidator({
    disabledRules: [...Object.keys(GUARD_DISABLED_RULES), ...(tracingOff ? Object.keys(GUARD_TRACING_RULES) : [])],
  });
}
