import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../scripts/cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'scripts/socless.js');
const EXECUTION = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:7f3e2b1a';
const EVENT = join(ROOT, 'playbooks/guardduty-triage/events/crypto-mining-high.json');

/** Files and a busy port the failure cases point at. */
interface Fixture {
  readonly dir: string;
  readonly busyPort: number;
}

let fixture: Fixture;
let busy: Server;
let env: NodeJS.ProcessEnv;

/**
 * A shell with no AWS credentials and no way to find any: no AWS_* variables, empty shared config and
 * credentials files, no instance metadata, a HOME of its own (no ~/.aws, no ~/.socless token files).
 */
function noCredentialsEnv(dir: string): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('AWS_') && k !== 'SOCLESS_DEBUG' && k !== 'SOCLESS_LOCAL_TOKEN',
    ),
  );
  return {
    ...clean,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
  };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function socless(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', [CLI, ...args], { cwd: ROOT, env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'socless-cli-'));
  writeFileSync(join(dir, 'aws-config'), '');
  writeFileSync(join(dir, 'aws-credentials'), '');
  writeFileSync(join(dir, 'a-file'), 'not a folder');
  mkdirSync(join(dir, 'only-text'));
  writeFileSync(join(dir, 'only-text', 'notes.txt'), 'no events here');
  writeFileSync(
    join(dir, 'broken-org.json'),
    '{\n  "organizationId": "o-abc1234567",\n  "rootId": "r-ab12"\n  "accounts": []\n}\n',
  );
  writeFileSync(join(dir, 'bad-event.json'), '{\n  "version": "0",\n  "id": "x",,\n}\n');
  writeFileSync(join(dir, 'bad-secrets.json'), '{"a": "b"\n"c": 1}');
  busy = createServer();
  await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
  const address = busy.address();
  fixture = { dir, busyPort: typeof address === 'object' && address ? address.port : 0 };
  env = noCredentialsEnv(dir);
});

afterAll(async () => {
  await new Promise<void>((done) => busy.close(() => done()));
  rmSync(fixture.dir, { recursive: true, force: true });
});

interface FailureCase {
  readonly name: string;
  readonly args: (f: Fixture) => string[];
  readonly exit: 1 | 2;
  /** What the one line must say. */
  readonly says: RegExp;
}

const NO_CREDENTIALS = /no AWS credentials found: configure credentials .* or pass --profile/;

