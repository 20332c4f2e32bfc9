import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EndpointFunction } from '../../hub/constructs/endpoint-function.ts';
import { HubKey } from '../../hub/constructs/hub-key.ts';
import { HubNetwork } from '../../hub/constructs/hub-network.ts';
import { HubTables } from '../../hub/constructs/hub-tables.ts';

// cdk.json's feature flags, read directly: this file synthesizes one construct, not the hub.
const cdkJson = JSON.parse(readFileSync(fileURLToPath(new URL('../../cdk.json', import.meta.url)), 'utf8')) as {
  context: Record<string, unknown>;
};
const FEATURE_FLAGS = Object.fromEntries(Object.entries(cdkJson.context).filter(([key]) => key.includes(':')));

const SENDERS = [
  { name: 'phish-inbox', sources: [], accounts: ['123456789012'], mayRemediate: false, severityMayReachAuto: false },
  { name: 'scanner', sources: [], accounts: ['210987654321'], mayRemediate: true, severityMayReachAuto: false },
];

let template: Template;
let endpoint: EndpointFunction;
let stack: Stack;
beforeAll(() => {
  const app = new App({ context: { ...FEATURE_FLAGS, 'aws:cdk:bundling-stacks': [] } });
  stack = new Stack(app, 'EndpointWebhooks', { env: { account: '111111111111', region: 'us-east-1' } });
  const key = new HubKey(stack, 'Key').key;
  const network = new HubNetwork(stack, 'Network', { natGateways: 1, key });
  endpoint = new EndpointFunction(stack, 'Endpoint', {
    key,
    network,
    tables: new HubTables(stack, 'Tables', { key }),
    vault: new Bucket(stack, 'Vault'),
    ingestQueue: new Queue(stack, 'Ingest'),
    playbooks: [],
    dedupWindowMinutes: 60,
    defaultMode: 'notify',
    webhooks: SENDERS,
    trustedAggregators: { guardduty: ['111111111111'], securityhub: [], 'access-analyzer': [], config: [] },
    autoMinSeverity: 'HIGH',
  });
  template = Template.fromStack(stack);
});

describe('EndpointFunction webhook senders', () => {
  it('creates one secret per sender, named socless/webhook/<name>, and no shared one', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const s of SENDERS) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `socless/webhook/${s.name}` });
    }
  });

  it('gives the endpoint the senders, their scopes and secret ARNs, the aggregators and the auto floor', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((r) =>
      JSON.stringify(r.Properties.Environment ?? {}).includes('SOCLESS_WEBHOOK_SENDERS'),
    );
    const vars = fn?.Properties.Environment.Variables as Record<string, unknown>;
    expect(vars.SOCLESS_AUTO_MIN_SEVERITY).toBe('HIGH');
    expect(JSON.parse(vars.SOCLESS_TRUSTED_AGGREGATORS as string).guardduty).toEqual(['111111111111']);
    const senders = JSON.stringify(stack.resolve(vars.SOCLESS_WEBHOOK_SENDERS));
    expect(senders).toContain('phish-inbox');
    expect(senders).toContain('secretArn');
    expect(vars.SOCLESS_SIGNING_SECRET_ARN).toBeUndefined();
  });

  it('lets the endpoint read exactly the senders secrets, and the sweeper none', () => {
    const secretIds = [...endpoint.webhookSecrets.values()].map((s) =>
      stack.getLogicalId(s.secret.node.defaultChild as never),
    );
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const reads = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
        .filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))
        .map((s) => ({ roles: p.Properties.Roles, resource: JSON.stringify(s.Resource) })),
    );
    const resources = reads.map((r) => r.resource).join(' ');
    for (const id of secretIds) expect(resources).toContain(id);
    // Nothing else: every GetSecretValue grant names only sender secrets.
    expect(resources.match(/"Ref":"[^"]+"/g)?.every((ref) => secretIds.some((id) => ref.includes(id)))).toBe(true);
    const handlerRole = stack.getLogicalId(endpoint.handler.role.node.defaultChild as never);
    expect(reads.every((r) => JSON.stringify(r.roles) === JSON.stringify([{ Ref: handlerRole }]))).toBe(true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SOCLESS_TRUSTED_AGGREGATORS: Match.anyValue() }) },
    });
  });
});
