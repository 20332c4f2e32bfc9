// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns off privileged mode of a CodeBuild project's build environment (Security Hub CodeBuild.5). */
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import { arnName, at, checkId, requireResourceId } from './support.ts';

const ID = 'codebuild-no-privileged-mode';
const PROJECT = 'arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/${Target:projectName}';

/** The project's build environment as BatchGetProjects returns it (UpdateProject replaces it whole). */
export interface ProjectEnvironmentState {
  readonly environment: Record<string, unknown>;
}

export const codeBuildNoPrivilegedMode = defineRemediation<{ projectName: string }, ProjectEnvironmentState>({
  id: ID,
  title: 'CodeBuild project: privileged mode off',
  description:
    'Sends the project environment back with privilegedMode false (the rest unchanged). Never automatic: builds that run Docker inside the build container stop working.',
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
    return { environment: environment as Record<string, unknown> };
  },
  stateFromFinding: () => undefined,
  plan: (state, { target }) =>
    state.environment.privilegedMode === true
      ? [
          {
            service: 'codebuild',
            action: 'UpdateProject',
            input: { name: target.projectName, environment: { ...state.environment, privilegedMode: false } },
          },
        ]
      : [],
  undo: (before, { target }) =>
    before.environment.privilegedMode === true
      ? [
          {
            service: 'codebuild',
            action: 'UpdateProject',
            input: { name: target.projectName, environment: before.environment },
          },
        ]
      : [],
});
