import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createConsoleApp } from '../../scripts/console/server.ts';
import { RESOLUTIONS } from '../../shared/pipeline/lifecycle.ts';
import { ARN, consoleUnderTest, HOSTILE, OPERATOR, ORIGIN, PORT, TOKEN } from './server-fixtures.ts';

const EXECUTION = `/executions/${encodeURIComponent(ARN)}`;

/** The HTML-escaped form hono/jsx writes for text and attribute values. */
function escaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Every element start tag in the page: event data must not add any. */
function tags(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)[\s/>]/g)].map((m) => (m[1] as string).toLowerCase());
}

const ALLOWED_TAGS = new Set(
  'html head meta title link body header span nav a main p h1 h2 h3 h4 form label select option input button ul li strong table thead tbody tr th td time dl dt dd pre div section article ol details summary svg defs marker path g text circle rect polygon'.split(
    ' ',
  ),
);

async function page(path: string): Promise<string> {
  const { get } = consoleUnderTest();
  const res = await get(path);
  expect(res.status, path).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  return res.text();
}

describe('console pages render event strings as text', () => {
  const paths = [
    '/investigations',
    '/investigations/inv-1',
    EXECUTION,
    '/approvals',
    '/accounts',
    '/playbooks',
    '/playbooks/remediate-finding',
  ];

  it.each(paths)('%s injects no element and no event handler', async (path) => {
    const html = await page(path);
    const unexpected = tags(html).filter((t) => !ALLOWED_TAGS.has(t));
    expect(unexpected).toEqual([]);
    expect(html).not.toMatch(/<script|<img|<svg onload|<i>|<b>/i);
    // No start tag carries an event handler attribute (values are quoted with " escaped inside them).
    const attributes = [...html.matchAll(/<[a-zA-Z][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"/g, '""'));
    expect(attributes.filter((a) => /\son[a-z]+=/i.test(a))).toEqual([]);
    // The CSP allows no inline style or script: the pages use none.
    expect(attributes.filter((a) => /\sstyle=/i.test(a))).toEqual([]);
    expect(tags(html)).not.toContain('script');
    expect(tags(html)).not.toContain('style');
  });

  it('shows the hostile finding title literally on the list and the investigation', async () => {
    const list = await page('/investigations');
    expect(list).toContain(escaped(HOSTILE.script));
    expect(list).toContain(escaped(HOSTILE.img));
    const one = await page('/investigations/inv-1');
    expect(one).toMatch(
      new RegExp(
        `data-testid="investigation-title">${escaped(HOSTILE.script).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</h1>`,
      ),
    );
    // Template syntax and unicode stay as they are (JSON-quoted in the event blocks).
    expect(one).toContain(escaped(JSON.stringify(HOSTILE.template)));
    expect(one).toContain(escaped(HOSTILE.unicode));
    expect(one).toContain(escaped(JSON.stringify(HOSTILE.closeTag)));
  });

  it('keeps an attribute-breaking string inside its attribute', async () => {
    const html = await page('/accounts');
    expect(html).toContain(escaped(HOSTILE.attr));
    expect(html).not.toContain('onmouseover="alert(3)"');
  });

  it('shows the custom app event fixture title literally', async () => {
    const fixture = JSON.parse(readFileSync('test/fixtures/events/custom-app-event.json', 'utf8')) as {
      detail: { title: string };
    };
    expect(fixture.detail.title).toBe(HOSTILE.script);
  });
});

describe('investigations page', () => {
  it('has the filter form, per-status counts over the other filters, one row per investigation', async () => {
    const html = await page('/investigations?status=open');
    expect(html).toContain('data-testid="filter-form"');
    expect(html).toMatch(/data-status="open">2</);
    expect(html).toMatch(/data-status="closed">1</);
    const rows = [...html.matchAll(/data-testid="investigation-row" data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['inv-1', 'inv-2']);
    expect(html).toContain('href="/investigations/inv-1" data-testid="investigation-link"');
    expect(html).toMatch(/<option value="open" selected="">open<\/option>/);
  });

  it('passes every filter and the page to the backend, and pages forward with the filters kept', async () => {
    const { get, recorded } = consoleUnderTest({ count: 7, pageSize: 3 });
    const html = await (
      await get(
        '/investigations?account=111111111111&ou=Security&severity=HIGH&source=aws.securityhub&playbook=p&page=1',
      )
    ).text();
    expect(recorded.lists[0]).toEqual({
      filter: { account: '111111111111', ou: 'Security', severity: 'HIGH', source: 'aws.securityhub', playbook: 'p' },
      page: 1,
      pageSize: 3,
    });
    const { get: get2 } = consoleUnderTest({ count: 7, pageSize: 3 });
    const first = await (await get2('/investigations?account=111111111111')).text();
    expect(first).toContain('href="/investigations?account=111111111111&amp;page=2" data-testid="pager-next"');
    expect(html).not.toContain('pager-prev');
    const last = await (await get2('/investigations?page=3')).text();
    expect(last).not.toContain('pager-next');
    expect(last).toContain('data-testid="pager-prev"');
  });
});

describe('investigation page', () => {
  it('shows the normalized and raw events, occurrences, executions and the close form', async () => {
    const html = await page('/investigations/inv-1');
    expect(html).toContain('data-testid="normalized-event"');
    expect(html).toContain('data-testid="raw-event"');
    expect([...html.matchAll(/data-testid="occurrence"/g)]).toHaveLength(2);
    expect(html).toContain(`href="${EXECUTION}" data-testid="execution-link" data-status="FAILED"`);
    expect(html).toContain('action="/investigations/inv-1/close"');
    for (const r of RESOLUTIONS) expect(html).toContain(`<option value="${r}">`);
    expect(html).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{43}"/);
  });
});

describe('execution page', () => {
  it('draws the graph with the path and marks the failed state', async () => {
    const html = await page(EXECUTION);
    expect(html).toContain('<svg data-testid="graph"');
    const visited = [...html.matchAll(/data-testid="graph-node" data-state="([^"]+)"[^>]*data-visited="true"/g)].map(
      (m) => m[1],
    );
    expect(visited.sort()).toEqual(['Ask', 'Check', 'Enrich', 'Fix']);
    expect(html).toMatch(/data-state="Fix"[^>]*data-failed="true"/);
    expect(html).toContain('data-testid="execution-status">FAILED<');
  });

  it('lists each step with its input, output and error', async () => {
    const html = await page(EXECUTION);
    const steps = [...html.matchAll(/data-testid="step" data-state="([^"]+)"/g)].map((m) => m[1]);
    expect(steps).toEqual(['Enrich', 'Check', 'Ask', 'Fix']);
    expect([...html.matchAll(/data-testid="step-input"/g)]).toHaveLength(4);
    expect([...html.matchAll(/data-testid="step-output"/g)]).toHaveLength(4);
    expect(html).toContain(`data-testid="step-error">AccessDenied: ${escaped(HOSTILE.img)}<`);
  });

  it('shows the remediation plan, before-state, calls applied, after-state and verify result, and the undo form', async () => {
    const html = await page(EXECUTION);
    expect(html).toContain('data-testid="remediation"');
    const block = (id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1] ?? '';
    expect(block('remediation-plan')).toContain('PutBucketTagging');
    expect(block('remediation-before')).toContain('&quot;BlockPublicAcls&quot;: false');
    expect(block('remediation-calls')).toContain('PutPublicAccessBlock');
    expect(block('remediation-calls')).not.toContain('PutBucketTagging');
    expect(block('remediation-after')).toContain('&quot;BlockPublicAcls&quot;: true');
    expect(block('remediation-verify')).toContain('verified');
    expect(html).toContain(`action="${EXECUTION}/undo" data-testid="undo-form"`);
    expect(html).toContain('name="confirm"');
    expect(html).toContain('data-testid="undo-button"');
  });
});

describe('approvals, accounts and playbooks pages', () => {
  it('shows each approval with its plan and the approve and reject buttons', async () => {
    const html = await page('/approvals');
    expect(html).toContain('data-testid="approval" data-id="int-1"');
    expect(html).toMatch(/data-testid="approval-plan">[^<]*PutPublicAccessBlock/);
    expect(html).toContain(`Block public access? ${escaped(HOSTILE.img)}`);
    expect(html).toContain('action="/approvals/int-1"');
    expect(html).toContain('name="reason"');
    expect(html).toContain('name="decision" value="approve" data-testid="approve-button"');
    expect(html).toContain('name="decision" value="reject" class="danger" data-testid="reject-button"');
  });

  it('groups accounts by OU path with mode, its source and spoke', async () => {
    const html = await page('/accounts');
    const ous = [...html.matchAll(/data-testid="ou" data-path="([^"]*)"/g)].map((m) => m[1]);
    expect(ous).toEqual(['Root', 'Root/Security', 'Root/Workloads/Prod']);
    expect(html).toMatch(
      /data-account="111111111111"[\s\S]*?data-testid="account-mode">auto<[\s\S]*?data-testid="account-mode-source">account tag socless:mode</,
    );
    expect(html).toContain('deployed (eu-west-1)');
  });

  it('lists playbooks and shows one with its graph, triggers and recent executions', async () => {
    const list = await page('/playbooks');
    expect(list).toContain('data-testid="playbook-row" data-name="remediate-finding"');
    const one = await page('/playbooks/remediate-finding');
    expect(one).toContain('<svg data-testid="graph"');
    expect(one).not.toContain('data-visited="true"');
    expect(one).toMatch(/data-testid="trigger">[^<]*aws\.securityhub/);
    expect(one).toContain('data-testid="execution-link" data-status="FAILED"');
  });
});

describe('JSON blocks', () => {
  it('show DynamoDB sets as arrays and big numbers as digits', async () => {
    const { Json } = await import('../../scripts/console/pages/layout.tsx');
    const html = String(await Json({ value: { tags: new Set(['a', '<b>']), n: 12345678901234567890n } }));
    expect(html).toContain('&quot;tags&quot;: [\n    &quot;a&quot;,\n    &quot;&lt;b&gt;&quot;\n  ]');
    expect(html).toContain('&quot;n&quot;: &quot;12345678901234567890&quot;');
  });
});

describe('an execution known from its results and logs (Express)', () => {
  it('says where its status comes from on the execution page and in the investigation list', async () => {
    const { app, backend, cookie } = consoleUnderTest();
    const derivedFrom = 'Express execution: from the results table and logs (no failure logged)';
    const express = createConsoleApp(
      {
        ...backend,
        label: backend.label,
        execution: async (arn) => {
          const detail = await backend.execution(arn);
          return detail ? { ...detail, derivedFrom } : undefined;
        },
        investigation: async (id) => {
          const shown = await backend.investigation(id);
          return shown ? { ...shown, executions: shown.executions.map((e) => ({ ...e, derivedFrom })) } : undefined;
        },
      },
      { token: TOKEN, port: () => PORT, operator: OPERATOR },
    );
    const html = async (target: typeof app, path: string) =>
      (await target.request(`${ORIGIN}${path}`, { headers: { cookie } })).text();
    expect(await html(express, EXECUTION)).toMatch(
      /data-testid="execution-derived"[^>]*>[^<]*from the results table and logs/,
    );
    expect(await html(express, '/investigations/inv-1')).toContain('from the results table and logs');
    // A Standard execution read from its history carries no such note.
    expect(await html(app, EXECUTION)).not.toContain('execution-derived');
  });
});
