/**
 * The real-browser harness of the console tests: Debian's Chromium driven by playwright-core (which downloads
 * no browser of its own), one browser per test file, screenshots under test-output/console/.
 *
 * Without Chromium the tests fail (never skip) with how to install it; `.ci/run` installs it on CI.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where screenshots land (gitignored); the README's copies are in scripts/console/screenshots/. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'console');
/** The screenshots committed for the README. */
export const README_SCREENSHOT_DIR = join(REPO_ROOT, 'scripts', 'console', 'screenshots');

/** The shots the README shows (the others stay in test-output/console/). */
export const README_SCREENSHOTS: ReadonlySet<string> = new Set([
  'investigations',
  'investigation',
  'execution',
  'execution-remediation',
  'approvals',
  'hostile-title',
  'accounts',
  'playbook',
]);

/** Debian's Chromium, or the binary `SOCLESS_CHROMIUM` names. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps trying Google's hosts.
 * `--no-sandbox` because CI runs as root. playwright adds a fresh, empty user-data-dir per launch.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** The Chromium binary to drive; throws, saying how to install it, when there is none. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.SOCLESS_CHROMIUM || DEFAULT_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(
      `the console's browser tests need Chromium, and ${path} is not an executable file` +
        `${env.SOCLESS_CHROMIUM ? ' (from SOCLESS_CHROMIUM)' : ''}. ` +
        'Install it with `sudo apt-get install -y chromium` (Debian; .ci/run does this on CI), ' +
        'or set SOCLESS_CHROMIUM to a Chromium or Chrome binary. Never `npx playwright install`: it downloads a browser.',
    );
  }
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/** A fresh context (its own cookie jar) at the README screenshots' size. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Generous: CI runs the whole suite on two cores at once.
  context.setDefaultTimeout(20_000);
  return context;
}

/**
 * Saves the page's viewport as test-output/console/<name>.png. With `SOCLESS_README_SCREENSHOTS=1` the shot
 * also replaces the README's copy (those in README_SCREENSHOTS) in scripts/console/screenshots/ (through pngquant
 * when installed).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  if (process.env.SOCLESS_README_SCREENSHOTS === '1' && README_SCREENSHOTS.has(name)) {
    mkdirSync(README_SCREENSHOT_DIR, { recursive: true });
    const copy = join(README_SCREENSHOT_DIR, `${name}.png`);
    // Smaller in the repository: quantized with Debian's pngquant when it is there, else copied as is.
    const quantized = spawnSync('pngquant', ['--force', '--quality=60-85', '--output', copy, file]);
    if (quantized.status !== 0) copyFileSync(file, copy);
  }
  return file;
}

/** Collects every JavaScript dialog (alert, confirm, prompt) a page opens, dismissing it. */
export function recordDialogs(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', (dialog) => {
    seen.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  return seen;
}
