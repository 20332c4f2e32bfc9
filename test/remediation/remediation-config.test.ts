/**
 * What config decides about individual remediations: never-automatic entries config names as automatic (globally,
 * per OU, per account), ec2-instance-isolate's Auto Scaling setting and the IAM.7 password baseline. Validated
 * against the registry, carried to the remediate Lambda in one environment variable (checked in the synthesized
 * template) and to the local hub the same way, and read back there.
 */
import { CreateSecurityGroupCommand, ModifyNetworkInterfaceAttributeCommand } from '@aws-sdk/client-ec2';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { integrationDeployments } from '../../hub/integrations/index.ts';
import { remediationEnvironment } from '../../hub/integrations/remediate/integration.ts';
import { REMEDIATIONS, remediationById, remediationRegistry } from '../../hub/remediations/index.ts';
import { parseConfig, type SoclessConfigInput } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { StaticKillSwitch } from '../../shared/remediation/guard.ts';
import {
  CIS_PASSWORD_BASELINE,
  DEFAULT_REMEDIATION_SETTINGS,
  REMEDIATION_IDS,
  REMEDIATION_SETTINGS_ENV,
  remediationSettingsFromEnv,
} from '../../shared/remediation/settings.ts';
import type { PlanContext } from '../../shared/remediation/types.ts';
import { SAMPLE_CONFIG_INPUT, synthHub } from '../hub/synth-hub.ts';
import { ACCOUNT, NOW, REGION, RecordingSessionFactory } from './helpers.ts';
import { instanceFake, isolateEvent, scaledIsolateEvent } from './stateful-cases-containment.ts';
import { ALL_MOCKS, ec2, useRemediateHarness } from './stateful-fakes.ts';

const SAMPLE_REMEDIATION = SAMPLE_CONFIG_INPUT.remediation ?? {};
const SANDBOX = 'ou-ab12-sandbox1';
const withRemediation = (remediation: Record<string, unknown>) =>
  parseConfig({ ...SAMPLE_CONFIG_INPUT, remediation: { ...SAMPLE_REMEDIATION, ...remediation } }, 'prod.json');
const envOf = (remediation: Record<string, unknown>) =>
  remediationEnvironment(withRemediation(remediation).remediation);
const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('remediation config: validation', () => {
  it('names every registry id (shared code cannot import the registry, so the list is kept equal here)', () => {
    expect([...REMEDIATION_IDS].sort()).toEqual(REMEDIATIONS.map((r) => r.id).sort());
  });

  it('defaults to nothing automatic, Auto Scaling instances refused and the CIS password baseline', () => {
    const { remediation } = parseConfig({ ...SAMPLE_CONFIG_INPUT, remediation: {} }, 'cdk.json');
    expect(remediation).toMatchObject({
      autoAllowed: [],
      autoAllowedByOu: {},
      autoAllowedByAccount: {},
      isolateAutoScalingInstances: false,
      passwordPolicyBaseline: CIS_PASSWORD_BASELINE,
    });
  });

  it('refuses an unknown remediation id, naming the field, the file and the known ids', () => {
    const problems = problemsOf(() => withRemediation({ autoAllowed: ['ec2-instance-isolate', 'ec2-isolate'] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'prod.json', path: '$.remediation.autoAllowed[1]' });
    expect(problems[0]?.reason).toContain('"ec2-isolate", not a remediation id');
    expect(problems[0]?.reason).toContain('ec2-instance-isolate');
    const byOu = problemsOf(() => withRemediation({ autoAllowedByOu: { [SANDBOX]: ['isolate'] } }));
    expect(byOu[0]?.path).toBe(`$.remediation.autoAllowedByOu["${SANDBOX}"][0]`);
    const byAccount = problemsOf(() =>
      withRemediation({ autoAllowedByAccount: { '12345': ['ec2-instance-isolate'] } }),
    );
    expect(byAccount[0]?.path).toBe('$.remediation.autoAllowedByAccount["12345"]');
  });

  it('refuses a password baseline outside what IAM accepts, or with unknown keys', () => {
    const weak = problemsOf(() =>
      withRemediation({ passwordPolicyBaseline: { ...CIS_PASSWORD_BASELINE, MinimumPasswordLength: 5 } }),
    );
    expect(weak[0]?.path).toBe('$.remediation.passwordPolicyBaseline.MinimumPasswordLength');
    const extra = problemsOf(() =>
      withRemediation({ passwordPolicyBaseline: { ...CIS_PASSWORD_BASELINE, RequireEmoji: true } }),
    );
    expect(extra[0]?.path).toBe('$.remediation.passwordPolicyBaseline');
    expect(problemsOf(() => withRemediation({ isolateAutoScalingInstances: 'yes' }))[0]?.path).toBe(
      '$.remediation.isolateAutoScalingInstances',
    );
  });

  it('reads the settings back from the Lambda environment, and refuses an invalid value naming the variable', () => {
    const env = envOf({
      autoAllowedByOu: { [SANDBOX]: ['ec2-instance-isolate'] },
      isolateAutoScalingInstances: true,
      passwordPolicyBaseline: { ...CIS_PASSWORD_BASELINE, MinimumPasswordLength: 20 },
    });
    const settings = remediationSettingsFromEnv(env);
    expect(settings.autoAllowedByOu).toEqual({ [SANDBOX]: ['ec2-instance-isolate'] });
    expect(settings.isolateAutoScalingInstances).toBe(true);
    expect(settings.passwordPolicyBaseline.MinimumPasswordLength).toBe(20);
    expect(remediationSettingsFromEnv({})).toEqual(DEFAULT_REMEDIATION_SETTINGS);
    expect(() => remediationSettingsFromEnv({ [REMEDIATION_SETTINGS_ENV]: '{' })).toThrow(REMEDIATION_SETTINGS_ENV);
    expect(() =>
      remediationSettingsFromEnv({ [REMEDIATION_SETTINGS_ENV]: JSON.stringify({ autoAllowed: ['nope'] }) }),
    ).toThrow(/autoAllowed\.0 is "nope", not a remediation id/);
  });

  it('refuses settings too long for the Lambda environment at synth, naming the keys', () => {
    const accounts = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [String(100000000000 + i), ['ec2-instance-isolate']]),
    );
    expect(() => envOf({ autoAllowedByAccount: accounts })).toThrow(/autoAllowedByAccount.*per OU/);
  });
});

