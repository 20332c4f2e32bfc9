/**
 * The console over a deployed hub, read with the operator's own AWS credentials (no endpoint of its own): the
 * hub's DynamoDB tables (names from the hub stack's outputs, or flags), Step Functions for executions (Describe,
 * paged GetExecutionHistory for the path and each state's input, output and error, ListExecutions), and the
 * `message_responses` table for the interactions waiting for a person. Actions go through the same code as the
 * CLI and the deployed interactions function: InvestigationsRepository.close, answerInteraction (claim once,
 * then SendTaskSuccess/SendTaskFailure with the operator's credentials, recorded under their IAM principal),
 * and undoExecution with the operator's undo sessions.
 *
 * Every AWS read is bounded: history pages (1,000 events each) up to MAX_HISTORY_PAGES, at most
 * MAX_DESCRIBED executions described per investigation, listing pages of at most 100.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeOrganizationalUnitCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { answerInteraction, sfnTaskResponder } from '../../hub/functions/interactions.ts';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import type { SoclessConfig } from '../../shared/config.ts';
import { type CompiledPlaybook, referencedIntegrations } from '../../shared/deploy-model.ts';
import { SoclessError } from '../../shared/errors.ts';
import { effectiveMode } from '../../shared/org/accounts.ts';
import { EXPRESS_VARIANTS } from '../../shared/pipeline/workflow-variants.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';
import { partitionOf } from '../../shared/remediation/session.ts';
import { AccountRecordSchema } from '../../shared/store/accounts.ts';
import { createDocumentClient } from '../../shared/store/clients.ts';
import { InvestigationNotFoundError, InvestigationsRepository } from '../../shared/store/investigations.ts';
import { RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { ResultsRepository, type StateResultRecord } from '../../shared/store/results.ts';
import type { TableKey } from '../../shared/tables.ts';
import { DEFAULT_PLAYBOOKS_DIR } from '../local/hub.ts';
import { hubStackOutputs } from '../org/aws-context.ts';
import { type ExecutionFailure, expressFailures } from '../org/executions.ts';
import { type ApiGates, createGates } from '../org/gates.ts';
import { answeredMessage, closeInvestigation, consolePlaybook, decisionRefusal, undoAsOperator } from './actions.ts';
import type {
  CloseForm,
  ConsoleAccount,
  ConsoleActionResult,
  ConsoleApproval,
  ConsoleBackend,
  ConsoleExecutionDetail,
  ConsoleExecutionStatus,
  ConsoleExecutionSummary,
  ConsoleInvestigation,
  ConsolePlaybook,
  ConsoleStep,
  Decision,
  InvestigationFilter,
  InvestigationPage,
} from './backend.ts';
import {
  errorMessage,
  isProgrammingError,
  lastEventAt,
  markWaiting,
  ouKeys,
  parseRaw,
  readOpeningEvent,
} from './event-records.ts';
import {
  InvestigationIndex,
  type InvestigationTables,
  idsReceivedSince,
  loadInvestigationSummaries,
  refreshIds,
} from './investigation-index.ts';

/** Pages of GetExecutionHistory read for one execution (1,000 events a page). */
export const MAX_HISTORY_PAGES = 10;
/** Executions described for one investigation page. */
export const MAX_DESCRIBED = 50;
/** The prefix of every playbook's state machine name (hub/constructs/playbook-state-machine.ts). */
const STATE_MACHINE_PREFIX = 'socless-';

/** The hub tables the console reads. */
export type ConsoleTableNames = Readonly<
  Record<'events' | 'dedup' | 'results' | 'remediations' | 'message_responses' | 'accounts', string>
>;
const CONSOLE_TABLES = ['events', 'dedup', 'results', 'remediations', 'message_responses', 'accounts'] as const;

