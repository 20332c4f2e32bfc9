/**
 * Console benchmark: the investigations page with 10,000 investigations in the local store (goal: < 200 ms
 * server time). Fills a local hub's tables through the real pipeline (events, dedup, the dispatcher accepting
 * each execution but holding it, so no playbook runs) with findings over the simulated org's accounts, several
 * sources, severities and playbooks, closes a quarter of them through the investigations repository, then
 * times the index load and `listInvestigations` over several filters and pages, and a full
 * `GET /investigations` through the console app (rendering included) when the web side is there.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { InvestigationFilter } from '../console/backend.ts';
import { LocalConsoleBackend } from '../console/local-backend.ts';
import { LocalHub } from '../local/hub.ts';
import type { Benchmark } from './index.ts';

export const CONSOLE_GOAL = { pageMs: 200 } as const;

const ACCOUNTS = ['123456789012', '210987654321', '222222222222', '333333333333', '444444444444'];
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Template {
  readonly text: string;
  /** Strings in the template that make a finding unique (replaced per event). */
  readonly ids: readonly string[];
  readonly account: string;
  readonly severity?: (i: number) => number;
}

const TEMPLATES: readonly Template[] = [
  {
    text: read('test/fixtures/events/guardduty-ssh-bruteforce.json'),
    ids: ['c8c4daa7-a20c-2f03-0070-b7393dd542ad', 'a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1'],
    account: '210987654321',
    severity: (i) => [2, 5, 8][i % 3] as number,
  },
  {
    text: read('playbooks/remediate-finding/events/securityhub-s3-bucket-public-medium.json'),
    ids: ['5d2e3f4a-6b7c-4d8e-9fa0-1b2c3d4e5f6a', '2a3b4c5d-5b6a-4798-8a9b-0c1d2e3f4a5b'],
    account: '210987654321',
  },
  {
    text: read('playbooks/remediate-finding/events/securityhub-s3-bucket-public-high.json'),
    ids: [
      String(
        (
          JSON.parse(read('playbooks/remediate-finding/events/securityhub-s3-bucket-public-high.json')) as {
            id: string;
          }
        ).id,
      ),
      '1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b',
    ],
    account: '210987654321',
  },
  {
    text: read('playbooks/triage-notify/events/access-analyzer-role-external.json'),
    ids: ['6b5c4d3e-2f1a-4b0c-9d8e-7f6a5b4c3d2e', 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b'],
    account: '210987654321',
  },
];

/** Event `i`: a template in one of the org's accounts, with its own event and finding ids. */
export function benchEvent(i: number): unknown {
  const t = TEMPLATES[i % TEMPLATES.length] as Template;
  const account = ACCOUNTS[Math.floor(i / TEMPLATES.length) % ACCOUNTS.length] as string;
  let text = t.text.replaceAll(t.account, account);
  for (const [k, id] of t.ids.entries())
    text = text.replaceAll(id, `${id.slice(0, -8)}${String(i).padStart(7, '0')}${k}`);
  const event = JSON.parse(text) as { detail?: Record<string, unknown> };
  if (t.severity && event.detail) event.detail.severity = t.severity(Math.floor(i / 20));
  return event;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
function stats(samples: number[]): { p50Ms: number; p95Ms: number; maxMs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return { p50Ms: at(50), p95Ms: at(95), maxMs: sorted.at(-1) ?? 0 };
}

/** Fills a hub with `count` investigations through the pipeline; a quarter closed by a person. */
export async function fillHub(hub: LocalHub, count: number): Promise<{ fillMs: number; closed: number }> {
  // Executions are accepted (StartExecution succeeds) and held: the store is what is measured, not playbooks.
  hub.dispatcher.hold();
  const started = performance.now();
  const limit = pLimit(16);
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const [o] = await hub.submit(benchEvent(i), 'bench');
        if (!o?.investigationId || o.investigationId !== o.eventId) {
          throw new Error(`bench event ${i} did not open an investigation of its own: ${JSON.stringify(o)}`);
        }
        ids[i] = o.investigationId;
      }),
    ),
  );
  const repo = hub.investigationRecords();
  // Every template and account has closed ones (a quarter of each).
  const toClose = ids.filter((_, i) => Math.floor(i / TEMPLATES.length) % 4 === 1);
  await Promise.all(
    toClose.map((id) =>
      limit(() =>
        repo.close(id, {
          resolution: 'accepted-risk',
          reason: 'bench',
          by: 'local:bench',
          at: new Date().toISOString(),
        }),
      ),
    ),
  );
  return { fillMs: performance.now() - started, closed: toClose.length };
}

