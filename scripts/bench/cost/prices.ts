/**
 * The prices the cost model uses, in one table: US East (N. Virginia) on-demand list prices, each with the
 * page it comes from and the day it was read. `seen` says whether the figure itself was read on that page
 * (true) or the page was read for the billing rule and the figure is its long-standing list price (false:
 * check it on the page before quoting the model). Free tiers are left out: the model prices the bill of an
 * account that already uses these services.
 */

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly read: string;
  readonly seen: boolean;
  readonly note?: string;
}

const READ = '2026-12-07';

export const PRICES = {
  eventBusCustomEvent: {
    usd: 1.0 / 1e6,
    unit: 'event (64 KB chunk) sent to another bus',
    source: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
    read: READ,
    seen: true,
    note: 'custom events $1.00 per million ingested, prices stated for US East (N. Virginia); "Events sent to another event bus are billed as per custom events pricing" on https://aws.amazon.com/about-aws/whats-new/2021/05/amazon-eventbridge-supports-sharing-events-between-event-buses-same-account-region/; https://aws.amazon.com/eventbridge/pricing/',
  },
  eventBusCrossAccountDelivery: {
    usd: 0.05 / 1e6,
    unit: 'cross-account delivery (64 KB chunk)',
    source: 'https://huggingface.co/datasets/labofsahil/aws-pricing-dataset/blob/main/AWSEvents.csv',
    read: READ,
    seen: true,
    note: 'AWS Price List rows "CrossAccountInvoke-CustomEvent $0.05 per million" (effective 2025-01-01); pricing page example at https://aws.amazon.com/eventbridge/pricing/',
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    unit: 'SQS standard request (64 KB chunk)',
    source: 'https://gist.github.com/allenheltondev/d028926b7fe3b0656c96af9140ab55e3',
    read: READ,
    seen: true,
    note: 'list price, https://aws.amazon.com/sqs/pricing/',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'Lambda request',
    source:
      'https://raw.githubusercontent.com/api-evangelist/aws-lambda/refs/heads/main/plans/aws-lambda-plans-pricing.yml',
    read: READ,
    seen: true,
    note: '"$0.20 per million requests", transcribed from https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'Lambda GB-second, arm64',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
    read: READ,
    seen: true,
    note: 'Arm, first tier (first 7.5 billion GB-seconds a month): $0.0000133334 per GB-second, stated for US East (N. Virginia); same figure on https://www.vantage.sh/blog/a-view-of-growing-graviton2-adoption-lambda; https://aws.amazon.com/lambda/pricing/',
  },
  sfnStandardTransition: {
    usd: 0.025 / 1000,
    unit: 'Standard state transition',
    source: 'https://gist.github.com/allenheltondev/d028926b7fe3b0656c96af9140ab55e3',
    read: READ,
    seen: true,
    note: '"$0.025 / 1,000 transitions"; https://aws.amazon.com/step-functions/pricing/',
  },
  sfnExpressRequest: {
    usd: 1.0 / 1e6,
    unit: 'Express execution',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    read: READ,
    seen: false,
    note: 'the page\'s Express example (read through https://mdsite.deno.dev/https://aws.amazon.com/step-functions/pricing) says "$1.00 per million requests" but names no Region',
  },
  sfnExpressGbSecond: {
    usd: 0.06 / 3600,
    unit: 'Express GB-second (64 MB minimum, 100 ms increments)',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    read: READ,
    seen: false,
    note: "first tier: the page's Express example prices duration at $0.06000 per GB-hour for the first 1,000 GB-hours, $0.03000 for the next 4,000, $0.01642 beyond, and names no Region; a hub stays in the first tier",
  },
  dynamoWru: {
    usd: 0.625 / 1e6,
    unit: 'on-demand write request unit (1 KB)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    read: READ,
    seen: true,
    note: 'US East: $0.625 per million write request units, after the November 2024 on-demand reduction; unit rules (1 KB per WRU, 4 KB per RRU, eventually consistent half) on https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoRru: {
    usd: 0.125 / 1e6,
    unit: 'on-demand read request unit (4 KB strongly consistent)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    read: READ,
    seen: true,
    note: 'US East: $0.125 per million read request units; https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  s3Put: {
    usd: 0.005 / 1000,
    unit: 'S3 Standard PUT',
    source: 'https://gist.github.com/sofyan-ahmad/19258041a16833a2cab17a6b2b4b3058',
    read: READ,
    seen: true,
    note: '"$0.005/K PUT; $0.004/10K GET"; https://aws.amazon.com/s3/pricing/',
  },
  s3Get: {
    usd: 0.004 / 10000,
    unit: 'S3 Standard GET',
    source: 'https://gist.github.com/sofyan-ahmad/19258041a16833a2cab17a6b2b4b3058',
    read: READ,
    seen: true,
  },
  s3GbMonth: {
    usd: 0.023,
    unit: 'S3 Standard GB-month',
    source: 'https://gist.github.com/allenheltondev/d028926b7fe3b0656c96af9140ab55e3',
    read: READ,
    seen: true,
  },
  snsPublish: {
    usd: 0.5 / 1e6,
    unit: 'SNS publish (64 KB chunk)',
    source: 'https://gist.github.com/allenheltondev/d028926b7fe3b0656c96af9140ab55e3',
    read: READ,
    seen: true,
    note: 'deliveries to e-mail subscribers are billed apart ($2 per 100,000, https://aws.amazon.com/sns/pricing/) and not modelled: they depend on the subscriptions',
  },
  logsIngestGb: {
    usd: 0.5,
    unit: 'CloudWatch Logs ingestion GB (standard class)',
    source: 'https://c3x.dev/blog/cloudwatch-logs-cost-optimization',
    read: READ,
    seen: true,
    note: 'Standard log class ingestion $0.50 per GB, us-east-1 (also https://hykell.com/kb/platform-specific-guides/aws-cloudwatch-logs-pricing); https://aws.amazon.com/cloudwatch/pricing/. Step Functions logs go through vended-log delivery (/aws/vendedlogs/states): the same or a lower tiered rate',
  },
  customMetricMonth: {
    usd: 0.3,
    unit: 'custom metric-month, prorated by the hour it receives data',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    read: READ,
    seen: false,
    note: 'first tier: $0.30 for the first 10,000 metrics, $0.10 for the next 240,000 (https://signoz.io/guides/cloudwatch-pricing; the Japanese pricing page as quoted in https://github.com/nishinoshake/aws-rough/issues/37), neither naming a Region; a hub publishes 12 to 42 metrics',
  },
  kmsRequest: {
    usd: 0.03 / 10000,
    unit: 'KMS request',
    source: 'https://www.factualminds.com/blog/aws-kms-pricing-keys-requests-multi-region/',
    read: READ,
    seen: true,
    note: '$0.03 per 10,000 requests, prices stated for us-east-1; https://aws.amazon.com/kms/pricing/',
  },
  kmsKeyMonth: {
    usd: 1.0,
    unit: 'customer managed key-month',
    source: 'https://aws.amazon.com/kms/pricing/',
    read: READ,
    seen: true,
    note: '"Each AWS KMS key that you create in KMS costs $1/month" (one figure for every key type, no Region named); "If you enable automatic key rotation, each newly generated backing key costs an additional $1/month": hub keys rotate (hub/constructs/hub-key.ts), so this is the first year\'s price',
  },
  natHour: {
    usd: 0.045,
    unit: 'NAT gateway hour',
    source: 'https://rajesh.medampudi.com/blog/aws-nat-gateway-hidden-tax',
    read: READ,
    seen: true,
    note: '$0.045 per NAT Gateway-hour in us-east-1 (also https://basavytix.com/blog/aws-nat-gateway-pricing); https://aws.amazon.com/vpc/pricing/',
  },
  natGb: {
    usd: 0.045,
    unit: 'NAT gateway GB processed',
    source: 'https://rajesh.medampudi.com/blog/aws-nat-gateway-hidden-tax',
    read: READ,
    seen: true,
    note: '$0.045 per GB processed in us-east-1, on top of the hourly charge (also https://basavytix.com/blog/aws-nat-gateway-pricing); https://aws.amazon.com/vpc/pricing/',
  },
  apiGatewayRestRequest: {
    usd: 3.5 / 1e6,
    unit: 'API Gateway REST request',
    source: 'https://gist.github.com/allenheltondev/d028926b7fe3b0656c96af9140ab55e3',
    read: READ,
    seen: true,
  },
  wafWebAclMonth: {
    usd: 5.0,
    unit: 'WAF web ACL-month',
    source: 'https://aws.amazon.com/waf/pricing/',
    read: READ,
    seen: false,
  },
  wafRuleMonth: {
    usd: 1.0,
    unit: 'WAF rule-month',
    source: 'https://aws.amazon.com/waf/pricing/',
    read: READ,
    seen: false,
  },
  wafRequest: {
    usd: 0.6 / 1e6,
    unit: 'WAF request',
    source: 'https://aws.amazon.com/waf/pricing/',
    read: READ,
    seen: false,
  },
  xrayTrace: {
    usd: 5.0 / 1e6,
    unit: 'X-Ray trace recorded',
    source: 'https://aws.amazon.com/xray/pricing/',
    read: READ,
    seen: false,
    note: 'default sampling: the first request each second, then 5%',
  },
} as const satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;