/** The hub stack's output naming a table (`Table<Name>Name`, as hub/hub-stack.ts writes it). */
export function hubTableOutputKey(table: TableKey): string {
  const id = table
    .split(/[_-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `Table${id}Name`;
}

/** The flag that names a table instead of the stack output. */
export function tableFlag(table: (typeof CONSOLE_TABLES)[number]): string {
  return `--${table.replace(/_/g, '-')}-table`;
}

/** The hub stack's output naming the vault bucket (hub/hub-stack.ts). */
export const VAULT_BUCKET_OUTPUT = 'VaultBucketName';

/** Table names from flags, the rest from the hub stack's outputs (one DescribeStacks, only when a flag is missing). */
export async function resolveConsoleTables(
  given: Partial<Record<(typeof CONSOLE_TABLES)[number], string>>,
  cloudformation: CloudFormationClient,
): Promise<ConsoleTableNames> {
  return (await resolveConsoleResources({ tables: given, vaultBucket: null }, cloudformation)).tables;
}

/**
 * The hub's tables and vault bucket: what a flag names, the rest from the hub stack's outputs (one DescribeStacks,
 * only when something is missing). The vault bucket is the only bucket offloaded raw events are read from.
 */
export async function resolveConsoleResources(
  given: {
    readonly tables: Partial<Record<(typeof CONSOLE_TABLES)[number], string>>;
    /** A name; undefined: read it from the stack outputs too; null: none (raw events read from the bucket each record names). */
    readonly vaultBucket?: string | null;
  },
  cloudformation: CloudFormationClient,
): Promise<{ tables: ConsoleTableNames; vaultBucket?: string }> {
  const missing = CONSOLE_TABLES.filter((t) => !given.tables[t]);
  const wantVault = given.vaultBucket === undefined;
  const outputs =
    missing.length > 0 || wantVault ? await hubStackOutputs(cloudformation, createGates({ rates: {} })) : {};
  const names = Object.fromEntries(
    CONSOLE_TABLES.map((t) => {
      const name = given.tables[t] ?? outputs[hubTableOutputKey(t)];
      if (!name) {
        throw new SoclessError(
          `the hub stack has no output ${hubTableOutputKey(t)}: redeploy the hub, or pass ${tableFlag(t)} <name>`,
        );
      }
      return [t, name];
    }),
  ) as ConsoleTableNames;
  const vaultBucket = wantVault ? outputs[VAULT_BUCKET_OUTPUT] : (given.vaultBucket ?? undefined);
  if (wantVault && !vaultBucket) {
    throw new SoclessError(
      `the hub stack has no output ${VAULT_BUCKET_OUTPUT}: redeploy the hub, or pass --vault-bucket <name>`,
    );
  }
  return { tables: names, ...(vaultBucket ? { vaultBucket } : {}) };
}

export interface AwsConsoleOptions {
  readonly config: SoclessConfig;
  readonly region: string;
  readonly tables: ConsoleTableNames;
  /** The vault bucket (stack output VaultBucketName): when set, offloaded raw events are read only from it. */
  readonly vaultBucket?: string;
  /** @default clients in `region` with the default credential chain */
  readonly documents?: DynamoDBDocumentClient;
  readonly sfn?: SFNClient;
  readonly sts?: STSClient;
  readonly s3?: S3Client;
  /** Reads Express executions' failures from their state machines' log groups. */
  readonly logs?: CloudWatchLogsClient;
  /** Reads OU names (DescribeOrganizationalUnit) for the accounts page. */
  readonly organizations?: OrganizationsClient;
  /** Throttle-aware gate for Organizations calls. @default the CLI's organizations gate */
  readonly gates?: Pick<ApiGates, 'organizations'>;
  /** @default the repository's playbooks (what this checkout deploys) */
  readonly playbooks?: readonly CompiledPlaybook[];
  /** How often investigations received since the last refresh are re-read (ms); 0 turns the timer off. @default 30000 */
  readonly refreshMs?: number;
  /** Every this many ms the whole index is reloaded (playbook closes are not new receipts). @default 600000 */
  readonly reloadMs?: number;
  readonly now?: () => Date;
}

const SFN_STATUS: Record<string, ConsoleExecutionStatus> = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTED: 'ABORTED',
  // A redriven execution's pending restart, shown as running.
  PENDING_REDRIVE: 'RUNNING',
};

export class AwsConsoleBackend implements ConsoleBackend {
  readonly label: string;
  readonly index: InvestigationIndex;
  private readonly documents: DynamoDBDocumentClient;
  private readonly sfn: SFNClient;
  private readonly sts: STSClient;
  private readonly s3: S3Client;
  private readonly logs: CloudWatchLogsClient;
  private readonly organizations: OrganizationsClient;
  private readonly gates: Pick<ApiGates, 'organizations'>;
  /** OU names by id, kept until the next full reload. */
  private ouNames = new Map<string, string>();
  /** Why Organizations refused (access, no organization): not asked again until the next full reload. */
  private ouNamesRefused: string | undefined;
  private readonly investigationTables: InvestigationTables;
  private readonly playbookList: readonly CompiledPlaybook[];
  private readonly now: () => Date;
  private callerArn: string | undefined;
  /** receivedAt of the newest receipt already read (less a margin for writes in flight). */
  private since = '';
  private lastReload = 0;
  private refreshing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private ous = new Map<string, readonly string[]>();
  /**
   * Investigations the console acted on (an answer resumed their execution, an undo), re-read at every refresh
   * until the time kept here: what their playbook does next is not a new receipt.
   */
  private readonly watched = new Map<string, number>();

  constructor(private readonly options: AwsConsoleOptions) {
    const region = options.region;
    this.documents = options.documents ?? createDocumentClient({ region });
    this.sfn = options.sfn ?? new SFNClient({ region });
    this.sts = options.sts ?? new STSClient({ region });
    this.s3 = options.s3 ?? new S3Client({ region });
    this.logs = options.logs ?? new CloudWatchLogsClient({ region });
    this.organizations = options.organizations ?? new OrganizationsClient({ region });
    this.gates = options.gates ?? createGates({ rates: {} });
    this.now = options.now ?? (() => new Date());
    this.label = `aws:${options.config.hubAccountId}/${region}`;
    this.investigationTables = {
      client: this.documents,
      eventsTable: options.tables.events,
      dedupTable: options.tables.dedup,
    };
    this.index = new InvestigationIndex((account) => this.ous.get(account ?? '') ?? []);
    this.playbookList =
      options.playbooks ?? compileAllPlaybooks(DEFAULT_PLAYBOOKS_DIR, { integrations: INTEGRATION_CATALOG }).playbooks;
  }

  /** The only bucket offloaded raw events are read from (undefined: the bucket each record names). */
  get vaultBucket(): string | undefined {
    return this.options.vaultBucket;
  }

  /**
   * Loads the accounts registry (for the OU filter) and every investigation (two paged scans, see
   * investigation-index.ts for the cost), then refreshes on a timer.
   */
  async start(): Promise<void> {
    await this.reload();
    const every = this.options.refreshMs ?? 30_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        void this.refresh().catch(() => undefined);
      }, every);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reads the whole index again (and the registry's OUs). */
  async reload(): Promise<void> {
    const started = this.now();
    const [accounts, summaries] = await Promise.all([
      this.registry(),
      loadInvestigationSummaries(this.investigationTables),
    ]);
    this.ous = new Map(accounts.map((a) => [a.accountId, ouKeys(a)]));
    this.ouNames.clear();
    this.ouNamesRefused = undefined;
    this.index.replaceAll(summaries);
    this.lastReload = started.getTime();
    this.since = sinceMargin(started);
  }

  /**
   * Re-reads the investigations of events received since the last refresh (a status-index Query per status),
   * or reloads everything when the last full load is older than `reloadMs`.
   */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(async () => {
      const started = this.now();
      if (started.getTime() - this.lastReload >= (this.options.reloadMs ?? 600_000)) {
        await this.reload();
        return;
      }
      const now = started.getTime();
      for (const [id, until] of this.watched) if (until < now) this.watched.delete(id);
      const ids = await idsReceivedSince(this.investigationTables, this.since);
      await refreshIds(this.index, this.investigationTables, [...ids, ...this.watched.keys()]);
      this.since = sinceMargin(started);
    });
    return this.refreshing;
  }

  async listInvestigations(filter: InvestigationFilter, page: number, pageSize: number): Promise<InvestigationPage> {
    return this.index.query(filter, page, pageSize);
  }

  private repository(): InvestigationsRepository {
    return new InvestigationsRepository(this.documents, this.options.tables.events, this.options.tables.dedup);
  }

  async investigation(id: string): Promise<ConsoleInvestigation | undefined> {
    let detail: ConsoleInvestigation['detail'];
    try {
      detail = await this.repository().show(id);
    } catch (err) {
      if (err instanceof InvestigationNotFoundError) return undefined;
      throw err;
    }
    const opening = await readOpeningEvent(this.documents, this.options.tables.events, id, (ref) =>
      this.readVault(ref),
    );
    // Every execution the pipeline started for the investigation's events, as it recorded them: a Standard ARN
    // (`…:execution:…`) or an Express one (`…:express:…`, StartExecution's answer for an Express state machine).
    const started = detail.events.flatMap((e) =>
      (e.executions ?? []).flatMap((x) => (x.arn ? [{ arn: x.arn, receivedAt: e.receivedAt }] : [])),
    );
    const limit = pLimit(5);
    const executions = await Promise.all(
      started.slice(0, MAX_DESCRIBED).map(({ arn, receivedAt }) =>
        limit(async () => {
          if (isExpressExecutionArn(arn)) {
            const notBefore = Date.parse(receivedAt);
            return this.expressSummary(arn, Number.isNaN(notBefore) ? undefined : notBefore - 60_000);
          }
          const d = await this.describe(arn);
          return d ? summaryOf(d, this.playbookOf(arn)) : undefined;
        }),
      ),
    );
    return { detail, ...opening, executions: executions.filter((e) => e !== undefined) };
  }

  /** The pipeline wrote the reference (never an event field); with `vaultBucket` set, only that bucket is read. */
  private async readVault(ref: { bucket: string; key: string }): Promise<string> {
    const bucket = this.options.vaultBucket;
    if (bucket && ref.bucket !== bucket) throw new Error(`raw event in ${ref.bucket}, not the vault ${bucket}`);
    const out = await this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    if (!out.Body) throw new Error(`s3://${ref.bucket}/${ref.key} has no body`);
    return out.Body.transformToString('utf8');
  }

  private async describe(arn: string): Promise<DescribeExecutionCommandOutput | undefined> {
    // DescribeExecution does not serve Express executions (unless a Map Run started them).
    if (isExpressExecutionArn(arn)) return undefined;
    try {
      return await this.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    } catch (err) {
      if ((err as Error).name === 'ExecutionDoesNotExist' || (err as Error).name === 'InvalidArn') return undefined;
      throw err;
    }
  }

  private playbookOf(arn: string): string {
    // arn:<partition>:states:<region>:<account>:execution:<machine>:<name>, or …:express:<machine>:<name>:<id>
    const machine = arn.split(':')[6] ?? '';
    return machine.startsWith(STATE_MACHINE_PREFIX) ? machine.slice(STATE_MACHINE_PREFIX.length) : machine;
  }

  async execution(arn: string): Promise<ConsoleExecutionDetail | undefined> {
    if (isExpressExecutionArn(arn)) return this.expressExecution(arn);
    const described = await this.describe(arn);
    if (!described) return undefined;
    const history = await this.history(arn);
    const playbook = this.playbookOf(arn);
    const [results, remediations, waiting] = await Promise.all([
      new ResultsRepository(this.documents, this.options.tables.results).listByExecution(arn),
      new RemediationRecordsRepository(this.documents, this.options.tables.remediations).listByExecution(arn),
      described.status === 'RUNNING' ? this.pendingFor(arn) : Promise.resolve([]),
    ]);
    const parked = waiting[0];
    const definition = this.playbookList.find((p) => p.name === playbook);
    const summary = summaryOf(described, playbook);
    return {
      ...summary,
      ...(parked ? { status: 'WAITING' as const } : {}),
      ...(definition ? { playbookDefinition: definition } : {}),
      steps: historySteps(history, parked?.state),
      results,
      remediations,
      ...(described.error ? { error: described.error } : {}),
      ...(described.cause ? { cause: described.cause } : {}),
      ...(parked ? { waitingOn: { id: parked.id, state: parked.state } } : {}),
    };
  }

  /**
   * An Express execution, which has no Step Functions history (neither DescribeExecution nor GetExecutionHistory
   * serve it): the path and each state's output from the results table (every integration saves its result there),
   * the failure from the state machine's log group (ERROR with execution data, read as `socless exec failures`
   * reads it, for this one execution), the status derived from both. Undefined for an ARN that is not one.
   */
  async expressExecution(arn: string, notBeforeMs?: number): Promise<ConsoleExecutionDetail | undefined> {
    if (!EXPRESS_EXECUTION_ARN.test(arn)) return undefined;
    const playbook = this.playbookOf(arn);
    const [results, remediations] = await Promise.all([
      new ResultsRepository(this.documents, this.options.tables.results).listByExecution(arn),
      new RemediationRecordsRepository(this.documents, this.options.tables.remediations).listByExecution(arn),
    ]);
    const derived = await this.expressStatus(arn, playbook, results, notBeforeMs);
    const definition = this.playbookList.find((p) => p.name === playbook);
    const investigationId = results[0]?.investigationId ?? remediations[0]?.investigationId;
    return {
      ...derived,
      ...(investigationId ? { investigationId } : {}),
      ...(definition ? { playbookDefinition: definition } : {}),
      steps: resultSteps(results),
      results,
      remediations,
    };
  }

  /** The list entry of an Express execution (its saved results and its log group; no Step Functions call). */
  private async expressSummary(arn: string, notBeforeMs?: number): Promise<ConsoleExecutionSummary | undefined> {
    if (!EXPRESS_EXECUTION_ARN.test(arn)) return undefined;
    const playbook = this.playbookOf(arn);
    const results = await new ResultsRepository(this.documents, this.options.tables.results).listByExecution(arn);
    const { error: _e, cause: _c, ...summary } = await this.expressStatus(arn, playbook, results, notBeforeMs);
    const investigationId = results[0]?.investigationId;
    return { ...summary, ...(investigationId ? { investigationId } : {}) };
  }

  /**
   * How an Express execution ended, as far as its results and logs say: a failure, time-out or abort logged for it
   * is that; else saved results older than the 5-minute Express limit mean it succeeded, newer ones that it may still
   * run; nothing saved and nothing logged, or logs that cannot be read, leave it unknown.
   */
  private async expressStatus(
    arn: string,
    playbook: string,
    results: readonly StateResultRecord[],
    notBeforeMs: number | undefined,
  ): Promise<ConsoleExecutionSummary & { error?: string; cause?: string }> {
    const saved = results.map((r) => Date.parse(r.savedAt)).filter((t) => !Number.isNaN(t));
    const first = saved.length > 0 ? Math.min(...saved) : undefined;
    const last = saved.length > 0 ? Math.max(...saved) : undefined;
    const now = this.now().getTime();
    // An Express execution lasts at most 5 minutes: its logs lie within 5 minutes of what it saved.
    const since = notBeforeMs ?? (first !== undefined ? first - EXPRESS_MAX_MS : now - EXPRESS_LOOKBACK_MS);
    const until = last !== undefined && notBeforeMs === undefined ? last + EXPRESS_MAX_MS : undefined;
    let failure: ExecutionFailure | undefined;
    let logsUnread: string | undefined;
    try {
      [failure] = await expressFailures(
        this.logs,
        { playbook, arn: this.stateMachineArn(playbook), type: 'EXPRESS' },
        since,
        { executionArn: arn, ...(until !== undefined ? { untilMs: until } : {}) },
      );
    } catch (err) {
      if (isProgrammingError(err)) throw err;
      logsUnread = errorMessage(err);
    }
    const base = {
      arn,
      playbook,
      // arn:<partition>:states:<region>:<account>:express:<state machine>:<name>:<id>
      name: arn.split(':')[7] ?? '',
      ...(first !== undefined ? { startedAt: new Date(first).toISOString() } : {}),
    };
    if (failure) {
      return {
        ...base,
        status: (failure.status as ConsoleExecutionStatus) ?? 'FAILED',
        ...(failure.stopDate ? { stoppedAt: failure.stopDate } : {}),
        ...(failure.error ? { error: failure.error } : {}),
        ...(failure.cause ? { cause: failure.cause } : {}),
        derivedFrom: 'Express execution: path from the results table, failure from the log group',
      };
    }
    if (logsUnread) {
      return {
        ...base,
        status: 'UNKNOWN',
        derivedFrom: `Express execution: path from the results table; the log group could not be read (${logsUnread}), so how it ended is unknown`,
      };
    }
    if (last === undefined) {
      return {
        ...base,
        status: 'UNKNOWN',
        derivedFrom: 'Express execution: nothing saved in the results table and no failure logged',
      };
    }
    if (now - last < EXPRESS_MAX_MS) {
      return {
        ...base,
        status: 'RUNNING',
        derivedFrom:
          'Express execution: from the results table and logs (no failure logged yet; it may still be running)',
      };
    }
    return {
      ...base,
      status: 'SUCCEEDED',
      stoppedAt: new Date(last).toISOString(),
      derivedFrom:
        'Express execution: from the results table and logs (no failure logged; stopped at its last saved result or earlier)',
    };
  }

  /** The execution's history, oldest first, paged (1,000 events a page), at most MAX_HISTORY_PAGES pages. */
  async history(arn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await this.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: arn,
          maxResults: 1000,
          includeExecutionData: true,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      events.push(...(out.events ?? []));
      nextToken = out.nextToken;
      pages += 1;
    } while (nextToken && pages < MAX_HISTORY_PAGES);
    return events;
  }

  /** Pending message_responses items (a paged Scan: the table holds only interactions, expiring by TTL). */
  private async pending(): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.documents.send(
        new ScanCommand({
          TableName: this.options.tables.message_responses,
          FilterExpression: '#s = :pending AND attribute_not_exists(answeredAt)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    const now = this.now().getTime();
    return items.filter((i) => typeof i.expiresAt !== 'number' || i.expiresAt * 1000 >= now);
  }

  private async pendingFor(arn: string): Promise<Array<{ id: string; state: string }>> {
    return (await this.pending())
      .filter((i) => i.executionId === arn)
      .map((i) => ({ id: String(i.messageId), state: String(i.state) }));
  }

  async approvals(): Promise<readonly ConsoleApproval[]> {
    const items = await this.pending();
    const limit = pLimit(5);
    return Promise.all(
      items.map((i) =>
        limit(async () => {
          const executionArn = String(i.executionId ?? '');
          const state = String(i.state ?? '');
          const asked = await this.interactionParameters(executionArn, state).catch(() => undefined);
          return {
            id: String(i.messageId),
            executionArn,
            ...(typeof i.playbook === 'string' ? { playbook: i.playbook } : {}),
            state,
            // The integration that asked (the state's Lambda in the playbook's definition); the item's `provider`
            // is only the channel (slack, webhook).
            integration:
              this.integrationOf(typeof i.playbook === 'string' ? i.playbook : this.playbookOf(executionArn), state) ??
              'unknown integration',
            ...(typeof i.provider === 'string' ? { channel: i.provider } : {}),
            createdAt: String(i.createdAt ?? ''),
            ...(typeof i.investigationId === 'string' ? { investigationId: i.investigationId } : {}),
            parameters: {
              ...(typeof i.title === 'string' ? { title: i.title } : {}),
              ...(typeof i.planHash === 'string' ? { plan_hash: i.planHash } : {}),
              ...(asked ?? {}),
            },
          };
        }),
      ),
    );
  }

  /** The integration id a state of a playbook invokes: the `${fn_<id>}` placeholder in the state's definition. */
  private integrationOf(playbook: string, state: string): string | undefined {
    const definition = this.playbookList.find((p) => p.name === playbook)?.definition;
    const found = definition ? findState(definition, state) : undefined;
    return found ? referencedIntegrations(found)[0] : undefined;
  }

  /**
   * What the Interaction showed (its `parameters`, the plan among them): the newest TaskScheduled of the state
   * in the execution's history, read newest first (one page of 100 events at most).
   */
  private async interactionParameters(arn: string, state: string): Promise<Record<string, unknown> | undefined> {
    if (!arn) return undefined;
    const out = await this.sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: arn,
        reverseOrder: true,
        maxResults: 100,
        includeExecutionData: true,
      }),
    );
    const events = out.events ?? [];
    const entered = events.find((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === state);
    if (!entered) return undefined;
    const scheduled = events.find((e) => e.type === 'TaskScheduled' && e.previousEventId === entered.id);
    const text = scheduled?.taskScheduledEventDetails?.parameters;
    if (!text) return undefined;
    const parsed = parseRaw(text) as { Payload?: { parameters?: unknown } };
    const parameters = parsed?.Payload?.parameters;
    return typeof parameters === 'object' && parameters !== null ? (parameters as Record<string, unknown>) : undefined;
  }

  /** The operator's IAM principal (GetCallerIdentity once): who an answer is recorded as. */
  private async caller(): Promise<string> {
    if (!this.callerArn) {
      const out = await this.sts.send(new GetCallerIdentityCommand({}));
      if (!out.Arn) throw new SoclessError('GetCallerIdentity returned no ARN: cannot say who answers');
      this.callerArn = out.Arn;
    }
    return this.callerArn;
  }

  async answer(id: string, decision: Decision, operator: string, reason: string): Promise<ConsoleActionResult> {
    const refused = decisionRefusal(decision);
    if (refused) return refused;
    const responder = await this.caller();
    const note = operator && operator !== responder ? operator : undefined;
    const delivery = await answerInteraction(
      {
        documentClient: this.documents,
        tasks: sfnTaskResponder(this.sfn),
        tableName: this.options.tables.message_responses,
        readSigningSecret: async () => {
          throw new Error('an operator answers with AWS credentials, not a signing secret');
        },
        now: this.now,
        logger: new Logger({ serviceName: 'socless-console', logLevel: 'WARN' }),
      },
      {
        messageId: id,
        decision,
        responder,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        ...(note ? { note } : {}),
      },
      { provider: 'aws', id: responder },
    );
    const investigationId = delivery.item?.investigationId;
    if (typeof investigationId === 'string') this.watch(investigationId);
    if (delivery.statusCode >= 300) {
      return {
        ok: false,
        message: String((delivery.body as { error?: unknown }).error ?? `HTTP ${delivery.statusCode}`),
      };
    }
    return {
      ok: true,
      message: answeredMessage(decision, id, responder),
      detail: delivery.body,
    };
  }

  /** Re-reads an investigation at every refresh for the next 15 minutes. */
  private watch(id: string): void {
    this.watched.set(id, this.now().getTime() + 15 * 60_000);
  }

  async undo(executionArn: string, operator: string): Promise<ConsoleActionResult> {
    if (isExpressExecutionArn(executionArn)) {
      const [saved] = await new ResultsRepository(this.documents, this.options.tables.results)
        .listByExecution(executionArn)
        .catch(() => []);
      if (saved?.investigationId) this.watch(saved.investigationId);
    } else {
      const input = (await this.describe(executionArn).catch(() => undefined))?.input;
      const started = input
        ? (parseRaw(input) as { artifacts?: { investigation_id?: unknown } } | undefined)
        : undefined;
      if (typeof started?.artifacts?.investigation_id === 'string') this.watch(started.artifacts.investigation_id);
    }
    return undoAsOperator(
      {
        records: new RemediationRecordsRepository(this.documents, this.options.tables.remediations),
        executionArn,
        operator,
        config: this.options.config,
        region: this.options.region,
        documents: this.documents,
        table: this.options.tables.remediations,
      },
      (undone) => undone,
    );
  }

  async close(id: string, request: CloseForm, operator: string): Promise<ConsoleActionResult> {
    return closeInvestigation(
      id,
      request,
      operator,
      this.now().toISOString(),
      (target, closing) => this.repository().close(target, closing),
      // What the console itself changed is re-read at once, not at the next refresh.
      () => refreshIds(this.index, this.investigationTables, [id]),
    );
  }

  /** The accounts registry (paged Scan), each item checked. */
  private async registry() {
    const items: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.documents.send(
        new ScanCommand({ TableName: this.options.tables.accounts, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.flatMap((item) => {
      const parsed = AccountRecordSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /**
   * Names for the OU ids the registry keeps, with DescribeOrganizationalUnit and the operator's credentials through
   * the throttle-aware organizations gate: at most MAX_OU_LOOKUPS new ids a call, each name kept until the next full
   * reload. Organizations answers only in the management account or a delegated administrator: an AccessDenied (or
   * no organization) stops the lookups until the next reload, and the page shows ids and says why.
   */
  private async resolveOuNames(ids: readonly string[]): Promise<string | undefined> {
    const wanted = [...new Set(ids)].filter((id) => id.startsWith('ou-') && !this.ouNames.has(id));
    if (this.ouNamesRefused) return wanted.length > 0 ? this.ouNamesRefused : undefined;
    const failures: string[] = [];
    const limit = pLimit(4);
    await Promise.all(
      wanted.slice(0, MAX_OU_LOOKUPS).map((id) =>
        limit(async () => {
          if (this.ouNamesRefused) return;
          try {
            const out = await this.gates.organizations.call(() =>
              this.organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id })),
            );
            const name = out.OrganizationalUnit?.Name;
            if (name) this.ouNames.set(id, name);
          } catch (err) {
            if (isProgrammingError(err)) throw err;
            const text = errorMessage(err);
            if (ORGANIZATIONS_REFUSALS.has((err as Error).name)) this.ouNamesRefused = text;
            else failures.push(`${id}: ${text}`);
          }
        }),
      ),
    );
    if (this.ouNamesRefused) return this.ouNamesRefused;
    if (wanted.length > MAX_OU_LOOKUPS) failures.push(`${wanted.length - MAX_OU_LOOKUPS} OUs left for the next load`);
    return failures.length > 0 ? failures.join('; ') : undefined;
  }

  async accounts(): Promise<readonly ConsoleAccount[]> {
    const records = await this.registry();
    const ouNamesError = await this.resolveOuNames(records.flatMap((r) => r.ouPath));
    const named = (id: string) => (id.startsWith('r-') ? 'Root' : (this.ouNames.get(id) ?? id));
    const limit = pLimit(8);
    return Promise.all(
      records.map((r) =>
        limit(async () => {
          const last = await lastEventAt(this.documents, this.options.tables.events, r.accountId);
          const effective = effectiveMode(this.options.config, r);
          return {
            accountId: r.accountId,
            ...(r.name ? { name: r.name } : {}),
            // The registry keeps OU ids (Organizations names are not copied into it): named here when readable.
            ouPath: r.ouPath.map(named),
            ...(ouNamesError && r.ouPath.some((id) => named(id) === id && id.startsWith('ou-'))
              ? { ouNamesError }
              : {}),
            mode: r.mode,
            modeSource:
              effective.mode === r.mode
                ? effective.source
                : `registry (the configuration now says ${effective.mode} from ${effective.source}; the next registry sync applies it)`,
            ...(last ? { lastEventAt: last } : {}),
            // What the registry holds about the account: its Organizations status (spoke stacks are not recorded there).
            spoke: { status: r.status ?? 'unknown' },
          };
        }),
      ),
    );
  }

  async playbooks(): Promise<readonly ConsolePlaybook[]> {
    return this.playbookList.map(consolePlaybook);
  }

  /**
   * Recent runs of an Express playbook (ListExecutions does not list Express executions): the executions the
   * pipeline recorded on the newest investigations routed to the playbook it stands in for (at most
   * MAX_EXPRESS_INVESTIGATIONS investigations read), each from its results and logs.
   */
  private async recentExpress(playbook: string, max: number): Promise<ConsoleExecutionSummary[]> {
    const routed = Object.entries(EXPRESS_VARIANTS).find(([, v]) => v.playbook === playbook)?.[0] ?? playbook;
    const newest = this.index.query({ playbook: routed }, 1, MAX_EXPRESS_INVESTIGATIONS).items;
    const found: Array<{ arn: string; receivedAt: string }> = [];
    for (const summary of newest) {
      if (found.length >= max) break;
      const detail = await this.repository()
        .show(summary.id)
        .catch(() => undefined);
      for (const e of [...(detail?.events ?? [])].reverse()) {
        for (const x of e.executions ?? []) {
          if (x.arn && x.playbook === playbook && found.length < max)
            found.push({ arn: x.arn, receivedAt: e.receivedAt });
        }
      }
    }
    const limit = pLimit(5);
    const listed = await Promise.all(
      found.map(({ arn, receivedAt }) =>
        limit(() => {
          const at = Date.parse(receivedAt);
          return this.expressSummary(arn, Number.isNaN(at) ? undefined : at - 60_000);
        }),
      ),
    );
    return listed.filter((e) => e !== undefined);
  }

  /** The state machine of a playbook in the hub account and region. */
  stateMachineArn(playbook: string): string {
    const { region, config } = this.options;
    return `arn:${partitionOf(region)}:states:${region}:${config.hubAccountId}:stateMachine:${STATE_MACHINE_PREFIX}${playbook}`;
  }

  async recentExecutions(playbook: string, limit: number): Promise<readonly ConsoleExecutionSummary[]> {
    const max = Math.min(Math.max(0, Math.floor(limit)), 100);
    if (max === 0) return [];
    const workflow = this.playbookList.find((p) => p.name === playbook)?.workflow;
    if (workflow === 'express') return this.recentExpress(playbook, max);
    const out = await this.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn(playbook), maxResults: max }),
    );
    // ListExecutions lists newest first.
    return (out.executions ?? []).map((e) => ({
      arn: String(e.executionArn),
      playbook,
      name: String(e.name),
      status: SFN_STATUS[String(e.status)] ?? 'RUNNING',
      ...(e.startDate ? { startedAt: e.startDate.toISOString() } : {}),
      ...(e.stopDate ? { stoppedAt: e.stopDate.toISOString() } : {}),
    }));
  }
}