/** Each failure a new user hit, on a machine with no AWS credentials. */
const CASES: readonly FailureCase[] = [
  { name: 'exec failures without credentials', args: () => ['exec', 'failures'], exit: 1, says: NO_CREDENTIALS },
  {
    name: 'exec start without credentials',
    args: () => ['exec', 'start', 'guardduty-triage', '--event', EVENT],
    exit: 1,
    says: NO_CREDENTIALS,
  },
  {
    name: 'exec start of an unknown playbook, before any AWS call',
    args: () => ['exec', 'start', 'nosuch', '--event', EVENT],
    exit: 2,
    says: /no playbook "nosuch".*known: .*guardduty-triage/,
  },
  {
    name: 'exec replay without credentials (not a stack-output message)',
    args: () => ['exec', 'replay', '--since', '24h'],
    exit: 1,
    says: NO_CREDENTIALS,
  },
  {
    name: 'remediation undo without credentials or --table',
    args: () => ['remediation', 'undo', EXECUTION, '--yes'],
    exit: 1,
    says: NO_CREDENTIALS,
  },
  {
    name: 'org opt-in --no-registry without credentials',
    args: () => ['org', 'opt-in', '123456789012', '--mode', 'notify', '--no-registry', '--yes'],
    exit: 1,
    says: NO_CREDENTIALS,
  },
  {
    name: 'org opt-in --dry-run without credentials (not a stack-output message)',
    args: () => ['org', 'opt-in', '123456789012', '--mode', 'notify', '--dry-run'],
    exit: 1,
    says: NO_CREDENTIALS,
  },
  {
    name: 'org opt-in of a target that is no account or OU, before any AWS call',
    args: () => ['org', 'opt-in', 'banana', '--mode', 'notify'],
    exit: 2,
    says: /target: "banana" is not an account id/,
  },
  {
    name: 'org status with an unknown profile (no empty table first)',
    args: () => ['org', 'status', '--profile', 'nosuch'],
    exit: 1,
    says: /AWS profile "nosuch" is not defined/,
  },
  {
    name: 'local with an events path that does not exist',
    args: () => ['local', '--once', '--events', '/nonexistent/events'],
    exit: 1,
    says: /--events \/nonexistent\/events: no such file or folder/,
  },
  {
    name: 'local with --data pointing at a file',
    args: (f) => ['local', '--once', '--data', join(f.dir, 'a-file')],
    exit: 1,
    says: /--data .*a-file: is a file, a folder is needed/,
  },
  {
    name: 'local on a busy port, before any event is processed',
    args: (f) => ['local', '--port', String(f.busyPort)],
    exit: 1,
    says: /port \d+ on 127\.0\.0\.1 is already in use .* pass --port/,
  },
  {
    name: 'local with a broken --org file: an org file error with line and column',
    args: (f) => ['local', '--once', '--org', join(f.dir, 'broken-org.json')],
    exit: 1,
    says: /--org .*broken-org\.json: simulated org file: not valid JSON \(.* at line 4, column 3\)/,
  },
  {
    name: 'local with an events folder holding no event files says why',
    args: (f) => ['local', '--once', '--json', '--events', join(f.dir, 'only-text')],
    exit: 1,
    says: /no events to process \(it holds no \*\.json, \*\.ndjson or \*\.jsonl file/,
  },
  {
    name: 'local --once --aws without credentials, before any playbook runs',
    args: () => ['local', '--once', '--aws', '--events', EVENT],
    exit: 1,
    says: NO_CREDENTIALS,
  },
  {
    name: "playbook validate with --dir naming one playbook's folder",
    args: () => ['playbook', 'validate', '--dir', 'playbooks/guardduty-triage'],
    exit: 2,
    says: /--dir playbooks\/guardduty-triage is one playbook's folder.*pass --dir playbooks,/,
  },
];

/**
 * Usage and input-format failures that need no process of their own: the same boundary (`main`), run in this
 * process, so the subprocess cases stay few (each CLI start costs about two seconds of CPU).
 */
const IN_PROCESS_CASES: readonly FailureCase[] = [
  {
    name: 'exec start with an event file that is not JSON: line and column',
    args: (f) => ['exec', 'start', 'guardduty-triage', '--event', join(f.dir, 'bad-event.json')],
    exit: 1,
    says: /bad-event\.json: not valid JSON \(.* at line 3, column 13\)/,
  },
  {
    name: 'exec replay with a bad --since',
    args: () => ['exec', 'replay', '--since', 'yesterday'],
    exit: 2,
    says: /--since: "yesterday"/,
  },
  {
    name: 'remediation undo of something that is not an execution ARN',
    args: () => ['remediation', 'undo', 'banana', '--yes'],
    exit: 2,
    says: /execution-id: "banana" is not a Step Functions execution ARN/,
  },
  {
    name: 'local with a --secrets file that is not JSON: line and column',
    args: (f) => ['local', '--once', '--events', EVENT, '--secrets', join(f.dir, 'bad-secrets.json')],
    exit: 1,
    says: /--secrets .*: not valid JSON \(.* at line 2, column 1\)/,
  },
  {
    name: 'local with a port that is not a number',
    args: () => ['local', '--port', '99999'],
    exit: 2,
    says: /--port: "99999" is not a port number/,
  },
  {
    name: 'local answer with nobody listening names the port to start',
    args: (f) => ['local', 'answer', 'i-1', 'approve', '--port', String(f.busyPort + 1), '--token', 't'],
    exit: 1,
    says: /no local hub answers on http:\/\/127\.0\.0\.1:\d+\/.*start it with socless local --port \d+/,
  },
  {
    name: 'an unknown option',
    args: () => ['exec', 'failures', '--sincce', '1h'],
    exit: 2,
    says: /unknown option '--sincce'.*\(see: socless exec failures --help\)/,
  },
  {
    name: 'a missing required option',
    args: () => ['org', 'opt-in', '123456789012'],
    exit: 2,
    says: /required option '--mode <mode>' not specified \(see: socless org opt-in --help\)/,
  },
  { name: 'an unknown command', args: () => ['nosuch'], exit: 2, says: /unknown command 'nosuch'/ },
];

/** The runs of every case: one process each, as many at a time as there are cores (each start is ~2 s of CPU). */
const runs = new Map<string, Promise<Run>>();

function runOf(name: string): Promise<Run> {
  if (runs.size === 0) {
    const limit = pLimit(Math.max(2, Math.min(4, availableParallelism())));
    for (const c of CASES)
      runs.set(
        c.name,
        limit(() => socless(c.args(fixture))),
      );
    runs.set(
      'debug',
      limit(() => socless(['exec', 'failures', '--debug'])),
    );
  }
  return runs.get(name) as Promise<Run>;
}

/** Runs the CLI's entry (`main`, the same boundary socless.js calls) in this process, capturing its output. */
async function inProcess(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await main(['node', 'socless', ...args], { processHandlers: false });
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

/** One line on stderr, `error: …` saying what the case says, no stack frame, nothing on stdout, the exit code. */
function expectOneLine({ code, stdout, stderr }: Run, exit: number, says: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(says);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toMatch(/node_modules|Node\.js v|SoclessError|CredentialsProviderError/);
  expect(stdout).toBe('');
  expect(code).toBe(exit);
}

describe('socless on a machine with no AWS credentials', () => {
  it.each(CASES)('$name: one line, no stack, exit $exit', async ({ name, exit, says }) => {
    expectOneLine(await runOf(name), exit, says);
  });

  it('prints the stack of a failure only with --debug', async () => {
    const { code, stderr } = await runOf('debug');
    expect(stderr.split('\n')[0]).toMatch(NO_CREDENTIALS);
    expect(stderr).toMatch(/CredentialsProviderError[\s\S]*\n\s+at /);
    expect(code).toBe(1);
  });
});

describe('socless usage and input errors', () => {
  it.each(IN_PROCESS_CASES)('$name: one line, no stack, exit $exit', async ({ args, exit, says }) => {
    expectOneLine(await inProcess(args(fixture)), exit, says);
  });

  it('suggests a validate command for a broken playbook that works as printed (with its --dir)', async () => {
    const dir = join(fixture.dir, 'my-playbooks');
    mkdirSync(join(dir, 'broken'), { recursive: true });
    writeFileSync(join(dir, 'broken', 'playbook.json'), '{"StartAt": "A", "States": {}}');
    const listed = await inProcess(['playbook', 'list', '--dir', dir]);
    const suggested = /run "socless (playbook validate [^"]+)"/.exec(listed.stdout)?.[1] ?? '';
    expect(suggested).toBe(`playbook validate broken --dir ${dir}`);
    expect(listed.code).toBe(1);
    const validated = await inProcess(suggested.split(' '));
    expect(validated.stdout).toMatch(/broken[\\/]playbook\.json: \$/);
    expect(validated.code).toBe(1);
  });

  it('exits 0 with the help, which documents the exit codes', async () => {
    const { code, stdout, stderr } = await inProcess(['--help']);
    expect(stdout).toMatch(/Exit codes: 0 ok, 1 failure .*, 2 usage/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
