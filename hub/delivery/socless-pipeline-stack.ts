import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { LinuxBuildImage } from 'aws-cdk-lib/aws-codebuild';
import { DetailType, NotificationRule } from 'aws-cdk-lib/aws-codestarnotifications';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { CodeBuildStep, CodePipeline, CodePipelineSource, ManualApprovalStep, ShellStep } from 'aws-cdk-lib/pipelines';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { NAMES } from '../../shared/names.ts';
import type { HubStackProps } from '../hub-stack.ts';
import type { PipelineConfig } from './pipeline-config.ts';
import { SoclessHubStage } from './socless-hub-stage.ts';

/** The aws-cdk CLI the rollout step runs (the project's devDependency version). */
export const CDK_CLI_VERSION = '2.1148.1';

/** Properties of {@link SoclessPipelineStack}. */
export interface SoclessPipelineStackProps extends StackProps {
  readonly pipeline: PipelineConfig;
  /** What app.ts gives the hub (the pipeline's hub stage deploys the same stack). */
  readonly hub: HubStackProps;
}

/**
 * `SoclessPipeline`, in the hub account and home region: a self-mutating CDK pipeline. Source from a
 * CodeConnections connection or an S3 object; a build that runs `npm ci && npm test` and synthesizes; the hub
 * stage; a manual approval; then the org rollout, deployed with a role in the management account (or the
 * StackSets delegated administrator) and the ExternalId read from the hub's secret at deploy time (it stays a
 * NoEcho parameter, in no artifact). Pipeline notifications go to the hub's alarm topic.
 */
export class SoclessPipelineStack extends Stack {
  readonly pipeline: CodePipeline;
  readonly hubStage: SoclessHubStage;

