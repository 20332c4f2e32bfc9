import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SoclessError } from '../../shared/errors.ts';
import { DEFAULT_PLAYBOOKS_DIR, LocalHub, loadRepoConfig } from '../local/hub.ts';
import { bundledSampleInputs, type LocalInput, readInputs } from '../local/inputs.ts';
import { outcomeLine, outcomeRows, tableHeader } from '../local/report.ts';
import { type LocalTokenFile, localTokenFile, serveLocalHub } from '../local/server.ts';

interface LocalOptions {
  once?: boolean;
  port: string;
  data?: string;
  org?: string;
  events?: string;
  config?: string;
  json?: boolean;
  aws?: boolean;
  secrets?: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SoclessError(`--port: "${text}" is not a port number (0-65535)`);
  }
  return port;
}

export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('run the hub on this machine: dynalite, the endpoint pipeline, compiled playbooks, a simulated org')
    .option('--once', 'process the events and exit (no HTTP server)')
    .option('--port <n>', 'HTTP port on 127.0.0.1 (0 = any free port)', '4850')
    .option('--data <dir>', 'keep tables and the vault in this folder (default: in memory)')
    .option('--org <file>', 'simulated organization (default: scripts/local/sample-org.json)')
    .option('--events <path>', 'event file or folder to process first (default: playbooks/*/events/*.json)')
    .option('--config <file>', 'socless configuration JSON (default: cdk.json context "socless")')
    .option('--json', 'print one JSON line per input (NDJSON) instead of a table')
    .option('--aws', 'remediate through real spoke roles with the credentials of this shell (default: plan only)')
    .option(
      '--secrets <file>',
      'JSON object of secret name -> value (e.g. socless/slack/bot-token), as Secrets Manager holds them',
    )
    .action(async (opts: LocalOptions) => {
      const port = parsePort(opts.port);
      const hub = await LocalHub.start({
        config: loadRepoConfig(opts.config),
        aws: opts.aws === true,
        ...(opts.secrets ? { secrets: readSecretsFile(resolve(opts.secrets)) } : {}),
        // A one-shot run has nobody to answer: Interactions time out at once and take the default decision.
        interactionTimeoutMs: opts.once ? 0 : 'never',
        ...(opts.data ? { dataDir: resolve(opts.data) } : {}),
        ...(opts.org ? { orgFile: resolve(opts.org) } : {}),
      });
      const inputs: LocalInput[] = opts.events
        ? readInputs(resolve(opts.events))
        : bundledSampleInputs(DEFAULT_PLAYBOOKS_DIR);
      const out = process.stdout;
      if (!opts.json) {
        out.write(
          `socless local hub: ${hub.playbooks.length} playbook(s), ${hub.accounts.length} account(s) in the simulated org, ${inputs.length} event(s) to process\n\n${tableHeader()}\n`,
        );
      }
      let handled = 0;
      for (const { input, body } of inputs) {
        const started = performance.now();
        const outcomes = await hub.submit(body, input);
        const ms = Math.round(performance.now() - started);
        handled++;
        if (opts.json) out.write(`${JSON.stringify(outcomeLine(input, outcomes))}\n`);
        else for (const row of outcomeRows(hub, input, outcomes, ms)) out.write(`${row}\n`);
      }
      if (!opts.json) out.write(`\n${summary(await hub.investigations())}\n`);
      if (opts.once) {
        await hub.close();
        process.exitCode = handled === inputs.length ? 0 : 1;
        return;
      }
      const dataDir = opts.data ? resolve(opts.data) : undefined;
      const { server, url, openUrl, tokenFile } = await serveLocalHub(hub, port, {
        tokenFile: (bound) => localTokenFile(dataDir, bound),
      });
      out.write(
        `\nserving on ${url}  (POST /events, GET /investigations, GET /interactions, GET /health) — Ctrl-C to stop\n` +
          `open or call it with this run's token (Authorization: Bearer <token>, or X-Socless-Token):\n    ${openUrl}\n` +
          (tokenFile ? `token file (socless local answer reads it): ${tokenFile}\n` : ''),
      );
      const sweeper = setInterval(() => {
        hub.sweep().catch((err: unknown) => process.stderr.write(`sweeper: ${String(err)}\n`));
      }, 60_000);
      await new Promise<void>((done) => {
        const stop = () => {
          clearInterval(sweeper);
          server.close(() => done());
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await hub.close();
    });
  registerLocalAnswerCommand(local);
}

/** Reads `--secrets`: a JSON object of string values; a bad file names itself and the key. */
function readSecretsFile(file: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SoclessError(`--secrets ${file}: cannot be read as JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SoclessError(`--secrets ${file}: $ must be an object of secret name -> value`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SoclessError(`--secrets ${file}: $.${k} must be a string`);
  }
  return raw as Record<string, string>;
}

/** Environment variable `socless local answer` reads the token from when neither --token nor a token file is there. */
export const LOCAL_TOKEN_ENV = 'SOCLESS_LOCAL_TOKEN';

/**
 * The running hub's token: `--token`, else the token file the hub wrote for that port (under `--data`, or
 * ~/.socless), else $SOCLESS_LOCAL_TOKEN.
 */
export function localHubToken(options: { token?: string; dataDir?: string; port: number }): string {
  if (options.token) return options.token;
  const file = localTokenFile(options.dataDir, options.port);
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalTokenFile>;
    if (typeof parsed.token === 'string' && parsed.token) return parsed.token;
  } catch {
    // No file (another --data, or the hub is not running): fall through.
  }
  const env = process.env[LOCAL_TOKEN_ENV];
  if (env) return env;
  throw new SoclessError(
    `no token for the local hub on port ${options.port}: no ${file}; pass --token (printed by socless local), the same --data as the hub, or set ${LOCAL_TOKEN_ENV}`,
  );
}

/** Sends one answer to a running local hub; resolves to its JSON reply, throws on a refusal. */
export async function answerLocalInteraction(request: {
  readonly port: number;
  readonly id: string;
  readonly decision: 'approve' | 'reject';
  readonly token: string;
  readonly reason?: string;
  /** Recorded as a note; the hub records its operator as who answered. */
  readonly responder?: string;
}): Promise<string> {
  const url = `http://127.0.0.1:${request.port}/interactions/${encodeURIComponent(request.id)}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${request.token}` },
      body: JSON.stringify({
        decision: request.decision,
        ...(request.reason ? { reason: request.reason } : {}),
        ...(request.responder ? { responder: request.responder } : {}),
      }),
    });
  } catch (err) {
    throw new SoclessError(`no local hub answers on ${url} (${(err as Error).message}); start it with socless local`);
  }
  const text = await res.text();
  if (!res.ok) throw new SoclessError(`local hub refused the answer (HTTP ${res.status}): ${text}`);
  return text;
}