describe('remediation config: the registry follows the settings', () => {
  it('isolates Auto Scaling instances only when config allows it', () => {
    const isolate = (s: typeof DEFAULT_REMEDIATION_SETTINGS) =>
      remediationById('ec2-instance-isolate', remediationRegistry(s));
    expect(() => isolate(DEFAULT_REMEDIATION_SETTINGS).target(scaledIsolateEvent)).toThrow(/not allowed by config/);
    const allowed = remediationSettingsFromEnv(envOf({ isolateAutoScalingInstances: true }));
    expect(isolate(allowed).target(scaledIsolateEvent)).toMatchObject({ instanceId: 'i-0123456789abcdef0' });
    expect(remediationRegistry(allowed).map((r) => r.id)).toEqual(REMEDIATIONS.map((r) => r.id));
  });

  it('raises the password policy to the configured baseline', () => {
    const baseline = { ...CIS_PASSWORD_BASELINE, MinimumPasswordLength: 20, MaxPasswordAge: 90 };
    const settings = remediationSettingsFromEnv(envOf({ passwordPolicyBaseline: baseline }));
    const password = remediationById('iam-password-policy', remediationRegistry(settings));
    const ctx: PlanContext<object> = { target: {}, account: ACCOUNT, region: REGION, partition: 'aws', now: NOW };
    expect(password.plan({ policy: null }, ctx)).toEqual([
      { service: 'iam', action: 'UpdateAccountPasswordPolicy', input: baseline },
    ]);
    const cis = remediationById('iam-password-policy', remediationRegistry(DEFAULT_REMEDIATION_SETTINGS));
    expect(cis.plan({ policy: null }, ctx)[0]?.input).toEqual(CIS_PASSWORD_BASELINE);
  });
});

