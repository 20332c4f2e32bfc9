// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Serverless variables are literal ${{...}} strings
import { describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { closeMatches, editDistance } from '../../shared/close-matches.ts';
import { knownResourceNames } from '../../shared/playbook/catalog.ts';
import { compilePlaybook } from '../../shared/playbook/index.ts';
import { parsePlaybookText } from '../../shared/playbook/loader.ts';
import { playbookWith, task } from '../fixtures/playbooks/catalog.ts';

describe('closeMatches', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('offers the closest names, each once, in the spelling the name was written in', () => {
    const known = [
      '${{self:custom.socless.enrich_account}}',
      '${{self:custom.socless.EnrichAccount}}',
      'enrich_account',
      'EnrichAccount',
      'notify_email',
      'counter',
    ];
    expect(closeMatches('enrich_acount', known)).toEqual(['enrich_account']);
    expect(closeMatches('${{self:custom.socless.EnrichAcount}}', known)).toEqual([
      '${{self:custom.socless.EnrichAccount}}',
    ]);
    expect(closeMatches('something_else_entirely', known)).toEqual([]);
  });
});

describe('an unknown integration in a playbook', () => {
  it('names the close matches only, not every known integration', () => {
    const known = knownResourceNames(INTEGRATION_CATALOG);
    const reason = validatePlaybookReason('${{self:custom.socless.EnrichAcount}}');
    expect(reason).toMatch(
      /^unknown integration "\$\{\{self:custom\.socless\.EnrichAcount\}\}" \(did you mean .*EnrichAccount.*\?\)$/,
    );
    expect(reason.length).toBeLessThan(200);
    expect(known.join(', ').length).toBeGreaterThan(reason.length * 3);
  });
});

function validatePlaybookReason(resource: string): string {
  const text = JSON.stringify(playbookWith({ A: task(resource) }));
  const result = compilePlaybook(parsePlaybookText('demo', '/demo', '/demo/playbook.json', text), {
    integrations: INTEGRATION_CATALOG,
  });
  const problems = result.ok ? [] : result.problems;
  return problems.find((p) => p.reason.startsWith('unknown integration'))?.reason ?? '';
}