export const consoleBenchmark: Benchmark = {
  name: 'console',
  description: 'investigations page over 10,000 local investigations: index load, page query, full GET (goal < 200 ms)',
  async run({ quick }) {
    const out = process.stdout;
    const count = quick ? 1000 : 10_000;
    const rounds = quick ? 10 : 30;
    const hub = await LocalHub.start({ executionWaitMs: 0 });
    try {
      const { fillMs, closed } = await fillHub(hub, count);
      out.write(
        `filled ${count} investigations (${closed} closed) through the pipeline in ${(fillMs / 1000).toFixed(1)} s\n`,
      );

      const loadStart = performance.now();
      const backend = await LocalConsoleBackend.create(hub);
      const loadMs = performance.now() - loadStart;
      if (backend.index.size !== count) {
        throw new Error(`the index holds ${backend.index.size} investigations, not ${count}`);
      }
      out.write(`index load (paged scans of events and dedup, joined in memory): ${ms(loadMs)}\n`);
      const { facets } = await backend.listInvestigations({}, 1, 1);
      out.write(
        `facets: ${Object.entries(facets)
          .map(([k, v]) => `${k} ${v.join(' ')}`)
          .join('; ')}\n`,
      );

      const cases: Array<{ name: string; filter: InvestigationFilter; page: number }> = [
        { name: 'all, page 1', filter: {}, page: 1 },
        { name: 'all, page 50', filter: {}, page: 50 },
        { name: 'open', filter: { status: 'open' }, page: 1 },
        { name: 'account', filter: { account: '333333333333' }, page: 2 },
        { name: 'OU Prod (and below)', filter: { ou: 'Prod' }, page: 1 },
        { name: 'severity HIGH', filter: { severity: 'HIGH' }, page: 1 },
        { name: 'source securityhub-asff', filter: { source: 'securityhub-asff' }, page: 3 },
        {
          name: 'playbook + status + OU',
          filter: { playbook: 'remediate-finding', status: 'closed', ou: 'Dev' },
          page: 1,
        },
        { name: 'no match', filter: { account: '999999999999' }, page: 1 },
      ];
      const query: Record<string, unknown> = {};
      const all: number[] = [];
      for (const c of cases) {
        const samples: number[] = [];
        let total = 0;
        for (let r = 0; r < rounds; r++) {
          const t = performance.now();
          const page = await backend.listInvestigations(c.filter, c.page, 50);
          samples.push(performance.now() - t);
          total = page.total;
        }
        const s = stats(samples);
        all.push(...samples);
        query[c.name] = { total, ...s };
        out.write(
          `  listInvestigations ${c.name.padEnd(26)} ${String(total).padStart(6)} match  p50 ${ms(s.p50Ms)}  p95 ${ms(s.p95Ms)}  max ${ms(s.maxMs)}\n`,
        );
      }
      const overall = stats(all);
      out.write(
        `listInvestigations over ${all.length} queries: p50 ${ms(overall.p50Ms)}, p95 ${ms(overall.p95Ms)}, max ${ms(overall.maxMs)}\n`,
      );

      const page = await timePage(backend, cases, rounds);
      if (page) {
        const verdict = page.p95Ms < CONSOLE_GOAL.pageMs ? 'met' : 'NOT met';
        out.write(
          `GET /investigations through the console app (server time, rendering included), ${page.requests} requests: ` +
            `p50 ${ms(page.p50Ms)}, p95 ${ms(page.p95Ms)}, max ${ms(page.maxMs)} (goal < ${CONSOLE_GOAL.pageMs} ms: ${verdict})\n`,
        );
      } else {
        out.write('GET /investigations: the console app (scripts/console/server.ts) is not there; page query only\n');
      }
      // Memory filtering of 10,000 summaries takes well under a millisecond; spikes above that are the machine.
      const load = loadavg()[0] ?? 0;
      out.write(`load average ${load.toFixed(1)} on ${cpus().length} CPUs while measuring\n`);
      backend.stop();
      return {
        loadAverage: Number(load.toFixed(1)),
        investigations: count,
        closed,
        fillMs: Math.round(fillMs),
        indexLoadMs: Math.round(loadMs),
        listInvestigations: { ...overall, byCase: query },
        ...(page ? { getInvestigations: page } : {}),
        goal: CONSOLE_GOAL,
      };
    } finally {
      await hub.close();
    }
  },
};

/** Times GET /investigations?<filter>&page= through the console's Hono app, as a browser would ask for it. */
async function timePage(
  backend: LocalConsoleBackend,
  cases: ReadonlyArray<{ filter: InvestigationFilter; page: number }>,
  rounds: number,
): Promise<({ requests: number } & ReturnType<typeof stats>) | undefined> {
  let createConsoleApp: typeof import('../console/server.ts').createConsoleApp;
  try {
    ({ createConsoleApp } = await import('../console/server.ts'));
  } catch {
    return undefined;
  }
  const token = 'bench-token-0123456789abcdef0123456789abcdef';
  const port = 7999;
  const app = createConsoleApp(backend, { token, port: () => port, operator: 'local:bench' });
  const samples: number[] = [];
  for (const c of cases) {
    const params = new URLSearchParams({
      ...(Object.fromEntries(Object.entries(c.filter).map(([k, v]) => [k, String(v)])) as Record<string, string>),
      page: String(c.page),
    });
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      const res = await app.request(`http://127.0.0.1:${port}/investigations?${params}`, {
        headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}` },
      });
      const body = await res.text();
      samples.push(performance.now() - t);
      if (res.status !== 200)
        throw new Error(`GET /investigations?${params} answered ${res.status}: ${body.slice(0, 300)}`);
    }
  }
  return { requests: samples.length, ...stats(samples) };
}
