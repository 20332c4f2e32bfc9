/**
 * The local hub the console's browser tests look at: several investigations over the simulated org, an
 * execution parked on an approval, a remediation applied for real (through the hub's spoke sessions, against a
 * stateful fake of S3 behind aws-sdk-client-mock) that can be undone, and a finding whose title is hostile.
 */
import { readFileSync } from 'node:fs';
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalHub, loadRepoConfig } from '../../scripts/local/hub.ts';

const read = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));

/** Accounts of scripts/local/sample-org.json and their modes in cdk.json. */
export const ACCOUNTS = {
  /** payments-prod: notify (the default), so a fix is asked for. */
  payments: '123456789012',
  /** analytics-dev: dry-run (Dev OU). */
  analytics: '210987654321',
  /** web-prod: auto (account tag). */
  web: '333333333333',
  /** sandbox-alice: auto (Sandbox OU). */
  sandbox: '444444444444',
} as const;

/**
 * A finding title in every shape the bad-input corpus has (test/pipeline/faults.test.ts: markup, template and
 * path syntax, combining marks, a right-to-left override, a byte-order mark). It must render as this text.
 */
export const HOSTILE_TITLE = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script>',
  '<svg onload=alert(3)>',
  '{{context.artifacts.event}}',
  '{{secret:prod/db}}',
  '$.results.Enrich',
  "'; DROP TABLE events; --",
  'ṩ̸̢̛ö̷c̶l̴e̷s̸s̶ \u202e gnirts \ufeff 🦆',
].join(' ');

/** GuardDuty SSH brute-force findings (guardduty-triage and triage-notify run on each), one per account given. */
export function guardDutyFindings(accounts: readonly string[], prefix: string, title?: string): unknown[] {
  const base = read('test/fixtures/events/guardduty-ssh-bruteforce.json');
  return accounts.map((account, i) => ({
    ...base,
    id: `${prefix}-${i}-0000-4000-8000-000000000000`,
    account,
    time: new Date(Date.UTC(2026, 11, 1, 9, i)).toISOString().replace('.000Z', 'Z'),
    detail: {
      ...base.detail,
      accountId: account,
      id: `${prefix}${i}`.padEnd(32, '0'),
      arn: `arn:aws:guardduty:us-east-1:${account}:detector/12abc34d567e8fa901bc2d34e56789f0/finding/${prefix}${i}`,
      ...(title ? { title } : {}),
    },
  }));
}

/** Security Hub S3.8 (bucket blocks no public access) in an account, about a bucket: remediate-finding runs. */
export function publicBucketFinding(account: string, bucket: string, id: string): unknown {
  const base = read('playbooks/remediate-finding/events/securityhub-s3-bucket-public-high.json');
  const text = JSON.stringify(base)
    .replaceAll('210987654321', account)
    .replaceAll('batch-prod-exports', bucket)
    .replaceAll('1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b', id);
  return { ...JSON.parse(text), id };
}

/** The public access block of each bucket, as S3 holds it; the fake applies writes to it. */
export class S3BucketsFake {
  readonly blocks = new Map<string, PublicAccessBlockConfiguration | undefined>();
  readonly s3 = mockClient(S3Client);

  constructor(buckets: readonly string[]) {
    for (const b of buckets) this.blocks.set(b, undefined);
    const bucket = (name: string | undefined) => {
      if (!name || !this.blocks.has(name)) {
        throw Object.assign(new Error(`The specified bucket does not exist: ${name}`), { name: 'NoSuchBucket' });
      }
      return name;
    };
    this.s3.on(GetPublicAccessBlockCommand).callsFake((input: { Bucket?: string }) => {
      const config = this.blocks.get(bucket(input.Bucket));
      if (!config) {
        throw Object.assign(new Error('The public access block configuration was not found'), {
          name: 'NoSuchPublicAccessBlockConfiguration',
        });
      }
      return { PublicAccessBlockConfiguration: structuredClone(config) };
    });
    this.s3
      .on(PutPublicAccessBlockCommand)
      .callsFake((input: { Bucket?: string; PublicAccessBlockConfiguration?: PublicAccessBlockConfiguration }) => {
        this.blocks.set(bucket(input.Bucket), structuredClone(input.PublicAccessBlockConfiguration ?? {}));
        return {};
      });
    this.s3.on(DeletePublicAccessBlockCommand).callsFake((input: { Bucket?: string }) => {
      this.blocks.set(bucket(input.Bucket), undefined);
      return {};
    });
  }

  /** Whether the bucket blocks public access on all four settings. */
  blocked(name: string): boolean {
    const c = this.blocks.get(name);
    return Boolean(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);
  }
}

/**
 * STS (every AssumeRole answers with short-lived credentials), the kill switch read as off, the external id
 * secret: what the hub's spoke sessions need around the fake service.
 */
export function mockHubAws() {
  const sts = mockClient(STSClient);
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn?: string; RoleSessionName?: string }) => ({
    Credentials: {
      AccessKeyId: 'ASIAEXAMPLEBROWSER01',
      SecretAccessKey: 'fake-secret-access-key',
      SessionToken: 'fake-session-token',
      Expiration: new Date(Date.now() + 3600_000),
    },
    AssumedRoleUser: {
      Arn: `${String(input.RoleArn).replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${input.RoleSessionName}`,
      AssumedRoleId: 'AROAEXAMPLEBROWSER:session',
    },
  }));
  sts.on(GetCallerIdentityCommand).resolves({
    Account: '111111111111',
    Arn: 'arn:aws:sts::111111111111:assumed-role/socless-operator/browser-test',
    UserId: 'AROAEXAMPLEBROWSER:browser-test',
  });
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/socless/kill-switch', Value: 'off' } });
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'browser-test-external-id-4f9c2a7e1b' });
  return {
    sts,
    ssm,
    secrets,
    restore() {
      sts.restore();
      ssm.restore();
      secrets.restore();
    },
  };
}

