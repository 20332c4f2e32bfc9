import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { ConfigError, formatProblem, SoclessError } from '../../shared/errors.ts';
import {
  assertPortFree,
  InputFileError,
  parseJsonText,
  parsePortOption,
  readInputFile,
  requireAwsCredentials,
  UsageError,
  withExamples,
} from '../cli-errors.ts';
import { LocalConsoleBackend, localOperator } from '../console/local-backend.ts';
import { serveConsole } from '../console/server.ts';
import { DEFAULT_PLAYBOOKS_DIR, LocalHub, loadRepoConfig } from '../local/hub.ts';
import { bundledSampleInputs, type LocalInput, readInputs } from '../local/inputs.ts';
import { loadOrgFile } from '../local/org.ts';
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
  consolePort?: string;
}

/** The port `socless local` listens on unless told otherwise. */
export const DEFAULT_LOCAL_PORT = 4850;

function parsePort(text: string): number {
  return parsePortOption(text);
}

/** The flags that make `socless local answer` reach the hub this command runs (empty for the defaults). */
export function answerFlags(port: number, dataDir?: string): string {
  return `${port !== DEFAULT_LOCAL_PORT && port !== 0 ? ` --port ${port}` : ''}${dataDir ? ` --data ${dataDir}` : ''}`;
}

/**
 * Everything `socless local` reads, checked before the hub starts or an event is processed: the port is
 * free, the files exist and parse, `--aws` has credentials. Returns the events to process.
 */
async function checkLocalInputs(opts: LocalOptions, port: number, homeRegion: string): Promise<LocalInput[]> {
  if (!opts.once) await assertPortFree(port);
  if (opts.data) {
    const dir = resolve(opts.data);
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) throw new InputFileError(`--data ${dir}: is a file, a folder is needed`);
  }
  if (opts.org) {
    const file = resolve(opts.org);
    parseJsonText(readInputFile(file, '--org'), `--org ${file}: simulated org file`);
    try {
      loadOrgFile(file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new InputFileError(`--org: simulated org file ${err.problems.map((p) => formatProblem(p)).join('; ')}`);
    }
  }
  let inputs: LocalInput[];
  if (opts.events) {
    const path = resolve(opts.events);
    if (!statSync(path, { throwIfNoEntry: false }))
      throw new InputFileError(`--events ${path}: no such file or folder`);
    inputs = readInputs(path);
    if (inputs.length === 0) {
      throw new InputFileError(
        `--events ${path}: no events to process (it holds no *.json, *.ndjson or *.jsonl file with an event); point it at event files`,
      );
    }
  } else {
    inputs = bundledSampleInputs(DEFAULT_PLAYBOOKS_DIR);
  }
  if (opts.aws) {
    // Without credentials every remediation would fail inside its playbook, where --once cannot show why.
    await requireAwsCredentials(new STSClient({ region: homeRegion }), process.env.AWS_PROFILE);
  }
  return inputs;
}

