import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSoclessApp, type SoclessApp } from '../app.ts';
import { remediationApiNames } from '../hub/remediations/index.ts';
import { ConfigError } from '../shared/errors.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

function appWith(context: Record<string, unknown> = {}): App {
  // Bundling is skipped: these tests read templates, not Lambda bundles.
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
}

describe('the CDK app (app.ts)', () => {
  let built: SoclessApp;
  beforeAll(() => {
    built = buildSoclessApp(appWith());
  });

  it('declares the hub, the two spoke stacks and the org rollout, with the real integrations and playbooks', () => {
    expect(built.app.node.children.map((c) => c.node.id)).toEqual([
      'SoclessHub',
      'SoclessSpokeGlobal',
      'SoclessSpokeRegional',
      'SoclessOrgRollout',
      'SoclessOrgEvents',
    ]);
    expect(built.hub.playbooks.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged on any stack', () => {
    for (const stack of [built.hub, built.spokeGlobal, built.spokeRegional, built.rollout, built.orgEvents]) {
      const violations = new AwsSolutionsChecks().validateScope(stack).violations;
      expect(
        violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`),
        stack.stackName,
      ).toEqual([]);
    }
  });

  it('synthesizes without look-ups or credentials', () => {
    const assembly = built.app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      'SoclessHub',
      'SoclessOrgEvents',
      'SoclessOrgRollout',
      'SoclessSpokeGlobal',
      'SoclessSpokeRegional',
    ]);
  });

  it('adds SoclessSecurityHubActions-<region> for a Security Hub delegated administrator, and only then', () => {
    expect(built.securityHubActions).toEqual([]);
    const socless = {
      ...(cdkJson.context.socless as Record<string, unknown>),
      securityHub: { customActions: { where: 'delegated-admin', account: '222222222222' } },
      trustedAggregators: { securityhub: ['222222222222'] },
    };
    const withAdmin = buildSoclessApp(appWith({ socless }));
    expect(withAdmin.app.node.children.map((c) => c.node.id)).toContain('SoclessSecurityHubActions-us-east-1');
    expect(withAdmin.securityHubActions.map((s) => s.account)).toEqual(['222222222222']);
  });

  it('stops with the key and the reason when the configuration is wrong', () => {
    const socless = { ...(cdkJson.context.socless as Record<string, unknown>), natGateways: 0 };
    expect(() => buildSoclessApp(appWith({ socless }))).toThrow(ConfigError);
    expect(() => buildSoclessApp(appWith({ socless }))).toThrow(
      /cdk\.json context "socless": \$\.natGateways: must be at least 1/,
    );
  });
});

describe('spoke forwarding and the remediation registry', () => {
  it('forwards every CloudTrail call a remediation answers, beside the configured risky API names', () => {
    const built = buildSoclessApp(appWith());
    const rules = Object.values(
      Template.fromStack(built.spokeRegional).findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'] } },
      }),
    );
    const names = JSON.stringify(rules.map((r) => r.Properties.EventPattern));
    for (const api of [...remediationApiNames(), 'StopLogging', 'DeleteTrail']) expect(names).toContain(`"${api}"`);
  });
});
