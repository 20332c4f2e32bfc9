import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildSoclessApp } from '../../app.ts';
import { ConfigError } from '../../shared/errors.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const base = cdkJson.context.socless as Record<string, unknown>;
const HUB = base.hubAccountId as string;
const ADMIN = '222222222222';

function build(socless: Record<string, unknown>) {
  return buildSoclessApp(
    new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], socless: { ...base, ...socless } } }),
  );
}

/** The rule that forwards custom-action events, and the ActionTarget ids, of a template. */
function customActionsOf(template: Template) {
  const targets = Object.values(template.findResources('AWS::SecurityHub::ActionTarget')).map(
    (r) => r.Properties.Id as string,
  );
  const rules = Object.values(
    template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': ['Security Hub Findings - Custom Action'] } },
    }),
  );
  return { targets, rules };
}

describe('where SOCless creates its Security Hub custom actions (securityHub.customActions)', () => {
  it('creates none by default', () => {
    const built = build({});
    expect(customActionsOf(Template.fromStack(built.hub)).targets).toEqual([]);
    expect(built.securityHubActions).toEqual([]);
  });

  it('with where "hub": the hub stack creates the three actions and forwards their events from its default bus to the hub bus', () => {
    const built = build({
      securityHub: { customActions: { where: 'hub' } },
      trustedAggregators: { securityhub: [HUB] },
    });
    const template = Template.fromStack(built.hub);
    const { targets, rules } = customActionsOf(template);
    expect(targets.sort()).toEqual(['SoclessAcceptRisk', 'SoclessDryRun', 'SoclessRemediate']);
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventBusName).toBeUndefined(); // the default bus, where Security Hub sends them
    expect(rule.EventPattern.source).toEqual(['aws.securityhub']);
    // Matched by the actions' own ARNs: no other custom action's events are forwarded.
    expect(JSON.stringify(rule.EventPattern.resources)).toContain(`:${HUB}:action/custom/SoclessRemediate`);
    expect(rule.EventPattern.resources).toHaveLength(3);
    expect(JSON.stringify(rule.Targets[0].Arn)).toContain('Bus');
    expect(rule.Targets[0].DeadLetterConfig).toBeDefined();
    expect(built.securityHubActions).toEqual([]);
    const violations = new AwsSolutionsChecks().validateScope(built.hub).violations;
    expect(violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId)}`)).toEqual([]);
  });

  it('with where "delegated-admin": one stack per region in the administrator account, forwarding to the hub bus', () => {
    const built = build({
      securityHub: { customActions: { where: 'delegated-admin', account: ADMIN, regions: ['us-east-1', 'us-west-2'] } },
      trustedAggregators: { securityhub: [ADMIN] },
    });
    expect(customActionsOf(Template.fromStack(built.hub)).targets).toEqual([]);
    expect(built.securityHubActions.map((s) => [s.stackName, s.account, s.region])).toEqual([
      ['SoclessSecurityHubActions-us-east-1', ADMIN, 'us-east-1'],
      ['SoclessSecurityHubActions-us-west-2', ADMIN, 'us-west-2'],
    ]);
    for (const stack of built.securityHubActions) {
      const template = Template.fromStack(stack);
      const { targets, rules } = customActionsOf(template);
      expect(targets).toHaveLength(3);
      expect(rules).toHaveLength(1);
      const rule = rules[0]!.Properties;
      expect(rule.EventPattern.resources).toEqual(
        ['SoclessRemediate', 'SoclessDryRun', 'SoclessAcceptRisk'].map(
          (id) => `arn:aws:securityhub:${stack.region}:${ADMIN}:action/custom/${id}`,
        ),
      );
      expect(rule.Targets[0].Arn).toBe(`arn:aws:events:us-east-1:${HUB}:event-bus/SoclessBus`);
      // The forwarding role may put events on the hub bus and nothing else.
      template.hasResourceProperties('AWS::IAM::Role', {
        Policies: [
          {
            PolicyDocument: {
              Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: rule.Targets[0].Arn }],
            },
          },
        ],
      });
      const violations = new AwsSolutionsChecks().validateScope(stack).violations;
      expect(violations.map((v) => v.ruleName)).toEqual([]);
    }
  });

  it('refuses a configuration that cannot work, naming the key', () => {
    expect(() => build({ securityHub: { customActions: { where: 'delegated-admin' } } })).toThrow(ConfigError);
    expect(() =>
      build({ securityHub: { customActions: { where: 'delegated-admin' } }, trustedAggregators: { securityhub: [] } }),
    ).toThrow(/securityHub\.customActions\.account: must name the Security Hub delegated administrator/);
    expect(() => build({ securityHub: { customActions: { where: 'hub' } } })).toThrow(
      new RegExp(`trustedAggregators\\.securityhub: must list ${HUB}`),
    );
    expect(() =>
      build({
        securityHub: { customActions: { where: 'hub', regions: ['eu-west-1'] } },
        trustedAggregators: { securityhub: [HUB] },
      }),
    ).toThrow(/securityHub\.customActions\.regions: the hub stack is in the home region us-east-1 only/);
    expect(() => build({ securityHub: { customActions: { where: 'somewhere' } } })).toThrow(
      /securityHub\.customActions\.where/,
    );
  });
});
