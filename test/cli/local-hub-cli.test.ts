import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../scripts/cli.ts';
import { answerFlags, SHUTDOWN_DEADLINE_ENV, tokenFingerprint } from '../../scripts/commands/local.ts';
import { localTokenFile } from '../../scripts/local/server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WAITING_EVENT = join(ROOT, 'playbooks/remediate-finding/events/securityhub-s3-bucket-public-notify-account.json');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('socless local answer', () => {
  it('says which hub answered: its address, process and run token, from the token file of that port', async () => {
    // Prepare: a stand-in hub that accepts one token, and the token file a hub on that port leaves.
    const token = 'run-token-of-this-hub';
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const ok = req.headers.authorization === `Bearer ${token}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { id: 'i-1', decision: 'approve' } : { error: 'wrong token' }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'socless-answer-'));
    writeFileSync(localTokenFile(dataDir, port), JSON.stringify({ url: `http://127.0.0.1:${port}`, token, pid: 4242 }));
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      // Act
      await buildProgram().parseAsync([
        'node',
        'socless',
        'local',
        'answer',
        'i-1',
        'approve',
        '--port',
        String(port),
        '--data',
        dataDir,
      ]);
    } finally {
      vi.restoreAllMocks();
      server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Assess
    expect(seen).toEqual([`POST /interactions/i-1 Bearer ${token}`]);
    expect(out.split('\n')[0]).toBe(
      `answered i-1 (approve) on the local hub at http://127.0.0.1:${port} (pid 4242), run token ${tokenFingerprint(token)} from ${localTokenFile(dataDir, port)}`,
    );
    expect(out).not.toContain(token);
  });

  it('hints carry --port and --data when the hub does not use the defaults', () => {
    expect(answerFlags(4850)).toBe('');
    expect(answerFlags(4851)).toBe(' --port 4851');
    expect(answerFlags(4850, '.local/hub')).toBe(' --data .local/hub');
  });
});

/** Resolves with the exit code once the process has printed `text` and then exited after one SIGTERM. */
function stopAfter(child: ChildProcess, text: string, onReady: () => Promise<void>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    let out = '';
    let signalled = false;
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      if (!signalled && out.includes(text)) {
        signalled = true;
        onReady().then(
          () => child.kill('SIGTERM'),
          (err: unknown) => reject(err),
        );
      }
    });
    child.on('exit', (code) => resolve(code));
  });
}

describe('socless local', () => {
  it('stops on the first SIGTERM while an execution waits for a person and a client keeps a connection open', async () => {
    const home = mkdtempSync(join(tmpdir(), 'socless-sigterm-'));
    const child = spawn('node', [join(ROOT, 'scripts/socless.js'), 'local', '--port', '0', '--events', WAITING_EVENT], {
      cwd: ROOT,
      // The test is about stopping on one signal, not about speed: a loaded CI machine gets a long deadline.
      env: { ...process.env, HOME: home, [SHUTDOWN_DEADLINE_ENV]: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => (stdout += String(c)));
    child.stderr?.on('data', (c) => (stderr += String(c)));
    try {
      const code = await stopAfter(child, 'Ctrl-C to stop', async () => {
        // A keep-alive client: server.close() alone would wait for it.
        const url = /serving on (http:\/\/[^\s]+)/.exec(stdout)?.[1] as string;
        await new Promise<void>((done) => {
          const req = request(`${url}/health`, { agent: new Agent({ keepAlive: true }) }, (res) => {
            res.resume();
            res.on('end', () => done());
          });
          req.end();
        });
      });
      expect(stdout).toMatch(/waiting for a person at .*: npx socless local answer \S+ approve\|reject/);
      expect(code, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});
