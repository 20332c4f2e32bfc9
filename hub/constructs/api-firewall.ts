import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Body sizes WAF can inspect on API Gateway (16 KB included; each further 16 KB is billed). */
export type BodyInspectionLimitKb = 16 | 32 | 48 | 64;

/** Properties of {@link ApiFirewall}. */
export interface ApiFirewallProps {
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  /**
   * Largest request body accepted. WAF sees at most this much of a body; anything longer is "oversize", and the
   * size rule treats oversize as a match, so it is blocked. 64 KB is the most WAF can inspect on API Gateway.
   * @default 64
   */
  readonly maxBodyKb?: BodyInspectionLimitKb;
  /**
   * Requests allowed per client IP in any 5-minute window before the rate rule blocks it.
   * @default 2000
   */
  readonly requestsPerIpPer5Minutes?: number;
  /**
   * Metric name prefix of the web ACL and its rules.
   * @default 'SoclessHubApi'
   */
  readonly metricPrefix?: string;
}

/**
 * The WAFv2 web ACL in front of the hub API stage: it enforces the request size limit (the API has no other
 * place to do so), rate-limits each client IP, and drops known-bad inputs and sources AWS flags as malicious.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;
  /** Largest body in bytes that passes the size rule. */
  readonly maxBodyBytes: number;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const maxKb = props.maxBodyKb ?? 64;
    this.maxBodyBytes = maxKb * 1024;
    const prefix = props.metricPrefix ?? 'SoclessHubApi';
    const visibility = (name: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${prefix}${name}`,
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'SOCless hub API: body size limit, per-IP rate limit, AWS managed bad-input and IP-reputation rules',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('WebAcl'),
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: `KB_${maxKb}` } } },
      rules: [
        {
          name: 'BodySizeLimit',
          priority: 0,
          action: { block: {} },
          statement: {
            sizeConstraintStatement: {
              // Bodies beyond the inspection limit cannot be measured; MATCH blocks them too.
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: this.maxBodyBytes,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: visibility('BodySizeLimit'),
        },
        {
          name: 'RatePerIp',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.requestsPerIpPer5Minutes ?? 2000,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility('RatePerIp'),
        },
        managedRuleGroup('AWSManagedRulesAmazonIpReputationList', 2, visibility('IpReputation')),
        managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet', 3, visibility('KnownBadInputs')),
      ],
    });

    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}

function managedRuleGroup(
  name: string,
  priority: number,
  visibilityConfig: CfnWebACL.VisibilityConfigProperty,
): CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig,
  };
}
