/**
 * The CLI's error boundary: every failure becomes one line that says what happened and what to do, with an
 * exit code (0 ok, 1 failure, 2 usage). Stack traces only with `--debug` (or SOCLESS_DEBUG=1).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatProblem, SoclessError } from '../shared/errors.ts';
import { jsonErrorText } from '../shared/json-text.ts';

export { jsonErrorText, lineColumn } from '../shared/json-text.ts';

/** The exit codes of `socless` (README "Exit codes", `socless --help`). */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2 } as const;

/** Where an unexpected error (a bug) should be reported. */
export const REPORT_BUGS_AT = 'the socless-org issue tracker (attach the output of the same command with --debug)';

/** A flag or argument with a value the command cannot use: exit code 2, like a commander usage error. */
export class UsageError extends SoclessError {}

/** No usable AWS credentials (none at all, an unknown profile): found before the first AWS call. */
export class CredentialsError extends SoclessError {}

/** A local input file (events, org, secrets, configuration) that cannot be read or parsed. */
export class InputFileError extends SoclessError {}

/** One failure as the CLI prints it. */
export interface CliFailure {
  /** One line (a configuration error lists one line per problem). */
  readonly message: string;
  readonly exitCode: number;
  /** Whether this is not one of the known failures: a bug to report. */
  readonly unexpected: boolean;
}

interface AwsLikeError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly path?: string;
  readonly port?: number;
  readonly syscall?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const CREDENTIALS_HINT =
  'configure credentials (aws configure, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or pass --profile <name>';
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const REJECTED = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'InvalidAccessKeyId',
]);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'SlowDown',
]);
const NETWORK = new Set(['ENOTFOUND', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError']);

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.trim() ?? '';
}

/** What happened and what to do, for every failure the CLI knows; `unexpected` for the rest. */
export function describeCliError(err: unknown): CliFailure {
  const known = (message: string, exitCode: number = EXIT_CODES.failure): CliFailure => ({
    message,
    exitCode,
    unexpected: false,
  });
  if (err instanceof UsageError) return known(err.message, EXIT_CODES.usage);
  if (err instanceof ConfigError) {
    return known(err.problems.map((p) => formatProblem({ ...p, reason: withLineColumn(p.file, p.reason) })).join('\n'));
  }
  if (err instanceof SoclessError) {
    // A SoclessError wrapping an AWS or file error that has its own advice keeps the wrapper's context.
    const inner = err.cause === undefined ? undefined : describeCliError(err.cause);
    if (inner && !inner.unexpected && !err.message.includes(inner.message)) {
      return known(`${firstLine(err.message).replace(/:\s*$/, '')}: ${inner.message}`, inner.exitCode);
    }
    return known(err.message);
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsLikeError;
  const name = e.name ?? '';
  const message = firstLine(e.message);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return known(`no AWS credentials found: ${CREDENTIALS_HINT}`);
  }
  if (EXPIRED.has(name) || /(token|session).*(expired|invalid)|expired.*(token|session)/i.test(message)) {
    return known(
      `the AWS credentials have expired (${name}): refresh them (aws sso login, or new keys) and run the command again`,
    );
  }
  if (REJECTED.has(name)) {
    return known(`AWS rejected the credentials (${name}: ${message}): check them or pass another --profile`);
  }
  if (DENIED.has(name) || e.$metadata?.httpStatusCode === 403) {
    return known(
      `access denied (${name}: ${message}): use credentials (or --profile) allowed to make this call, in the right account and --region`,
    );
  }
  if (THROTTLED.has(name)) {
    return known(
      `AWS kept throttling the requests after retries (${name}): run it again later, or lower the rate with --rate <api>=<n>`,
    );
  }
  if (e.code === 'EADDRINUSE') {
    return known(`port ${e.port ?? '?'} is already in use (another socless local?): stop it, or pass --port <other>`);
  }
  if (e.code && NETWORK.has(e.code)) {
    return known(`cannot reach AWS (${e.code}): check the network, a proxy, or --region`);
  }
  const fileProblem = e.code && e.path ? fileErrorText(e.code, e.path) : undefined;
  if (fileProblem) return known(`${fileProblem}: check the path`);
  const kind = err instanceof Error ? err.name : typeof err;
  return {
    message: `unexpected error (${kind}: ${message || String(err)}); this is a bug, please report it to ${REPORT_BUGS_AT}`,
    exitCode: EXIT_CODES.failure,
    unexpected: true,
  };
}

/** A file-system error in words, or undefined for codes the CLI does not explain. */
export function fileErrorText(code: string, path: string): string | undefined {
  switch (code) {
    case 'ENOENT':
      return `${path}: no such file or folder`;
    case 'ENOTDIR':
      return `${path}: a file is in the way where a folder is needed`;
    case 'EISDIR':
      return `${path}: is a folder, a file is needed`;
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`;
    default:
      return undefined;
  }
}

/** The stack of an error and of its causes, for `--debug`. */
export function debugText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}

/** Whether the command line asks for stack traces. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || env.SOCLESS_DEBUG === '1';
}

/** Prints a failure (one line, `error: …`) and, with `--debug`, the stack; returns the exit code. */
export function reportCliError(err: unknown, debug: boolean, stderr: NodeJS.WritableStream = process.stderr): number {
  const failure = describeCliError(err);
  const lines = failure.message.split('\n');
  stderr.write(`${lines.map((l) => `error: ${l}`).join('\n')}\n`);
  if (debug) stderr.write(`${debugText(err)}\n`);
  return failure.exitCode;
}

/** A reason that quotes a JSON "position N" in `file`, with the line and column instead (when the file reads). */
function withLineColumn(file: string, reason: string): string {
  if (!/at position \d+/.test(reason)) return reason;
  try {
    return jsonErrorText(readFileSync(file, 'utf8'), new Error(reason));
  } catch {
    return reason;
  }
}

/** Parses JSON, failing with `<source>: <reason> at line L, column C`. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputFileError(`${source}: not valid JSON (${jsonErrorText(text, err)})`);
  }
}

/** Reads a text file the user named with a flag; a missing or unreadable file names the flag and the path. */
export function readInputFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as AwsLikeError;
    const text = e.code ? fileErrorText(e.code, path) : undefined;
    throw new InputFileError(`${flag} ${text ?? `${path}: cannot be read (${firstLine(e.message)})`}`);
  }
}

/** Parses a port flag: an integer 0-65535 (0 = any free port). */
export function parsePortOption(text: string, flag = '--port'): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag}: "${text}" is not a port number (0-65535)`);
  }
  return port;
}

