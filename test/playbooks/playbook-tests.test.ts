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