describe('remediation config: never-automatic entries config names', () => {
  const h = useRemediateHarness();

  async function isolate(options: {
    env?: Record<string, string>;
    ouPath?: string[];
    mode?: string;
    severity?: 'HIGH' | 'MEDIUM';
    killSwitch?: boolean;
  }) {
    instanceFake('faithful');
    const event =
      options.severity === 'MEDIUM' ? { ...isolateEvent, severity: { label: 'MEDIUM', score: 40 } } : isolateEvent;
    const { remediation } = await h.invoke({
      mode: options.mode ?? 'auto',
      event: event as typeof isolateEvent,
      ...(options.env ? { env: options.env } : {}),
      ...(options.ouPath ? { ouPath: options.ouPath } : {}),
      runtime: {
        sessions: new RecordingSessionFactory(),
        records: h.records,
        ...(options.killSwitch ? { killSwitch: new StaticKillSwitch(true) } : {}),
      },
    });
    return { remediation, swaps: ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand).length };
  }

  it('holds ec2-instance-isolate in an auto account when config does not name it (as before)', async () => {
    for (const env of [undefined, envOf({}), envOf({ autoAllowed: ['iam-role-revoke-sessions'] })]) {
      const { remediation, swaps } = await isolate(env ? { env } : {});
      expect(remediation).toMatchObject({ effectiveAction: 'planned', held: { reason: 'never-auto' } });
      expect(swaps).toBe(0);
      expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
    }
  });

  it('applies and verifies it automatically where config names it: globally, for the OU, for the account', async () => {
    const named = [
      { env: envOf({ autoAllowed: ['ec2-instance-isolate'] }) },
      { env: envOf({ autoAllowedByOu: { [SANDBOX]: ['ec2-instance-isolate'] } }), ouPath: ['r-ab12', SANDBOX] },
      { env: envOf({ autoAllowedByAccount: { [ACCOUNT]: ['ec2-instance-isolate'] } }) },
    ];
    for (const options of named) {
      const { remediation, swaps } = await isolate(options);
      expect(remediation).toMatchObject({ effectiveAction: 'applied', verified: true });
      expect(remediation.held).toBeUndefined();
      expect(swaps).toBe(2);
      for (const m of ALL_MOCKS) m.reset();
    }
  });

  it('does not carry a name to other OUs or accounts', async () => {
    const otherOu = await isolate({
      env: envOf({ autoAllowedByOu: { [SANDBOX]: ['ec2-instance-isolate'] } }),
      ouPath: ['r-ab12', 'ou-ab12-prod0001'],
    });
    expect(otherOu.remediation.held?.reason).toBe('never-auto');
    const otherAccount = await isolate({
      env: envOf({ autoAllowedByAccount: { '333333333333': ['ec2-instance-isolate'] } }),
    });
    expect(otherAccount.remediation.held?.reason).toBe('never-auto');
    expect(otherOu.swaps + otherAccount.swaps).toBe(0);
  });

  it('keeps the severity floor, the kill switch and the account mode for a named entry', async () => {
    const env = envOf({ autoAllowed: ['ec2-instance-isolate'] });
    const low = await isolate({ env, severity: 'MEDIUM' });
    expect(low.remediation).toMatchObject({ effectiveAction: 'planned', held: { reason: 'below-auto-severity' } });
    const killed = await isolate({ env, killSwitch: true });
    expect(killed.remediation).toMatchObject({ effectiveAction: 'guarded', held: { reason: 'kill-switch' } });
    const notify = await isolate({ env, mode: 'notify' });
    expect(notify.remediation.effectiveAction).toBe('notified');
    expect(low.swaps + killed.swaps + notify.swaps).toBe(0);
  });
});

describe('remediation config in the synthesized hub', () => {
  it("puts the settings in the remediate Lambda's environment, where the Lambda reads them back", () => {
    const overrides: Partial<SoclessConfigInput> = {
      remediation: {
        ...SAMPLE_REMEDIATION,
        autoAllowedByOu: { [SANDBOX]: ['ec2-instance-isolate'] },
        isolateAutoScalingInstances: true,
        passwordPolicyBaseline: { ...CIS_PASSWORD_BASELINE, MinimumPasswordLength: 16 },
      },
    };
    const hub = synthHub(overrides, { integrations: integrationDeployments(), playbooks: [] });
    const remediate = hub.stack.integrations.byId.get('remediate');
    if (!remediate) throw new Error('no remediate function');
    const id = Stack.of(remediate.function).getLogicalId(remediate.function.node.defaultChild as CfnElement);
    const env = hub.template.toJSON().Resources[id].Properties.Environment.Variables as Record<string, string>;
    const settings = remediationSettingsFromEnv(env);
    expect(settings).toMatchObject({
      autoAllowed: [],
      autoAllowedByOu: { [SANDBOX]: ['ec2-instance-isolate'] },
      isolateAutoScalingInstances: true,
      passwordPolicyBaseline: { MinimumPasswordLength: 16 },
    });
    expect(env.SOCLESS_REMEDIATION_AUTO_MIN_SEVERITY).toBe('HIGH');
  });
});
