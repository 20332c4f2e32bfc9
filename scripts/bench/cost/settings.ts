/**
 * The stack settings the cost model prices, read from where the stack reads them: integration memory from
 * the integration registry, state-machine logging from shared/state-machine-logging.ts, NAT gateways from
 * the repository's configuration, KMS key users counted from the table and integration catalogs. The few
 * construct defaults that live only in CDK code are named here with the file that sets them (and a test
 * checks them against the synthesized stack's constructs where they matter).
 */
import { ENDPOINT_QUEUE_BATCH } from '../../../hub/constructs/endpoint-function.ts';
import { knownMetricSources } from '../../../hub/functions/endpoint-metrics.ts';
import { integrationDeployments } from '../../../hub/integrations/index.ts';
import { remediationRegistry } from '../../../hub/remediations/index.ts';
import type { CompiledPlaybook } from '../../../shared/deploy-model.ts';
import { maxCustomMetrics } from '../../../shared/metrics/catalog.ts';
import {
  STATE_MACHINE_LOGGING,
  STATE_MACHINE_LOGGING_ALL,
  type StateMachineLogging,
} from '../../../shared/state-machine-logging.ts';
import { TABLE_KEYS } from '../../../shared/tables.ts';
import { loadRepoConfig } from '../../local/hub.ts';
import type { MetricSeries } from './measure.ts';
import type { CostSettings } from './model.ts';

/** hub/constructs/socless-function.ts: `memorySize: props.memorySize ?? 256`, arm64 (X-Ray as `config.tracing`). */
export const SOCLESS_FUNCTION_DEFAULT_MEMORY_MB = 256;
/** hub/constructs/endpoint-function.ts: the ingest queue's event source (read from the construct's constant). */
export const ENDPOINT_BATCH_SIZE = ENDPOINT_QUEUE_BATCH.size;
export const ENDPOINT_BATCH_WINDOW_SECONDS = ENDPOINT_QUEUE_BATCH.windowSeconds;
/** hub/constructs/endpoint-function.ts: `sweepEvery ?? Duration.minutes(5)`. */
export const SWEEP_EVERY_MINUTES = 5;
/** hub/constructs/api-firewall.ts: rules in the web ACL. */
export const WAF_RULES = 5;

export interface MeasuredTimes {
  readonly endpointMsPerEvent: number;
  readonly taskMs: number;
  readonly sweepMs: number;
}

/** The deployed defaults, with `logging` overridable for the before/after. */
export function stackCostSettings(
  playbooks: readonly CompiledPlaybook[],
  times: MeasuredTimes,
  metricSeries: readonly MetricSeries[],
  options: {
    orgAccounts: number;
    logging?: Readonly<Record<'express' | 'standard', StateMachineLogging>>;
    /** Bytes of the EMF lines one sweep writes (measured). */
    sweepMetricBytes?: number;
  },
): CostSettings {
  const deployments = integrationDeployments();
  const config = loadRepoConfig();
  const memoryMb = Object.fromEntries(deployments.map((d) => [d.id, d.memoryMb ?? SOCLESS_FUNCTION_DEFAULT_MEMORY_MB]));
  // Data keys are cached per user of the key: each table, the ingest queue and its DLQ, each function's log
  // group and DLQ (integrations + endpoint + sweeper + interactions), each playbook's log group, two buckets.
  const functions = deployments.length + 3;
  const kmsKeyUsers = TABLE_KEYS.length + 2 + 2 * functions + playbooks.length + 2;
  return {
    logging: options.logging ?? STATE_MACHINE_LOGGING,
    memoryMb,
    defaultMemoryMb: SOCLESS_FUNCTION_DEFAULT_MEMORY_MB,
    endpointMemoryMb: SOCLESS_FUNCTION_DEFAULT_MEMORY_MB,
    endpointBatchSize: ENDPOINT_BATCH_SIZE,
    endpointBatchWindowSeconds: ENDPOINT_BATCH_WINDOW_SECONDS,
    endpointMsPerEvent: times.endpointMsPerEvent,
    taskMs: times.taskMs,
    sweepEveryMinutes: SWEEP_EVERY_MINUTES,
    sweepMs: times.sweepMs,
    orgAccounts: options.orgAccounts,
    natGateways: config.natGateways,
    wafRules: WAF_RULES,
    vaultRetentionMonths: 12,
    kmsKeyUsers,
    // config.tracing: the hub's functions, state machines and API stage trace together, or none does.
    tracing: { lambdas: config.tracing === 'active', stateMachines: config.tracing === 'active' },
    metricSeries,
    sweepMetricBytes: options.sweepMetricBytes ?? 0,
    // The catalog's bound for this deployment: its known sources, integrations and remediations.
    maxCustomMetrics: maxCustomMetrics({
      sources: knownMetricSources(playbooks, config.webhooks).size,
      integrations: deployments.length,
      remediations: remediationRegistry().length,
    }),
  };
}

export { STATE_MACHINE_LOGGING_ALL };
