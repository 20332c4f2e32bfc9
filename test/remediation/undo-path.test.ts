/**
 * Who can reach which direction: the hub roles (only operators reach the undo roles, the hub remediation role
 * cannot), the runner's sessions (reads through read sessions, applies through fix sessions, never a fix
 * session in dry-run), and the CLI's confirmation before an undo.
 */
import { PassThrough } from 'node:stream';
import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubRemediationRole } from '../../hub/constructs/hub-remediation-role.ts';
import { HubUndoRole } from '../../hub/constructs/hub-undo-role.ts';
import { cloudTrailLogging } from '../../hub/remediations/cloudtrail-logging.ts';
import { s3BucketPublicAccessBlock } from '../../hub/remediations/s3-bucket-public-access-block.ts';
import { confirmUndo, undoPreview } from '../../scripts/commands/remediation.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { BlastRadiusGuard, StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { callRunner, runRemediation } from '../../shared/remediation/runner.ts';
import { RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { ACCOUNT, finding, NOW, REGION, RecordingSessionFactory } from './helpers.ts';

const HUB = '111111111111';
const OPERATORS = [
  `arn:aws:iam::${HUB}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_SecOps_0123456789abcdef`,
  `arn:aws:iam::${HUB}:role/socless-operator`,
];

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Principal?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

/** A synthesized value with the partition and account pseudo parameters resolved (as in the hub account). */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::AccountId') return HUB;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(sep);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
}

/** Whether an IAM resource pattern (wildcards `*`) matches an ARN. */
const matches = (pattern: string, arn: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  ).test(arn);

describe('hub roles', () => {
  let template: Template;
  let stack: Stack;
  beforeAll(() => {
    stack = new Stack(new App(), 'Hub', { env: { account: HUB, region: 'eu-west-1' } });
    const lambdaRole = new Role(stack, 'RemediateFunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    new HubRemediationRole(stack, 'RemediationRole', {
      organizationId: 'o-a1b2c3d4e5',
      assumers: [lambdaRole],
      operatorRoleArns: OPERATORS,
    });
    new HubUndoRole(stack, 'UndoRole', { organizationId: 'o-a1b2c3d4e5', operatorRoleArns: OPERATORS });
    template = Template.fromJSON(resolve(Template.fromStack(stack).toJSON()) as Record<string, unknown>);
  });
  const role = (name: string) => {
    const found = Object.entries(
      template.findResources('AWS::IAM::Role', { Properties: { RoleName: name } }) as Record<
        string,
        { Properties: { AssumeRolePolicyDocument: { Statement: Statement[] } } }
      >,
    );
    expect(found).toHaveLength(1);
    return { id: (found[0] as [string, unknown])[0], ...(found[0] as [string, { Properties: never }])[1] };
  };
  const policyStatementsOf = (roleId: string) =>
    Object.values(
      template.findResources('AWS::IAM::Policy') as Record<
        string,
        { Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } }
      >,
    )
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);

  it('lets only the configured operator roles assume SoclessHubUndoRole', () => {
    const undo = role('SoclessHubUndoRole');
    const trust = (undo.Properties as { AssumeRolePolicyDocument: { Statement: Statement[] } }).AssumeRolePolicyDocument
      .Statement;
    expect(trust.length).toBeGreaterThan(0);
    for (const s of trust) {
      // The account root is only the carrier: every statement is held to the operator role ARNs.
      expect(s.Principal).toEqual({ AWS: `arn:aws:iam::${HUB}:root` });
      expect(s.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': OPERATORS } });
    }
    expect(trust.flatMap((s) => list(s.Action))).toContain('sts:AssumeRole');
    // No Lambda execution role is named anywhere in the trust.
    expect(JSON.stringify(trust)).not.toContain('RemediateFunctionRole');
  });

  it('lets SoclessHubUndoRole assume only SoclessUndoRole, inside the organization', () => {
    const statements = policyStatementsOf(role('SoclessHubUndoRole').id);
    const assume = statements.filter((s) => list(s.Action).includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);
    expect(assume[0]).toMatchObject({
      Resource: 'arn:aws:iam::*:role/SoclessUndoRole',
      Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } },
    });
  });

  it('does not let the hub remediation role assume SoclessUndoRole in any account', () => {
    const statements = policyStatementsOf(role('SoclessHubRemediationRole').id);
    const assumable = statements
      .filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*'))
      .flatMap((s) => list(s.Resource as string | string[]));
    expect(assumable).toEqual(['arn:aws:iam::*:role/SoclessRemediationRole']);
    for (const account of [ACCOUNT, '999999999999']) {
      expect(assumable.some((p) => matches(p, `arn:aws:iam::${account}:role/SoclessUndoRole`))).toBe(false);
      expect(assumable.some((p) => matches(p, `arn:aws:iam::${account}:role/SoclessRemediationRole`))).toBe(true);
    }
  });

  it('is not created without operators, and passes the AwsSolutions checks', () => {
    const empty = new Stack(new App(), 'Empty', { env: { account: HUB, region: 'eu-west-1' } });
    expect(() => new HubUndoRole(empty, 'UndoRole', { organizationId: 'o-a1b2c3d4e5', operatorRoleArns: [] })).toThrow(
      /at least one operator role/,
    );
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});

