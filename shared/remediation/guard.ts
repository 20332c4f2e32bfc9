/**
 * How far `auto` may go: a kill switch (an SSM parameter) and a blast-radius guard (automatic remediations
 * per account and per organization per hour), counted with conditional atomic updates in the `remediations`
 * table (which only the remediate integration writes) so concurrent Lambdas never overshoot. No
 * transactions: dynalite has none.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { METRICS } from '../metrics/catalog.ts';
import { emfLine } from '../metrics/emf.ts';
import { awsErrorCode } from './calls.ts';

/** Environment variable naming the kill-switch parameter. */
export const KILL_SWITCH_PARAMETER_ENV = 'SOCLESS_REMEDIATION_KILL_SWITCH_PARAMETER';
/**
 * The kill-switch parameter when the environment names none (the hub stack creates it with the value `off`).
 * Any value but `off` — `on`, a typo, a missing or unreadable parameter — holds every auto run to a dry-run.
 */
export const DEFAULT_KILL_SWITCH_PARAMETER = '/socless/remediation/kill-switch';
/** CloudWatch namespace and metric a remediate Lambda emits (embedded metric format) when it cannot read the switch. */
export const KILL_SWITCH_METRIC_NAMESPACE = METRICS.killSwitchUnreadable.namespace;
export const KILL_SWITCH_UNREADABLE_METRIC = METRICS.killSwitchUnreadable.name;

/** Whether automatic remediation is switched off org-wide. */
export interface KillSwitch {
  isOn(): Promise<boolean>;
}

/** The kill switch as a fixed value (the local hub, tests). */
export class StaticKillSwitch implements KillSwitch {
  constructor(private readonly on: boolean) {}
  async isOn(): Promise<boolean> {
    return this.on;
  }
}

/** Why the kill switch could not be read as `on` or `off`. */
export type KillSwitchProblem = 'missing' | 'unreadable' | 'invalid-value';

/**
 * Reads the SSM parameter on every run (with decryption, so an operator-made SecureString works), so flipping
 * it takes effect at once. Fail safe: `off` is the only value that lets auto runs apply; a missing parameter,
 * a read failure or any other value counts as on and is reported to `onProblem`.
 */
export class SsmKillSwitch implements KillSwitch {
  constructor(
    private readonly ssm: SSMClient,
    readonly parameterName: string = DEFAULT_KILL_SWITCH_PARAMETER,
    private readonly onProblem: (problem: KillSwitchProblem, err: unknown) => void = () => {},
  ) {}

  async isOn(): Promise<boolean> {
    let value: string;
    try {
      const out = await this.ssm.send(new GetParameterCommand({ Name: this.parameterName, WithDecryption: true }));
      value = (out.Parameter?.Value ?? '').trim().toLowerCase();
    } catch (err) {
      this.onProblem(awsErrorCode(err) === 'ParameterNotFound' ? 'missing' : 'unreadable', err);
      return true;
    }
    if (value === 'off') return false;
    if (value !== 'on') {
      this.onProblem('invalid-value', new Error(`${this.parameterName} is "${value}", neither "on" nor "off"`));
    }
    return true;
  }
}

/** One embedded-metric-format line counting an unreadable kill switch (HubMonitoring alarms on it). */
export function killSwitchUnreadableMetricLine(at: Date, problem: KillSwitchProblem): string {
  return emfLine({ metric: METRICS.killSwitchUnreadable, value: 1, properties: { problem } }, at);
}

/** Limits of the blast-radius guard. */
export interface GuardLimits {
  readonly maxAutoPerAccountPerHour: number;
  readonly maxAutoPerOrgPerHour: number;
}

/** The outcome of asking for one automatic remediation. */
export type GuardDecision =
  | { readonly allowed: true; readonly accountCount: number; readonly orgCount: number }
  | { readonly allowed: false; readonly scope: 'account' | 'org'; readonly limit: number };

/** The hour bucket of a time: `2025-03-14T08`. */
export function hourBucket(at: Date): string {
  return at.toISOString().slice(0, 13);
}

/** Counts automatic remediations per hour in the `remediations` table (items expire through its TTL). */
export class BlastRadiusGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly limits: GuardLimits,
  ) {}

  /** Partition key of a counter item (its sort key is `counter`; no claim has an investigation id like it). */
  static counterKey(scope: 'account' | 'org', hour: string, account?: string): string {
    return scope === 'org' ? `guard#org#${hour}` : `guard#account#${account}#${hour}`;
  }

  /**
   * Takes one slot from the account's and the org's hourly budget, or none: the account counter goes first;
   * if the org budget is then exhausted, the account slot is given back.
   */
  async acquire(account: string, at: Date): Promise<GuardDecision> {
    const hour = hourBucket(at);
    // Keep counters a day past their hour; DynamoDB TTL deletes them after that.
    const expiresAt = Math.floor(at.getTime() / 1000) + 2 * 3600 + 86_400;
    const accountKey = BlastRadiusGuard.counterKey('account', hour, account);
    const accountCount = await this.increment(accountKey, this.limits.maxAutoPerAccountPerHour, expiresAt);
    if (accountCount === undefined) {
      return { allowed: false, scope: 'account', limit: this.limits.maxAutoPerAccountPerHour };
    }
    const orgKey = BlastRadiusGuard.counterKey('org', hour);
    const orgCount = await this.increment(orgKey, this.limits.maxAutoPerOrgPerHour, expiresAt);
    if (orgCount === undefined) {
      await this.decrement(accountKey);
      return { allowed: false, scope: 'org', limit: this.limits.maxAutoPerOrgPerHour };
    }
    return { allowed: true, accountCount, orgCount };
  }

  /** Gives back a slot `acquire` took (the run then did not apply: another invocation held the claim). */
  async release(account: string, at: Date): Promise<void> {
    const hour = hourBucket(at);
    await this.decrement(BlastRadiusGuard.counterKey('account', hour, account));
    await this.decrement(BlastRadiusGuard.counterKey('org', hour));
  }

  private async increment(key: string, max: number, expiresAt: number): Promise<number | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { investigationId: key, remediationId: 'counter' },
          UpdateExpression: 'SET #n = if_not_exists(#n, :zero) + :one, #exp = :exp',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeNames: { '#n': 'count', '#exp': 'expiresAt' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': max, ':exp': expiresAt },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.count);
    } catch (err) {
      if (awsErrorCode(err) === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  private async decrement(key: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { investigationId: key, remediationId: 'counter' },
          UpdateExpression: 'SET #n = #n - :one',
          ConditionExpression: '#n > :zero',
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
        }),
      );
    } catch (err) {
      // Already at zero: nothing to give back.
      if (awsErrorCode(err) !== 'ConditionalCheckFailedException') throw err;
    }
  }
}
