import { z } from 'zod';
import { SEVERITY_LABELS, type SeverityLabel } from '../config.ts';

/** Where a SecurityEvent came from; one normalizer per source. */
export const SECURITY_EVENT_SOURCES = [
  'securityhub-asff',
  'securityhub-ocsf',
  'guardduty',
  'config',
  'cloudtrail',
  'access-analyzer',
  'webhook',
  'generic',
] as const;
export type SecurityEventSource = (typeof SECURITY_EVENT_SOURCES)[number];

/** Lifecycle state of the finding behind an event; routing decides what each one triggers. */
export const SECURITY_EVENT_STATUSES = [
  'active',
  'archived',
  'suppressed',
  'resolved',
  'compliant',
  'not-applicable',
] as const;
export type SecurityEventStatus = (typeof SECURITY_EVENT_STATUSES)[number];

/** Score given to a label when the source has no number of its own (Security Hub's documented defaults). */
export const SEVERITY_DEFAULT_SCORES: Readonly<Record<SeverityLabel, number>> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

/** Label of a 0-100 score, with Security Hub's ranges: 0, 1-39, 40-69, 70-89, 90-100. */
export function severityLabelFromScore(score: number): SeverityLabel {
  if (score >= 90) return 'CRITICAL';
  if (score >= 70) return 'HIGH';
  if (score >= 40) return 'MEDIUM';
  if (score >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

/** A severity from a label alone, scored with {@link SEVERITY_DEFAULT_SCORES}. */
export function severityFromLabel(label: SeverityLabel): SecuritySeverity {
  return { label, score: SEVERITY_DEFAULT_SCORES[label] };
}

const IsoTime = z.iso.datetime({ offset: true });

export const SecuritySeveritySchema = z.object({
  label: z.enum(SEVERITY_LABELS),
  score: z.number().min(0).max(100),
});
export type SecuritySeverity = z.infer<typeof SecuritySeveritySchema>;

/** A resource a finding is about. */
export const SecurityResourceSchema = z.object({
  /** Resource type, e.g. `AwsEc2Instance`, `AWS::S3::Bucket`. */
  type: z.string().min(1),
  /** Identifier as the source gives it (often an ARN). */
  id: z.string().min(1),
  arn: z.string().startsWith('arn:').optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type SecurityResource = z.infer<typeof SecurityResourceSchema>;

/**
 * Marks on an event record and outcome: `account-mismatch` (the payload names an account that did not send it and
 * may not speak for it), `webhook-scope` (a webhook outside its sender's declared scope), `not-a-webhook` (an
 * EventBridge envelope or `aws.*` source posted to the API), `severity-capped` (a webhook severity held below the
 * auto-remediation floor), `hub-session` (caused by the hub's own spoke session).
 */
export const EVENT_FLAGS = [
  'account-mismatch',
  'webhook-scope',
  'not-a-webhook',
  'severity-capped',
  'hub-session',
] as const;
export type EventFlag = (typeof EVENT_FLAGS)[number];

/** Accounts that may vouch for other accounts, per `config.trustedAggregators` key. */
export const AGGREGATOR_SOURCES = ['guardduty', 'securityhub', 'access-analyzer', 'config'] as const;

/** A field of the payload that names an account (checked against the account the event came from). */
export const AccountClaimSchema = z.object({
  /** Where the account was read, e.g. `detail.accountId`. */
  field: z.string().min(1),
  account: z.string(),
});
export type AccountClaim = z.infer<typeof AccountClaimSchema>;

/**
 * Who spoke for an event, as the hub established it (never copied from the payload). The pipeline compares the
 * accounts the payload names with {@link SecurityEventOrigin.account} before anything is routed.
 */
export const SecurityEventOriginSchema = z.object({
  /** `aws`: an AWS service event (`aws.*` source); `custom`: any other EventBridge source; `webhook`: POST /events. */
  kind: z.enum(['aws', 'custom', 'webhook']),
  /** EventBridge `source`, or `socless.webhook.<sender>[.<kind>]`. */
  source: z.string().min(1),
  /** The account that sent it: the EventBridge envelope's `account` (set by EventBridge, not by the sender). */
  account: z.string(),
  /** Where {@link SecurityEvent.account} was read when not from the envelope, e.g. `detail.accountId`. */
  accountField: z.string().optional(),
  /** The `trustedAggregators` list whose accounts may name other org accounts for this source. */
  aggregator: z.enum(AGGREGATOR_SOURCES).optional(),
  /** Further payload fields that name an account (beyond `account` and each resource's `account`). */
  claims: z.array(AccountClaimSchema).optional(),
  /** The webhook sender (`X-Socless-Sender`). */
  sender: z.string().optional(),
  /**
   * Whether this event may start a remediation. False for webhooks whose sender scope has `mayRemediate: false`
   * and for custom (non-AWS) sources; the remediate integration must refuse to act when it is false.
   */
  mayRemediate: z.boolean(),
  /**
   * Set when a CloudTrail event names a hub spoke role (remediation or undo role) of the account as its caller:
   * the role, the session ARN and the session name. A claim until the pipeline finds that session in the hub's
   * session ledger (a role can be re-created under the same name by whoever administers the account).
   */
  hubSession: z.object({ role: z.string(), arn: z.string(), sessionName: z.string() }).optional(),
  /**
   * Set on an event a playbook created (source `socless.playbook.<playbook>`): the creating playbook and
   * investigation, how many playbook hops it is from a real event, and each creating run's playbook and dedup key
   * (the pipeline does not start a playbook again for a dedup key it already ran for in the chain).
   */
  /**
   * Set on a finding an analyst sent to one of SOCless's Security Hub custom actions (shared/remediation/
   * custom-actions.ts): the decision, the action's ARN (checked to be SOCless's own, in the sending account and
   * region), and who is recorded as having chosen it. Security Hub puts no principal in the event, so `by` names
   * the action and the account, never a person: `Security Hub custom action <ARN> in account <envelope account>`.
   */
  customAction: z
    .object({
      decision: z.enum(['remediate', 'dry-run', 'accept-risk']),
      actionArn: z.string(),
      by: z.string(),
    })
    .optional(),
  playbookRun: z
    .object({
      playbook: z.string(),
      investigationId: z.string(),
      depth: z.number().int(),
      chain: z.array(z.object({ playbook: z.string(), dedupKey: z.string() })),
    })
    .optional(),
});
export type SecurityEventOrigin = z.infer<typeof SecurityEventOriginSchema>;

/** The one shape every source is normalized to. */
export const SecurityEventSchema = z.object({
  /** EventBridge event id (suffixed `#<n>` when one event carries several findings), or the webhook id. */
  id: z.string().min(1),
  source: z.enum(SECURITY_EVENT_SOURCES),
  /** What happened: finding type, control id, Config rule name, API name. */
  kind: z.string().min(1),
  /** Account the finding is about; empty for webhooks that name none. */
  account: z.string(),
  /** Region the finding is about; empty for webhooks that name none. */
  region: z.string(),
  /** When the event happened (ISO 8601, UTC). */
  time: IsoTime,
  severity: SecuritySeveritySchema,
  title: z.string(),
  description: z.string().optional(),
  resources: z.array(SecurityResourceSchema),
  /** Stable identity of the finding: repeats and updates of one finding share it. */
  dedupKey: z.string().min(1),
  status: z.enum(SECURITY_EVENT_STATUSES),
  /** When the source last updated the finding (ISO 8601). */
  findingUpdatedAt: IsoTime.optional(),
  /** How often the source has seen the activity (GuardDuty `service.count`). */
  count: z.number().int().nonnegative().optional(),
  /**
   * Who spoke for the event. Every normalizer sets it; it is optional only so that hand-built events (tests, the
   * operator CLI) still parse.
   */
  origin: SecurityEventOriginSchema.optional(),
  /** The original event, untouched (for a multi-finding event: the envelope holding only this finding). */
  raw: z.unknown(),
});
export type SecurityEvent = z.infer<typeof SecurityEventSchema>;

/** Outcome of normalizing one input: events, or a reason a person can act on (never an exception). */
export type NormalizeResult =
  | { readonly ok: true; readonly events: SecurityEvent[] }
  | { readonly ok: false; readonly reason: string; readonly field?: string };

/** Size and nesting limits applied to untrusted input before anything walks it. */
export interface InputLimits {
  /**
   * Largest accepted payload in bytes (UTF-8 JSON).
   * @default 262144 (256 KB, the EventBridge PutEvents entry limit)
   */
  readonly maxBytes?: number;
  /**
   * Deepest accepted object/array nesting.
   * @default 64
   */
  readonly maxDepth?: number;
}
