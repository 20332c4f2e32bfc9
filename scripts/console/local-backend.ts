/**
 * The console over a running local hub: investigations from its dynalite tables (through the in-memory index,
 * kept fresh by the hub's change hook), executions from its in-process dispatcher (each state's input and output
 * from the executor's state events, the saved results from the results table), approvals from the interactions
 * parked in its callback store, accounts from the simulated org. Actions go through the same code as the CLI:
 * `hub.answer` (`socless local answer`), InvestigationsRepository.close (`socless investigation close`) and
 * undoExecution with the operator's undo sessions (`socless remediation undo`).
 */
import { userInfo } from 'node:os';
import { UnknownInteractionError } from '../../shared/local/callback-store.ts';
import type { LocalStateEvent } from '../../shared/local/executor.ts';
import { InvestigationNotFoundError } from '../../shared/store/investigations.ts';
import { RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { ResultsRepository } from '../../shared/store/results.ts';
import { TABLES } from '../../shared/tables.ts';
import type { LocalHub, LocalRun } from '../local/hub.ts';
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
import { errorMessage, lastEventAt, markWaiting, ouKeys, readOpeningEvent } from './event-records.ts';
import {
  InvestigationIndex,
  type InvestigationTables,
  loadInvestigationSummaries,
  refreshIds,
} from './investigation-index.ts';

/** How long a page waits for the index to take in changes the hub reported before it answers (ms). */
export const SETTLE_WAIT_MS = 100;

export class LocalConsoleBackend implements ConsoleBackend {
  readonly label = 'local';
  private readonly tables: InvestigationTables;
  /** Ids the hub reported changed, not yet re-read. */
  private readonly dirty = new Set<string>();
  private refreshing: Promise<void> = Promise.resolve();
  private stopListening: () => void = () => {};

  readonly index: InvestigationIndex;
  private loading: Promise<void> | undefined;
  private loaded = false;

  /**
   * Follows the hub's changes at once; the index is loaded (one paged scan of the events and dedup tables) on
   * the first page that needs it, or by `create`. Changes reported during the load are re-read after it.
   */
  constructor(private readonly hub: LocalHub) {
    this.tables = { client: hub.documentClient, eventsTable: 'events', dedupTable: 'dedup' };
    const ous = new Map(hub.accounts.map((a) => [a.accountId, ouKeys(a)]));
    this.index = new InvestigationIndex((account) => ous.get(account ?? '') ?? []);
    this.stopListening = hub.onChange((ids) => this.changed(ids));
  }

  /** A backend with its index loaded. */
  static async create(hub: LocalHub): Promise<LocalConsoleBackend> {
    const backend = new LocalConsoleBackend(hub);
    await backend.load();
    return backend;
  }

  /** Loads the index once (later calls wait for the same load). */
  load(): Promise<void> {
    this.loading ??= (async () => {
      const summaries = await loadInvestigationSummaries(this.tables);
      this.index.replaceAll(summaries);
      // Changes reported while the scan ran are re-read after it: the scan may have read them before they landed.
      this.loaded = true;
      await this.settled();
    })().catch((err: unknown) => {
      // A failed load is tried again by the next page.
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  /** Stops following the hub. */
  stop(): void {
    this.stopListening();
  }

  /** Resolves when every change reported so far is in the index. */
  async settled(): Promise<void> {
    this.flush();
    await this.refreshing;
  }

  private changed(ids: readonly string[]): void {
    for (const id of ids) this.dirty.add(id);
    // Batched: the ids of one event's writes are re-read once, after the current refresh.
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    // Before the load, changes wait: the load re-reads them after its scan.
    if (this.dirty.size === 0 || !this.loaded) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    this.refreshing = this.refreshing
      .then(() => refreshIds(this.index, this.tables, ids))
      .catch((err: unknown) => {
        // The next change of these investigations re-reads them; the page still answers from memory.
        this.hub.integrationDeps.logger.warn('console index refresh failed', { error: errorMessage(err) });
      });
  }

  async listInvestigations(filter: InvestigationFilter, page: number, pageSize: number): Promise<InvestigationPage> {
    await this.load();
    // Changes reported so far are usually re-read in a few ms; under a flood of events the page does not wait
    // for all of them (at most SETTLE_WAIT_MS), and shows them on the next load.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.settled(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SETTLE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    return this.index.query(filter, page, pageSize);
  }

  async investigation(id: string): Promise<ConsoleInvestigation | undefined> {
    let detail: ConsoleInvestigation['detail'];
    try {
      detail = await this.hub.investigationRecords().show(id);
    } catch (err) {
      if (err instanceof InvestigationNotFoundError) return undefined;
      throw err;
    }
    const opening = await readOpeningEvent(this.tables.client, 'events', id, (ref) =>
      this.hub.integrationDeps.vault.get(ref),
    );
    const executions = detail.events.flatMap((e) =>
      (e.executions ?? []).flatMap((ref): ConsoleExecutionSummary[] => {
        const run = this.hub.dispatcher.runs.get(ref.name);
        if (run) return [this.summary(run)];
        // Started by an earlier process of this hub (its --data folder kept the tables): known by its ARN only.
        return ref.arn
          ? [{ arn: ref.arn, playbook: ref.playbook, name: ref.name, status: 'UNKNOWN', investigationId: id }]
          : [];
      }),
    );
    return { detail, ...opening, executions };
  }

  async execution(arn: string): Promise<ConsoleExecutionDetail | undefined> {
    const run = this.runByArn(arn);
    const client = this.hub.documentClient;
    const [results, remediations] = await Promise.all([
      new ResultsRepository(client, TABLES.results.name).listByExecution(arn),
      new RemediationRecordsRepository(client, TABLES.remediations.name).listByExecution(arn),
    ]);
    if (!run) return this.earlierExecution(arn, results, remediations);
    const waiting = this.waitingOn(run);
    const playbook = this.hub.playbooks.find((p) => p.name === run.playbook);
    const failure = run.result?.failure;
    return {
      ...this.summary(run),
      ...(playbook ? { playbookDefinition: playbook } : {}),
      steps: localSteps(run.history, waiting?.state),
      results,
      remediations,
      ...(run.result?.error
        ? { error: failure ? `${run.result.error} (${failure.state}: ${failure.error})` : run.result.error }
        : {}),
      ...(run.result?.cause ? { cause: failure?.cause ?? run.result.cause } : {}),
      ...(waiting ? { waitingOn: waiting } : {}),
    };
  }

  /**
   * An execution an earlier process of this hub ran (a `--data` folder keeps the tables, not the executions): its
   * steps are the states that saved a result, in the order they saved it, with what they returned (their input
   * and how the execution ended are not known). Undefined when nothing was saved under that ARN.
   */
  private earlierExecution(
    arn: string,
    results: ConsoleExecutionDetail['results'],
    remediations: ConsoleExecutionDetail['remediations'],
  ): ConsoleExecutionDetail | undefined {
    const first = results[0] ?? remediations[0];
    if (!first) return undefined;
    const playbook = first.playbook;
    const definition = this.hub.playbooks.find((p) => p.name === playbook);
    const saved = [...results].sort((a, b) => a.savedAt.localeCompare(b.savedAt));
    return {
      arn,
      playbook,
      name: arn.split(':').at(-1) ?? arn,
      status: 'UNKNOWN',
      investigationId: first.investigationId,
      ...(saved[0] ? { startedAt: saved[0].savedAt } : {}),
      ...(definition ? { playbookDefinition: definition } : {}),
      steps: saved.map((r) => ({
        state: r.state,
        enteredAt: r.savedAt,
        status: r.status,
        ...(r.result !== undefined ? { output: r.result } : {}),
        ...(r.error ? { error: r.error } : {}),
      })),
      results,
      remediations,
    };
  }

  async approvals(): Promise<readonly ConsoleApproval[]> {
    return this.hub.pendingInteractions().map((p) => {
      const run = this.runByArn(p.executionId);
      return {
        id: p.id,
        executionArn: p.executionId,
        ...(run ? { playbook: run.playbook } : {}),
        state: p.state,
        integration: p.integration,
        createdAt: p.createdAt,
        ...(run?.investigationId ? { investigationId: run.investigationId } : {}),
        parameters: p.parameters,
      };
    });
  }

  async answer(id: string, decision: Decision, operator: string, reason: string): Promise<ConsoleActionResult> {
    const refused = decisionRefusal(decision);
    if (refused) return refused;
    try {
      const answered = await this.hub.answer(id, decision, operator, reason.trim() ? { reason: reason.trim() } : {});
      if (answered.statusCode >= 300) {
        const error = (answered.body as { error?: unknown }).error;
        return { ok: false, message: String(error ?? `the answer was refused (HTTP ${answered.statusCode})`) };
      }
      return {
        ok: true,
        message: answeredMessage(decision, id, operator),
        detail: answered.body,
      };
    } catch (err) {
      if (err instanceof UnknownInteractionError) return { ok: false, message: err.message };
      throw err;
    }
  }

  async undo(executionArn: string, operator: string): Promise<ConsoleActionResult> {
    const records = new RemediationRecordsRepository(this.hub.documentClient, TABLES.remediations.name);
    if (!this.hub.appliesRemediations) {
      const found = await records.listByExecution(executionArn);
      if (found.length === 0) {
        return {
          ok: false,
          message: `this local hub only plans (it was started without --aws): execution ${executionArn} applied nothing in any account, so there is nothing to undo`,
        };
      }
    }
    return undoAsOperator(
      {
        records,
        executionArn,
        operator,
        config: this.hub.config,
        region: this.hub.config.homeRegion,
        documents: this.hub.documentClient,
        table: TABLES.remediations.name,
      },
      (undone) => ({ remediations: [...new Set(undone.map((u) => u.id))], undone }),
    );
  }

  async close(id: string, request: CloseForm, operator: string): Promise<ConsoleActionResult> {
    return closeInvestigation(
      id,
      request,
      operator,
      new Date().toISOString(),
      (target, closing) => this.hub.investigationRecords().close(target, closing),
      // The hub reports the close too; re-reading it here does not depend on that.
      () => {
        this.changed([id]);
        return this.settled();
      },
    );
  }

  async accounts(): Promise<readonly ConsoleAccount[]> {
    return Promise.all(
      this.hub.accounts.map(async (a) => {
        const last = await lastEventAt(this.tables.client, 'events', a.accountId);
        return {
          accountId: a.accountId,
          ...(a.name ? { name: a.name } : {}),
          ouPath: a.ouNames,
          mode: a.mode ?? 'notify',
          modeSource: a.modeSource,
          ...(last ? { lastEventAt: last } : {}),
          // The registry holds the account's Organizations status, not per-region spoke stacks; a simulated
          // account's spoke is simulated (plans only) unless the hub runs with --aws.
          spoke: {
            status: `${a.status ?? 'ACTIVE'}, ${this.hub.appliesRemediations ? 'real spoke sessions (--aws)' : 'simulated (plans only)'}`,
          },
        };
      }),
    );
  }

  async playbooks(): Promise<readonly ConsolePlaybook[]> {
    return this.hub.playbooks.map(consolePlaybook);
  }

  async recentExecutions(playbook: string, limit: number): Promise<readonly ConsoleExecutionSummary[]> {
    return [...this.hub.dispatcher.runs.values()]
      .filter((r) => r.playbook === playbook)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .slice(0, Math.max(0, limit))
      .map((r) => this.summary(r));
  }

  private runByArn(arn: string): LocalRun | undefined {
    const run = this.hub.dispatcher.runs.get(arn.split(':').at(-1) ?? '');
    return run?.arn === arn ? run : undefined;
  }

  private waitingOn(run: LocalRun): { id: string; state: string } | undefined {
    if (run.result) return undefined;
    const p = this.hub.pendingInteractions().find((i) => i.executionId === run.arn);
    return p ? { id: p.id, state: p.state } : undefined;
  }

  private summary(run: LocalRun): ConsoleExecutionSummary {
    const status: ConsoleExecutionStatus = run.result?.status ?? (this.waitingOn(run) ? 'WAITING' : 'RUNNING');
    return {
      arn: run.arn,
      playbook: run.playbook,
      name: run.name,
      status,
      startedAt: run.startedAt,
      ...(run.stoppedAt ? { stoppedAt: run.stoppedAt } : {}),
      ...(run.investigationId ? { investigationId: run.investigationId } : {}),
    };
  }
}

/**
 * Steps from the executor's state events, in the order states were entered: each with the input it was entered
 * with, the output it left with, or the error it failed with (a retry keeps the step; a later success wins).
 */
export function localSteps(history: readonly LocalStateEvent[], waitingState?: string): ConsoleStep[] {
  const steps: Array<{ -readonly [K in keyof ConsoleStep]: ConsoleStep[K] }> = [];
  const open = new Map<string, number>();
  const key = (e: LocalStateEvent) => `${e.state}#${e.index ?? ''}`;
  for (const e of history) {
    if (e.type === 'StateEntered') {
      open.set(key(e), steps.length);
      steps.push({ state: e.state, enteredAt: e.at, status: 'running', input: e.input });
      continue;
    }
    const at = open.get(key(e));
    const step = at === undefined ? undefined : steps[at];
    if (!step) continue;
    if (e.type === 'StateExited') {
      step.status = 'succeeded';
      step.output = e.output;
      delete step.error;
    } else if (e.type === 'StateFailed' || e.type === 'StateRetried' || e.type === 'StateCaught') {
      if (e.error) step.error = e.error;
      if (e.type !== 'StateRetried') step.status = 'failed';
    }
  }
  markWaiting(steps, waitingState);
  return steps;
}

/** Who the local console's operator is: `local:<user>`, as `socless local` names the token holder. */
export function localOperator(): string {
  return `local:${userInfo().username}`;
}
