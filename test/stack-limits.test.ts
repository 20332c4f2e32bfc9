import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSoclessApp, type SoclessApp } from '../app.ts';
import { TEMPLATE_BODY_LIMIT_BYTES } from '../spoke/synth-spoke-templates.ts';

/** CloudFormation refuses a stack that declares more resources than this (CloudFormation quotas). */
const STACK_RESOURCE_LIMIT = 500;
/** Room the hub must keep for what an organization adds on top of the shipped integrations and playbooks. */
const ROOM_FOR = { integrations: 25, playbooks: 10 } as const;

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };
type CfnTemplate = { Resources: Record<string, Resource> };

const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The resources whose construct path is under `prefix` (path metadata on, as `cdk synth` has it). */
function resourcesUnder(template: CfnTemplate, prefix: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => String(r.Metadata?.['aws:cdk:path'] ?? '').startsWith(prefix))
    .map(([id]) => id);
}

describe('stack limits', () => {
  let built: SoclessApp;
  let hub: CfnTemplate;
  let rollout: CfnTemplate;

  beforeAll(() => {
    // Synthesized once, bundling skipped: only resource counts and template sizes are read here.
    built = buildSoclessApp(
      new App({
        context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
      }),
    );
    const assembly = built.app.synth();
    hub = assembly.getStackByName(built.hub.stackName).template as CfnTemplate;
    rollout = assembly.getStackByName(built.rollout.stackName).template as CfnTemplate;
  });

  /** Resources one more integration Lambda adds: its own construct plus its DLQ alarm in monitoring. */
  function perIntegration(): number {
    const integration = built.hub.integrations.node.children[0];
    if (!integration) throw new Error('the hub has no integration to measure');
    const own = resourcesUnder(hub, `${integration.node.path}/`);
    const alarms = resourcesUnder(
      hub,
      `${built.hub.monitoring.node.path}/DlqNotEmpty${integration.node.scope?.node.id}${integration.node.id}Dlq/`,
    );
    return own.length + alarms.length;
  }

  /** Resources one more playbook adds: its state machine construct plus its failure alarm. */
  function perPlaybook(): number {
    const playbook = built.hub.playbooks[0];
    if (!playbook) throw new Error('the hub has no playbook to measure');
    const own = resourcesUnder(hub, `${playbook.node.path}/`);
    const alarms = resourcesUnder(hub, `${built.hub.monitoring.node.path}/ExecutionsFailed${playbook.node.id}/`);
    return own.length + alarms.length;
  }

  it('measures what one integration and one playbook cost in hub resources', () => {
    // Function, role, policy, log group, DLQ and its policy, DLQ alarm; the security group is shared.
    expect(perIntegration()).toBe(7);
    expect(perPlaybook()).toBeGreaterThanOrEqual(3);
    expect(perPlaybook()).toBeLessThanOrEqual(6);
  });

  it(`keeps the hub under ${STACK_RESOURCE_LIMIT} resources with room for ${ROOM_FOR.integrations} more integrations and ${ROOM_FOR.playbooks} more playbooks`, () => {
    const count = Object.keys(hub.Resources).length;
    const headroom = STACK_RESOURCE_LIMIT - count;
    const needed = ROOM_FOR.integrations * perIntegration() + ROOM_FOR.playbooks * perPlaybook();
    process.stdout.write(
      `hub: ${count} resources, headroom ${headroom} (${Math.floor(headroom / perIntegration())} integrations at ${perIntegration()} each, or ${Math.floor(headroom / perPlaybook())} playbooks at ${perPlaybook()} each)\n`,
    );
    expect(count).toBeLessThan(STACK_RESOURCE_LIMIT);
    expect(headroom).toBeGreaterThanOrEqual(needed);
  });

  it('shares one egress-only security group between every hub Lambda', () => {
    // Lambdas in the VPC: the hub's own (a CDK custom-resource provider runs outside it).
    const functions = Object.values(hub.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.VpcConfig !== undefined,
    );
    const groups = new Set(
      functions.flatMap((f) =>
        JSON.stringify((f.Properties?.VpcConfig as { SecurityGroupIds?: unknown[] } | undefined)?.SecurityGroupIds),
      ),
    );
    expect(functions.length).toBeGreaterThan(10);
    expect(groups.size).toBe(1);
    const securityGroups = Object.values(hub.Resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroup');
    for (const group of securityGroups) expect(group.Properties?.SecurityGroupIngress).toBeUndefined();
  });

  it(`keeps both StackSet TemplateBody strings under ${TEMPLATE_BODY_LIMIT_BYTES} bytes`, () => {
    const bodies = Object.values(rollout.Resources)
      .filter((r) => r.Type === 'AWS::CloudFormation::StackSet')
      .map((r) => ({
        name: String(r.Properties?.StackSetName),
        bytes: Buffer.byteLength(String(r.Properties?.TemplateBody), 'utf8'),
      }));
    expect(bodies.map((b) => b.name).sort()).toEqual(['socless-spoke-global', 'socless-spoke-regional']);
    process.stdout.write(
      `${bodies.map((b) => `${b.name}: ${b.bytes} bytes, headroom ${TEMPLATE_BODY_LIMIT_BYTES - b.bytes}`).join('; ')}\n`,
    );
    for (const body of bodies) expect(body.bytes).toBeLessThan(TEMPLATE_BODY_LIMIT_BYTES);
  });
});
