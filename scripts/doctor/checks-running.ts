/**
 * The hub's secrets and, once deployed, its health: the ExternalId and integration secrets, the alarm e-mail
 * subscription, the hub stack, spoke stack instances per account and region (the org-status scan), alarms not
 * in ALARM, dead-letter queues empty, and the sweeper run within its 15 minutes.
 */
import {
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import {
  JIRA_CREDENTIALS_SECRET_NAME,
  SLACK_BOT_TOKEN_SECRET_NAME,
  SLACK_SIGNING_SECRET_NAME,
  SLACK_WEBHOOK_SECRET_NAME,
} from '../../shared/integrations/settings.ts';
import { NAMES } from '../../shared/names.ts';
import { coverageText, scanOrganization } from '../org/scan.ts';
import { type DoctorCheck, errorName } from './check.ts';
import type { DoctorDeps } from './deps.ts';
import { type CheckResult, fail, pass, skip, warn } from './types.ts';

/** Values that are documentation samples, not secrets (the same test config applies to `externalId`). */
const SAMPLE_SECRET = /change-?me|example|sample|placeholder/i;
/** The sweeper runs every few minutes; silence for longer than this means it is not running. */
export const SWEEPER_SILENCE_MINUTES = 15;

interface HubStackState {
  readonly status?: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly resources: readonly StackResourceSummary[];
}

const hubStacks = new WeakMap<DoctorDeps, Promise<HubStackState | undefined>>();
/** The hub stack's status, outputs and resources (memoized; undefined when it is not deployed). */
export function hubStack(deps: DoctorDeps): Promise<HubStackState | undefined> {
  let found = hubStacks.get(deps);
  if (!found) {
    found = (async () => {
      let stack: Awaited<ReturnType<typeof describe>>;
      const describe = () =>
        deps.gates.cloudformation.call(() =>
          deps.clients.cloudformation.send(new DescribeStacksCommand({ StackName: NAMES.stacks.hub })),
        );
      try {
        stack = await describe();
      } catch (err) {
        if (errorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) return undefined;
        throw err;
      }
      const s = stack.Stacks?.[0];
      const outputs: Record<string, string> = {};
      for (const o of s?.Outputs ?? []) if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
      const resources: StackResourceSummary[] = [];
      let token: string | undefined;
      do {
        const page = await deps.gates.cloudformation.call(() =>
          deps.clients.cloudformation.send(
            new ListStackResourcesCommand({ StackName: NAMES.stacks.hub, NextToken: token }),
          ),
        );
        resources.push(...(page.StackResourceSummaries ?? []));
        token = page.NextToken;
      } while (token);
      return { ...(s?.StackStatus ? { status: s.StackStatus } : {}), outputs, resources };
    })();
    hubStacks.set(deps, found);
  }
  return found;
}

const deployHub = (deps: DoctorDeps) =>
  `npx cdk deploy ${NAMES.stacks.hub}${deps.profile ? ` --profile ${deps.profile}` : ''}`;

/** Runs `check` against the deployed hub; a skip line when the hub is not deployed yet. */
async function withHub(
  deps: DoctorDeps,
  id: string,
  check: (hub: HubStackState) => Promise<CheckResult | readonly CheckResult[]>,
): Promise<CheckResult | readonly CheckResult[]> {
  const hub = await hubStack(deps);
  if (!hub) return skip(id, `${NAMES.stacks.hub} is not deployed in ${deps.config.homeRegion}`, deployHub(deps));
  return check(hub);
}

const resourcesOf = (hub: HubStackState, type: string) =>
  hub.resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId);

async function secretState(deps: DoctorDeps, name: string): Promise<'missing' | 'present'> {
  try {
    await deps.gates.secretsmanager.call(() =>
      deps.clients.secretsmanager.send(new DescribeSecretCommand({ SecretId: name })),
    );
    return 'present';
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return 'missing';
    throw err;
  }
}