/** An Express execution ARN: `arn:<partition>:states:<region>:<account>:express:<machine>:<name>:<id>`. */
const EXPRESS_EXECUTION_ARN =
  /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:express:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_.-]{1,80}:[A-Za-z0-9-]{1,80}$/;
/** New OU ids named per accounts page load. */
export const MAX_OU_LOOKUPS = 100;
/**
 * Organizations' answers that every other OU would get too: no access (the hub account is neither the management
 * account nor a delegated administrator, or the operator lacks organizations:DescribeOrganizationalUnit), or no
 * organization.
 */
const ORGANIZATIONS_REFUSALS = new Set(['AccessDeniedException', 'AWSOrganizationsNotInUseException']);
/** Investigations read to find an Express playbook's recent runs. */
export const MAX_EXPRESS_INVESTIGATIONS = 20;
/** Longest an Express execution runs. */
const EXPRESS_MAX_MS = 5 * 60_000;
/** How far back an Express execution's log group is read when nothing else dates it. */
const EXPRESS_LOOKBACK_MS = 7 * 24 * 3_600_000;

/** An Express execution's ARN (Step Functions keeps no history for it). */
export function isExpressExecutionArn(arn: string): boolean {
  return arn.split(':')[5] === 'express';
}

/**
 * The path of an execution known only by its saved results, in the order they were saved: one step per state
 * visit (attempts of a retried state saved one after the other are one step, as the last attempt ended).
 */
