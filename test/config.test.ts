import { describe, expect, it } from 'vitest';
import {
  configuredMode,
  loadConfig,
  parseConfig,
  type SoclessConfigInput,
  type WebhookSenderConfig,
  webhookSources,
} from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';

const valid: SoclessConfigInput = {
  hubAccountId: '111111111111',
  organizationId: 'o-a1b2c3d4e5',
  homeRegion: 'us-east-1',
  regions: ['us-east-1', 'eu-west-1'],
  targetOuIds: ['ou-ab12-prod0001'],
};

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.reason}`);
  }
  return [];
}

describe('parseConfig', () => {
  it('fills defaults for everything optional', () => {
    const config = parseConfig(valid, 'test.json');
    expect(config.natGateways).toBe(1);
    expect(config.remediation.defaultMode).toBe('notify');
    expect(config.remediation.autoMinSeverity).toBe('HIGH');
    expect(config.rollout.callAs).toBe('SELF');
    expect(config.riskyApiNames).toContain('StopLogging');
  });

  it('names the key and the reason for a wrong remediation mode', () => {
    const problems = problemsOf({ ...valid, remediation: { defaultMode: 'yolo' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\$\.remediation\.defaultMode: /);
  });

  it('rejects a malformed account id, OU id and region each with its own key', () => {
    const problems = problemsOf({ ...valid, hubAccountId: '123', targetOuIds: ['prod'], homeRegion: 'mars' });
    expect(problems.some((p) => p.startsWith('$.hubAccountId: must be a 12-digit AWS account id'))).toBe(true);
    expect(problems.some((p) => p.startsWith('$.targetOuIds[0]:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('$.homeRegion: must be an AWS region name'))).toBe(true);
  });

  it('requires the home region among the enabled regions', () => {
    expect(problemsOf({ ...valid, regions: ['eu-west-1'] })).toEqual([
      '$.regions: must include the home region us-east-1',
    ]);
  });

  it('rejects unknown keys so a typo cannot silently do nothing', () => {
    expect(problemsOf({ ...valid, natGateway: 2 })[0]).toMatch(/natGateway/);
  });

  it('rejects a NAT gateway count of zero', () => {
    expect(problemsOf({ ...valid, natGateways: 0 })[0]).toMatch(/^\$\.natGateways: must be at least 1/);
  });

  it('needs no external id in the configuration: the hub keeps it in a Secrets Manager secret', () => {
    const config = parseConfig(valid, 'test.json');
    expect(config.externalId).toBeUndefined();
    expect(config.externalIdSecretName).toBe('socless/spoke-external-id');
  });

  it('refuses a sample external id so a copied example is never the shared secret', () => {
    for (const sample of ['socless-org-change-me-0001', 'example-external-id-1', 'my-sample-value-123456']) {
      expect(problemsOf({ ...valid, externalId: sample })[0]).toMatch(/^\$\.externalId: is a sample value/);
    }
    expect(problemsOf({ ...valid, externalId: 'k3Jq9vX2mP7wLr4t' })).toEqual([]);
  });

  it('reads trusted aggregators per source and refuses an unknown source', () => {
    const config = parseConfig({ ...valid, trustedAggregators: { guardduty: ['444444444444'] } }, 'test.json');
    expect(config.trustedAggregators).toEqual({
      guardduty: ['444444444444'],
      securityhub: [],
      'access-analyzer': [],
      config: [],
    });
    expect(problemsOf({ ...valid, trustedAggregators: { inspector: ['444444444444'] } })[0]).toMatch(
      /trustedAggregators/,
    );
    expect(problemsOf({ ...valid, trustedAggregators: { guardduty: ['44'] } })[0]).toMatch(
      /^\$\.trustedAggregators\.guardduty\[0\]: must be a 12-digit/,
    );
  });

  it('gives a webhook sender the narrowest scope unless it says otherwise', () => {
    const config = parseConfig({ ...valid, webhooks: [{ name: 'phish-box' }] }, 'test.json');
    expect(config.webhooks[0]).toEqual({
      name: 'phish-box',
      sources: [],
      accounts: [],
      mayRemediate: false,
      severityMayReachAuto: false,
    });
    expect(webhookSources(config.webhooks[0] as WebhookSenderConfig)).toEqual(['socless.webhook.phish-box']);
  });

  it('keeps each webhook sender to sources under its own name and to one entry per name', () => {
    const problems = problemsOf({
      ...valid,
      webhooks: [
        { name: 'alpha', sources: ['socless.webhook.beta'] },
        { name: 'alpha', sources: ['socless.webhook.alpha.reports'] },
      ],
    });
    expect(problems).toContain(
      '$.webhooks[0].sources[0]: must be socless.webhook.alpha or start with socless.webhook.alpha. (a sender emits only under its own name)',
    );
    expect(problems).toContain('$.webhooks[1].name: sender "alpha" is listed twice');
    expect(problemsOf({ ...valid, webhooks: [{ name: 'a', sources: ['aws.guardduty'] }] })[0]).toMatch(
      /^\$\.webhooks\[0\]\.sources\[0\]: must start with socless\.webhook\./,
    );
  });

  it('includes the source in the error message', () => {
    expect(() => parseConfig({ ...valid, externalId: 'short' }, 'prod.json')).toThrow(/prod\.json: \$\.externalId: /);
  });
});

describe('loadConfig', () => {
  it('says where to add the configuration when cdk.json has none', () => {
    expect(() => loadConfig(() => undefined)).toThrow(/cdk\.json: \$\.context\.socless: is missing/);
  });
});

describe('configuredMode', () => {
  const config = parseConfig(
    {
      ...valid,
      remediation: {
        defaultMode: 'notify',
        ous: { 'ou-ab12-prod0001': 'dry-run', 'ou-ab12-team0001': 'auto' },
        accounts: { '333333333333': 'off' },
      },
    },
    'test.json',
  );

  it('uses the account override before any OU', () => {
    expect(configuredMode(config, '333333333333', ['ou-ab12-team0001'])).toBe('off');
  });

  it('uses the deepest OU on the path', () => {
    expect(configuredMode(config, '444444444444', ['ou-ab12-prod0001', 'ou-ab12-team0001'])).toBe('auto');
    expect(configuredMode(config, '444444444444', ['ou-ab12-prod0001', 'ou-ab12-other001'])).toBe('dry-run');
  });

  it('falls back to the org default', () => {
    expect(configuredMode(config, '555555555555', [])).toBe('notify');
  });
});