/** Fails when something already listens on `host:port` (checked before any work that would be wasted). */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new SoclessError(
            `port ${port} on ${host} is already in use (another socless local?): stop it, or pass --port <other>`,
          ),
        );
      } else reject(err);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Profiles named in the shared AWS config and credentials files (for telling "unknown profile" apart). */
export function knownAwsProfiles(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const profiles = new Set<string>();
  const files = [
    { file: env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'), config: true },
    { file: env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'), config: false },
  ];
  for (const { file, config } of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)) {
      const section = m[1] as string;
      if (!config) profiles.add(section);
      else if (section === 'default') profiles.add('default');
      else if (section.startsWith('profile ')) profiles.add(section.slice('profile '.length).trim());
    }
  }
  return profiles;
}

/**
 * Resolves the credentials an SDK client would use, before any call: no credentials at all and an unknown
 * `--profile` fail here with what to do, instead of as a stack trace (or an empty report) later.
 */
export async function requireAwsCredentials(
  client: { config: { credentials: () => Promise<unknown> } },
  profile: string | undefined,
): Promise<void> {
  if (profile && !knownAwsProfiles().has(profile)) {
    throw new CredentialsError(
      `AWS profile "${profile}" is not defined in ~/.aws/config or ~/.aws/credentials: check the name (aws configure list-profiles) or leave out --profile`,
    );
  }
  try {
    await client.config.credentials();
  } catch (err) {
    const failure = describeCliError(err);
    throw new CredentialsError(
      failure.unexpected
        ? `cannot load AWS credentials${profile ? ` for profile ${profile}` : ''} (${firstLine((err as Error).message)}): ${CREDENTIALS_HINT}`
        : `${profile ? `profile ${profile}: ` : ''}${failure.message}`,
      { cause: err },
    );
  }
}

/** Runs a check of a flag's value; its SoclessError becomes a usage error (exit code 2). */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof SoclessError && !(err instanceof UsageError)) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

/** Adds an "Examples:" section to a command's help (every command has at least one). */
export function withExamples<T extends { addHelpText(position: 'after', text: string): unknown }>(
  command: T,
  ...examples: readonly string[]
): T {
  command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  return command;
}