export interface ConsoleHubFixture {
  readonly hub: LocalHub;
  readonly buckets: S3BucketsFake;
  /** The execution whose remediation was applied (auto account), to undo. */
  readonly appliedExecutionArn: string;
  /** The bucket that execution changed. */
  readonly appliedBucket: string;
  /** The execution parked on Ask_Approval (notify account). */
  readonly waitingExecutionArn: string;
  readonly waitingBucket: string;
  /** The investigation whose finding title is {@link HOSTILE_TITLE}. */
  readonly hostileInvestigationId: string;
  /** The investigation of the applied remediation. */
  readonly appliedInvestigationId: string;
  /** Investigations per account, as submitted. */
  readonly perAccount: Readonly<Record<string, number>>;
  readonly idsByAccount: Readonly<Record<string, readonly string[]>>;
  close(): Promise<void>;
}

/** The execution of `playbook` (or of its Express twin `<playbook>-express`, which auto-mode runs may use). */
function executionOf(outcomes: Awaited<ReturnType<LocalHub['submit']>>, playbook: string): string {
  const run = outcomes
    .flatMap((o) => o.runs)
    .find((r) => r.playbook === playbook || r.playbook === `${playbook}-express`);
  if (!run?.arn) throw new Error(`no ${playbook} execution was started: ${JSON.stringify(outcomes)}`);
  return run.arn;
}

/** Starts the local hub and fills it; the console is served over it by the caller. */
export async function startConsoleHub(): Promise<ConsoleHubFixture> {
  const aws = mockHubAws();
  const appliedBucket = 'web-prod-assets';
  const waitingBucket = 'payments-prod-exports';
  const buckets = new S3BucketsFake([appliedBucket, waitingBucket]);
  const hub = await LocalHub.start({
    aws: true,
    config: { ...loadRepoConfig(), externalId: 'browser-test-external-id-4f9c2a7e1b' },
    interactionTimeoutMs: 'never',
    executionWaitMs: 20_000,
  });
  try {
    const perAccount: Record<string, number> = {};
    const idsByAccount: Record<string, string[]> = {};
    /** Submits one event that must open an investigation of its own in `account`. */
    const open = async (account: string, event: unknown) => {
      const outcomes = await hub.submit(event, 'browser-test');
      const [o] = outcomes;
      if (o?.status !== 'dispatched' || o.previousInvestigationId) {
        throw new Error(`an event did not open an investigation: ${JSON.stringify(o)}`);
      }
      perAccount[account] = (perAccount[account] ?? 0) + 1;
      idsByAccount[account] = [...(idsByAccount[account] ?? []), o.investigationId ?? o.eventId];
      return outcomes;
    };
    // Several investigations over four accounts: more than one page at the tests' page size.
    const plain = [ACCOUNTS.payments, ACCOUNTS.analytics, ACCOUNTS.payments, ACCOUNTS.sandbox, ACCOUNTS.analytics];
    const findings = guardDutyFindings(plain, 'b0');
    for (const [i, account] of plain.entries()) await open(account, findings[i]);

    // Applied for real: web-prod is in auto mode, the finding is HIGH.
    const applied = await open(
      ACCOUNTS.web,
      publicBucketFinding(ACCOUNTS.web, appliedBucket, 'b1a0c0de-0000-4000-8000-00000000a001'),
    );
    const appliedInvestigationId = applied[0]?.investigationId ?? applied[0]?.eventId ?? '';
    const appliedExecutionArn = executionOf(applied, 'remediate-finding');
    if (!buckets.blocked(appliedBucket)) throw new Error(`the auto remediation did not block ${appliedBucket}`);

    // Parked on Ask_Approval: payments-prod is in notify mode.
    const waiting = await open(
      ACCOUNTS.payments,
      publicBucketFinding(ACCOUNTS.payments, waitingBucket, 'b1a0c0de-0000-4000-8000-00000000a002'),
    );
    const waitingExecutionArn = executionOf(waiting, 'remediate-finding');
    if (!hub.pendingInteractions().some((p) => p.executionId === waitingExecutionArn)) {
      throw new Error('the notify-account execution is not waiting on an approval');
    }

    // The hostile title (newest, so it is on the first page).
    const [hostile] = await open(ACCOUNTS.analytics, guardDutyFindings([ACCOUNTS.analytics], 'b2', HOSTILE_TITLE)[0]);
    const hostileInvestigationId = hostile?.investigationId ?? hostile?.eventId ?? '';

    return {
      hub,
      buckets,
      appliedExecutionArn,
      appliedBucket,
      appliedInvestigationId,
      waitingExecutionArn,
      waitingBucket,
      hostileInvestigationId,
      perAccount,
      idsByAccount,
      async close() {
        await hub.close();
        buckets.s3.restore();
        aws.restore();
      },
    };
  } catch (err) {
    await hub.close();
    buckets.s3.restore();
    aws.restore();
    throw err;
  }
}
