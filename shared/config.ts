import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, jsonPath, type Problem } from './errors.ts';
import { CIS_PASSWORD_BASELINE, PasswordBaselineSchema, RemediationIdSchema } from './remediation/settings.ts';

export const REMEDIATION_MODES = ['off', 'notify', 'dry-run', 'auto'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];
export const RemediationModeSchema = z.enum(REMEDIATION_MODES);

export const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type SeverityLabel = (typeof SEVERITY_LABELS)[number];

const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const OrganizationId = z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must look like o-abc1234567 (Organizations id)');
const OuId = z.string().regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/, 'must look like ou-ab12-cdef3456 (an OU id)');
const RootId = z.string().regex(/^r-[a-z0-9]{4,32}$/, 'must look like r-ab12 (a root id)');
/** Values that are documentation samples, not secrets. */
const SAMPLE_SECRET = /change-?me|example|sample|placeholder/i;

const Region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region name such as eu-west-1');

/** The typed configuration of a socless-org deployment. */
export const SoclessConfigSchema = z
  .object({
    /** The security (hub) account that runs the SOCless core. */
    hubAccountId: AccountId,
    /** The AWS Organization whose principals may put events on the hub bus and assume spoke roles. */
    organizationId: OrganizationId,
    /** The hub's region; the spoke global stack (IAM) deploys here only. */
    homeRegion: Region,
    /** Every region where spokes forward events (must include the home region). */
    regions: z.array(Region).min(1, 'must list at least one region'),
    /** OUs (or the root) whose accounts get a spoke; StackSets auto-deploy to new accounts in them. */
    targetOuIds: z.array(z.union([OuId, RootId])).min(1, 'must list at least one OU or root id'),
    /**
     * Name of the Secrets Manager secret (in the hub account) that holds the sts:ExternalId spoke roles require.
     * The hub stack creates it with a generated value; hub Lambdas and the CLI read it at run time, and the
     * rollout stack takes it as a NoEcho parameter, so the value is in no template, environment or config file.
     */
    externalIdSecretName: z
      .string()
      .regex(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager secret name such as socless/spoke-external-id')
      .default('socless/spoke-external-id'),
    /**
     * Deprecated: an explicit sts:ExternalId. Only for tools run where the secret cannot be read; never the
     * sample value. Prefer `externalIdSecretName`.
     */
    externalId: z
      .string()
      .min(16, 'must be at least 16 characters (treat it as a shared secret)')
      .max(1224)
      .regex(/^[\w+=,.@:/-]+$/, 'may contain only letters, digits and +=,.@:/-_')
      .refine(
        (v) => !SAMPLE_SECRET.test(v),
        'is a sample value (contains change-me, example, sample or placeholder): generate a random one, or leave it out and let the hub create the secret',
      )
      .optional(),
    /**
     * Accounts that may speak for other accounts of the organization, per source: the delegated administrator
     * (or aggregator) account of GuardDuty, Security Hub, IAM Access Analyzer or Config. An event whose detail
     * names another account than its EventBridge envelope is honoured only when the envelope account is listed
     * here for the event's source and the named account is in the org registry; otherwise it is recorded,
     * flagged `account-mismatch` and never remediated.
     */
    trustedAggregators: z
      .object({
        guardduty: z.array(AccountId).default([]),
        securityhub: z.array(AccountId).default([]),
        'access-analyzer': z.array(AccountId).default([]),
        config: z.array(AccountId).default([]),
      })
      .strict()
      .default({ guardduty: [], securityhub: [], 'access-analyzer': [], config: [] }),
    /**
     * Security Hub: where SOCless's custom actions ("SOCless remediate", "SOCless dry-run", "SOCless accept risk")
     * are created. They must exist where Security Hub's administrator is, since only there can an analyst send
     * the org's findings to them, and their events reach EventBridge in that account only.
     */
    securityHub: z
      .object({
        customActions: z
          .object({
            /**
             * `none`: no custom actions. `hub`: the hub account is the Security Hub administrator; the hub stack
             * creates them and forwards their events from its default bus. `delegated-admin`: another account is;
             * the `SoclessSecurityHubActions` stack is deployed there, once per region in `regions`.
             */
            where: z.enum(['none', 'hub', 'delegated-admin']).default('none'),
            /** The delegated administrator account (`where: delegated-admin` only). */
            account: AccountId.optional(),
            /**
             * Regions to create them in (`delegated-admin`: one stack each; `hub`: must be the home region, the
             * hub stack's). With cross-region aggregation, the aggregation region. @default [homeRegion]
             */
            regions: z.array(Region).default([]),
          })
          .strict()
          .default({ where: 'none', regions: [] }),
      })
      .strict()
      .default({ customActions: { where: 'none', regions: [] } }),
    /**
     * Webhook senders of `POST /events`. Each has its own signing secret (Secrets Manager, created by the hub
     * stack as `socless/webhook/<name>`) and a scope; a body is never passed through as an AWS event.
     */
    webhooks: z
      .array(
        z
          .object({
            /** Sender name: the `X-Socless-Sender` header value and the event source `socless.webhook.<name>`. */
            name: z
              .string()
              .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes (at most 40)'),
            /**
             * Event sources the sender may emit, each `socless.webhook.<name>` or below it
             * (`socless.webhook.<name>.<kind>`). @default [`socless.webhook.<name>`]
             */
            sources: z
              .array(z.string().regex(/^socless\.webhook\.[a-z0-9.-]+$/, 'must start with socless.webhook.'))
              .default([]),
            /** Accounts an event of this sender may name; an event naming any other account is refused. */
            accounts: z.array(AccountId).default([]),
            /** Whether its events may start a remediation (in the named account's mode). @default false */
            mayRemediate: z.boolean().default(false),
            /**
             * Whether the severity it sends may reach `remediation.autoMinSeverity`; otherwise it is capped just
             * below it. @default false
             */
            severityMayReachAuto: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    remediation: z
      .object({
        /** Mode of every account without an OU or account override. */
        defaultMode: RemediationModeSchema.default('notify'),
        /** Per-OU modes; the nearest OU on an account's path wins. */
        ous: z.record(OuId, RemediationModeSchema).default({}),
        /** Per-account modes; they win over OU modes (an account tag wins over both). */
        accounts: z.record(AccountId, RemediationModeSchema).default({}),
        /** In auto mode, apply only at or above this severity; below it the run is a dry-run plus a notice. */
        autoMinSeverity: z.enum(SEVERITY_LABELS).default('HIGH'),
        /** Blast-radius guard: automatic remediations allowed per account per hour. */
        maxAutoPerAccountPerHour: z.number().int().positive().default(10),
        /** Blast-radius guard: automatic remediations allowed per organization per hour. */
        maxAutoPerOrgPerHour: z.number().int().positive().default(100),
        /**
         * Never-automatic remediations (containment, changes that can break workloads) that auto-mode accounts
         * nevertheless apply without a person's approval, still under the severity floor, the blast-radius guard
         * and the kill switch. Ids of the registry (`socless remediation list`).
         */
        autoAllowed: z.array(RemediationIdSchema).default([]),
        /** The same, for the accounts under an OU (anywhere on their path). */
        autoAllowedByOu: z.record(OuId, z.array(RemediationIdSchema)).default({}),
        /** The same, for one account. */
        autoAllowedByAccount: z.record(AccountId, z.array(RemediationIdSchema)).default({}),
        /**
         * ec2-instance-isolate also isolates instances of Auto Scaling groups (which may replace an instance whose
         * health check fails, ending the forensic hold). @default false
         */
        isolateAutoScalingInstances: z.boolean().default(false),
        /** The account password policy iam-password-policy raises to (IAM.7). @default the CIS baseline */
        passwordPolicyBaseline: PasswordBaselineSchema.default(CIS_PASSWORD_BASELINE),
      })
      .strict()
      .default({
        defaultMode: 'notify',
        ous: {},
        accounts: {},
        autoMinSeverity: 'HIGH',
        maxAutoPerAccountPerHour: 10,
        maxAutoPerOrgPerHour: 100,
        autoAllowed: [],
        autoAllowedByOu: {},
        autoAllowedByAccount: {},
        isolateAutoScalingInstances: false,
        passwordPolicyBaseline: CIS_PASSWORD_BASELINE,
      }),
    /**
     * X-Ray active tracing of the hub's Lambdas, state machines and API stage. `off` by default: at the default
     * sampling rule (the first request each second, then 5%) tracing costs more than the automated path's goal
     * at 1M events a month (`npm run bench -- cost`), and what an operator reads about a run is in the results
     * table, the execution history (Standard) and the error logs with data (both types). Set `active` while
     * diagnosing latency. @default 'off'
     */
    tracing: z.enum(['off', 'active']).default('off'),
    /** NAT gateways of the hub VPC; each has an Elastic IP (the static egress address). */
    natGateways: z.number().int().min(1, 'must be at least 1: Lambdas need egress').max(2).default(1),
    /** Days the hub bus archive keeps events for replay (0 = indefinitely). */
    eventArchiveRetentionDays: z.number().int().min(0).max(3650).default(90),
    /** How long an open investigation absorbs repeats of the same finding. */
    dedupWindowMinutes: z
      .number()
      .int()
      .positive()
      .max(60 * 24 * 30)
      .default(1440),
    /** CloudTrail API names whose calls the spokes forward ("AWS API Call via CloudTrail"). */
    riskyApiNames: z
      .array(z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'must be an API action name such as DeleteTrail'))
      .min(1)
      .max(100)
      .default([
        'StopLogging',
        'DeleteTrail',
        'UpdateTrail',
        'PutBucketPolicy',
        'PutBucketAcl',
        'DeleteBucketPublicAccessBlock',
        'DeletePublicAccessBlock',
        'AuthorizeSecurityGroupIngress',
        'ModifySnapshotAttribute',
        'ModifyDBSnapshotAttribute',
        'DisableEbsEncryptionByDefault',
        'DisableKeyRotation',
        'AddPermission',
        'CreateAccessKey',
        'DeleteDetector',
        'DisableSecurityHub',
      ]),
    /** Where alarms are e-mailed (optional: the SNS topic exists either way). */
    alarmEmail: z.email('must be an e-mail address').optional(),
    /** Service-managed StackSet rollout settings. */
    rollout: z
      .object({
        callAs: z.enum(['SELF', 'DELEGATED_ADMIN']).default('SELF'),
        maxConcurrentPercentage: z.number().int().min(1).max(100).default(25),
        failureTolerancePercentage: z.number().int().min(0).max(100).default(10),
        /** Keep spoke stacks (and their roles) when an account leaves a target OU. */
        retainStacksOnAccountRemoval: z.boolean().default(false),
      })
      .strict()
      .default({
        callAs: 'SELF',
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
        retainStacksOnAccountRemoval: false,
      }),
    /**
     * IAM roles of the hub account that operators use and that may assume the hub remediation role (for
     * `socless org status` role probes, `socless remediation undo` and `socless local --aws`).
     */
    operatorRoleArns: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN'))
      .default([]),
    /** Lambda functions on the latency-critical path (the endpoint) keep this many warm instances; 0 = none. */
    endpointProvisionedConcurrency: z.number().int().min(0).max(100).default(0),
    /**
     * Slack (notify_slack, request_approval, the Slack interactions provider). Absent = no Slack: approvals
     * are answered through the signed webhook. Credentials live in Secrets Manager secrets the stack creates.
     */
    slack: z
      .object({
        /** Web API base URL. */
        apiBaseUrl: z.url('must be a URL such as https://slack.com/api').default('https://slack.com/api'),
        /** Channel id (C…) messages go to when a state names none. */
        defaultChannel: z
          .string()
          .regex(/^[CGD][A-Z0-9]{6,}$/, 'must be a Slack channel id such as C0123ABCD')
          .optional(),
        /** Workspace id (T…): answers from another workspace are refused. */
        teamId: z
          .string()
          .regex(/^[TE][A-Z0-9]{6,}$/, 'must be a Slack team id such as T0123ABCD')
          .optional(),
      })
      .strict()
      .optional(),
    /** Jira Cloud (create_jira_issue, comment_jira_issue); the e-mail and API token live in Secrets Manager. */
    jira: z
      .object({
        /** The site URL, e.g. https://example.atlassian.net */
        baseUrl: z.url('must be the Jira site URL such as https://example.atlassian.net'),
        /** Project key new issues go to. */
        projectKey: z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/, 'must be a Jira project key such as SEC'),
        issueType: z.string().min(1).default('Task'),
      })
      .strict()
      .optional(),
    /** Hosts http_request may call (exact names, or `*.example.com` for subdomains); empty = none. */
    httpAllowedHosts: z
      .array(
        z
          .string()
          .regex(
            /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
            'must be a lower-case host name, optionally starting with *.',
          ),
      )
      .default([]),
    /** Human-in-the-loop answers. */
    interactions: z
      .object({
        slack: z
          .object({
            /**
             * Slack user ids (U…) allowed to answer. With no users and no groups, only the approvers a request
             * names may answer; a request that names none cannot be answered from Slack.
             */
            allowedUserIds: z
              .array(z.string().regex(/^[UW][A-Z0-9]{6,}$/, 'must be a Slack user id such as U0123ABCD'))
              .default([]),
            /** Slack user group ids (S…) whose members may answer (checked with usergroups.users.list). */
            allowedUserGroupIds: z
              .array(z.string().regex(/^S[A-Z0-9]{6,}$/, 'must be a Slack user group id such as S0123ABCD'))
              .default([]),
          })
          .strict()
          .default({ allowedUserIds: [], allowedUserGroupIds: [] }),
        /**
         * Systems that answer through `POST /interactions/webhook` (a ticketing bot, an on-call tool). Each gets
         * its own signing secret `socless/interactions/responders/<name>` and names itself in the `X-Socless-Responder` header;
         * its name is what the record shows as the responder. Empty = the webhook provider answers nothing.
         */
        webhookResponders: z
          .array(
            z
              .string()
              .regex(
                /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/,
                'must be 1-128 letters, digits and ._@+- starting with a letter or digit',
              ),
          )
          .default([])
          .refine((names) => new Set(names).size === names.length, 'must not name a responder twice'),
        /** What a playbook does when nobody answers before the Interaction's TimeoutSeconds. */
        timeoutDecision: z.enum(['approve', 'reject']).default('reject'),
      })
      .strict()
      .default({
        slack: { allowedUserIds: [], allowedUserGroupIds: [] },
        webhookResponders: [],
        timeoutDecision: 'reject',
      }),
    /** The deployment stage: the value of `${{self:provider.stage}}` in SOCless-style playbooks. */
    stage: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
      .optional(),
    /**
     * Playbook variables per stage: `${{self:custom.<path>}}` in a playbook reads `<path>` from
     * `variables.<stage>` (a dotted path into that object). A variable a playbook uses but no stage defines is
     * an error naming it.
     */
    variables: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Integrations that live outside this project. */
    integrations: z
      .object({
        /**
         * Existing Lambda functions playbooks may call by name (`${{self:custom.<group>.<Name>}}` resolves to the
         * entry `<group>.<Name>` or `<Name>`). State machines may invoke exactly these ARNs.
         */
        external: z
          .record(
            z
              .string()
              .regex(
                /^([A-Za-z0-9_-]+\.)?[A-Za-z][A-Za-z0-9_-]{0,63}$/,
                'must be an integration name such as TransitionIssue or jira.TransitionIssue',
              ),
            z
              .object({
                arn: z
                  .string()
                  .regex(
                    /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/,
                    'must be a Lambda function ARN such as arn:aws:lambda:eu-west-1:123456789012:function:my-fn',
                  ),
                /** Waits for a human (stores the task token it is given): may back an Interaction state. */
                interaction: z.boolean().default(false),
                description: z.string().max(200).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({ external: {} }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.regions.includes(c.homeRegion)) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: `must include the home region ${c.homeRegion}` });
    }
    if (new Set(c.regions).size !== c.regions.length) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: 'must not list a region twice' });
    }
    c.operatorRoleArns.forEach((arn, i) => {
      if (arn.split(':')[4] !== c.hubAccountId) {
        ctx.addIssue({
          code: 'custom',
          path: ['operatorRoleArns', i],
          message: `must be a role of the hub account ${c.hubAccountId}`,
        });
      }
    });
    const senders = new Set<string>();
    c.webhooks.forEach((w, i) => {
      if (senders.has(w.name)) {
        ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `sender "${w.name}" is listed twice` });
      }
      senders.add(w.name);
      w.sources.forEach((source, j) => {
        const own = `socless.webhook.${w.name}`;
        if (source !== own && !source.startsWith(`${own}.`)) {
          ctx.addIssue({
            code: 'custom',
            path: ['webhooks', i, 'sources', j],
            message: `must be ${own} or start with ${own}. (a sender emits only under its own name)`,
          });
        }
      });
    });
    const actions = c.securityHub.customActions;
    const actionsPath = ['securityHub', 'customActions'];
    if (actions.where === 'delegated-admin') {
      if (actions.account === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [...actionsPath, 'account'],
          message: 'must name the Security Hub delegated administrator account when where is delegated-admin',
        });
      } else if (actions.account === c.hubAccountId) {
        ctx.addIssue({
          code: 'custom',
          path: [...actionsPath, 'account'],
          message: 'is the hub account: use where "hub" instead',
        });
      }
    } else if (actions.account !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [...actionsPath, 'account'],
        message: `is only for where "delegated-admin" (where is "${actions.where}")`,
      });
    }
    if (actions.where === 'hub' && actions.regions.some((r) => r !== c.homeRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: [...actionsPath, 'regions'],
        message: `the hub stack is in the home region ${c.homeRegion} only; list no other region with where "hub"`,
      });
    }
    if (new Set(actions.regions).size !== actions.regions.length) {
      ctx.addIssue({ code: 'custom', path: [...actionsPath, 'regions'], message: 'must not list a region twice' });
    }
    // The administrator sends the org's findings: it must be a trusted Security Hub aggregator to act on them.
    const admin =
      actions.where === 'hub' ? c.hubAccountId : actions.where === 'delegated-admin' ? actions.account : undefined;
    if (admin !== undefined && !c.trustedAggregators.securityhub.includes(admin)) {
      ctx.addIssue({
        code: 'custom',
        path: ['trustedAggregators', 'securityhub'],
        message: `must list ${admin}, the account securityHub.customActions names as the Security Hub administrator (its custom action events name other accounts' findings)`,
      });
    }
    if (c.remediation.accounts[c.hubAccountId] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['remediation', 'accounts', c.hubAccountId],
        message: 'the hub account is not a spoke; remove it from remediation.accounts',
      });
    }
  });