const externalIdSecret: DoctorCheck = {
  id: 'external-id',
  phase: 'deploy',
  scope: 'hub',
  actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  async run(deps) {
    const { externalId, externalIdSecretName } = deps.config;
    if (externalId) {
      return warn(
        this.id,
        'config sets externalId (deprecated): the value sits in a configuration file',
        `remove "externalId" from cdk.json; the hub's secret ${externalIdSecretName} holds a generated one`,
      );
    }
    if ((await secretState(deps, externalIdSecretName)) === 'missing') {
      return fail(
        this.id,
        `secret ${externalIdSecretName} does not exist in ${deps.caller.account}/${deps.config.homeRegion}: spoke roles cannot be assumed`,
        `${deployHub(deps)} (the hub stack generates it), then redeploy SoclessOrgRollout with --parameters SpokeExternalId=<its value>`,
      );
    }
    const value = await deps.gates.secretsmanager.call(() =>
      deps.clients.secretsmanager.send(new GetSecretValueCommand({ SecretId: externalIdSecretName })),
    );
    const text = value.SecretString?.trim() ?? '';
    const rotate = `aws secretsmanager put-secret-value --secret-id ${externalIdSecretName} --secret-string "$(openssl rand -hex 24)", then redeploy SoclessOrgRollout with the new SpokeExternalId`;
    if (text.length < 16) return fail(this.id, `secret ${externalIdSecretName} holds fewer than 16 characters`, rotate);
    if (SAMPLE_SECRET.test(text)) {
      return fail(this.id, `secret ${externalIdSecretName} holds a sample value (change-me, example…)`, rotate);
    }
    return pass(this.id, `secret ${externalIdSecretName} exists and holds a generated value`);
  },
};

const integrationSecrets: DoctorCheck = {
  id: 'integration-secrets',
  phase: 'running',
  scope: 'hub',
  actions: ['secretsmanager:DescribeSecret'],
  async run(deps) {
    const wanted = [
      ...(deps.config.slack ? [SLACK_BOT_TOKEN_SECRET_NAME, SLACK_SIGNING_SECRET_NAME, SLACK_WEBHOOK_SECRET_NAME] : []),
      ...(deps.config.jira ? [JIRA_CREDENTIALS_SECRET_NAME] : []),
    ];
    if (wanted.length === 0) return pass(this.id, 'neither Slack nor Jira is configured: no integration secret needed');
    const missing: string[] = [];
    for (const name of wanted) if ((await secretState(deps, name)) === 'missing') missing.push(name);
    if (missing.length === 0) return pass(this.id, `integration secrets exist: ${wanted.join(', ')}`);
    return fail(
      this.id,
      `missing integration secrets: ${missing.join(', ')}`,
      `${deployHub(deps)} (it creates them), then aws secretsmanager put-secret-value --secret-id <name> --secret-string <value> for each`,
    );
  },
};

const hubStackStatus: DoctorCheck = {
  id: 'hub-stack',
  phase: 'running',
  scope: 'hub',
  actions: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
  async run(deps) {
    const hub = await hubStack(deps);
    if (!hub)
      return warn(this.id, `${NAMES.stacks.hub} is not deployed in ${deps.config.homeRegion} yet`, deployHub(deps));
    const status = hub.status ?? 'UNKNOWN';
    if (/_COMPLETE$/.test(status) && !/ROLLBACK|DELETE/.test(status)) {
      return pass(this.id, `${NAMES.stacks.hub} is ${status} (${hub.resources.length} resources)`);
    }
    return fail(
      this.id,
      `${NAMES.stacks.hub} is ${status}`,
      `aws cloudformation describe-stack-events --stack-name ${NAMES.stacks.hub} (first FAILED event), fix it, then ${deployHub(deps)}`,
    );
  },
};

