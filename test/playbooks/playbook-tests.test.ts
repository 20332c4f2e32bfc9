import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import { loadPlaybookTestCases, type PlaybookTestResult, runPlaybookTests } from '../../shared/local/playbook-tests.ts';
import { loadPlaybookSources } from '../../shared/playbook/loader.ts';

const sources = loadPlaybookSources();

describe('shipped playbooks', () => {
  let results: PlaybookTestResult[] = [];
  beforeAll(async () => {
    results = await runPlaybookTests({ integrations: INTEGRATIONS.values(), catalog: INTEGRATION_CATALOG });
  });

  it('each ship at least one test case', () => {
    for (const source of sources) expect(loadPlaybookTestCases(source.dir).length, source.name).toBeGreaterThan(0);
  });

  for (const source of sources) {
    for (const c of loadPlaybookTestCases(source.dir)) {
      it(`${source.name}: ${c.testCase?.description ?? c.file}`, () => {
        expect(c.problems).toEqual([]);
        const mine = results.find((r) => r.file === c.file);
        expect(mine?.failures).toEqual([]);
        expect(mine?.passed).toBe(true);
      });
    }
  }
});

describe('a playbook that does not compile', () => {
  it('fails every case, and tells its problems once (with the first case), not once per case', async () => {
    const root = mkdtempSync(join(tmpdir(), 'socless-pbt-'));
    mkdirSync(join(root, 'broken', 'tests'), { recursive: true });
    writeFileSync(
      join(root, 'broken', 'playbook.json'),
      JSON.stringify({
        Playbook: 'broken',
        StartAt: 'A',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a SOCless resource reference, not a JS template
        States: { A: { Type: 'Task', Resource: '${{self:custom.core.Zzzzqqq}}', End: true } },
      }),
    );
    for (const name of ['a.json', 'b.json', 'c.json']) {
      writeFileSync(join(root, 'broken', 'tests', name), JSON.stringify({ event: {}, expect: {} }));
    }
    const results = await runPlaybookTests({
      rootDir: root,
      integrations: INTEGRATIONS.values(),
      catalog: INTEGRATION_CATALOG,
    });
    expect(results.map((r) => r.passed)).toEqual([false, false, false]);
    const told = results.filter((r) => r.failures.some((f) => f.includes('Zzzzqqq')));
    expect(told).toHaveLength(1);
    expect(results[1]?.failures).toEqual([
      `not run: the playbook does not compile (the problems are listed under ${basename(results[0]?.file ?? '')})`,
    ]);
  });
});
