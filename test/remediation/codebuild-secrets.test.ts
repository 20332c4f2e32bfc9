/**
 * codebuild-no-privileged-mode never keeps environment variable values: the before-state, the plan, the write-ahead
 * record and the outcome hold names and types only; the values reach UpdateProject from a BatchGetProjects read in
 * the same session, at apply and at undo, so the project keeps them and undo does not depend on them.
 */
import { BatchGetProjectsCommand, UpdateProjectCommand } from '@aws-sdk/client-codebuild';
import { describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { outputValue, resolveOutputRefs } from '../../shared/remediation/calls.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import { REMEDIATION_SETTINGS_ENV } from '../../shared/remediation/settings.ts';
import { ACCOUNT, finding, REGION, RecordingSessionFactory } from './helpers.ts';
import { clone, codebuild, named, useRemediateHarness } from './stateful-fakes.ts';

const SECRET = 'plaintext-s3cr3t-0f-the-build';
const event = finding({
  kind: 'CodeBuild.5',
  resources: [{ type: 'AwsCodeBuildProject', id: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/image-builder` }],
});
const ENV = { [REMEDIATION_SETTINGS_ENV]: JSON.stringify({ autoAllowed: ['codebuild-no-privileged-mode'] }) };

/** A project with a plaintext secret and a Parameter Store variable; UpdateProject replaces the environment whole. */
function projectFake(failUpdates = 0) {
  let failures = failUpdates;
  let environment: Record<string, unknown> = {
    type: 'LINUX_CONTAINER',
    image: 'aws/codebuild/standard:7.0',
    computeType: 'BUILD_GENERAL1_SMALL',
    privilegedMode: true,
    environmentVariables: [
      { name: 'DEPLOY_TOKEN', value: SECRET, type: 'PLAINTEXT' },
      { name: 'DB_PASSWORD', value: '/builds/db-password', type: 'PARAMETER_STORE' },
    ],
  };
  codebuild.on(BatchGetProjectsCommand).callsFake((input) => {
    if (input.names?.[0] !== 'image-builder') return { projects: [], projectsNotFound: input.names };
    return { projects: [{ name: 'image-builder', environment: clone(environment) }], projectsNotFound: [] };
  });
  codebuild.on(UpdateProjectCommand).callsFake((input) => {
    if (input.name !== 'image-builder') throw named('ResourceNotFoundException');
    if (failures > 0) {
      failures -= 1;
      throw named('InternalFailure');
    }
    environment = clone(input.environment) as Record<string, unknown>;
    return {};
  });
  return () => clone(environment);
}

describe('codebuild-no-privileged-mode keeps no environment variable value', () => {
  const h = useRemediateHarness();

  it('applies and undoes with the values the project has, none of them in the record or the outcome', async () => {
    const snapshot = projectFake();
    const initial = snapshot();
    const executionId = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:codebuild-secret';
    const { remediation } = await h.invoke({
      mode: 'auto',
      event,
      executionId,
      env: ENV,
      runtime: { sessions: new RecordingSessionFactory(), records: h.records },
    });
    expect(remediation).toMatchObject({ effectiveAction: 'applied', verified: true });
    // The project kept both variables with their values; only privileged mode changed.
    expect(snapshot()).toEqual({ ...initial, privilegedMode: false });
    const sent = codebuild.commandCalls(UpdateProjectCommand)[0]?.args[0].input;
    expect(JSON.stringify(sent)).toContain(SECRET);

    const records = await h.records.listByExecution(executionId);
    expect(records).toHaveLength(1);
    const stored = JSON.stringify(
      await h.records.get(records[0] as { investigationId: string; remediationId: string }),
    );
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain('/builds/db-password');
    expect(JSON.stringify(remediation)).not.toContain(SECRET);
    // Names and types are kept, so the record still says which variables the project had.
    expect(remediation.before).toMatchObject({
      environment: {
        environmentVariables: [
          { name: 'DEPLOY_TOKEN', type: 'PLAINTEXT' },
          { name: 'DB_PASSWORD', type: 'PARAMETER_STORE' },
        ],
      },
    });

    const [undone] = await undoExecution({
      records: h.records,
      executionId,
      registry: REMEDIATIONS,
      sessions: new RecordingSessionFactory(),
    });
    expect(snapshot()).toEqual(initial);
    expect(JSON.stringify(undone?.calls)).not.toContain(SECRET);
    const afterUndo = JSON.stringify(
      await h.records.get(records[0] as { investigationId: string; remediationId: string }),
    );
    expect(afterUndo).not.toContain(SECRET);
  });

  it('undo sends the variables as they are at undo time, not a stale copy', async () => {
    const snapshot = projectFake();
    const executionId = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:codebuild-rotated';
    await h.invoke({
      mode: 'auto',
      event,
      executionId,
      env: ENV,
      runtime: { sessions: new RecordingSessionFactory(), records: h.records },
    });
    // Someone rotates the token after the fix.
    const rotated = snapshot();
    (rotated.environmentVariables as Array<Record<string, unknown>>)[0] = {
      name: 'DEPLOY_TOKEN',
      value: 'rotated-token',
      type: 'PLAINTEXT',
    };
    codebuild
      .on(BatchGetProjectsCommand)
      .resolves({ projects: [{ name: 'image-builder', environment: rotated as never }] });
    await undoExecution({
      records: h.records,
      executionId,
      registry: REMEDIATIONS,
      sessions: new RecordingSessionFactory(),
    });
    const last = codebuild.commandCalls(UpdateProjectCommand).at(-1)?.args[0].input;
    expect(last?.environment).toMatchObject({
      privilegedMode: true,
      environmentVariables: [
        { name: 'DEPLOY_TOKEN', value: 'rotated-token' },
        { name: 'DB_PASSWORD', value: '/builds/db-password' },
      ],
    });
  });
});

describe('a resumed codebuild-no-privileged-mode run', () => {
  const h = useRemediateHarness();

  it('reads the variables again in its new session before the UpdateProject it resumes at', async () => {
    // The first attempt dies at UpdateProject, after the read was marked applied.
    const snapshot = projectFake(1);
    const initial = snapshot();
    const executionId = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:codebuild-resume';
    const run = (sessions: RecordingSessionFactory) =>
      h.invoke({
        mode: 'auto',
        event,
        executionId,
        investigationId: 'inv-codebuild-resume',
        env: ENV,
        runtime: { sessions, records: h.records },
      });
    await expect(run(new RecordingSessionFactory())).rejects.toThrow('InternalFailure');
    const [record] = await h.records.listByExecution(executionId);
    expect(record).toMatchObject({ status: 'applying', applied: [0] });
    // The retry (same execution) resumes at UpdateProject with the values read again, and none recorded.
    const { remediation } = await run(new RecordingSessionFactory());
    expect(remediation).toMatchObject({ effectiveAction: 'applied', verified: true });
    expect(snapshot()).toEqual({ ...initial, privilegedMode: false });
    expect(codebuild.commandCalls(BatchGetProjectsCommand).length).toBeGreaterThanOrEqual(3);
  });
});

describe('outputValue', () => {
  const outputs = new Map([
    ['codebuild:BatchGetProjects', { projects: [{ environment: { environmentVariables: [{ name: 'A' }] } }] }],
  ]);
  it('resolves any JSON value at a dotted path of an earlier output of the session', () => {
    const ref = outputValue('codebuild:BatchGetProjects', 'projects.0.environment.environmentVariables');
    expect(resolveOutputRefs({ environment: { environmentVariables: ref } }, outputs)).toEqual({
      environment: { environmentVariables: [{ name: 'A' }] },
    });
  });
  it('refuses a path the output does not have, or no earlier call', () => {
    expect(() =>
      resolveOutputRefs(outputValue('codebuild:BatchGetProjects', 'projects.1.environment'), outputs),
    ).toThrow(/no earlier codebuild:BatchGetProjects call of this session returned projects\.1\.environment/);
    expect(() => resolveOutputRefs(outputValue('ec2:DescribeInstances', 'Reservations'), outputs)).toThrow(
      /no earlier ec2:DescribeInstances/,
    );
    expect(() => outputValue('codebuild:BatchGetProjects', 'a..b')).toThrow(/not a call key and dotted path/);
  });
});
