/**
 * The security events every spoke forwards from its default bus to the hub bus, declared once as data so the
 * spoke rules, the hub's ingest rule and the docs agree. No CDK import here: the hub and the CLI read it too.
 */

/** One kind of event a spoke forwards: an EventBridge rule on the member account's default bus. */
export interface ForwardedEventDefinition {
  /** Stable id; the spoke rule's logical id and name suffix derive from it. */
  readonly id: string;
  /** What the rule forwards, in words (becomes the rule description). */
  readonly description: string;
  /**
   * `source` values to match; absent when the source varies by service (CloudTrail API calls carry the
   * calling service's source, e.g. `aws.s3`).
   */
  readonly sources?: readonly string[];
  /** `detail-type` values to match. */
  readonly detailTypes: readonly string[];
  /** Whether `detail.eventName` is restricted to the configured risky API names (`riskyApiNames`). */
  readonly matchesRiskyApiNames: boolean;
}

/** The forwarded event kinds, in rule order. */
export const FORWARDED_EVENTS: readonly ForwardedEventDefinition[] = [
  {
    id: 'SecurityHubFindingsAsff',
    description: 'Security Hub findings in ASFF (Security Hub CSPM)',
    sources: ['aws.securityhub'],
    detailTypes: ['Security Hub Findings - Imported'],
    matchesRiskyApiNames: false,
  },
  {
    id: 'SecurityHubFindingsOcsf',
    description: 'Security Hub findings in OCSF',
    sources: ['aws.securityhub'],
    detailTypes: ['Findings Imported V2'],
    matchesRiskyApiNames: false,
  },
  {
    id: 'GuardDutyFindings',
    description: 'GuardDuty findings',
    sources: ['aws.guardduty'],
    detailTypes: ['GuardDuty Finding'],
    matchesRiskyApiNames: false,
  },
  {
    id: 'ConfigComplianceChanges',
    description: 'AWS Config rule compliance changes',
    sources: ['aws.config'],
    detailTypes: ['Config Rules Compliance Change'],
    matchesRiskyApiNames: false,
  },
  {
    id: 'RiskyApiCalls',
    description: 'CloudTrail management events for the configured risky API names',
    // Any service: a CloudTrail event's source is the called service (aws.s3, aws.ec2, ...).
    detailTypes: ['AWS API Call via CloudTrail'],
    matchesRiskyApiNames: true,
  },
  {
    id: 'AccessAnalyzerFindings',
    description: 'IAM Access Analyzer findings',
    sources: ['aws.access-analyzer'],
    detailTypes: ['Access Analyzer Finding'],
    matchesRiskyApiNames: false,
  },
];

/** An EventBridge event pattern as plain JSON (the shape `AWS::Events::Rule` EventPattern takes). */
export interface ForwardedEventPattern {
  readonly source?: string[];
  readonly 'detail-type': string[];
  readonly detail?: { readonly eventName: string[] };
}

/**
 * The EventBridge pattern of one forwarded event kind.
 * @param riskyApiNames the configured `riskyApiNames`; used only by definitions that match on them
 */
export function forwardedEventPattern(
  definition: ForwardedEventDefinition,
  riskyApiNames: readonly string[],
): ForwardedEventPattern {
  if (definition.matchesRiskyApiNames && riskyApiNames.length === 0) {
    throw new RangeError(`forwarded event ${definition.id} needs at least one risky API name`);
  }
  return {
    ...(definition.sources ? { source: [...definition.sources] } : {}),
    'detail-type': [...definition.detailTypes],
    ...(definition.matchesRiskyApiNames ? { detail: { eventName: [...new Set(riskyApiNames)] } } : {}),
  };
}