describe('runner sessions by purpose', () => {
  const s3 = mockClient(S3Client);
  let dynamo: LocalDynamo;
  let runs = 0;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  afterEach(() => s3.reset());

  const event = finding({ resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::exports-bucket' }] });
  async function run(mode: 'dry-run' | 'auto') {
    const sessions = new RecordingSessionFactory();
    const n = ++runs;
    const outcome = await runRemediation(
      {
        remediation: s3BucketPublicAccessBlock,
        event,
        mode,
        executionId: `arn:aws:states:${REGION}:${HUB}:execution:remediate-finding:purpose-${n}`,
        investigationId: `inv-purpose-${n}`,
      },
      {
        sessions,
        killSwitch: new StaticKillSwitch(false),
        guard: new BlastRadiusGuard(dynamo.client, 'remediations', {
          maxAutoPerAccountPerHour: 10,
          maxAutoPerOrgPerHour: 100,
        }),
        records: new RemediationRecordsRepository(dynamo.client, 'remediations'),
        now: () => NOW,
      },
    );
    return { outcome, sessions };
  }

  it('opens only a read session in a dry-run account', async () => {
    s3.on(GetPublicAccessBlockCommand).rejects(
      Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }),
    );
    const { outcome, sessions } = await run('dry-run');
    expect(outcome.effectiveAction).toBe('planned');
    expect(sessions.requests.map((r) => r.purpose)).toEqual(['read']);
    expect(sessions.requests[0]?.target).toEqual({ bucket: 'exports-bucket' });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);
  });

  it('reads through a read session and applies through a fix session with the run target in auto', async () => {
    s3.on(GetPublicAccessBlockCommand)
      .rejectsOnce(Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }))
      .resolves({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      });
    s3.on(PutPublicAccessBlockCommand).resolves({});
    const { outcome, sessions } = await run('auto');
    expect(outcome).toMatchObject({ effectiveAction: 'applied', verified: true });
    expect(sessions.requests.map((r) => r.purpose)).toEqual(['read', 'fix']);
    for (const r of sessions.requests) expect(r.target).toEqual({ bucket: 'exports-bucket' });
  });

  it('refuses a write in a read session and an undo-only write in a fix session before sending it', async () => {
    const factory = new RecordingSessionFactory();
    const open = async (purpose: 'read' | 'fix') =>
      callRunner(
        cloudTrailLogging,
        await factory.open({
          account: ACCOUNT,
          region: REGION,
          remediation: cloudTrailLogging,
          executionId: 'exec-1',
          purpose,
        }),
      );
    const read = await open('read');
    await expect(read({ service: 'cloudtrail', action: 'StartLogging', input: { Name: 't' } })).rejects.toThrow(
      /cloudtrail:StartLogging in a read session/,
    );
    const fix = await open('fix');
    await expect(fix({ service: 'cloudtrail', action: 'StopLogging', input: { Name: 't' } })).rejects.toThrow(
      /cloudtrail:StopLogging in a fix session/,
    );
  });
});

describe('socless remediation undo confirmation', () => {
  const EXEC = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:exec-42';
  const ask = async (answer: string, options: { yes?: boolean; interactive?: boolean } = {}) => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d) => {
      shown += String(d);
    });
    const pending = confirmUndo(EXEC, 'execution exec-42 changed: ...\n', {
      input,
      output,
      interactive: true,
      ...options,
    });
    input.end(`${answer}\n`);
    await pending;
    return shown;
  };

  it('goes on when the operator types the execution id or its name, and shows what will be undone first', async () => {
    expect(await ask(EXEC)).toContain('execution exec-42 changed');
    await expect(ask('exec-42')).resolves.toContain('Type the execution id');
  });

  it('stops when the answer does not match, or with no terminal and no --yes', async () => {
    await expect(ask('exec-41')).rejects.toThrow(/does not match execution .*nothing was undone/);
    await expect(ask('')).rejects.toThrow(/does not match/);
    await expect(ask(EXEC, { interactive: false })).rejects.toThrow(/pass --yes/);
  });

  it('asks nothing with --yes', async () => {
    await expect(confirmUndo(EXEC, '', { yes: true, interactive: false })).resolves.toBeUndefined();
  });

  it('previews each record it will reverse', () => {
    expect(undoPreview(EXEC, [])).toMatch(/no remediation record/);
  });
});
