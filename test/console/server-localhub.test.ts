/**
 * The console app over a real local hub (LocalConsoleBackend): the pages show what the hub ran, and a form posted
 * to the app answers the approval as the operator of the options, after which the execution finishes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConsoleBackend } from '../../scripts/console/local-backend.ts';
import { consoleCookie, createConsoleApp, deriveSecret } from '../../scripts/console/server.ts';
import { LocalHub } from '../../scripts/local/hub.ts';

const PORT = 4861;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const TOKEN = 'local-hub-console-test-token';
const OPERATOR = 'local:console-test';
const sample = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../playbooks/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('console over a real local hub', () => {
  let hub: LocalHub;
  let backend: LocalConsoleBackend;
  let app: ReturnType<typeof createConsoleApp>;
  let arn = '';
  let investigationId = '';
  const cookie = `${consoleCookie(PORT)}=${deriveSecret(TOKEN, 'session')}`;
  const get = async (path: string) => {
    const res = await app.request(`${ORIGIN}${path}`, { headers: { cookie } });
    expect(res.status, path).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    hub = await LocalHub.start({ interactionTimeoutMs: 'never', executionWaitMs: 20_000 });
    const [outcome] = await hub.submit(
      sample('remediate-finding/events/securityhub-s3-bucket-public-notify-account.json'),
      'test',
    );
    arn = outcome?.runs.find((r) => r.playbook === 'remediate-finding')?.arn ?? '';
    investigationId = outcome?.investigationId ?? '';
    backend = await LocalConsoleBackend.create(hub);
    app = createConsoleApp(backend, { token: TOKEN, port: () => PORT, operator: OPERATOR });
  }, 60_000);

  afterAll(async () => {
    backend?.stop();
    await hub?.close();
  });

  it('lists the investigation and shows its execution waiting', async () => {
    expect(arn).toMatch(/^arn:aws:states:/);
    const list = await get('/investigations');
    expect(list).toContain(`data-testid="investigation-row" data-id="${investigationId}"`);
    expect(list).toMatch(/data-status="open">1</);
    const page = await get(`/investigations/${encodeURIComponent(investigationId)}`);
    expect(page).toContain('S3 general purpose buckets should block public access');
    expect(page).toContain(
      `href="/executions/${encodeURIComponent(arn)}" data-testid="execution-link" data-status="WAITING"`,
    );
  });

  it('draws the path up to the state waiting for a person', async () => {
    const html = await get(`/executions/${encodeURIComponent(arn)}`);
    expect(html).toContain('data-testid="execution-status">WAITING<');
    expect(html).toMatch(/data-state="Ask_Approval"[^>]*data-visited="true"[^>]*data-waiting="true"/);
    expect(html).toMatch(/data-state="Remediate"[^>]*data-visited="true"/);
    expect(html).toMatch(/data-state="Remediate_Approved"[^>]*data-visited="false"/);
    const steps = [...html.matchAll(/data-testid="step" data-state="([^"]+)"/g)].map((m) => m[1]);
    expect(steps.at(-1)).toBe('Ask_Approval');
  });

  it('answers the approval from a posted form as the operator of the options; the execution then finishes', async () => {
    const approvals = await get('/approvals');
    const id = /data-testid="approval" data-id="([^"]+)"/.exec(approvals)?.[1] ?? '';
    expect(approvals).toMatch(/data-testid="approval-plan">[^<]*PutPublicAccessBlock/);
    const res = await app.request(`${ORIGIN}/approvals/${encodeURIComponent(id)}`, {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        decision: 'approve',
        reason: 'owner agreed',
        _csrf: deriveSecret(TOKEN, 'csrf'),
        responder: 'local:mallory',
      }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/approvals\?done=/);
    await hub.dispatcher.runs.get(arn.split(':').at(-1) ?? '')?.done;
    const after = await get(`/executions/${encodeURIComponent(arn)}`);
    expect(after).toContain('data-testid="execution-status">SUCCEEDED<');
    expect(after).toMatch(/data-state="Remediate_Approved"[^>]*data-visited="true"/);
    expect(await get('/approvals')).not.toContain(`data-id="${id}"`);
    const answered = JSON.stringify(await backend.execution(arn));
    expect(answered).toContain(OPERATOR);
    expect(answered).not.toContain('local:mallory');
  });
});
