/**
 * `socless console`: the operations console on 127.0.0.1, over a local hub (its own, or the tables a
 * `socless local --data DIR` run kept) or, with --aws, over the deployed hub read with the operator's credentials.
 */

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { assertPortFree, InputFileError, parsePortOption, withExamples } from '../cli-errors.ts';
import type { ConsoleBackend } from '../console/backend.ts';
import { LocalConsoleBackend, localOperator } from '../console/local-backend.ts';
import { type ConsoleServer, serveConsole } from '../console/server.ts';
import { LocalHub, loadRepoConfig } from '../local/hub.ts';
import { readInputs } from '../local/inputs.ts';

/** The port `socless console` listens on unless told otherwise (the local hub's API is on 4850). */
export const DEFAULT_CONSOLE_PORT = 4860;

interface ConsoleOptions {
  port: string;
  data?: string;
  org?: string;
  config?: string;
  events?: string;
}

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

export function registerConsoleCommand(program: Command): void {
  withExamples(
    program.command('console'),
    'socless console',
    'socless console --data .local/hub',
    'socless console --events playbooks/guardduty-triage/events',
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
    .action(async (opts: ConsoleOptions) => {
      const port = parsePortOption(opts.port);
      await assertPortFree(port);
      const { backend, close } = await localBackend(opts);
      const operator = localOperator();
      let server: ConsoleServer;
      try {
        server = await serveConsole(backend, { port, operator });
      } catch (err) {
        await close();
        throw err;
      }
      process.stdout.write(consoleBanner(server, backend.label, operator));
      await serveUntilStopped(server, close);
      process.exit();
    });
}