export function resultSteps(results: readonly StateResultRecord[]): ConsoleStep[] {
  const ordered = [...results].sort(
    (a, b) => a.savedAt.localeCompare(b.savedAt) || a.stateKey.localeCompare(b.stateKey),
  );
  const steps: ConsoleStep[] = [];
  for (const r of ordered) {
    const step: ConsoleStep = {
      state: r.state,
      status: r.status === 'failed' ? 'failed' : 'succeeded',
      ...(r.result !== undefined ? { output: r.result } : r.resultRef ? { output: { offloaded: r.resultRef } } : {}),
      ...(r.status === 'failed' && r.error ? { error: r.error } : {}),
    };
    const previous = steps.at(-1);
    if (previous?.state === r.state && previous.status === 'failed') steps[steps.length - 1] = step;
    else steps.push(step);
  }
  return steps;
}

/** A refresh reads from a minute before it started: receipts written while it ran are read again, not missed. */
function sinceMargin(at: Date): string {
  return new Date(at.getTime() - 60_000).toISOString();
}

function summaryOf(d: DescribeExecutionCommandOutput, playbook: string): ConsoleExecutionSummary {
  const input = d.input ? (parseRaw(d.input) as { artifacts?: { investigation_id?: unknown } }) : undefined;
  const investigationId = input?.artifacts?.investigation_id;
  return {
    arn: String(d.executionArn),
    playbook,
    name: String(d.name),
    status: SFN_STATUS[String(d.status)] ?? 'RUNNING',
    ...(d.startDate ? { startedAt: d.startDate.toISOString() } : {}),
    ...(d.stopDate ? { stoppedAt: d.stopDate.toISOString() } : {}),
    ...(typeof investigationId === 'string' ? { investigationId } : {}),
  };
}

