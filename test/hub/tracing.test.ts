import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.ts';
import { SAMPLE_CONFIG_INPUT, type SynthesizedHub, synthHub } from './synth-hub.ts';

// config.tracing decides X-Ray for every Lambda, state machine and the API stage of the hub, in both directions.
type Resources = Record<string, { Properties: Record<string, unknown> }>;

function tracingOf(template: Template) {
  const lambdas = Object.values(template.findResources('AWS::Lambda::Function') as Resources).map(
    (r) => r.Properties.TracingConfig,
  );
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine') as Resources).map(
    (r) => r.Properties.TracingConfiguration,
  );
  const stages = Object.values(template.findResources('AWS::ApiGateway::Stage') as Resources).map(
    (r) => r.Properties.TracingEnabled,
  );
  return { lambdas, machines, stages };
}

describe('config.tracing', () => {
  let off: SynthesizedHub;
  let active: SynthesizedHub;
  beforeAll(() => {
    off = synthHub({ tracing: undefined });
    active = synthHub({ tracing: 'active' });
  }, 240_000);

  it("defaults to 'off' and rejects any other value, naming the field", () => {
    expect(parseConfig({ ...SAMPLE_CONFIG_INPUT, tracing: undefined }, 'cdk.json').tracing).toBe('off');
    expect(() => parseConfig({ ...SAMPLE_CONFIG_INPUT, tracing: 'sampled' as 'off' }, 'cdk.json')).toThrow(/tracing/);
  });

  it('off: no Lambda, state machine or API stage traces', () => {
    const t = tracingOf(off.template);
    expect(t.lambdas.length).toBeGreaterThan(3);
    expect(t.machines.length).toBe(2);
    expect(t.stages.length).toBe(1);
    expect(t.lambdas.filter((c) => c !== undefined)).toEqual([]);
    expect(t.machines).toEqual([{ Enabled: false }, { Enabled: false }]);
    expect(t.stages).toEqual([false]);
  });

  it('active: every hub function, every state machine and the API stage trace', () => {
    const t = tracingOf(active.template);
    // The CDK's own custom-resource handlers (log retention, bucket notifications) are not SOCless functions.
    const socless = Object.entries(active.template.findResources('AWS::Lambda::Function') as Resources)
      .filter(([, r]) => r.Properties.Architectures !== undefined)
      .map(([, r]) => r.Properties.TracingConfig);
    expect(socless.length).toBeGreaterThan(3);
    expect(socless.every((c) => JSON.stringify(c) === JSON.stringify({ Mode: 'Active' }))).toBe(true);
    expect(t.machines).toEqual([{ Enabled: true }, { Enabled: true }]);
    expect(t.stages).toEqual([true]);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged either way', () => {
    for (const hub of [off, active]) {
      const report = new AwsSolutionsChecks().validateScope(hub.stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
        [],
      );
    }
  });
});
