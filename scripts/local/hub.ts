import '../../shared/polyfills.ts';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import pLimit, { type LimitFunction } from 'p-limit';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import {
  CONFIG_CONTEXT_KEY,
  configuredMode,
  loadConfigFile,
  parseConfig,
  type SoclessConfig,
} from '../../shared/config.ts';
import type { CompiledPlaybook } from '../../shared/deploy-model.ts';
import { formatProblem, SoclessError } from '../../shared/errors.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { LocalCallbackStore, type PendingInteraction } from '../../shared/local/callback-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { type LocalExecutionResult, runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps, type LocalIntegrationDeps } from '../../shared/local/local-deps.ts';
import { cachedAccountMode } from '../../shared/pipeline/account-mode.ts';
import { UnknownPlaybookError } from '../../shared/pipeline/adapters.ts';
import { DynamoDedupStore, DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import { type EventOutcome, type PipelineDeps, processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { type SweepReport, sweep } from '../../shared/pipeline/sweeper.ts';
import type { Dispatcher, EventRecord } from '../../shared/pipeline/types.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { loadOrgFile, type SimulatedAccount, simulatedAccounts } from './org.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_ORG_FILE = join(REPO_ROOT, 'scripts/local/sample-org.json');
export const DEFAULT_PLAYBOOKS_DIR = join(REPO_ROOT, 'playbooks');

/** The configuration the CDK app uses (cdk.json context), so the local hub behaves like the deployed one. */
export function loadRepoConfig(file?: string): SoclessConfig {
  if (file) return loadConfigFile(file);
  const cdkJson = join(REPO_ROOT, 'cdk.json');
  const context = (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  return parseConfig(context[CONFIG_CONTEXT_KEY], `${cdkJson} context "${CONFIG_CONTEXT_KEY}"`);
}

/** One execution the local hub ran, as `--json` and `/investigations` show it. */
export interface LocalExecution {
  readonly playbook: string;
  readonly name: string;
  readonly arn: string;
  readonly result?: LocalExecutionResult;
}

/** What happened to one event, with the executions it started (finished by the time this is returned). */
export interface LocalOutcome extends EventOutcome {
  readonly runs: readonly LocalExecution[];
}

interface LocalRun {
  readonly playbook: string;
  readonly arn: string;
  done: Promise<LocalExecutionResult>;
  result?: LocalExecutionResult;
}

/**
 * Runs playbooks in-process on the local executor; one execution per name, like Step Functions Standard.
 * At most `concurrency` executions run at a time, so a flood of events queues work instead of starting
 * thousands of executions at once.
 */
export class LocalDispatcher implements Dispatcher {
  readonly runs = new Map<string, LocalRun>();
  private readonly limit: LimitFunction;
  private gate: Promise<void> = Promise.resolve();

  constructor(
    private readonly playbooks: ReadonlyMap<string, CompiledPlaybook>,
    private readonly handlers: ReadonlyMap<string, ReturnType<typeof toLambdaHandler>>,
    private readonly callbacks: LocalCallbackStore,
    private readonly region: string,
    concurrency = 16,
  ) {
    this.limit = pLimit(concurrency);
  }

  async start(request: { playbook: string; name: string; input: Record<string, unknown> }) {
    const existing = this.runs.get(request.name);
    if (existing) return { executionArn: existing.arn };
    const playbook = this.playbooks.get(request.playbook);
    if (!playbook) throw new UnknownPlaybookError(request.playbook);
    const arn = `arn:aws:states:${this.region}:000000000000:execution:${request.playbook}:${request.name}`;
    const run: LocalRun = {
      playbook: request.playbook,
      arn,
      done: this.limit(async () => {
        await this.gate;
        return runLocalExecution(playbook.definition, request.input, {
          handlers: this.handlers,
          callbacks: this.callbacks,
          region: this.region,
          stateMachineName: request.playbook,
          executionName: request.name,
        });
      }),
    };
    run.done = run.done.then((result) => {
      run.result = result;
      return result;
    });
    this.runs.set(request.name, run);
    return { executionArn: arn };
  }

  /**
   * Holds executions back until the returned function is called: they are accepted (StartExecution
   * succeeds) but run later. The pipeline benchmark uses it to time the endpoint apart from the playbooks.
   */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return release;
  }

  /** Resolves when every execution started so far has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }
}

export interface LocalHubOptions {
  /** Keep DynamoDB and the vault in this folder; in memory when absent. */
  readonly dataDir?: string;
  /** @default scripts/local/sample-org.json */
  readonly orgFile?: string;
  /** @default the repository's playbooks/ */
  readonly playbooksDir?: string;
  /** @default the cdk.json configuration */
  readonly config?: SoclessConfig;
  /** How long to wait for executions that are still running when `submit` returns (ms). @default 30000 */
  readonly executionWaitMs?: number;
}

/**
 * The whole hub on one machine: dynalite for the tables, the same pipeline, compiled playbooks and
 * integration modules as in AWS, a simulated org for the accounts registry.
 */
export class LocalHub {
  private constructor(
    readonly config: SoclessConfig,
    readonly accounts: readonly SimulatedAccount[],
    readonly playbooks: readonly CompiledPlaybook[],
    readonly callbacks: LocalCallbackStore,
    readonly integrationDeps: LocalIntegrationDeps,
    private readonly dynamo: LocalDynamo,
    readonly dispatcher: LocalDispatcher,
    readonly pipeline: PipelineDeps,
    private readonly executionWaitMs: number,
  ) {}

  static async start(options: LocalHubOptions = {}): Promise<LocalHub> {
    const config = options.config ?? loadRepoConfig();
    const org = loadOrgFile(options.orgFile ?? DEFAULT_ORG_FILE);
    const compiled = compileAllPlaybooks(options.playbooksDir ?? DEFAULT_PLAYBOOKS_DIR, {
      integrations: INTEGRATION_CATALOG,
    });
    if (compiled.problems.length > 0) {
      throw new SoclessError(
        `playbooks do not compile:\n${compiled.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
      );
    }
    if (options.dataDir) mkdirSync(join(options.dataDir, 'dynamodb'), { recursive: true });
    const dynamo = await startLocalDynamo(options.dataDir ? { path: join(options.dataDir, 'dynamodb') } : {});
    try {
      const accounts = simulatedAccounts(org, config);
      const registry = new AccountsRepository(dynamo.client, 'accounts');
      for (const a of accounts) await registry.put(a);
      const integrationDeps = createLocalDeps({
        documentClient: dynamo.client,
        ...(options.dataDir ? { vaultDir: join(options.dataDir, 'vault') } : {}),
      });
      const handlers = new Map([...INTEGRATIONS.values()].map((i) => [i.id, toLambdaHandler(i, integrationDeps)]));
      const callbacks = new LocalCallbackStore();
      const dispatcher = new LocalDispatcher(
        new Map(compiled.playbooks.map((p) => [p.name, p])),
        handlers,
        callbacks,
        config.homeRegion,
      );
      const pipeline: PipelineDeps = {
        events: new DynamoEventStore(dynamo.client, 'events'),
        dedup: new DynamoDedupStore(dynamo.client, 'dedup'),
        blobs: integrationDeps.vault,
        dispatcher,
        router: createRouter(compiled.playbooks),
        accountMode: cachedAccountMode(
          async (accountId) => (await registry.get(accountId))?.mode ?? configuredMode(config, accountId, []),
          60_000,
        ),
        dedupWindowMs: config.dedupWindowMinutes * 60_000,
      };
      return new LocalHub(
        config,
        accounts,
        compiled.playbooks,
        callbacks,
        integrationDeps,
        dynamo,
        dispatcher,
        pipeline,
        options.executionWaitMs ?? 30_000,
      );
    } catch (err) {
      await dynamo.close();
      throw err;
    }
  }

  /** Runs one input through the pipeline and waits (bounded) for the executions it started. */
  async submit(input: unknown, origin: string): Promise<LocalOutcome[]> {
    const outcomes = await processInput(input, origin, this.pipeline);
    return Promise.all(outcomes.map((o) => this.withRuns(o)));
  }

  /** Re-drives events left `received` or `pending` (what the scheduled sweeper does in AWS). */
  async sweep(olderThanMs = 5 * 60_000): Promise<SweepReport> {
    return sweep(this.pipeline, { olderThanMs });
  }

  pendingInteractions(): PendingInteraction[] {
    return this.callbacks.pending();
  }

  answer(id: string, decision: 'approve' | 'reject', responder: string): void {
    this.callbacks.answer(id, decision, responder);
  }

  /** Every event recorded so far, newest first, with the executions and the states they visited. */
  async investigations(): Promise<Array<EventRecord & { runs: LocalExecution[] }>> {
    const items: EventRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.client.send(new ScanCommand({ TableName: 'events', ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as EventRecord[]));
      start = out.LastEvaluatedKey;
    } while (start);
    items.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    return items.map(({ raw: _raw, ...record }) => ({ ...record, runs: this.runsOf(record.executions ?? []) }));
  }

  account(accountId: string): SimulatedAccount | undefined {
    return this.accounts.find((a) => a.accountId === accountId);
  }

  async close(): Promise<void> {
    for (const p of this.callbacks.pending()) this.callbacks.cancel(p.id);
    await this.dynamo.close();
  }

  private runsOf(executions: readonly { playbook: string; name: string }[]): LocalExecution[] {
    return executions.map((e) => {
      const run = this.dispatcher.runs.get(e.name);
      return {
        playbook: e.playbook,
        name: e.name,
        arn: run?.arn ?? '',
        ...(run?.result ? { result: run.result } : {}),
      };
    });
  }

  private async withRuns(outcome: EventOutcome): Promise<LocalOutcome> {
    const waits = outcome.executions.map(async (e) => {
      const run = this.dispatcher.runs.get(e.name);
      if (!run) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.executionWaitMs);
      });
      await Promise.race([run.done.then(() => undefined), timeout]);
      clearTimeout(timer);
    });
    await Promise.all(waits);
    return { ...outcome, runs: this.runsOf(outcome.executions) };
  }
}