export function registerLocalCommand(program: Command): void {
  const local = withExamples(
    program.command('local'),
    'socless local',
    'socless local --once --events playbooks/guardduty-triage/events/crypto-mining-high.json --json',
    'socless local --port 4851 --data .local/hub',
  )
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
    .option('--console-port <n>', 'port of the operations console on 127.0.0.1 (default: --port + 10, so 4860)')
    .action(async (opts: LocalOptions) => {
      const port = parsePort(opts.port);
      const consolePort = opts.consolePort ? parsePortOption(opts.consolePort, '--console-port') : port ? port + 10 : 0;
      if (!opts.once && consolePort === port && port !== 0) {
        throw new UsageError(`--console-port ${consolePort}: the hub's API already uses that port; pick another`);
      }
      if (!opts.once) await assertPortFree(consolePort);
      const config = loadRepoConfig(opts.config);
      const inputs = await checkLocalInputs(opts, port, config.homeRegion);
      const hub = await LocalHub.start({
        config,
        aws: opts.aws === true,
        ...(opts.secrets ? { secrets: readSecretsFile(resolve(opts.secrets)) } : {}),
        // A one-shot run has nobody to answer: Interactions time out at once and take the default decision.
        interactionTimeoutMs: opts.once ? 0 : 'never',
        ...(opts.data ? { dataDir: resolve(opts.data) } : {}),
        ...(opts.org ? { orgFile: resolve(opts.org) } : {}),
      });
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
        else {
          const answer = answerFlags(port, opts.data);
          for (const row of outcomeRows(hub, input, outcomes, ms, answer)) out.write(`${row}\n`);
        }
      }
      if (!opts.json) out.write(`\n${summary(await hub.investigations())}\n`);
      if (opts.once) {
        await hub.close();
        process.exitCode = handled === inputs.length ? 0 : 1;
        return;
      }
      const dataDir = opts.data ? resolve(opts.data) : undefined;
      const { server, url, openUrl, tokenFile, token } = await serveLocalHub(hub, port, {
        tokenFile: (bound) => localTokenFile(dataDir, bound),
      });
      // The operations console, next to the API on its own port, signed in with the same run token.
      const consoleServer = await serveConsole(await LocalConsoleBackend.create(hub), {
        port: consolePort,
        operator: localOperator(),
        ...(token ? { token } : {}),
      });
      out.write(
        `\nserving on ${url}  (POST /events, GET /investigations, GET /interactions, GET /health) — Ctrl-C to stop\n` +
          `open or call it with this run's token (Authorization: Bearer <token>, or X-Socless-Token):\n    ${openUrl}\n` +
          `operations console (open in a browser):\n    ${consoleServer.openUrl}\n` +
          (tokenFile ? `token file (socless local answer reads it): ${tokenFile}\n` : '') +
          (token
            ? `run token ${tokenFingerprint(token)} (socless local answer names the hub it answered by this)\n`
            : ''),
      );
      const sweeper = setInterval(() => {
        hub.sweep().catch((err: unknown) => process.stderr.write(`sweeper: ${String(err)}\n`));
      }, 60_000);
      // How long a shutdown may take before the process exits anyway (1); a loaded machine may need longer.
      const shutdownDeadlineMs = Number(process.env[SHUTDOWN_DEADLINE_ENV] ?? '') || 5_000;
      await new Promise<void>((done) => {
        const stop = (signal: NodeJS.Signals) => {
          clearInterval(sweeper);
          // One signal stops the hub: idle keep-alive connections would hold server.close() open, and a stuck
          // shutdown must not need a second signal (a process manager sends one to the whole group).
          const deadline = setTimeout(() => {
            process.stderr.write(
              `socless local: ${signal}: shutdown took over ${shutdownDeadlineMs / 1000} s, exiting\n`,
            );
            process.exit(1);
          }, shutdownDeadlineMs);
          deadline.unref();
          void consoleServer.close();
          server.close(() => done());
          server.closeAllConnections();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await hub.close();
      // Executions parked on a person (cancelled above) can leave timers behind: the hub is closed, so exit now.
      process.exit();
    });
  registerLocalAnswerCommand(local);
}

/** Reads `--secrets`: a JSON object of string values; a bad file names itself and the key. */
function readSecretsFile(file: string): Record<string, string> {
  const raw = parseJsonText(readInputFile(file, '--secrets'), `--secrets ${file}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SoclessError(`--secrets ${file}: $ must be an object of secret name -> value`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SoclessError(`--secrets ${file}: $.${k} must be a string`);
  }
  return raw as Record<string, string>;
}

/** Milliseconds `socless local` allows its shutdown after a signal before it exits with 1 (default 5000). */
export const SHUTDOWN_DEADLINE_ENV = 'SOCLESS_SHUTDOWN_DEADLINE_MS';

/** Environment variable `socless local answer` reads the token from when neither --token nor a token file is there. */
export const LOCAL_TOKEN_ENV = 'SOCLESS_LOCAL_TOKEN';

/**
 * The running hub's token: `--token`, else the token file the hub wrote for that port (under `--data`, or
 * ~/.socless), else $SOCLESS_LOCAL_TOKEN.
 */
export function localHubToken(options: { token?: string; dataDir?: string; port: number }): string {
  return localHubIdentity(options).token;
}

/** Which local hub `socless local answer` talks to: its token, where the token came from, and the hub's run. */
export interface LocalHubIdentity {
  readonly token: string;
  /** `--token`, the hub's token file, or $SOCLESS_LOCAL_TOKEN. */
  readonly source: string;
  /** From the token file: the URL and process of the hub run that wrote it. */
  readonly url?: string;
  readonly pid?: number;
}

/** A short, non-secret name of a run token (its SHA-256 prefix), to tell hub runs apart. */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

/** The hub's token and where it came from (see localHubToken for the order). */
export function localHubIdentity(options: { token?: string; dataDir?: string; port: number }): LocalHubIdentity {
  if (options.token) return { token: options.token, source: '--token' };
  const file = localTokenFile(options.dataDir, options.port);
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalTokenFile>;
    if (typeof parsed.token === 'string' && parsed.token) {
      return {
        token: parsed.token,
        source: file,
        ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}),
        ...(typeof parsed.pid === 'number' ? { pid: parsed.pid } : {}),
      };
    }
  } catch {
    // No file (another --data, or the hub is not running): fall through.
  }
  const env = process.env[LOCAL_TOKEN_ENV];
  if (env) return { token: env, source: `$${LOCAL_TOKEN_ENV}` };
  throw new SoclessError(
    `no token for the local hub on port ${options.port}: no ${file}; pass --token (printed by socless local), the same --port and --data as the hub, or set ${LOCAL_TOKEN_ENV}`,
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
    throw new SoclessError(
      `no local hub answers on ${url} (${(err as Error).message}); start it with socless local${answerFlags(request.port)}, or pass the --port it printed`,
    );
  }
  const text = await res.text();
  if (!res.ok) {
    const reply = parseReply(text) as { error?: unknown } | string;
    const reason = typeof reply === 'object' && reply && typeof reply.error === 'string' ? reply.error : text;
    throw new SoclessError(
      `local hub at ${url} refused the answer (HTTP ${res.status}): ${reason.replace(/\s+/g, ' ')}`,
    );
  }
  return text;
}

/**
 * `socless local answer <id> approve|reject [--port N] [--data DIR] [--token T] [--reason TEXT]`: answers a
 * pending interaction of a running local hub (the ids `GET /interactions` lists), with the hub's per-run
 * token. The hub records its operator as who answered.
 */
export function registerLocalAnswerCommand(local: Command): void {
  withExamples(
    local.command('answer <id> <decision>'),
    'socless local answer 3f1c2a9e approve',
    'socless local answer 3f1c2a9e reject --port 4851 --data .local/hub --reason "not ours"',
  )
    .description('answer a pending interaction of the running local hub (see GET /interactions)')
    .option('--port <n>', `port of the hub to answer (default: ${DEFAULT_LOCAL_PORT}, or socless local --port)`)
    .option('--data <dir>', 'the --data folder the hub was started with (where its token file is)')
    .option('--token <token>', `the hub's per-run token (default: its token file, then $${LOCAL_TOKEN_ENV})`)
    .option('--reason <text>', 'why (recorded with the answer)')
    .option('--responder <name>', 'a name to note with the answer (who answered is the local operator)')
    .option('--json', "print the hub's reply and which hub answered as one JSON object")
    .action(async (id: string, decision: string, own: AnswerOptions, cmd: Command) => {
      // `socless local --port N answer …` still works: the parent's flags count when the command's own are absent.
      const parent = cmd.parent?.opts<{ port?: string; data?: string }>() ?? {};
      const opts: AnswerOptions = {
        ...own,
        port: own.port ?? parent.port ?? String(DEFAULT_LOCAL_PORT),
        ...((own.data ?? parent.data) ? { data: own.data ?? parent.data } : {}),
      };
      if (decision !== 'approve' && decision !== 'reject') {
        throw new UsageError(`decision: "${decision}" must be approve or reject`);
      }
      const port = parsePort(opts.port ?? String(DEFAULT_LOCAL_PORT));
      const hub = localHubIdentity({
        port,
        ...(opts.token ? { token: opts.token } : {}),
        ...(opts.data ? { dataDir: resolve(opts.data) } : {}),
      });
      const token = hub.token;
      const url = `http://127.0.0.1:${port}`;
      if (hub.url && hub.url !== url) {
        throw new SoclessError(
          `token file ${hub.source} belongs to the hub at ${hub.url}, not ${url}: pass its --port`,
        );
      }
      const text = await answerLocalInteraction({
        port,
        id,
        decision,
        token,
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.responder ? { responder: opts.responder } : {}),
      });
      // The hub accepted this run token, so this is the hub that answered: say which one.
      const which = {
        url,
        token: tokenFingerprint(token),
        tokenFrom: hub.source,
        ...(hub.pid !== undefined ? { pid: hub.pid } : {}),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ hub: which, reply: parseReply(text) })}\n`);
        return;
      }
      process.stdout.write(
        `answered ${id} (${decision}) on the local hub at ${url}${which.pid !== undefined ? ` (pid ${which.pid})` : ''}, run token ${which.token} from ${which.tokenFrom}\n${text}\n`,
      );
    });
}

interface AnswerOptions {
  port?: string;
  data?: string;
  token?: string;
  reason?: string;
  responder?: string;
  json?: boolean;
}

function parseReply(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function summary(records: ReadonlyArray<{ status: string }>): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return `${records.length} event(s) recorded: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}