  constructor(scope: Construct, id: string, props: SoclessPipelineStackProps) {
    const { config } = props.hub;
    super(scope, id, {
      description: 'socless-org delivery pipeline: build, test, hub, approval, org rollout',
      ...props,
      env: { account: config.hubAccountId, region: config.homeRegion },
    });
    const source = pipelineSource(this, props.pipeline);
    const synth = new ShellStep('Synth', {
      input: source,
      commands: ['npm ci', 'npm test', 'npx cdk synth --all --no-notices -q'],
      env: { CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    // Artifacts: versioned, KMS-encrypted (rotation on), TLS-only, expiring (CT.S3.PR.6, PR.10, PR.11).
    const artifactKey = new Key(this, 'ArtifactKey', {
      enableKeyRotation: true,
      description: 'socless pipeline artifacts',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const artifactBucket = new Bucket(this, 'Artifacts', {
      encryption: BucketEncryption.KMS,
      encryptionKey: artifactKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        { id: 'expire-artifacts', expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(artifactBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The pipeline artifact bucket holds build outputs only (KMS-encrypted, versioned, TLS-only, public access blocked, expiring); CloudTrail data events cover access to it.',
    });
    // Every CodeBuild project logs to one encrypted, retained group (CT.CODEBUILD.PR.3).
    const buildLogs = new LogGroup(this, 'BuildLogs', {
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: artifactKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    artifactKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${config.homeRegion}.amazonaws.com`));
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: 'socless',
      selfMutation: true,
      synth,
      artifactBucket,
      codeBuildDefaults: {
        buildEnvironment: { buildImage: LinuxBuildImage.STANDARD_7_0 },
        logging: { cloudWatch: { logGroup: buildLogs } },
      },
    });

    this.hubStage = new SoclessHubStage(this, 'Hub', {
      hub: props.hub,
      env: { account: config.hubAccountId, region: config.homeRegion },
    });
    this.pipeline.addStage(this.hubStage);

    const externalIdSecretArn = `arn:${this.partition}:secretsmanager:${config.homeRegion}:${config.hubAccountId}:secret:${config.externalIdSecretName}-*`;
    const approval = new ManualApprovalStep('ApproveOrgRollout', {
      comment: `Roll the spokes out to ${config.targetOuIds.join(', ')} in ${config.regions.join(', ')}`,
    });
    const deployRollout = new CodeBuildStep('DeployOrgRollout', {
      input: synth,
      env: { CDK_DISABLE_CLI_TELEMETRY: 'true', ROLLOUT_ROLE_ARN: props.pipeline.rolloutRoleArn },
      commands: [
        // Read with the pipeline's hub-account role, then switch to the rollout account's role to deploy.
        `EXTERNAL_ID="$(aws secretsmanager get-secret-value --secret-id ${config.externalIdSecretName} --query SecretString --output text)"`,
        'CREDS="$(aws sts assume-role --role-arn "$ROLLOUT_ROLE_ARN" --role-session-name socless-pipeline-rollout --query Credentials --output json)"',
        'export AWS_ACCESS_KEY_ID="$(echo "$CREDS" | jq -r .AccessKeyId)" AWS_SECRET_ACCESS_KEY="$(echo "$CREDS" | jq -r .SecretAccessKey)" AWS_SESSION_TOKEN="$(echo "$CREDS" | jq -r .SessionToken)"',
        `npx --yes aws-cdk@${CDK_CLI_VERSION} deploy --app . ${NAMES.stacks.orgRollout} --require-approval never --no-notices --parameters SpokeExternalId="$EXTERNAL_ID"`,
      ],
      rolePolicyStatements: [
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [externalIdSecretArn] }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [`arn:${this.partition}:kms:${config.homeRegion}:${config.hubAccountId}:key/*`],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${config.homeRegion}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [props.pipeline.rolloutRoleArn] }),
      ],
    });
    // A wave without stages orders nothing by itself: the deploy waits for the approval explicitly.
    deployRollout.addStepDependency(approval);
    this.pipeline.addWave('Rollout', { pre: [approval], post: [deployRollout] });

    this.pipeline.buildPipeline();
    new NotificationRule(this, 'Notifications', {
      source: this.pipeline.pipeline,
      detailType: DetailType.BASIC,
      events: [
        'codepipeline-pipeline-pipeline-execution-failed',
        'codepipeline-pipeline-pipeline-execution-succeeded',
        'codepipeline-pipeline-manual-approval-needed',
      ],
      targets: [Topic.fromTopicArn(this, 'HubAlarmTopic', props.pipeline.notificationTopicArn)],
    });
    acknowledgePipelineFindings(this.pipeline);
  }
}

/** The source action config names. */
function pipelineSource(scope: Construct, config: PipelineConfig): CodePipelineSource {
  const { source } = config;
  if (source.type === 'connection') {
    return CodePipelineSource.connection(source.repository, source.branch, { connectionArn: source.connectionArn });
  }
  return CodePipelineSource.s3(Bucket.fromBucketName(scope, 'SourceBucket', source.bucket), source.key);
}

/**
 * Why each cdk-nag rule family may stand on what aws-cdk-lib/pipelines generates (and on the rollout step's
 * statements): the findings are enumerated at construction and acknowledged one by one, on the pipeline construct
 * only, so a finding of another family, or one in the hub stage, still fails the check.
 */
const PIPELINE_FINDINGS: Readonly<Record<string, string>> = {
  'AwsSolutions-IAM5':
    'Generated by CDK Pipelines: its roles read and write the artifact bucket (bucket/*, s3:GetObject*, s3:List*…), use the pipeline key (kms:GenerateDataKey*, kms:ReEncrypt*), write their own CodeBuild log and report groups, and assume the cdk bootstrap roles; the rollout step reads the one ExternalId secret (its ARN ends in a random suffix) through Secrets Manager only (kms:ViaService).',
  'AwsSolutions-S1':
    'The pipeline artifact bucket holds build outputs only (encrypted with the pipeline key, TLS-only, public access blocked); CloudTrail data events cover access to it.',
  'AwsSolutions-CB4':
    'CDK Pipelines CodeBuild projects encrypt artifacts with the artifact bucket key; the construct leaves the project-level EncryptionKey that this rule reads unset.',
};

function acknowledgePipelineFindings(pipeline: CodePipeline): void {
  const byPath = new Map(pipeline.node.findAll().map((c) => [c.node.path, c]));
  for (const violation of new AwsSolutionsChecks().validateScope(pipeline).violations) {
    const family = violation.ruleName.replace(/\[.*$/, '');
    const reason = PIPELINE_FINDINGS[family];
    if (!reason) continue;
    for (const resource of violation.violatingResources) {
      const construct = resource.constructPath ? byPath.get(resource.constructPath) : undefined;
      if (construct) Validations.of(construct).acknowledge({ id: violation.ruleName, reason });
    }
  }
}