export type SoclessConfig = z.output<typeof SoclessConfigSchema>;
/** The part of the configuration an account's remediation mode is judged by: the mode settings, nothing else. */
export interface ModeSettings {
  readonly remediation: Pick<SoclessConfig['remediation'], 'defaultMode' | 'ous' | 'accounts'>;
}
export type SoclessConfigInput = z.input<typeof SoclessConfigSchema>;
export type WebhookSenderConfig = SoclessConfig['webhooks'][number];
/** Sources whose detail may name other accounts when sent by a configured aggregator. */
export type AggregatorSource = keyof SoclessConfig['trustedAggregators'];

/** The event sources a webhook sender may emit (its own name when it lists none). */
export function webhookSources(sender: WebhookSenderConfig): string[] {
  return sender.sources.length > 0 ? [...sender.sources] : [`socless.webhook.${sender.name}`];
}

/** Validates raw configuration; throws ConfigError naming the source, each key and the reason. */
export function parseConfig(raw: unknown, source: string): SoclessConfig {
  const result = SoclessConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems: Problem[] = result.error.issues.map((issue) => ({
    file: source,
    path: jsonPath(issue.path),
    reason: issue.message,
  }));
  throw new ConfigError(problems);
}

/** Context key in cdk.json that holds the configuration object. */
export const CONFIG_CONTEXT_KEY = 'socless';
/** Context key naming a JSON file that replaces the cdk.json object (`cdk synth -c configFile=prod.json`). */
export const CONFIG_FILE_CONTEXT_KEY = 'configFile';

