/**
 * `socless console`: the operations console on 127.0.0.1, over a local hub (its own, or the tables a
 * `socless local --data DIR` run kept) or, with --aws, over the deployed hub read with the operator's credentials.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import {
  assertPortFree,
  CredentialsError,
  InputFileError,
  parsePortOption,
  requireAwsCredentials,
  UsageError,
  withExamples,
} from '../cli-errors.ts';
import { AwsConsoleBackend, resolveConsoleResources } from '../console/aws-backend.ts';
import type { ConsoleBackend } from '../console/backend.ts';
import { LocalConsoleBackend, localOperator } from '../console/local-backend.ts';
import { type ConsoleServer, serveConsole } from '../console/server.ts';
import { LocalHub, loadRepoConfig } from '../local/hub.ts';
import { readInputs } from '../local/inputs.ts';

/** The port `socless console` listens on unless told otherwise (the local hub's API is on 4850). */
export const DEFAULT_CONSOLE_PORT = 4860;

export interface ConsoleOptions {
  port: string;
  data?: string;
  org?: string;
  config?: string;
  events?: string;
  aws?: boolean;
  profile?: string;
  region?: string;
  eventsTable?: string;
  dedupTable?: string;
  resultsTable?: string;
  remediationsTable?: string;
  messageResponsesTable?: string;
  accountsTable?: string;
  vaultBucket?: string;
}

/** Flags that only mean something for one of the two modes. */
const LOCAL_ONLY = ['data', 'org', 'events'] as const;
const AWS_ONLY = [
  'profile',
  'region',
  'eventsTable',
  'dedupTable',
  'resultsTable',
  'remediationsTable',
  'messageResponsesTable',
  'accountsTable',
  'vaultBucket',
] as const;
const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The lines a started console prints: where to open it (with its token) and how to stop it. */
export function consoleBanner(server: ConsoleServer, label: string, operator: string): string {
  return (
    `socless console (${label}) as ${operator}\n` +
    `open it with this run's token (it signs the browser in, then drops from the address):\n    ${server.openUrl}\n` +
    'Ctrl-C to stop\n'
  );
}