/**
 * Steps from a Step Functions history, oldest first: every `…StateEntered` starts a step with its input, the
 * matching `…StateExited` gives its output; a failure event (TaskFailed, LambdaFunctionFailed, …Failed with an
 * error) before the exit is the step's error, and a step left without an exit in a stopped execution failed.
 */
export function historySteps(events: readonly HistoryEvent[], waitingState?: string): ConsoleStep[] {
  const steps: Array<{ -readonly [K in keyof ConsoleStep]: ConsoleStep[K] }> = [];
  const open = new Map<string, number>();
  let current: number | undefined;
  let ended = false;
  for (const e of events) {
    const type = e.type ?? '';
    if (type.endsWith('StateEntered') && e.stateEnteredEventDetails) {
      const name = e.stateEnteredEventDetails.name ?? '';
      current = steps.length;
      open.set(name, current);
      steps.push({
        state: name,
        ...(e.timestamp ? { enteredAt: e.timestamp.toISOString() } : {}),
        status: 'running',
        ...(e.stateEnteredEventDetails.input !== undefined
          ? { input: parseRaw(e.stateEnteredEventDetails.input) }
          : {}),
      });
      continue;
    }
    if (type.endsWith('StateExited') && e.stateExitedEventDetails) {
      const at = open.get(e.stateExitedEventDetails.name ?? '');
      const step = at === undefined ? undefined : steps[at];
      if (step) {
        step.output =
          e.stateExitedEventDetails.output !== undefined ? parseRaw(e.stateExitedEventDetails.output) : undefined;
        step.status = step.error ? 'failed' : 'succeeded';
        // A failure that a Catch handled: the state failed, its output is what the Catch passed on.
        if (step.output === undefined) delete step.output;
      }
      continue;
    }
    if (type.startsWith('Execution') && type !== 'ExecutionStarted') ended = true;
    const failure = failureOf(e);
    const step = current === undefined ? undefined : steps[current];
    // A retried attempt that then succeeded: the step did not fail.
    if (step && (type === 'TaskSucceeded' || type === 'LambdaFunctionSucceeded')) delete step.error;
    if (failure && step && step.status === 'running' && !type.startsWith('Execution')) step.error = failure;
  }
  for (const step of steps) {
    if (step.status === 'running' && step.error) step.status = 'failed';
    else if (step.status === 'running' && ended) step.status = 'failed';
  }
  markWaiting(steps, waitingState);
  return steps;
}