/**
 * Reads the configuration the way the CDK app does: a JSON file named by `configFile` context, else the
 * `socless` context object.
 */
export function loadConfig(getContext: (key: string) => unknown): SoclessConfig {
  const file = getContext(CONFIG_FILE_CONTEXT_KEY);
  if (typeof file === 'string' && file.length > 0) return loadConfigFile(file);
  const raw = getContext(CONFIG_CONTEXT_KEY);
  if (raw === undefined) {
    throw new ConfigError([
      {
        file: 'cdk.json',
        path: `$.context.${CONFIG_CONTEXT_KEY}`,
        reason: 'is missing: add the socless configuration object',
      },
    ]);
  }
  return parseConfig(raw, `cdk.json context "${CONFIG_CONTEXT_KEY}"`);
}

export function loadConfigFile(file: string): SoclessConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, path: '$', reason: `cannot be read (${(err as Error).message})` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ file, path: '$', reason: `is not valid JSON (${(err as Error).message})` }]);
  }
  return parseConfig(raw, file);
}

const MODE_RANK: Record<RemediationMode, number> = { off: 0, notify: 1, 'dry-run': 2, auto: 3 };

/** Orders modes from least to most permissive. */
export function modeRank(mode: RemediationMode): number {
  return MODE_RANK[mode];
}

/**
 * The configured mode of an account: the account override, else the nearest OU on its path (`ouPath` runs
 * from the root down to the account's parent, so the deepest match wins), else the org default.
 * An account tag, where one is set, wins over all of these and is applied by the caller.
 */
export function configuredMode(
  config: ModeSettings,
  accountId: string,
  ouPath: readonly string[] = [],
): RemediationMode {
  const byAccount = config.remediation.accounts[accountId];
  if (byAccount) return byAccount;
  for (let i = ouPath.length - 1; i >= 0; i--) {
    const ou = ouPath[i];
    const byOu = ou ? config.remediation.ous[ou] : undefined;
    if (byOu) return byOu;
  }
  return config.remediation.defaultMode;
}
