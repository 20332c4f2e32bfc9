import { describe, expect, it } from 'vitest';
import { IntegrationParameterError } from '../../shared/integration-runtime/errors.ts';
import { StaticSecretResolver } from '../../shared/integration-runtime/secrets.ts';
import { type ResolveOptions, resolveParameters } from '../../shared/integration-runtime/templates.ts';
import { LocalVaultStore } from '../../shared/local/local-vault.ts';

const context = {
  artifacts: { event: { id: 'e-1', details: { title: 'Root login', severity: 8, tags: ['a', 'b'] } } },
  results: { Enrich: { owner: 'alice', account: { name: 'prod' } } },
};

function options(extra: Partial<ResolveOptions> = {}): ResolveOptions {
  return {
    state: 'Notify',
    integration: 'notify_email',
    context,
    secretParameters: [],
    secrets: new StaticSecretResolver({ 'secret:slack/token': '{"bot":"xoxb-1"}', 'ssm:/socless/url': 'https://x' }),
    ...extra,
  };
}

describe('resolveParameters', () => {
  it('keeps the type of a value named by a whole-string template', async () => {
    const out = await resolveParameters(
      { severity: '{{context.artifacts.event.details.severity}}', tags: '{{ context.artifacts.event.details.tags }}' },
      options({ templatePaths: ['$.severity', '$.tags'] }),
    );
    expect(out).toEqual({ severity: 8, tags: ['a', 'b'] });
  });

  it('interpolates embedded templates as text, objects as JSON', async () => {
    const out = await resolveParameters(
      {
        message:
          'Owner {{context.results.Enrich.owner}} of {{context.results.Enrich.account}} ({{context.artifacts.event.details.severity}})',
      },
      options({ templatePaths: ['$.message'] }),
    );
    expect(out.message).toBe('Owner alice of {"name":"prod"} (8)');
  });

  it('resolves legacy $.results references against the context', async () => {
    const out = await resolveParameters(
      { owner: '$.results.Enrich.owner', nested: { list: ['$.artifacts.event.id'] } },
      options({ templatePaths: ['$.owner', '$.nested.list[0]'] }),
    );
    expect(out).toEqual({ owner: 'alice', nested: { list: ['e-1'] } });
  });

  it('leaves event data that looks like a template literal (one pass, no re-templating)', async () => {
    const hostile = {
      artifacts: { event: { details: { title: '{{context.results.Enrich.owner}} {{secret:slack/token}}' } } },
      results: { Enrich: { owner: 'alice' } },
    };
    const out = await resolveParameters(
      {
        subject: 'Finding: {{context.artifacts.event.details.title}}',
        token: '{{context.artifacts.event.details.title}}',
      },
      options({ context: hostile, secretParameters: ['subject', 'token'], templatePaths: ['$.subject', '$.token'] }),
    );
    expect(out.subject).toBe('Finding: {{context.results.Enrich.owner}} {{secret:slack/token}}');
    expect(out.token).toBe('{{context.results.Enrich.owner}} {{secret:slack/token}}');
  });

  it('does not template anything when the invocation carries no context', async () => {
    const { context: _c, ...rest } = options({ templatePaths: ['$.title', '$.legacy'] });
    const out = await resolveParameters(
      { title: '{{context.results.Enrich.owner}}', legacy: '$.results.Enrich.owner' },
      rest,
    );
    expect(out).toEqual({ title: '{{context.results.Enrich.owner}}', legacy: '$.results.Enrich.owner' });
  });

  it('templates only the paths the compiler listed when it lists them', async () => {
    const out = await resolveParameters(
      { message: 'Hi {{context.results.Enrich.owner}}', title: '{{context.results.Enrich.owner}}' },
      options({ templatePaths: ['$.message'] }),
    );
    expect(out).toEqual({ message: 'Hi alice', title: '{{context.results.Enrich.owner}}' });
  });

  it('names the state and the parameter when a template points at nothing', async () => {
    const err = await resolveParameters(
      { headers: { to: '{{context.results.Missing.email}}' } },
      options({ templatePaths: ['$.headers.to'] }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.name).toBe('IntegrationParameterError');
    expect(err.state).toBe('Notify');
    expect(err.parameter).toBe('headers.to');
    expect(err.message).toContain('context.results has no "Missing"');
  });

  it('refuses context paths outside artifacts and results', async () => {
    await expect(resolveParameters({ x: '{{context.env.HOME}}' }, options({ templatePaths: ['$.x'] }))).rejects.toThrow(
      /only context.artifacts and context.results/,
    );
  });

  it('resolves secrets and SSM parameters only inside declared secret parameters', async () => {
    const out = await resolveParameters(
      {
        token: '{{secret:slack/token:bot}}',
        url: 'endpoint={{ssm:/socless/url}}',
        message: '{{secret:slack/token:bot}}',
      },
      options({ secretParameters: ['token', 'url'], templatePaths: ['$.token', '$.url', '$.message'] }),
    );
    expect(out).toEqual({ token: 'xoxb-1', url: 'endpoint=https://x', message: '{{secret:slack/token:bot}}' });
  });

  it('reads vault pointers in declared vault parameters, and offloaded results a declared template traverses', async () => {
    const vault = new LocalVaultStore('vault-bucket');
    const ref = await vault.put('results/x.json', JSON.stringify({ big: { list: [1, 2, 3] } }));
    const out = await resolveParameters(
      { data: { vault_ref: ref }, first: '{{context.results.Big.big.list}}' },
      options({
        vault,
        vaultParameters: ['data'],
        templatePaths: ['$.first'],
        context: { artifacts: {}, results: { Big: { vault_ref: ref, offloaded: true } } },
      }),
    );
    expect(out).toEqual({ data: { big: { list: [1, 2, 3] } }, first: [1, 2, 3] });
  });

  it('resolves no template at all when the state declares no template list', async () => {
    const out = await resolveParameters(
      {
        message: 'Hi {{context.results.Enrich.owner}}',
        legacy: '$.results.Enrich.owner',
        token: '{{secret:slack/token:bot}}',
      },
      options({ secretParameters: ['token'] }),
    );
    expect(out).toEqual({
      message: 'Hi {{context.results.Enrich.owner}}',
      legacy: '$.results.Enrich.owner',
      token: '{{secret:slack/token:bot}}',
    });
  });

  it('leaves a vault pointer that arrives in event data as data', async () => {
    const vault = new LocalVaultStore('vault-bucket');
    const ref = await vault.put('results/other-investigation/Big/r.json', JSON.stringify({ private: 'yes' }));
    const planted = { vault_ref: ref, offloaded: true };
    const out = await resolveParameters(
      // `details.$` delivered the event's fields; one of them is a planted pointer into the vault.
      { details: { note: planted }, summary: '{{context.artifacts.event.details.note}}' },
      options({
        vault,
        templatePaths: ['$.summary'],
        context: { artifacts: { event: { details: { note: planted } } }, results: {} },
      }),
    );
    expect(out).toEqual({ details: { note: planted }, summary: planted });
  });

  it('refuses a vault pointer to a bucket other than the vault', async () => {
    const vault = new LocalVaultStore('vault-bucket');
    const err = await resolveParameters(
      { data: { vault_ref: { bucket: 'elsewhere', key: 'k' } } },
      options({ vault, vaultParameters: ['data'] }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.message).toMatch(/outside the vault bucket/);
  });
});
