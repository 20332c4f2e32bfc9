import { describe, expect, it } from 'vitest';
import { StaticSecretResolver } from '../../shared/integration-runtime/secrets.ts';
import {
  resolveSoclessParameters,
  type SoclessResolveOptions,
  soclessLiteral,
} from '../../shared/integration-runtime/socless-params.ts';
import { LocalVaultStore } from '../../shared/local/local-vault.ts';

const vault = new LocalVaultStore('vault-bucket');
await vault.put('saved/report.json', JSON.stringify({ severity: 'HIGH' }));
await vault.put('saved/note.txt', 'plain text');

function options(templatePaths: string[], extra: Partial<SoclessResolveOptions> = {}): SoclessResolveOptions {
  return {
    state: 'Send',
    integration: 'socless_slack',
    context: {
      artifacts: { event: { details: { user: 'bob', title: '{{ context.results.Secretive.token }}', n: '42' } } },
      results: { Enrich: { owner: { name: 'alice', ids: [1, 2] } }, Secretive: { token: 'do-not-leak' } },
      errors: {},
    },
    templatePaths,
    secretParameters: ['token'],
    secrets: new StaticSecretResolver({ 'ssm:/slack/token': 'xoxb-1' }),
    vault,
    now: () => new Date('2026-01-01T00:00:00Z'),
    ...extra,
  };
}

describe('SOCless parameter resolution', () => {
  it('resolves $. references to whole values, templates to native values or text, and vault ids', async () => {
    const out = await resolveSoclessParameters(
      {
        owner: '$.results.Enrich.owner',
        name: '{{ context.results.Enrich.owner.name | upper }}',
        line: 'Hi {{context.artifacts.event.details.user}}, ids {{ context.results.Enrich.owner.ids }}',
        count: '{{ context.artifacts.event.details.n }}',
        report: 'vault:saved/report.json!json',
        note: 'vault:saved/note.txt',
        later: '{{ datetime_from_now(hours=2) }}',
        when: '{{ fromtimestamp(0) }}',
        parsed: '{{ fromjson(\'{"a": [1]}\') }}',
      },
      options(['$.owner', '$.name', '$.line', '$.count', '$.report', '$.note', '$.later', '$.when', '$.parsed']),
    );
    expect(out).toEqual({
      owner: { name: 'alice', ids: [1, 2] },
      name: 'ALICE',
      line: 'Hi bob, ids [1,2]',
      count: 42,
      report: { severity: 'HIGH' },
      note: 'plain text',
      later: '2026-01-01T02:00:00.000Z',
      when: '1970-01-01T00:00:00.000Z',
      parsed: { a: [1] },
    });
  });

  it('never resolves a string the author did not write, nor text that a template produced', async () => {
    const out = await resolveSoclessParameters(
      { fromEvent: '$.results.Secretive.token', title: '{{ context.artifacts.event.details.title }}' },
      options(['$.title']),
    );
    expect(out).toEqual({ fromEvent: '$.results.Secretive.token', title: '{{ context.results.Secretive.token }}' });
  });

  it('converts literal-looking text as socless_python does, but keeps text that would lose digits', () => {
    expect(soclessLiteral('123')).toBe(123);
    expect(soclessLiteral('True')).toBe(true);
    expect(soclessLiteral('[1,2]')).toEqual([1, 2]);
    expect(soclessLiteral('007')).toBe('007');
    expect(soclessLiteral('[not json')).toBe('[not json');
  });

  it('fails the state naming the parameter on a missing reference, a syntax error or an unknown filter', async () => {
    await expect(resolveSoclessParameters({ a: '$.results.Nope.x' }, options(['$.a']))).rejects.toThrow(
      'state "Send" (socless_slack): parameter "a" refers to "$.results.Nope.x", but $.results has no "Nope"',
    );
    await expect(resolveSoclessParameters({ b: 'x {{ context.results. }}' }, options(['$.b']))).rejects.toThrow(
      /parameter "b" has a template syntax error in "x \{\{ context.results. \}\}": expected a name after "."/,
    );
    await expect(resolveSoclessParameters({ c: '{{ context.results' }, options(['$.c']))).rejects.toThrow(
      /parameter "c" has a template syntax error .*unbalanced/,
    );
    await expect(resolveSoclessParameters({ d: '{{ context.results | shout }}' }, options(['$.d']))).rejects.toThrow(
      /unknown filter "shout"/,
    );
    await expect(resolveSoclessParameters({ e: 'vault:missing.json' }, options(['$.e']))).rejects.toThrow(
      /parameter "e" refers to vault:missing.json, which cannot be read/,
    );
  });

  it("resolves secret('/path') only in the parameters the integration declares, and refuses env()", async () => {
    expect(await resolveSoclessParameters({ token: "{{ secret('/slack/token') }}" }, options(['$.token']))).toEqual({
      token: 'xoxb-1',
    });
    await expect(
      resolveSoclessParameters({ text: "{{ secret('/slack/token') }}" }, options(['$.text'])),
    ).rejects.toThrow(/parameter "text" uses secret\(\) .* resolves secrets only in token/);
    await expect(
      resolveSoclessParameters({ text: "{{ env('AWS_SECRET_ACCESS_KEY') }}" }, options(['$.text'])),
    ).rejects.toThrow(/uses env\(\).*cannot read the Lambda environment/);
  });
});
