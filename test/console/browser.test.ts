/**
 * The operations console in a real browser (Debian's Chromium through playwright-core) over a local hub that
 * holds several investigations, an execution parked on an approval, a remediation applied through the hub's
 * spoke sessions (against a stateful S3 fake) and a finding with a hostile title. One browser, one hub, one
 * console for the file; the tests run in order (the undo and the approval change the hub).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConsoleBackend } from '../../scripts/console/local-backend.ts';
import { type ConsoleServer, consoleCookie, deriveSecret, serveConsole } from '../../scripts/console/server.ts';
import { chromiumPath, launchBrowser, newContext, recordDialogs, screenshot } from './browser-helpers.ts';
import { ACCOUNTS, type ConsoleHubFixture, HOSTILE_TITLE, startConsoleHub } from './browser-hub.ts';

const PAGE_SIZE = 5;
const OPERATOR = 'local:browser-test';

describe('chromiumPath', () => {
  it('fails, saying how to install Chromium, when there is none (the browser tests never skip)', () => {
    expect(() => chromiumPath({ SOCLESS_CHROMIUM: '/nonexistent/chromium' })).toThrow(
      /\/nonexistent\/chromium is not an executable file \(from SOCLESS_CHROMIUM\).*apt-get install -y chromium/,
    );
    // A folder is not a browser either.
    expect(() => chromiumPath({ SOCLESS_CHROMIUM: '/usr' })).toThrow(/\/usr is not an executable file/);
    // Without the variable: Debian's Chromium, which CI installs.
    expect(chromiumPath({})).toBe('/usr/bin/chromium');
  });
});

describe('the console in a real browser', () => {
  let browser: Browser;
  let fixture: ConsoleHubFixture;
  let backend: LocalConsoleBackend;
  let server: ConsoleServer;
  let context: BrowserContext;
  let page: Page;
  let dialogs: string[];
  let other: Server;
  let otherOrigin: string;

  beforeAll(async () => {
    // First: without Chromium every test below fails with how to install it.
    browser = await launchBrowser();
    fixture = await startConsoleHub();
    backend = await LocalConsoleBackend.create(fixture.hub);
    server = await serveConsole(backend, { port: 0, operator: OPERATOR, pageSize: PAGE_SIZE });
    context = await newContext(browser);
    page = await context.newPage();
    dialogs = recordDialogs(page);
    // Another origin (another port on the same host): the page an attacker would lure the operator to.
    other = createServer((req, res) => {
      const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
      const fields = JSON.parse(new URL(req.url ?? '/', 'http://x').searchParams.get('fields') ?? '{}') as Record<
        string,
        string
      >;
      const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>elsewhere</title><form method="post" action="${esc(target)}">` +
          Object.entries(fields)
            .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
            .join('') +
          '<button id="go" type="submit">win a prize</button></form>',
      );
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    backend?.stop();
    await new Promise<void>((resolve) => (other ? other.close(() => resolve()) : resolve()));
    await fixture?.close();
  });

  const rowIds = async () =>
    page.getByTestId('investigation-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
  const executionPath = (arn: string) => `/executions/${encodeURIComponent(arn)}`;
  const remediationStatus = async (arn: string) => (await backend.execution(arn))?.remediations.map((r) => r.status);

  it('opens the printed address: the token becomes an HttpOnly SameSite=Strict cookie and leaves the address', async () => {
    // Without the cookie nothing but /health is served.
    const anonymous = await newContext(browser);
    const refused = await (await anonymous.newPage()).goto(`${server.url}/investigations`);
    expect(refused?.status()).toBe(401);
    await anonymous.close();

    const response = await page.goto(server.openUrl);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${server.url}/investigations`);
    expect(page.url()).not.toContain(server.token);
    const cookie = (await context.cookies(server.url)).find((c) => c.name === consoleCookie(server.port));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // The cookie is not the token itself.
    expect(cookie?.value).not.toBe(server.token);
    // Scripts on the page cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('keeps one session per console: signing in to a second console on another port does not sign out of the first', async () => {
    // Browsers keep cookies per host, not per port: both consoles' cookies live side by side under 127.0.0.1.
    const second = await serveConsole(backend, { port: 0, operator: OPERATOR, pageSize: PAGE_SIZE });
    const both = await newContext(browser);
    try {
      const tab = await both.newPage();
      expect((await tab.goto(server.openUrl))?.status()).toBe(200);
      expect((await tab.goto(second.openUrl))?.status()).toBe(200);
      expect((await tab.goto(`${server.url}/investigations`))?.status()).toBe(200);
      expect((await tab.goto(`${second.url}/investigations`))?.status()).toBe(200);
      const names = (await both.cookies('http://127.0.0.1')).map((c) => c.name).sort();
      expect(names).toEqual([consoleCookie(server.port), consoleCookie(second.port)].sort());
    } finally {
      await both.close();
      await second.close();
    }
  });

  it('lists investigations: counts per status, rows newest first, filter by account, the next page', async () => {
    await page.goto(`${server.url}/investigations`);
    const total = Object.values(fixture.perAccount).reduce((a, b) => a + b, 0);
    const counts = page.getByTestId('status-counts');
    const open = Number(await counts.locator('[data-status="open"]').textContent());
    const closed = Number(await counts.locator('[data-status="closed"]').textContent());
    // Every playbook closed its investigation but the one waiting for an approval.
    expect({ open, closed }).toEqual({ open: 1, closed: total - 1 });
    const first = await rowIds();
    expect(first).toHaveLength(PAGE_SIZE);
    expect(first[0]).toBe(fixture.hostileInvestigationId);
    await screenshot(page, 'investigations');

    await page.getByTestId('pager-next').click();
    await page.waitForURL(/page=2/);
    const second = await rowIds();
    expect(second).toHaveLength(total - PAGE_SIZE);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    expect(await page.getByTestId('pager-next').count()).toBe(0);

    await page.goto(`${server.url}/investigations`);
    await page.getByTestId('filter-form').locator('select[name="account"]').selectOption(ACCOUNTS.payments);
    await page.getByTestId('filter-form').locator('button[type="submit"]').click();
    await page.waitForURL(new RegExp(`account=${ACCOUNTS.payments}`));
    const payments = await rowIds();
    expect(payments.sort()).toEqual([...(fixture.idsByAccount[ACCOUNTS.payments] ?? [])].sort());
    const countsNow = page.getByTestId('status-counts');
    expect(
      Number(await countsNow.locator('[data-status="open"]').textContent()) +
        Number(await countsNow.locator('[data-status="closed"]').textContent()),
    ).toBe(fixture.perAccount[ACCOUNTS.payments]);
  });

  it('opens an investigation: its title, normalized and raw event, executions', async () => {
    await page.goto(`${server.url}/investigations`);
    await page
      .locator(`[data-testid="investigation-row"][data-id="${fixture.appliedInvestigationId}"]`)
      .getByTestId('investigation-link')
      .click();
    await page.waitForURL(`**/investigations/${fixture.appliedInvestigationId}`);
    expect(await page.getByTestId('investigation-title').textContent()).toBe(
      'S3 general purpose buckets should block public access',
    );
    const normalized = await page.getByTestId('normalized-event').textContent();
    expect(normalized).toContain('"kind": "S3.8"');
    expect(normalized).toContain(`"account": "${ACCOUNTS.web}"`);
    expect(await page.getByTestId('raw-event').textContent()).toContain('Security Hub Findings - Imported');
    const link = page.locator(`[data-testid="execution-link"][data-status="SUCCEEDED"]`);
    expect(await link.count()).toBe(1);
    await screenshot(page, 'investigation');
  });

  it('follows an execution: the graph marks the path taken, each step shows its input and output, the remediation its record', async () => {
    await page.locator('[data-testid="execution-link"]').first().click();
    await page.waitForURL(`**${executionPath(fixture.appliedExecutionArn)}`);
    expect(await page.getByTestId('execution-status').textContent()).toContain('SUCCEEDED');
    await screenshot(page, 'execution');
    const graph = page.getByTestId('graph');
    expect(await graph.evaluate((el) => el.tagName.toLowerCase())).toBe('svg');
    const visited = await graph
      .locator('[data-testid="graph-node"][data-visited="true"]')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')));
    expect(visited.sort()).toEqual(['Close_Remediated', 'Notify_Applied', 'Remediate', 'Route_By_Outcome']);
    expect(
      await graph.locator('[data-testid="graph-node"][data-state="Notify_Plan"]').getAttribute('data-visited'),
    ).toBe('false');
    const steps = await page.getByTestId('step').evaluateAll((s) => s.map((e) => e.getAttribute('data-state')));
    expect(steps).toEqual(['Remediate', 'Route_By_Outcome', 'Notify_Applied', 'Close_Remediated']);

    const remediate = page.locator('[data-testid="step"][data-state="Remediate"]');
    await remediate.locator('summary').click();
    await expect.poll(() => remediate.getByTestId('step-input').isVisible()).toBe(true);
    expect(await remediate.getByTestId('step-input').textContent()).toContain(fixture.appliedBucket);
    expect(await remediate.getByTestId('step-output').textContent()).toContain('"effectiveAction": "applied"');

    const record = page.getByTestId('remediation');
    expect(await record.getAttribute('data-status')).toBe('applied');
    expect(await record.getByTestId('remediation-plan').textContent()).toContain('PutPublicAccessBlock');
    expect(await record.getByTestId('remediation-before').textContent()).toBeTruthy();
    expect(await record.getByTestId('remediation-calls').textContent()).toContain('PutPublicAccessBlock');
    expect(await record.getByTestId('remediation-after').textContent()).toContain('RestrictPublicBuckets');
    expect(await record.getByTestId('remediation-verify').textContent()).toMatch(/verified/);
    await record.scrollIntoViewIfNeeded();
    await screenshot(page, 'execution-remediation');
  });

  it('refuses a form posted from another origin, even with the right fields and the cookie, and changes nothing', async () => {
    const csrf = deriveSecret(server.token, 'csrf');
    const lure = async (target: string, fields: Record<string, string>) => {
      const query = new URLSearchParams({ target: `${server.url}${target}`, fields: JSON.stringify(fields) });
      await page.goto(`${otherOrigin}/?${query}`);
      const [response] = await Promise.all([page.waitForNavigation(), page.locator('#go').click()]);
      return { status: response?.status(), text: await page.locator('body').textContent() };
    };
    const undo = await lure(`${executionPath(fixture.appliedExecutionArn)}/undo`, {
      _csrf: csrf,
      confirm: fixture.appliedExecutionArn,
    });
    expect(undo.status).toBe(403);
    expect(undo.text).toMatch(/another site/);
    expect(await remediationStatus(fixture.appliedExecutionArn)).toEqual(['applied']);
    expect(fixture.buckets.blocked(fixture.appliedBucket)).toBe(true);

    const approval = (await backend.approvals()).find((a) => a.executionArn === fixture.waitingExecutionArn);
    expect(approval).toBeDefined();
    const approve = await lure(`/approvals/${encodeURIComponent(approval?.id ?? '')}`, {
      _csrf: csrf,
      decision: 'approve',
      reason: 'from elsewhere',
    });
    expect(approve.status).toBe(403);
    expect((await backend.approvals()).map((a) => a.executionArn)).toContain(fixture.waitingExecutionArn);
    expect(fixture.buckets.blocked(fixture.waitingBucket)).toBe(false);
  });

  it('undoes the remediation once the ARN is typed, and shows the record undone', async () => {
    await page.goto(`${server.url}${executionPath(fixture.appliedExecutionArn)}`);
    const form = page.getByTestId('undo-form');
    // A wrong confirmation undoes nothing.
    await form.locator('input[name="confirm"]').fill(`${fixture.appliedExecutionArn}x`);
    const [wrong] = await Promise.all([page.waitForNavigation(), form.getByTestId('undo-button').click()]);
    expect(wrong?.status(), (await page.locator('body').textContent()) ?? '').toBe(400);
    expect(await page.getByTestId('flash').textContent()).toMatch(/confirm/);
    expect(await remediationStatus(fixture.appliedExecutionArn)).toEqual(['applied']);
    expect(fixture.buckets.blocked(fixture.appliedBucket)).toBe(true);

    await page.goto(`${server.url}${executionPath(fixture.appliedExecutionArn)}`);
    await page.getByTestId('undo-form').locator('input[name="confirm"]').fill(fixture.appliedExecutionArn);
    await Promise.all([page.waitForURL(/done=/), page.getByTestId('undo-button').click()]);
    expect(await page.getByTestId('flash').isVisible()).toBe(true);
    expect(await page.getByTestId('remediation').getAttribute('data-status')).toBe('undone');
    expect(await page.getByTestId('undo-form').count()).toBe(0);
    // The bucket is back as it was before the fix (it had no public access block).
    expect(fixture.buckets.blocks.get(fixture.appliedBucket)).toBeUndefined();
    await screenshot(page, 'execution-undone');
  });

  it('approves a waiting interaction with a reason, and the playbook goes on to finish', async () => {
    await page.goto(`${server.url}/approvals`);
    const approval = (await backend.approvals()).find((a) => a.executionArn === fixture.waitingExecutionArn);
    const card = page.locator(`[data-testid="approval"][data-id="${approval?.id}"]`);
    expect(await card.getByTestId('approval-plan').textContent()).toContain(fixture.waitingBucket);
    expect(await card.getByTestId('approval-plan').textContent()).toContain('PutPublicAccessBlock');
    await screenshot(page, 'approvals');
    await card.locator('input[name="reason"]').fill('bucket holds exports only: <b>fine</b> to block');
    await Promise.all([page.waitForURL(/done=/), card.getByTestId('approve-button').click()]);
    expect(await page.getByTestId('flash').isVisible()).toBe(true);

    await expect
      .poll(
        async () => {
          await page.goto(`${server.url}${executionPath(fixture.waitingExecutionArn)}`);
          return page.getByTestId('execution-status').textContent();
        },
        { timeout: 30_000, interval: 250 },
      )
      .toContain('SUCCEEDED');
    const steps = await page.getByTestId('step').evaluateAll((s) => s.map((e) => e.getAttribute('data-state')));
    expect(steps).toContain('Remediate_Approved');
    // The answer the execution resumed with: the decision, who gave it (the console's operator) and the reason.
    const asked = page.locator('[data-testid="step"][data-state="Ask_Approval"]').first();
    const answer = (await asked.getByTestId('step-output').textContent()) ?? '';
    expect(answer).toContain('"decision": "approve"');
    expect(answer).toContain(OPERATOR);
    expect(answer).toContain('bucket holds exports only: <b>fine</b> to block');
    expect(await page.getByTestId('remediation').getAttribute('data-status')).toBe('applied');
    expect(fixture.buckets.blocked(fixture.waitingBucket)).toBe(true);
    expect((await backend.approvals()).map((a) => a.executionArn)).not.toContain(fixture.waitingExecutionArn);
  });

  it('renders a hostile finding title as text: nothing injected, no dialog', async () => {
    await page.goto(`${server.url}/investigations`);
    const link = page
      .locator(`[data-testid="investigation-row"][data-id="${fixture.hostileInvestigationId}"]`)
      .getByTestId('investigation-link');
    expect(await link.textContent()).toBe(HOSTILE_TITLE);
    await link.click();
    await page.waitForURL(`**/investigations/${fixture.hostileInvestigationId}`);
    expect(await page.getByTestId('investigation-title').textContent()).toBe(HOSTILE_TITLE);
    expect(await page.getByTestId('raw-event').textContent()).toContain('<img src=x onerror=alert(1)>');
    // Counted in the page (a string: the test runs under Node's types, without the DOM's).
    const injected = await page.evaluate(`({
      img: document.querySelectorAll('img').length,
      inlineScripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
      svgOnload: document.querySelectorAll('svg[onload]').length,
      handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    })`);
    expect(injected).toEqual({ img: 0, inlineScripts: 0, svgOnload: 0, handlers: 0 });
    await screenshot(page, 'hostile-title');
    expect(dialogs).toEqual([]);
  });

  it('shows the accounts with their effective mode and where it comes from, and the playbooks', async () => {
    await page.goto(`${server.url}/accounts`);
    const web = page.locator(`[data-testid="account-row"][data-account="${ACCOUNTS.web}"]`);
    expect(await web.getByTestId('account-mode').textContent()).toContain('auto');
    expect(await web.getByTestId('account-mode-source').textContent()).toMatch(/tag/);
    const payments = page.locator(`[data-testid="account-row"][data-account="${ACCOUNTS.payments}"]`);
    expect(await payments.getByTestId('account-mode').textContent()).toContain('notify');
    await screenshot(page, 'accounts');

    await page.goto(`${server.url}/playbooks`);
    expect(await page.getByTestId('playbook-row').count()).toBe(fixture.hub.playbooks.length);
    await screenshot(page, 'playbooks');
    await page.goto(`${server.url}/playbooks/remediate-finding`);
    expect(await page.getByTestId('graph').evaluate((el) => el.tagName.toLowerCase())).toBe('svg');
    expect(await page.getByTestId('trigger').count()).toBeGreaterThan(0);
    // Its recent runs list the execution that waited for the approval.
    const runs = await page
      .getByTestId('execution-link')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(runs).toContain(`/executions/${encodeURIComponent(fixture.waitingExecutionArn)}`);
    await screenshot(page, 'playbook');
    expect(dialogs).toEqual([]);
  });
});
