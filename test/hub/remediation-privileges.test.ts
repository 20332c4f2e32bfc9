/**
 * The hub with the real integrations and playbooks: who may touch the remediation records, the results table
 * and the kill switch, the kill-switch alarm, and the workflow type of the playbooks that change accounts.
 */
import { readFileSync } from 'node:fs';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SoclessFunction } from '../../hub/constructs/socless-function.ts';
import { INTEGRATION_CATALOG, integrationDeployments } from '../../hub/integrations/index.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';
import {
  DEFAULT_KILL_SWITCH_PARAMETER,
  KILL_SWITCH_METRIC_NAMESPACE,
  KILL_SWITCH_PARAMETER_ENV,
  KILL_SWITCH_UNREADABLE_METRIC,
} from '../../shared/remediation/guard.ts';
import { TABLES } from '../../shared/tables.ts';
import { type SynthesizedHub, synthHub } from './synth-hub.ts';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON
type CfnJson = Record<string, any>;
interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

let hub: SynthesizedHub;
let template: Template;
let resources: Record<string, { Type: string; Properties: CfnJson }>;

const compiled = compileAllPlaybooks(undefined, { integrations: INTEGRATION_CATALOG });

beforeAll(() => {
  hub = synthHub({}, { integrations: integrationDeployments(), playbooks: compiled.playbooks });
  template = hub.template;
  resources = template.toJSON().Resources;
});

function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/** Every statement of every policy attached to the function's role. */
function statementsOf(fn: SoclessFunction): Statement[] {
  const role = logicalId(fn.role);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: CfnJson) => x.Ref === role))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
/** Whether a statement's resources reference the table (its ARN or one of its index ARNs). */
const onTable = (s: Statement, tableLogicalId: string) => JSON.stringify(s.Resource).includes(`"${tableLogicalId}"`);
const functions = () => hub.stack.node.findAll().filter((c): c is SoclessFunction => c instanceof SoclessFunction);

describe('hub least privilege on remediation records and results', () => {
  it('compiles the shipped playbooks', () => {
    expect(compiled.problems).toEqual([]);
  });

  it('lets only the remediate integration write the remediations table, with no delete', () => {
    const table = logicalId(hub.stack.tables.tables.remediations);
    const remediate = hub.stack.integrations.byId.get('remediate')!;
    const ledgerReaders = [hub.stack.endpoint.handler, hub.stack.endpoint.sweeper];
    for (const fn of functions()) {
      const touching = statementsOf(fn).filter((s) => onTable(s, table));
      const env = resources[logicalId(fn.function)]!.Properties.Environment.Variables;
      if (ledgerReaders.includes(fn)) {
        // The endpoint and the sweeper read session ledger items only: GetItem on `session#` keys, no index.
        expect(touching, fn.node.path).toEqual([
          expect.objectContaining({
            Action: 'dynamodb:GetItem',
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['session#*'] } },
            Resource: { 'Fn::GetAtt': [table, 'Arn'] },
          }),
        ]);
        expect(env[TABLES.remediations.envVar]).toEqual({ Ref: table });
      } else if (fn === remediate) {
        expect(touching.flatMap(actions).sort()).toEqual([
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ]);
        expect(env[TABLES.remediations.envVar]).toEqual({ Ref: table });
      } else {
        expect(touching, fn.node.path).toEqual([]);
        expect(env[TABLES.remediations.envVar], fn.node.path).toBeUndefined();
      }
    }
  });

  it('gives every integration put/update (and get/query) on the results table, and none delete or batch write', () => {
    const table = logicalId(hub.stack.tables.tables.results);
    expect(hub.stack.integrations.byId.size).toBeGreaterThan(10);
    for (const [id, fn] of hub.stack.integrations.byId) {
      const granted = new Set(
        statementsOf(fn)
          .filter((s) => onTable(s, table))
          .flatMap(actions),
      );
      expect([...granted].sort(), id).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
    }
    for (const fn of functions()) {
      const results = statementsOf(fn)
        .filter((s) => onTable(s, table))
        .flatMap(actions);
      for (const forbidden of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:*']) {
        expect(results, fn.node.path).not.toContain(forbidden);
      }
    }
  });
});