/** Serves until SIGINT or SIGTERM, then closes the server and runs `cleanup`. */
export async function serveUntilStopped(server: ConsoleServer, cleanup: () => Promise<void>): Promise<void> {
  await new Promise<void>((done) => {
    const stop = () => {
      const deadline = setTimeout(() => process.exit(1), 5_000);
      deadline.unref();
      server.close().then(done, done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await cleanup();
}

async function localBackend(opts: ConsoleOptions): Promise<{ backend: ConsoleBackend; close: () => Promise<void> }> {
  const events = opts.events ? resolve(opts.events) : undefined;
  if (events && !statSync(events, { throwIfNoEntry: false })) {
    throw new InputFileError(`--events ${events}: no such file or folder`);
  }
  const inputs = events ? readInputs(events) : [];
  if (events && inputs.length === 0) {
    throw new InputFileError(`--events ${events}: no events to process (no *.json, *.ndjson or *.jsonl with an event)`);
  }
  const hub = await LocalHub.start({
    config: loadRepoConfig(opts.config),
    aws: false,
    // Someone is at the console to answer: Interactions wait for them.
    interactionTimeoutMs: 'never',
    ...(opts.data ? { dataDir: resolve(opts.data) } : {}),
    ...(opts.org ? { orgFile: resolve(opts.org) } : {}),
  });
  for (const { input, body } of inputs) await hub.submit(body, input);
  if (inputs.length) process.stdout.write(`processed ${inputs.length} event(s) from ${events}\n`);
  const backend = await LocalConsoleBackend.create(hub);
  return { backend, close: () => hub.close() };
}

/**
 * The deployed hub, read with the operator's own credentials: the operator is the caller's IAM principal
 * (GetCallerIdentity), never a value from a request.
 */
async function awsBackend(
  opts: ConsoleOptions,
): Promise<{ backend: ConsoleBackend; operator: string; close: () => Promise<void> }> {
  if (opts.profile) process.env.AWS_PROFILE = opts.profile;
  const config = loadRepoConfig(opts.config);
  const region = opts.region ?? config.homeRegion;
  const sts = new STSClient({ region });
  await requireAwsCredentials(sts, opts.profile);
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new CredentialsError('GetCallerIdentity returned no ARN for these credentials');
  const { tables, vaultBucket } = await resolveConsoleResources(
    {
      tables: {
        ...(opts.eventsTable ? { events: opts.eventsTable } : {}),
        ...(opts.dedupTable ? { dedup: opts.dedupTable } : {}),
        ...(opts.resultsTable ? { results: opts.resultsTable } : {}),
        ...(opts.remediationsTable ? { remediations: opts.remediationsTable } : {}),
        ...(opts.messageResponsesTable ? { message_responses: opts.messageResponsesTable } : {}),
        ...(opts.accountsTable ? { accounts: opts.accountsTable } : {}),
      },
      ...(opts.vaultBucket ? { vaultBucket: opts.vaultBucket } : {}),
    },
    new CloudFormationClient({ region }),
  );
  const backend = new AwsConsoleBackend({
    config,
    region,
    tables,
    sts,
    ...(vaultBucket ? { vaultBucket } : {}),
  });
  await backend.start();
  return { backend, operator: identity.Arn, close: async () => backend.stop() };
}

/** A started console: its server, backend and operator; `close` stops the backend (the server is closed apart). */
export interface StartedConsole {
  readonly server: ConsoleServer;
  readonly backend: ConsoleBackend;
  readonly operator: string;
  close(): Promise<void>;
}

/** Checks the flags, builds the backend (local hub or --aws) and serves the console; what the command runs. */
export async function startConsole(opts: ConsoleOptions): Promise<StartedConsole> {
  const port = parsePortOption(opts.port);
  const wrong = (opts.aws ? LOCAL_ONLY : AWS_ONLY).filter((k) => opts[k] !== undefined);
  if (wrong.length > 0) {
    throw new UsageError(
      `${wrong.map(flagOf).join(', ')}: ${opts.aws ? 'only for the local hub (leave out --aws)' : 'only with --aws'}`,
    );
  }
  await assertPortFree(port);
  const { backend, close, operator } = opts.aws
    ? await awsBackend(opts)
    : { ...(await localBackend(opts)), operator: localOperator() };
  try {
    const server = await serveConsole(backend, { port, operator });
    return { server, backend, operator, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function registerConsoleCommand(program: Command): void {
  withExamples(
    program.command('console'),
    'socless console',
    'socless console --data .local/hub',
    'socless console --events playbooks/guardduty-triage/events',
    'socless console --aws --profile security-admin --region eu-west-1',
  )
    .description(
      'the operations console in a browser on 127.0.0.1: investigations, executions with their path, approvals, accounts, playbooks',
    )
    .option('--port <n>', `HTTP port on 127.0.0.1 (0 = any free port)`, String(DEFAULT_CONSOLE_PORT))
    .option(
      '--data <dir>',
      'the local hub data folder to show (a socless local --data run; default: a new in-memory hub)',
    )
    .option('--org <file>', 'simulated organization (default: scripts/local/sample-org.json)')
    .option('--config <file>', 'socless configuration JSON (default: cdk.json context "socless")')
    .option('--events <path>', 'event file or folder the local hub processes first (default: none)')
    .option('--aws', "the deployed hub: its tables and Step Functions, with this shell's AWS credentials")
    .option('--profile <name>', 'with --aws: AWS profile (default: the default credential chain)')
    .option('--region <region>', 'with --aws: the hub region (default: the configuration home region)')
    .option('--events-table <name>', 'with --aws: the events table (default: hub stack output)')
    .option('--dedup-table <name>', 'with --aws: the dedup table (default: hub stack output)')
    .option('--results-table <name>', 'with --aws: the results table (default: hub stack output)')
    .option('--remediations-table <name>', 'with --aws: the remediations table (default: hub stack output)')
    .option('--message-responses-table <name>', 'with --aws: the interactions table (default: hub stack output)')
    .option('--accounts-table <name>', 'with --aws: the accounts registry table (default: hub stack output)')
    .option(
      '--vault-bucket <name>',
      'with --aws: the vault bucket, to show raw events kept there (default: hub stack output VaultBucketName)',
    )
    .action(async (opts: ConsoleOptions) => {
      const { server, backend, operator, close } = await startConsole(opts);
      process.stdout.write(consoleBanner(server, backend.label, operator));
      await serveUntilStopped(server, close);
      process.exit();
    });
}
