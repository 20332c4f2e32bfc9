/** `socless console`'s failures before it serves: a busy port, flags of the other mode, no AWS profile. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../scripts/cli.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await main(['node', 'socless', 'console', ...args], { processHandlers: false });
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = before;
  }
}

const env = { ...process.env };
afterEach(() => {
  process.env = { ...env };
});

describe('socless console', () => {
  it('says the port is in use, before starting anything', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (busy.address() as AddressInfo).port;
      const { code, stderr, stdout } = await run(['--port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^error: .*port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(stdout).toBe('');
    } finally {
      busy.close();
    }
  });

  it('refuses a port that is not one as a usage error', async () => {
    const { code, stderr } = await run(['--port', 'http']);
    expect(code).toBe(2);
    expect(stderr).toContain('--port: "http" is not a port number');
  });

  it('refuses AWS flags without --aws, and local flags with it, naming them', async () => {
    const local = await run(['--profile', 'x', '--events-table', 't']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--profile, --events-table: only with --aws');
    const aws = await run(['--aws', '--data', '.local/hub']);
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('--data: only for the local hub (leave out --aws)');
  });

  it('with --aws, names an AWS profile that is not configured', async () => {
    const home = mkdtempSync(join(tmpdir(), 'socless-console-'));
    process.env.HOME = home;
    process.env.AWS_CONFIG_FILE = join(home, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'credentials');
    try {
      const { code, stderr } = await run(['--aws', '--profile', 'nobody', '--port', '0', '--region', 'eu-west-1']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^error: .*AWS profile "nobody" is not defined/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