const alarmEmail: DoctorCheck = {
  id: 'alarm-email',
  phase: 'running',
  scope: 'hub',
  actions: ['sns:ListSubscriptionsByTopic'],
  async run(deps) {
    const email = deps.config.alarmEmail;
    if (!email) {
      return warn(
        this.id,
        'no alarmEmail configured: alarms reach nobody',
        'set "alarmEmail" in cdk.json and redeploy SoclessHub',
      );
    }
    return withHub(deps, this.id, async (hub) => {
      const topicArn = hub.outputs.AlarmTopicArn;
      if (!topicArn) return fail(this.id, `${NAMES.stacks.hub} has no AlarmTopicArn output`, deployHub(deps));
      const subscriptions: { arn?: string; endpoint?: string }[] = [];
      let token: string | undefined;
      do {
        const page = await deps.gates.sns.call(() =>
          deps.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token })),
        );
        for (const s of page.Subscriptions ?? []) subscriptions.push({ arn: s.SubscriptionArn, endpoint: s.Endpoint });
        token = page.NextToken;
      } while (token);
      const mine = subscriptions.find((s) => s.endpoint?.toLowerCase() === email.toLowerCase());
      const subscribe = `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint ${email}, then open the confirmation e-mail`;
      if (!mine) return fail(this.id, `${email} is not subscribed to the alarm topic`, subscribe);
      if (!mine.arn || mine.arn === 'PendingConfirmation') {
        return fail(
          this.id,
          `the subscription of ${email} is not confirmed: alarms are not delivered`,
          `open the "AWS Notification - Subscription Confirmation" e-mail sent to ${email} and click Confirm subscription (or: ${subscribe})`,
        );
      }
      return pass(this.id, `${email} is subscribed to the alarm topic and confirmed`);
    });
  },
};

const hubAlarms: DoctorCheck = {
  id: 'hub-alarms',
  phase: 'running',
  scope: 'hub',
  actions: ['cloudwatch:DescribeAlarms'],
  async run(deps) {
    return withHub(deps, this.id, async (hub) => {
      const names = resourcesOf(hub, 'AWS::CloudWatch::Alarm').map((r) => r.PhysicalResourceId as string);
      const firing: string[] = [];
      for (let i = 0; i < names.length; i += 100) {
        const out = await deps.gates.cloudwatch.call(() =>
          deps.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) })),
        );
        for (const a of out.MetricAlarms ?? []) if (a.StateValue === 'ALARM' && a.AlarmName) firing.push(a.AlarmName);
      }
      if (firing.length === 0) return pass(this.id, `none of the hub's ${names.length} alarms is in ALARM`);
      return fail(
        this.id,
        `${firing.length} hub alarm(s) in ALARM: ${firing.slice(0, 5).join(', ')}${firing.length > 5 ? ` and ${firing.length - 5} more` : ''}`,
        `aws cloudwatch describe-alarms --alarm-names ${firing[0]} --query "MetricAlarms[0].AlarmDescription" (each description says what to do)`,
      );
    });
  },
};

const deadLetterQueues: DoctorCheck = {
  id: 'dead-letter-queues',
  phase: 'running',
  scope: 'hub',
  actions: ['sqs:GetQueueAttributes'],
  async run(deps) {
    return withHub(deps, this.id, async (hub) => {
      const queues = resourcesOf(hub, 'AWS::SQS::Queue').filter((r) =>
        /Dlq|DeadLetter/i.test(r.LogicalResourceId ?? ''),
      );
      const holding: { url: string; count: number }[] = [];
      for (const q of queues) {
        const url = q.PhysicalResourceId as string;
        const out = await deps.gates.sqs.call(() =>
          deps.clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: url,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          ),
        );
        const count =
          Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
          Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
        if (count > 0) holding.push({ url, count });
      }
      if (holding.length === 0) return pass(this.id, `all ${queues.length} hub dead-letter queues are empty`);
      const first = holding[0] as { url: string; count: number };
      return fail(
        this.id,
        `${holding.length} dead-letter queue(s) hold messages: ${holding.map((h) => `${h.url.split('/').pop()} (${h.count})`).join(', ')}`,
        `read them (aws sqs receive-message --queue-url ${first.url} --attribute-names All --message-attribute-names All), fix the cause, then re-drive (aws sqs start-message-move-task --source-arn <queue ARN>)`,
      );
    });
  },
};

