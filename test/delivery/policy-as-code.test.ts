import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { buildSoclessApp } from '../../app.ts';
import {
  GUARD_CONTEXT_KEY,
  GUARD_DISABLED_RULES,
  GUARD_TRACING_RULES,
  guardEnabled,
  guardValidator,
} from '../../hub/delivery/policy-as-code.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const require = createRequire(import.meta.url);
const RULES_DIR = join(
  dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules/control-tower/cfn-guard',
);

describe('policy as code (AWS Control Tower proactive controls, cfn-guard)', () => {
  it('fails synth for a template that breaks a control (an SQS queue without a dead-letter queue)', () => {
    const app = new App();
    new Queue(new Stack(app, 'Bad'), 'NoDlq');
    Validations.of(app).addPlugins(guardValidator());
    expect(() => app.synth()).toThrow(/sqs_dlq_check|CT\.SQS\.PR\.1/);
  });

  it('disables only rules that exist, each with its control and a reason', () => {
    for (const [rule, { control, reason }] of Object.entries({ ...GUARD_DISABLED_RULES, ...GUARD_TRACING_RULES })) {
      const service = rule.split('-')[1] as string;
      const folder = service === 'kms' ? 'keymanagementservice' : service;
      expect(existsSync(join(RULES_DIR, folder, `${rule}.guard`)), rule).toBe(true);
      expect(control).toMatch(/^CT\.[A-Z0-9]+\.PR\.\d+ /);
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  it('passes every enabled control over the hub, both spokes, the rollout, the org events and the pipeline', async () => {
    const app = new App({
      context: {
        ...cdkJson.context,
        'aws:cdk:bundling-stacks': [],
        [GUARD_CONTEXT_KEY]: false,
        soclessPipeline: {
          source: { type: 's3', bucket: 'acme-socless-source', key: 'socless-org.zip' },
          notificationTopicArn: 'arn:aws:sns:us-east-1:111111111111:SoclessHub-AlarmTopic',
          rolloutRoleArn: 'arn:aws:iam::999999999999:role/SoclessOrgRolloutDeployer',
        },
      },
    });
    const built = buildSoclessApp(app);
    const assembly = built.app.synth();
    const templatePaths = assembly.stacks.map((s) => join(assembly.directory, s.templateFile));
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      'SoclessHub',
      'SoclessOrgEvents',
      'SoclessOrgRollout',
      'SoclessPipeline',
      'SoclessSpokeGlobal',
      'SoclessSpokeRegional',
    ]);
    const started = performance.now();
    const report = guardValidator({ tracing: built.config.tracing }).validate({ templatePaths } as never);
    process.stdout.write(
      `cfn-guard over ${templatePaths.length} templates: ${Math.round(performance.now() - started)} ms\n`,
    );
    expect(
      report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`),
    ).toEqual([]);
    expect(report.success).toBe(true);
  }, 240_000);
});

describe('the X-Ray controls follow the tracing setting', () => {
  it('are checked, and pass, over the hub synthesized with tracing active', () => {
    const app = new App({
      context: {
        ...cdkJson.context,
        socless: { ...(cdkJson.context.socless as Record<string, unknown>), tracing: 'active' },
        'aws:cdk:bundling-stacks': [],
        [GUARD_CONTEXT_KEY]: false,
      },
    });
    const built = buildSoclessApp(app);
    const assembly = built.app.synth();
    const hub = assembly.getStackByName('SoclessHub');
    const report = guardValidator({ tracing: 'active' }).validate({
      templatePaths: [join(assembly.directory, hub.templateFile)],
    } as never);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    // With tracing off the same rules would fail this template's state machines and stage; they are disabled then.
    const offApp = new App({
      context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], [GUARD_CONTEXT_KEY]: false },
    });
    const off = buildSoclessApp(offApp).app.synth();
    const offHub = join(off.directory, off.getStackByName('SoclessHub').templateFile);
    const strict = guardValidator({ tracing: 'active' }).validate({ templatePaths: [offHub] } as never);
    expect(strict.violations.map((v) => v.ruleName).sort()).toEqual(
      expect.arrayContaining(['api_gw_xray_enabled_check', 'step_functions_state_machine_tracing_enabled_check']),
    );
  }, 240_000);
});

describe('guardEnabled', () => {
  it('runs the guard in real synths and skips it when told to or when bundling is skipped', () => {
    expect(guardEnabled(new App())).toBe(true);
    expect(guardEnabled(new App({ context: { [GUARD_CONTEXT_KEY]: false } }))).toBe(false);
    expect(guardEnabled(new App({ context: { [GUARD_CONTEXT_KEY]: 'false' } }))).toBe(false);
    expect(guardEnabled(new App({ context: { 'aws:cdk:bundling-stacks': [] } }))).toBe(false);
    expect(guardEnabled(new App({ context: { 'aws:cdk:bundling-stacks': ['**'] } }))).toBe(true);
  });
});