/** A state by name anywhere in a definition: top level, Parallel branches, Map iterators. */
export function findState(definition: unknown, name: string): Record<string, unknown> | undefined {
  if (typeof definition !== 'object' || definition === null) return undefined;
  const d = definition as { States?: unknown };
  const states = (typeof d.States === 'object' && d.States !== null ? d.States : {}) as Record<string, unknown>;
  const own = Object.hasOwn(states, name) ? states[name] : undefined;
  if (typeof own === 'object' && own !== null) return own as Record<string, unknown>;
  for (const state of Object.values(states)) {
    if (typeof state !== 'object' || state === null) continue;
    const s = state as { Branches?: unknown; Iterator?: unknown; ItemProcessor?: unknown };
    const nested = [...(Array.isArray(s.Branches) ? s.Branches : []), s.Iterator, s.ItemProcessor];
    for (const inner of nested) {
      const hit = findState(inner, name);
      if (hit) return hit;
    }
  }
  return undefined;
}

function failureOf(e: HistoryEvent): { name: string; message: string } | undefined {
  const details =
    e.taskFailedEventDetails ??
    e.lambdaFunctionFailedEventDetails ??
    e.taskTimedOutEventDetails ??
    e.lambdaFunctionTimedOutEventDetails ??
    e.activityFailedEventDetails;
  if (!details) return undefined;
  return { name: details.error ?? 'Error', message: details.cause ?? '' };
}