const sweeperRan: DoctorCheck = {
  id: 'sweeper',
  phase: 'running',
  scope: 'hub',
  actions: ['cloudwatch:GetMetricStatistics'],
  async run(deps) {
    return withHub(deps, this.id, async (hub) => {
      const sweeper = resourcesOf(hub, 'AWS::Lambda::Function').find((r) =>
        (r.LogicalResourceId ?? '').startsWith('EndpointSweeper'),
      );
      if (!sweeper) return fail(this.id, `${NAMES.stacks.hub} has no sweeper function`, deployHub(deps));
      const name = sweeper.PhysicalResourceId as string;
      const end = new Date((deps.now ?? Date.now)());
      const start = new Date(end.getTime() - SWEEPER_SILENCE_MINUTES * 60_000);
      const out = await deps.gates.cloudwatch.call(() =>
        deps.clients.cloudwatch.send(
          new GetMetricStatisticsCommand({
            Namespace: 'AWS/Lambda',
            MetricName: 'Invocations',
            Dimensions: [{ Name: 'FunctionName', Value: name }],
            StartTime: start,
            EndTime: end,
            Period: 60,
            Statistics: ['Sum'],
          }),
        ),
      );
      const runs = (out.Datapoints ?? []).reduce((sum, d) => sum + (d.Sum ?? 0), 0);
      if (runs > 0)
        return pass(this.id, `the sweeper ${name} ran ${runs} time(s) in the last ${SWEEPER_SILENCE_MINUTES} minutes`);
      return fail(
        this.id,
        `the sweeper ${name} has not run in the last ${SWEEPER_SILENCE_MINUTES} minutes: stuck events are not re-driven`,
        `check its schedule rule is ENABLED (aws events list-rule-names-by-target --target-arn <sweeper ARN>, then aws events enable-rule --name <rule>) and its errors (aws logs tail /aws/lambda/${name} --since 1h)`,
      );
    });
  },
};

const spokeInstances: DoctorCheck = {
  id: 'spoke-instances',
  phase: 'running',
  scope: 'org',
  actions: ['organizations:List*', 'organizations:Describe*', 'cloudformation:ListStackInstances'],
  async run(deps) {
    const report = await scanOrganization(
      {
        organizations: deps.clients.organizations,
        cloudformation: deps.clients.stackSets,
        stsUnavailable: 'the doctor does not probe spoke roles (socless org status does)',
        stsWithCredentials: (credentials) => new STSClient({ region: deps.config.homeRegion, credentials }),
        gates: deps.gates,
      },
      { config: deps.config, ...(deps.now ? { now: deps.now } : {}) },
    );
    const c = report.coverage;
    const rollout = `npx cdk deploy ${NAMES.stacks.orgRollout} --parameters SpokeExternalId=<hub secret value> (management account or delegated administrator)`;
    const missingSet = report.failures.find((f) => f.scope.startsWith('StackSet') && /not ?found/i.test(f.error));
    if (missingSet) return fail(this.id, `${missingSet.scope}: ${missingSet.error}`, rollout);
    if (report.failures.length > 0) {
      const f = report.failures[0] as (typeof report.failures)[number];
      return warn(
        this.id,
        `the scan could not read everything: ${f.scope} ${f.operation}: ${f.error}`,
        'socless org status --json (per-account detail); run with management or delegated-administrator credentials (--org-role)',
      );
    }
    if (c.expected === 0) {
      return warn(
        this.id,
        'no active member account is under targetOuIds',
        'move accounts into a target OU or fix targetOuIds in cdk.json',
      );
    }
    if (c.covered === c.expected) {
      return pass(this.id, `all ${c.expected} target accounts have CURRENT spoke instances in every configured region`);
    }
    const lines = coverageText(report).filter((l) => /spoke|covered|outdated|inoperable/i.test(l));
    return fail(
      this.id,
      `${c.covered} of ${c.expected} target accounts have every spoke instance CURRENT${lines.length ? `; ${lines.slice(0, 3).join('; ')}` : ''}`,
      `aws cloudformation list-stack-instances --stack-set-name ${NAMES.stackSets.regional} --call-as ${deps.config.rollout.callAs} --filters Name=DETAILED_STATUS,Values=FAILED (the StatusReason says why), then re-run: aws cloudformation update-stack-instances --stack-set-name <set> --deployment-targets OrganizationalUnitIds=<ou> --regions <regions> --call-as ${deps.config.rollout.callAs}`,
    );
  },
};

/** Secrets and health of the running hub, in report order. */
export const RUNNING_CHECKS: readonly DoctorCheck[] = [
  externalIdSecret,
  integrationSecrets,
  hubStackStatus,
  alarmEmail,
  hubAlarms,
  deadLetterQueues,
  sweeperRan,
  spokeInstances,
];