describe('remediation kill switch in the hub', () => {
  it('is created as a String parameter with the value off', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: DEFAULT_KILL_SWITCH_PARAMETER,
      Type: 'String',
      Value: 'off',
    });
  });

  it('is readable by the remediate integration on exactly its ARN in the hub account and region, by nothing else', () => {
    const arn = `arn:aws:ssm:${hub.config.homeRegion}:${hub.config.hubAccountId}:parameter${DEFAULT_KILL_SWITCH_PARAMETER}`;
    const remediate = hub.stack.integrations.byId.get('remediate')!;
    const ssm = (fn: SoclessFunction) => statementsOf(fn).filter((s) => actions(s).some((a) => a.startsWith('ssm:')));
    expect(ssm(remediate)).toEqual([{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arn }]);
    expect(resources[logicalId(remediate.function)]!.Properties.Environment.Variables[KILL_SWITCH_PARAMETER_ENV]).toBe(
      DEFAULT_KILL_SWITCH_PARAMETER,
    );
    for (const fn of functions()) if (fn !== remediate) expect(ssm(fn), fn.node.path).toEqual([]);
  });

  it('alarms when a remediate Lambda cannot read it', () => {
    const alarm = Object.values(resources).find(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === KILL_SWITCH_UNREADABLE_METRIC,
    );
    expect(alarm?.Properties).toMatchObject({
      Namespace: KILL_SWITCH_METRIC_NAMESPACE,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(hub.stack.monitoring.alarmTopic) }],
    });
  });
});

describe('hub remediation role trust', () => {
  it('is trusted by remediate and the read-only SOCless AWSRequest Lambda only (no kill switch for the reader)', () => {
    const trusted = (
      hub.stack.remediationRole.role.node.defaultChild as CfnElement & { assumeRolePolicyDocument: unknown }
    ).assumeRolePolicyDocument;
    const names = JSON.stringify(Stack.of(hub.stack).resolve(trusted));
    const assumers = functions().filter((fn) => names.includes(`"${logicalId(fn.role)}"`));
    expect(assumers.map((fn) => fn.node.id).sort()).toEqual(
      ['remediate', 'socless_aws_request'].map((id) => hub.stack.integrations.byId.get(id)!.node.id).sort(),
    );
    const reader = hub.stack.integrations.byId.get('socless_aws_request')!;
    expect(resources[logicalId(reader.function)]!.Properties.Environment.Variables[KILL_SWITCH_PARAMETER_ENV]).toBe(
      undefined,
    );

    // The reader is admitted only with the read-only source identity (which spoke roles allow reads only), and
    // never through the statement the remediate integration uses.
    const statements = (Stack.of(hub.stack).resolve(trusted) as { Statement: Record<string, unknown>[] }).Statement;
    const mentions = (s: Record<string, unknown>, fn: SoclessFunction) =>
      JSON.stringify(s).includes(`"${logicalId(fn.role)}"`);
    const remediate = hub.stack.integrations.byId.get('remediate')!;
    const ofReader = statements.filter((s) => mentions(s, reader));
    expect(ofReader).toHaveLength(1);
    expect(ofReader[0]).toMatchObject({
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
      Condition: { StringEquals: { 'sts:SourceIdentity': 'socless-read' } },
    });
    expect(mentions(ofReader[0]!, remediate)).toBe(false);
  });
});

describe('playbooks that change accounts', () => {
  it.each(['remediate-finding'])('run %s as a Standard workflow, by its own choice', (name) => {
    const source = JSON.parse(readFileSync(new URL(`../../playbooks/${name}/playbook.json`, import.meta.url), 'utf8'));
    expect(source.Workflow).toBe('standard');
    expect(compiled.playbooks.find((p) => p.name === name)?.workflow).toBe('standard');
    const machine = hub.stack.playbooks.find((p) => p.playbook.name === name)!;
    expect(resources[logicalId(machine.stateMachine)]!.Properties.StateMachineType).toBe('STANDARD');
  });
});
