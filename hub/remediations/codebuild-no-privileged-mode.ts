// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns off privileged mode of a CodeBuild project's build environment (Security Hub CodeBuild.5). */
import { outputValue } from '../../shared/remediation/calls.ts';
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { defineRemediation, type PlannedCall } from '../../shared/remediation/types.ts';
import { arnName, at, checkId, requireResourceId } from './support.ts';

const ID = 'codebuild-no-privileged-mode';
const PROJECT = 'arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/${Target:projectName}';

/**
 * The project's build environment as BatchGetProjects returns it (UpdateProject replaces it whole), except that its
 * environment variables keep only their names and types: PLAINTEXT values are secrets in practice, and this state
 * is the before-state the write-ahead record and the outcome keep.
 */
export interface ProjectEnvironmentState {
  readonly environment: Record<string, unknown>;
}

/**
 * Where the variables' values come from when the environment is sent back: the project as BatchGetProjects returns
 * it just before, in the same session (the plan, the record and the outcome hold this reference, not the values).
 */
const CURRENT_VARIABLES = outputValue('codebuild:BatchGetProjects', 'projects.0.environment.environmentVariables');

/** The environment without variable values: each variable as its name and type. */
function withoutValues(environment: Record<string, unknown>): Record<string, unknown> {
  const variables = environment.environmentVariables;
  if (!Array.isArray(variables)) return environment;
  return {
    ...environment,
    environmentVariables: variables.map((v) => ({
      name: String(at(v, 'name')),
      type: String(at(v, 'type') ?? 'PLAINTEXT'),
    })),
  };
}

/**
 * The calls that send `environment` back with `privilegedMode`: the variables as the project has them at that
 * moment (read first, in the same session), since UpdateProject would otherwise drop or overwrite them.
 */
function sendEnvironment(projectName: string, environment: Record<string, unknown>, privilegedMode: boolean) {
  const variables = environment.environmentVariables;
  const hasVariables = Array.isArray(variables) && variables.length > 0;
  const calls: PlannedCall[] = hasVariables
    ? [{ service: 'codebuild', action: 'BatchGetProjects', input: { names: [projectName] } }]
    : [];
  calls.push({
    service: 'codebuild',
    action: 'UpdateProject',
    input: {
      name: projectName,
      environment: {
        ...environment,
        privilegedMode,
        ...(hasVariables ? { environmentVariables: CURRENT_VARIABLES } : {}),
      },
    },
  });
  return calls;
}

export const codeBuildNoPrivilegedMode = defineRemediation<{ projectName: string }, ProjectEnvironmentState>({
  id: ID,
  title: 'CodeBuild project: privileged mode off',
  description:
    'Sends the project environment back with privilegedMode false (the rest unchanged; environment variables as the project has them when the fix runs, so their values are never kept in plans or records). Never automatic: builds that run Docker inside the build container stop working.',
  findings: {
    securityHubControls: ['CodeBuild.5'],
    configRules: ['codebuild-project-environment-privileged-check'],
  },
  neverAuto: true,
  permissions: [
    { calls: ['codebuild:BatchGetProjects'], resources: [PROJECT] },
    // UpdateProject changes every project setting (its buildspec too): a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['codebuild:UpdateProject'], resources: [PROJECT] },
    { purpose: 'undo', calls: ['codebuild:UpdateProject'], resources: [PROJECT] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsCodeBuildProject', 'AWS::CodeBuild::Project']);
    return {
      projectName: checkId(
        ID,
        field,
        arnName(id, ':project/'),
        /^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/,
        'a CodeBuild project name',
      ),
    };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'codebuild',
      action: 'BatchGetProjects',
      input: { names: [target.projectName] },
    });
    const environment = at(out, 'projects', 0, 'environment');
    if (typeof environment !== 'object' || environment === null) {
      // BatchGetProjects answers a missing project in projectsNotFound rather than with an error.
      throw new RemediationTargetError(
        ID,
        'target.projectName',
        `names project ${target.projectName}, which BatchGetProjects does not find: it is gone`,
      );
    }
    return { environment: withoutValues(environment as Record<string, unknown>) };
  },
  stateFromFinding: () => undefined,
  plan: (state, { target }) =>
    state.environment.privilegedMode === true ? sendEnvironment(target.projectName, state.environment, false) : [],
  // The variables go back as they are when the undo runs; the before-state never had their values.
  undo: (before, { target }) =>
    before.environment.privilegedMode === true ? sendEnvironment(target.projectName, before.environment, true) : [],
});
