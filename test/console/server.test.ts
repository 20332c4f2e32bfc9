import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, consoleCookie, deriveSecret, serveConsole } from '../../scripts/console/server.ts';
import { ARN, consoleUnderTest, fakeBackend, OPERATOR, ORIGIN, PORT, TOKEN } from './server-fixtures.ts';

describe('console authentication', () => {
  it('refuses a request without the token or cookie with 401 and says to open the printed address', async () => {
    const { app } = consoleUnderTest();
    const res = await app.request(`${ORIGIN}/investigations`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Open the address the console printed');
  });

  it('refuses a wrong cookie and a wrong bearer token', async () => {
    const { app } = consoleUnderTest();
    const cookie = await app.request(`${ORIGIN}/investigations`, {
      headers: { cookie: `${consoleCookie(PORT)}=nope` },
    });
    expect(cookie.status).toBe(401);
    const bearer = await app.request(`${ORIGIN}/investigations`, { headers: { authorization: 'Bearer nope' } });
    expect(bearer.status).toBe(401);
    // The session cookie is not the token itself: the token as a cookie does not sign in.
    const raw = await app.request(`${ORIGIN}/investigations`, {
      headers: { cookie: `${consoleCookie(PORT)}=${TOKEN}` },
    });
    expect(raw.status).toBe(401);
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie and redirects without it', async () => {
    const { app } = consoleUnderTest();
    const res = await app.request(`${ORIGIN}/investigations?status=open&token=${TOKEN}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/investigations?status=open');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toContain(`${consoleCookie(PORT)}=${deriveSecret(TOKEN, 'session')}`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    const cookie = setCookie.split(';')[0] as string;
    const page = await app.request(`${ORIGIN}/investigations?status=open`, { headers: { cookie } });
    expect(page.status).toBe(200);
  });

  it('refuses a wrong ?token= with 401 and sets no cookie', async () => {
    const { app } = consoleUnderTest();
    const res = await app.request(`${ORIGIN}/?token=wrong`);
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('accepts Authorization: Bearer <token> for scripts', async () => {
    const { app } = consoleUnderTest();
    const res = await app.request(`${ORIGIN}/accounts`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it('serves /health without a token', async () => {
    const { app } = consoleUnderTest();
    const res = await app.request(`${ORIGIN}/health`);
    expect(res.status).toBe(200);
  });

  it('answers 421 to another Host (DNS rebinding), even with a valid cookie', async () => {
    const { get, app } = consoleUnderTest();
    expect((await get('/investigations', { host: 'evil.example:4860' })).status).toBe(421);
    expect((await get('/investigations', { host: `127.0.0.1:${PORT + 1}` })).status).toBe(421);
    expect((await app.request(`http://evil.example:${PORT}/health`)).status).toBe(421);
    expect((await get('/investigations', { host: `localhost:${PORT}` })).status).toBe(200);
  });
});

describe('console state-changing requests', () => {
  const close = { resolution: 'false-positive', reason: 'test account' };

  it('refuses a POST from another origin with 403 and calls nothing', async () => {
    const { post, csrf, recorded } = consoleUnderTest();
    const res = await post('/investigations/inv-1/close', { ...close, _csrf: csrf }, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    const site = await post(
      '/investigations/inv-1/close',
      { ...close, _csrf: csrf },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(site.status).toBe(403);
    expect(recorded.close).toEqual([]);
  });

  it('refuses a POST without _csrf or with a wrong one with 403', async () => {
    const { post, recorded } = consoleUnderTest();
    expect((await post('/investigations/inv-1/close', close)).status).toBe(403);
    expect((await post('/investigations/inv-1/close', { ...close, _csrf: TOKEN })).status).toBe(403);
    expect(recorded.close).toEqual([]);
  });

  it('refuses a POST that is not a form (a JSON body) with 403', async () => {
    const { app, cookie, csrf } = consoleUnderTest();
    const res = await app.request(`${ORIGIN}/investigations/inv-1/close`, {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ ...close, _csrf: csrf }),
    });
    expect(res.status).toBe(403);
  });

  it('closes through the backend as the operator of the options, not a value in the form', async () => {
    const { post, csrf, recorded } = consoleUnderTest();
    const res = await post('/investigations/inv-1/close', {
      ...close,
      _csrf: csrf,
      operator: 'local:mallory',
      by: 'local:mallory',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/investigations/inv-1?done=${encodeURIComponent('done <b>it</b>')}`);
    expect(recorded.close).toEqual([
      { id: 'inv-1', request: { resolution: 'false-positive', reason: 'test account' }, operator: OPERATOR },
    ]);
  });

  it('names the field of bad close input with 400', async () => {
    const { post, csrf, recorded } = consoleUnderTest();
    const bad = await post('/investigations/inv-1/close', { resolution: 'fixed', reason: 'x', _csrf: csrf });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('resolution: must be one of remediated, resolved-by-source');
    const noReason = await post('/investigations/inv-1/close', { resolution: 'remediated', _csrf: csrf });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('reason: is required');
    const dup = await post('/investigations/inv-1/close', { resolution: 'duplicate-of', reason: 'x', _csrf: csrf });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain('duplicateOf: is required');
    expect(recorded.close).toEqual([]);
  });

  it('passes duplicateOf for a duplicate-of close', async () => {
    const { post, csrf, recorded } = consoleUnderTest();
    const res = await post('/investigations/inv-1/close', {
      resolution: 'duplicate-of',
      reason: 'same bucket',
      duplicateOf: 'inv-2',
      _csrf: csrf,
    });
    expect(res.status).toBe(303);
    expect(recorded.close[0]?.request).toEqual({
      resolution: 'duplicate-of',
      reason: 'same bucket',
      duplicateOf: 'inv-2',
    });
  });

  it('undoes only when the confirmation is the execution ARN, as the operator of the options', async () => {
    const { post, csrf, recorded } = consoleUnderTest();
    const path = `/executions/${encodeURIComponent(ARN)}/undo`;
    const wrong = await post(path, { confirm: 'yes', _csrf: csrf });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('confirm: type the execution ARN');
    expect(recorded.undo).toEqual([]);
    const res = await post(path, { confirm: ARN, _csrf: csrf, operator: 'local:mallory' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/executions\/arn%3Aaws%3Astates%3A.*\?done=/);
    expect(recorded.undo).toEqual([{ arn: ARN, operator: OPERATOR }]);
  });

  it('answers an approval with the decision and reason, as the operator of the options', async () => {
    const { post, csrf, recorded } = consoleUnderTest();
    const res = await post('/approvals/int-1', { decision: 'approve', reason: 'go', _csrf: csrf, operator: 'x' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/approvals\?done=/);
    const noReason = await post('/approvals/int-1', { decision: 'reject', _csrf: csrf });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('reason: is required');
    const bad = await post('/approvals/int-1', { decision: 'maybe', reason: 'r', _csrf: csrf });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('decision: must be approve or reject');
    expect(recorded.answer).toEqual([{ id: 'int-1', decision: 'approve', operator: OPERATOR, reason: 'go' }]);
  });

  it('shows a refused action as 409 with the backend message as text', async () => {
    const { post, csrf } = consoleUnderTest({ result: { ok: false, message: 'already closed <i>x</i>' } });
    const res = await post('/investigations/inv-1/close', { ...close, _csrf: csrf });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('already closed &lt;i&gt;x&lt;/i&gt;');
    expect(html).not.toContain('<i>x</i>');
  });

  it('renders the flash message of ?done= as text', async () => {
    const { get } = consoleUnderTest();
    const html = await (await get(`/investigations/inv-1?done=${encodeURIComponent('<script>x</script>')}`)).text();
    expect(html).toContain('data-testid="flash"');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>x');
  });
});

describe('console responses', () => {
  it('carry the CSP and the other security headers, on pages, errors and refusals', async () => {
    const { get, app } = consoleUnderTest();
    for (const res of [
      await get('/investigations'),
      await get('/investigations/none'),
      await app.request(`${ORIGIN}/investigations`),
      await get('/investigations', { host: 'evil.example' }),
    ]) {
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
    }
  });

  it('are 404 for an unknown investigation, execution, playbook or path', async () => {
    const { get } = consoleUnderTest();
    for (const path of [
      '/investigations/nope',
      `/executions/${encodeURIComponent(`${ARN}x`)}`,
      '/playbooks/nope',
      '/nope',
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('are 400 naming the field for a bad filter', async () => {
    const { get } = consoleUnderTest();
    const status = await get('/investigations?status=maybe');
    expect(status.status).toBe(400);
    expect(await status.text()).toContain('status: must be open or closed');
    const page = await get('/investigations?page=0');
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('page: must be a whole number');
  });

  it('redirect / to the investigations', async () => {
    const { get } = consoleUnderTest();
    const res = await get('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/investigations');
  });

  it('serve the stylesheet as text/css', async () => {
    const { get } = consoleUnderTest();
    const res = await get('/static/console.css');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await res.text()).toContain('svg.graph');
  });
});

describe('serveConsole', () => {
  it('listens on 127.0.0.1 only and prints the address with its token', async () => {
    const { backend } = fakeBackend();
    const server = await serveConsole(backend, { port: 0, operator: OPERATOR });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.openUrl).toBe(`${server.url}/?token=${server.token}`);
      expect(server.token.length).toBeGreaterThanOrEqual(40);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const signIn = await fetch(server.openUrl, { redirect: 'manual' });
      expect(signIn.status).toBe(302);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const page = await fetch(`${server.url}/investigations`, { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('data-testid="investigation-row"');
    } finally {
      await server.close();
    }
  });
});
