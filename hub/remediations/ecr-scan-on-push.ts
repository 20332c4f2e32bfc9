// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns on image scanning on push for a private ECR repository (Security Hub ECR.1). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { arnName, at, checkId, requireResourceId } from './support.ts';

const ID = 'ecr-scan-on-push';
// Repository names may contain `/` (namespaces), which a session policy cannot take from a finding: any repository
// of the account, narrowed by the calls' own repositoryName.
const REPOSITORY = 'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*';

export const ecrScanOnPush = defineRemediation<{ repositoryName: string }, { scanOnPush: boolean }>({
  id: ID,
  title: 'ECR repository: scan images on push',
  description: 'Sets scanOnPush in the repository image scanning configuration (basic scanning of every pushed image).',
  findings: { securityHubControls: ['ECR.1'], configRules: ['ecr-private-image-scanning-enabled'] },
  permissions: [
    { calls: ['ecr:DescribeRepositories'], resources: [REPOSITORY] },
    // On (fix) and off (undo) are one action: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['ecr:PutImageScanningConfiguration'], resources: [REPOSITORY] },
    { purpose: 'undo', calls: ['ecr:PutImageScanningConfiguration'], resources: [REPOSITORY] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsEcrRepository', 'AWS::ECR::Repository']);
    return {
      repositoryName: checkId(
        ID,
        field,
        arnName(id, ':repository/'),
        /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
        'an ECR repository name',
      ),
    };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'ecr',
      action: 'DescribeRepositories',
      input: { repositoryNames: [target.repositoryName] },
    });
    return { scanOnPush: at(out, 'repositories', 0, 'imageScanningConfiguration', 'scanOnPush') === true };
  },
  stateFromFinding: () => ({ scanOnPush: false }),
  plan: (state, { target }) =>
    state.scanOnPush
      ? []
      : [
          {
            service: 'ecr',
            action: 'PutImageScanningConfiguration',
            input: { repositoryName: target.repositoryName, imageScanningConfiguration: { scanOnPush: true } },
          },
        ],
  undo: (before, { target }) =>
    before.scanOnPush
      ? []
      : [
          {
            service: 'ecr',
            action: 'PutImageScanningConfiguration',
            input: { repositoryName: target.repositoryName, imageScanningConfiguration: { scanOnPush: false } },
          },
        ],
});
