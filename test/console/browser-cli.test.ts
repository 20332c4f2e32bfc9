/**
 * `socless console` as a person starts it: the command prints an address, the browser opens exactly that, and
 * the investigations of the events it processed are there. The command runs as its own process (the CLI entry
 * point through tsx), stopped with SIGTERM at the end.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleCookie } from '../../scripts/console/server.ts';
import { launchBrowser, newContext, recordDialogs } from './browser-helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = 'playbooks/guardduty-triage/events';

/** Starts `socless console` and resolves with the address it printed (rejects with its output if it stops first). */
function startConsole(): { child: ChildProcessWithoutNullStreams; printed: Promise<string> } {
  const child = spawn(process.execPath, ['scripts/socless.js', 'console', '--port', '0', '--events', EVENTS], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  const printed = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socless console printed no address in 60 s:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(output)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`socless console exited (${code}) before printing an address:\n${output}`));
    });
  });
  return { child, printed };
}

describe('socless console in a real browser', () => {
  let browser: Browser;
  let started: ReturnType<typeof startConsole>;

  beforeAll(async () => {
    browser = await launchBrowser();
    started = startConsole();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    const child = started?.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('opens the address the command printed: signed in, the token gone from the address, the events it processed listed', async () => {
    const printed = await started.printed;
    const origin = new URL(printed).origin;
    const token = new URL(printed).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);

    const context = await newContext(browser);
    const page = await context.newPage();
    const dialogs = recordDialogs(page);
    const response = await page.goto(printed);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${origin}/investigations`);
    expect(page.url()).not.toContain(token);
    expect((await context.cookies(origin)).map((c) => c.name)).toContain(consoleCookie(Number(new URL(origin).port)));
    // One investigation per bundled GuardDuty triage event.
    await expect.poll(() => page.getByTestId('investigation-row').count()).toBeGreaterThanOrEqual(4);

    // The same address without its token (another browser, no cookie) is refused.
    const stranger = await newContext(browser);
    const refused = await (await stranger.newPage()).goto(`${origin}/investigations`);
    expect(refused?.status()).toBe(401);
    await stranger.close();
    expect(dialogs).toEqual([]);
    await context.close();
  });
});
