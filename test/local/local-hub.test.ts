import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PLAYBOOKS_DIR, LocalHub, loadRepoConfig } from '../../scripts/local/hub.ts';
import { bundledSampleInputs, readInputs } from '../../scripts/local/inputs.ts';
import { loadOrgFile, simulatedAccounts } from '../../scripts/local/org.ts';
import { outcomeLine } from '../../scripts/local/report.ts';
import { serveLocalHub } from '../../scripts/local/server.ts';
import { ConfigError } from '../../shared/errors.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('simulated org', () => {
  it('gives each account its effective mode from tag, account override, OU and default', () => {
    const org = loadOrgFile(join(ROOT, 'scripts/local/sample-org.json'));
    const accounts = simulatedAccounts(org, loadRepoConfig());
    const mode = (id: string) => accounts.find((a) => a.accountId === id);
    expect(mode('333333333333')).toMatchObject({ mode: 'auto', modeSource: 'tag' });
    expect(mode('222222222222')).toMatchObject({ mode: 'off', modeSource: 'account-config' });
    expect(mode('444444444444')).toMatchObject({ mode: 'auto', modeSource: 'ou-config' });
    expect(mode('210987654321')).toMatchObject({ mode: 'dry-run', modeSource: 'ou-config' });
    expect(mode('123456789012')).toMatchObject({ mode: 'notify', modeSource: 'default' });
    expect(mode('123456789012')?.ouNames).toEqual(['Root', 'Prod', 'Payments']);
  });

  it('names the file and the field of a broken org file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'socless-org-'));
    try {
      const file = join(dir, 'org.json');
      writeFileSync(
        file,
        JSON.stringify({
          organizationId: 'o-a1b2c3d4e5',
          rootId: 'r-ab12',
          ous: [],
          accounts: [{ id: '123', name: 'x', email: 'x@example.com', ou: 'r-ab12' }],
        }),
      );
      expect(() => loadOrgFile(file)).toThrow(ConfigError);
      expect(() => loadOrgFile(file)).toThrow(`${file}: $.accounts[0].id: must be a 12-digit account id`);
      writeFileSync(
        file,
        JSON.stringify({
          organizationId: 'o-a1b2c3d4e5',
          rootId: 'r-ab12',
          accounts: [{ id: '123456789012', name: 'x', email: 'x@example.com', ou: 'ou-ab12-missing1' }],
        }),
      );
      expect(() => loadOrgFile(file)).toThrow('$.accounts[0].ou: unknown OU ou-ab12-missing1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('event inputs', () => {
  it('reads JSON files, arrays and NDJSON lines, and passes text that is not JSON on for rejection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'socless-inputs-'));
    try {
      writeFileSync(join(dir, 'a.json'), '{"id":"1"}');
      writeFileSync(join(dir, 'b.json'), '[{"id":"2"},{"id":"3"}]');
      writeFileSync(join(dir, 'c.ndjson'), '{"id":"4"}\n\n{"id":"5"}\n');
      writeFileSync(join(dir, 'd.json'), '{"id": tru');
      writeFileSync(join(dir, 'notes.txt'), 'ignored');
      expect(readInputs(dir).map((i) => i.input)).toEqual([
        'a.json',
        'b.json[0]',
        'b.json[1]',
        'c.ndjson:1',
        'c.ndjson:3',
        'd.json',
      ]);
      expect(readInputs(dir).at(-1)?.body).toBe('{"id": tru');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A sample event as a new finding (its own event id and finding id): the samples ran already, and a repeat of a
 * finding within the window is a duplicate of its investigation.
 */
function withNewFinding(body: unknown, id: string): Record<string, unknown> {
  const event = structuredClone(body) as { id: string; detail: Record<string, unknown> };
  event.id = id;
  const findings = event.detail.findings as Array<Record<string, unknown>> | undefined;
  if (findings) for (const f of findings) f.Id = `${String(f.Id)}-${id}`;
  else event.detail.id = `${String(event.detail.id)}-${id}`;
  return event as unknown as Record<string, unknown>;
}

describe('LocalHub', () => {
  let hub: LocalHub;
  beforeAll(async () => {
    hub = await LocalHub.start();
  });
  afterAll(async () => {
    await hub.close();
  });

  it('runs every bundled sample event to a finished execution, with the account mode and the states visited', async () => {
    const inputs = bundledSampleInputs(DEFAULT_PLAYBOOKS_DIR);
    expect(inputs.length).toBeGreaterThanOrEqual(5);
    for (const { input, body } of inputs) {
      const line = outcomeLine(input, await hub.submit(body, input));
      expect(line, input).toMatchObject({ status: 'dispatched', execution: { status: 'SUCCEEDED' } });
      expect((line.execution as { states: string[] }).states.length, input).toBeGreaterThan(2);
    }
  });

  it('reports the remediation a playbook planned, with the account mode', async () => {
    const [input] = bundledSampleInputs(DEFAULT_PLAYBOOKS_DIR).filter((i) =>
      i.input.includes('sg-rdp-open-critical-web'),
    );
    const event = withNewFinding(input!.body, 'local-hub-remediation-1');
    const line = outcomeLine('rdp.json', await hub.submit(event, 'test'));
    expect(line.remediation).toMatchObject({
      id: 'security-group-open-ingress',
      account: '333333333333',
      mode: 'auto',
    });
  });

  it('answers the same delivery twice with the first record and no second execution', async () => {
    const [input] = bundledSampleInputs(DEFAULT_PLAYBOOKS_DIR);
    const event = withNewFinding(input!.body, 'local-hub-redelivery');
    const first = await hub.submit(event, 'test');
    const again = await hub.submit(event, 'test');
    expect(again[0]).toMatchObject({ eventId: first[0]?.eventId, status: 'dispatched', redelivered: true });
    expect(again[0]?.executions).toEqual(first[0]?.executions);
  });

  it('serves events, investigations, interactions and health over HTTP on loopback', async () => {
    const { server, url, token } = await serveLocalHub(hub, 0);
    const auth = { authorization: `Bearer ${token}` };
    const json = { ...auth, 'content-type': 'application/json' };
    try {
      const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
      expect(health.status).toBe('ok');
      const posted = await fetch(`${url}/events`, { method: 'POST', headers: json, body: '{"broken":' });
      const [line] = (await posted.json()) as Array<{ status: string; error: string }>;
      expect(line).toMatchObject({ status: 'rejected' });
      expect(line.error).toMatch(/JSON/i);
      const investigations = (await (await fetch(`${url}/investigations`, { headers: auth })).json()) as Array<{
        status: string;
        raw?: string;
      }>;
      expect(investigations.some((i) => i.status === 'rejected')).toBe(true);
      expect(investigations.every((i) => i.raw === undefined)).toBe(true);
      expect(await (await fetch(`${url}/interactions?token=${token}`)).json()).toEqual([]);
      const missing = await fetch(`${url}/interactions/nope`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ decision: 'approve' }),
      });
      expect(missing.status).toBe(404);
      expect((await fetch(`${url}/nowhere`, { headers: auth })).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('socless local --once --json (the CLI contract)', () => {
  it('prints one JSON line per input with input, eventId, status, playbook and execution, and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socless-cli-'));
    try {
      const gd = readInputs(join(ROOT, 'playbooks/guardduty-triage/events/crypto-mining-high.json'))[0]!.body;
      writeFileSync(join(dir, '1-good.json'), JSON.stringify(gd));
      writeFileSync(join(dir, '2-bad.json'), '{"version": "0", "id": 7}');
      writeFileSync(
        join(dir, '3-custom.json'),
        JSON.stringify({ ...(gd as object), id: 'x-1', source: 'acme.app', 'detail-type': 'Thing', detail: { a: 1 } }),
      );
      const { stdout } = await run(
        'node',
        [join(ROOT, 'scripts/socless.js'), 'local', '--once', '--json', '--events', dir],
        {
          cwd: ROOT,
        },
      );
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.input, l.status])).toEqual([
        ['1-good.json', 'dispatched'],
        ['2-bad.json', 'rejected'],
        ['3-custom.json', 'unrouted'],
      ]);
      expect(lines[0]).toMatchObject({ playbook: 'guardduty-triage', execution: { status: 'SUCCEEDED' } });
      expect(lines[0].eventId).toBeTruthy();
      expect(lines[1].error).toMatch(/id/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