/**
 * `socless local answer <id> approve|reject [--port N] [--data DIR] [--token T] [--reason TEXT]`: answers a
 * pending interaction of a running local hub (the ids `GET /interactions` lists), with the hub's per-run
 * token. The hub records its operator as who answered.
 */
export function registerLocalAnswerCommand(local: Command): void {
  local
    .command('answer <id> <decision>')
    .description('answer a pending interaction of the running local hub (see GET /interactions)')
    .option('--token <token>', `the hub's per-run token (default: its token file, then $${LOCAL_TOKEN_ENV})`)
    .option('--reason <text>', 'why (recorded with the answer)')
    .option('--responder <name>', 'a name to note with the answer (who answered is the local operator)')
    // --port and --data are the parent's options (socless local --port N): the same flags name the same hub.
    .action(async (id: string, decision: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        port: string;
        data?: string;
        token?: string;
        reason?: string;
        responder?: string;
      }>();
      if (decision !== 'approve' && decision !== 'reject') {
        throw new SoclessError(`decision: "${decision}" must be approve or reject`);
      }
      const port = parsePort(opts.port);
      const token = localHubToken({
        port,
        ...(opts.token ? { token: opts.token } : {}),
        ...(opts.data ? { dataDir: resolve(opts.data) } : {}),
      });
      const text = await answerLocalInteraction({
        port,
        id,
        decision,
        token,
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.responder ? { responder: opts.responder } : {}),
      });
      process.stdout.write(`${text}\n`);
    });
}

function summary(records: ReadonlyArray<{ status: string }>): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return `${records.length} event(s) recorded: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}
