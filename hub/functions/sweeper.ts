/**
 * Sweeper Lambda (scheduled): re-drives events the endpoint persisted but did not finish — left `received`
 * (the endpoint died after persisting) or `pending` (StartExecution failed). Execution names are
 * deterministic and dedup claims idempotent, so a re-drive never starts a second execution.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SoclessError } from '../../shared/errors.ts';
import { countWaitingApprovals } from '../../shared/metrics/approvals-waiting.ts';
import { METRICS } from '../../shared/metrics/catalog.ts';
import { emit, type MetricSink, stdoutMetricSink } from '../../shared/metrics/emf.ts';
import type { PipelineDeps } from '../../shared/pipeline/pipeline.ts';
import { type SweepReport, sweep } from '../../shared/pipeline/sweeper.ts';
import { TABLES } from '../../shared/tables.ts';
import { bundledRoutes, pipelineFromEnv } from './endpoint.ts';
import { createDocumentClient } from './http.ts';

export const SWEEPER_ENV = {
  /** Re-drive only events older than this many minutes (the endpoint may still be working on younger ones). */
  olderThanMinutes: 'SOCLESS_SWEEP_OLDER_THAN_MINUTES',
} as const;

/** The approvals gauge the sweeper publishes on each run. */
export interface ApprovalsGauge {
  /** Interactions still waiting for a human. */
  readonly count: (now: Date) => Promise<number>;
  readonly metrics: MetricSink;
}

export function createSweeperHandler(
  pipeline: PipelineDeps,
  olderThanMs: number,
  logger: Logger,
  approvals?: ApprovalsGauge,
) {
  return async (): Promise<Pick<SweepReport, 'examined' | 'stuck'> & { redriven: number }> => {
    if (approvals) {
      const now = new Date((pipeline.now ?? Date.now)());
      // A failed count is logged, not thrown: the re-drive matters more than the gauge.
      await approvals
        .count(now)
        .then((waiting) => emit(approvals.metrics, { metric: METRICS.approvalsWaiting, value: waiting }, now))
        .catch((err: unknown) => logger.error('could not count the approvals waiting', { error: String(err) }));
    }
    const report = await sweep(pipeline, { olderThanMs });
    for (const s of report.stuck) logger.error('event cannot be re-driven; marked rejected', s);
    const stillPending = report.redriven.filter((o) => o.status === 'pending');
    if (stillPending.length > 0) {
      logger.warn('events still pending after re-drive', { ids: stillPending.map((o) => o.eventId) });
    }
    logger.info('sweep done', {
      examined: report.examined,
      redriven: report.redriven.length,
      stuck: report.stuck.length,
    });
    // A sweep that could not re-drive everything fails the invocation, so the function's error alarm fires.
    if (report.stuck.length > 0) throw new SoclessError(`${report.stuck.length} event(s) could not be re-driven`);
    return { examined: report.examined, redriven: report.redriven.length, stuck: report.stuck };
  };
}

let sweeperHandler: ReturnType<typeof createSweeperHandler> | undefined;

export async function handler(): Promise<unknown> {
  if (!sweeperHandler) {
    const minutes = Number(process.env[SWEEPER_ENV.olderThanMinutes] ?? '5');
    if (!Number.isFinite(minutes) || minutes <= 0) {
      throw new SoclessError(`${SWEEPER_ENV.olderThanMinutes} must be a positive number of minutes`);
    }
    const responses = process.env[TABLES.message_responses.envVar];
    const documents = createDocumentClient();
    sweeperHandler = createSweeperHandler(
      pipelineFromEnv(process.env, bundledRoutes()),
      minutes * 60_000,
      new Logger({ serviceName: 'socless-sweeper' }),
      responses
        ? { count: (now) => countWaitingApprovals(documents, responses, now), metrics: stdoutMetricSink }
        : undefined,
    );
  }
  return sweeperHandler();
}
