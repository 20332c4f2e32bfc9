import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSoclessApp, type SoclessApp } from '../../app.ts';
import { loadPipelineConfig, PIPELINE_CONTEXT_KEY } from '../../hub/delivery/pipeline-config.ts';
import { ConfigError } from '../../shared/errors.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:SoclessHub-MonitoringAlarmTopic-ABC123';
const ROLLOUT_ROLE = 'arn:aws:iam::999999999999:role/SoclessOrgRolloutDeployer';
const CONNECTION = 'arn:aws:codeconnections:us-east-1:111111111111:connection/0f1e2d3c-aaaa-bbbb-cccc-123456789012';

function appWith(pipeline: unknown): App {
  // Bundling is skipped: these tests read templates, not Lambda bundles.
  return new App({
    context: {
      ...cdkJson.context,
      'aws:cdk:bundling-stacks': [],
      ...(pipeline ? { [PIPELINE_CONTEXT_KEY]: pipeline } : {}),
    },
  });
}

type Action = {
  Name: string;
  ActionTypeId: { Category: string; Provider: string };
  Configuration?: Record<string, unknown>;
  RunOrder?: number;
};
type PipelineStage = { Name: string; Actions: Action[] };

describe('SoclessPipelineStack', () => {
  let built: SoclessApp;
  let template: Template;
  let stages: PipelineStage[];

  beforeAll(() => {
    built = buildSoclessApp(
      appWith({
        source: { type: 'connection', connectionArn: CONNECTION, repository: 'acme/socless-org', branch: 'main' },
        notificationTopicArn: TOPIC,
        rolloutRoleArn: ROLLOUT_ROLE,
      }),
    );
    if (!built.pipeline) throw new Error('no pipeline stack');
    template = Template.fromStack(built.pipeline);
    const pipelines = Object.values(template.findResources('AWS::CodePipeline::Pipeline')) as {
      Properties: { Stages: PipelineStage[] };
    }[];
    expect(pipelines).toHaveLength(1);
    stages = (pipelines[0] as { Properties: { Stages: PipelineStage[] } }).Properties.Stages;
  });

  it('lives in the hub account and home region, next to the four stacks', () => {
    expect(built.pipeline?.account).toBe('111111111111');
    expect(built.pipeline?.region).toBe('us-east-1');
    expect(built.app.node.children.map((c) => c.node.id)).toContain('SoclessPipeline');
  });

  it('runs source, build, self-mutation, hub, then the approved rollout, in that order', () => {
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Hub', 'Rollout']);
  });

  it('takes its source from the CodeConnections connection', () => {
    const [source] = stages[0]?.Actions ?? [];
    expect(source?.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'CodeStarSourceConnection' });
    expect(source?.Configuration).toMatchObject({
      ConnectionArn: CONNECTION,
      FullRepositoryId: 'acme/socless-org',
      BranchName: 'main',
    });
  });

  it('builds with npm ci and npm test before it synthesizes', () => {
    const projects = Object.values(template.findResources('AWS::CodeBuild::Project')) as {
      Properties: { Source: { BuildSpec: string } };
    }[];
    const synth = projects.map((p) => p.Properties.Source.BuildSpec).find((b) => b.includes('npm test'));
    expect(synth).toBeDefined();
    const spec = JSON.parse(synth as string) as { phases: { build: { commands: string[] } } };
    expect(spec.phases.build.commands).toEqual(['npm ci', 'npm test', 'npx cdk synth --all --no-notices -q']);
  });

  it('deploys the hub stack under its own name (SoclessHub) in the hub stage', () => {
    const hub = stages.find((s) => s.Name === 'Hub');
    const deploys = (hub?.Actions ?? []).filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(deploys.map((a) => a.Configuration?.StackName)).toEqual(['SoclessHub', 'SoclessHub']);
    expect(deploys.map((a) => a.Configuration?.ActionMode)).toEqual(['CHANGE_SET_REPLACE', 'CHANGE_SET_EXECUTE']);
  });

  it('asks for a manual approval before it deploys the org rollout with the rollout role and the secret', () => {
    const rollout = stages.find((s) => s.Name === 'Rollout');
    const approval = rollout?.Actions.find((a) => a.ActionTypeId.Category === 'Approval');
    const deploy = rollout?.Actions.find((a) => a.Name === 'DeployOrgRollout');
    expect(approval).toBeDefined();
    expect(deploy).toBeDefined();
    expect((approval?.RunOrder ?? 0) < (deploy?.RunOrder ?? 0)).toBe(true);
    const projects = Object.values(template.findResources('AWS::CodeBuild::Project')) as {
      Properties: { Source: { BuildSpec: string } };
    }[];
    const spec = projects
      .map((p) => p.Properties.Source.BuildSpec)
      .find((b) => b.includes('SoclessOrgRollout')) as string;
    expect(spec).toContain('aws secretsmanager get-secret-value --secret-id socless/spoke-external-id');
    expect(spec).toContain('aws sts assume-role --role-arn \\"$ROLLOUT_ROLE_ARN\\"');
    expect(spec).toContain(
      'deploy --app . SoclessOrgRollout --require-approval never --no-notices --parameters SpokeExternalId=\\"$EXTERNAL_ID\\"',
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: ROLLOUT_ROLE }),
        ]),
      },
    });
  });

  it('sends failed, succeeded and approval-needed notifications to the hub alarm topic', () => {
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: [
        'codepipeline-pipeline-pipeline-execution-failed',
        'codepipeline-pipeline-pipeline-execution-succeeded',
        'codepipeline-pipeline-manual-approval-needed',
      ],
      Targets: [{ TargetAddress: TOPIC, TargetType: 'SNS' }],
    });
    const hub = Template.fromStack(built.pipeline?.hubStage.hub as never);
    hub.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CodeStarNotificationsPublish',
            Action: 'sns:Publish',
            Principal: { Service: 'codestar-notifications.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    const violations = new AwsSolutionsChecks().validateScope(built.pipeline as never).violations;
    expect(
      violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`),
    ).toEqual([]);
  });
});

describe('pipeline configuration', () => {
  it('adds no pipeline stack without soclessPipeline', () => {
    expect(buildSoclessApp(appWith(undefined)).pipeline).toBeUndefined();
  });

  it('takes an S3 object as the source', () => {
    const built = buildSoclessApp(
      appWith({
        source: { type: 's3', bucket: 'acme-socless-source', key: 'socless-org.zip' },
        notificationTopicArn: TOPIC,
        rolloutRoleArn: ROLLOUT_ROLE,
      }),
    );
    Template.fromStack(built.pipeline as never).hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([
        Match.objectLike({
          Name: 'Source',
          Actions: [
            Match.objectLike({
              ActionTypeId: Match.objectLike({ Provider: 'S3' }),
              Configuration: Match.objectLike({ S3Bucket: 'acme-socless-source', S3ObjectKey: 'socless-org.zip' }),
            }),
          ],
        }),
      ]),
    });
  });

  it('refuses a bad connection ARN with the key and the reason', () => {
    const bad = {
      source: { type: 'connection', connectionArn: 'arn:aws:s3:::nope', repository: 'acme/x' },
      notificationTopicArn: TOPIC,
      rolloutRoleArn: ROLLOUT_ROLE,
    };
    expect(() => buildSoclessApp(appWith(bad))).toThrow(ConfigError);
    expect(() => buildSoclessApp(appWith(bad))).toThrow(
      /soclessPipeline": \$\.source\.connectionArn: must be a CodeConnections connection ARN/,
    );
  });
});

describe('loadPipelineConfig', () => {
  it('takes the JSON string that cdk -c passes, and says when it is not JSON', () => {
    const config = {
      source: { type: 's3', bucket: 'acme-socless-source', key: 'a.zip' },
      notificationTopicArn: TOPIC,
      rolloutRoleArn: ROLLOUT_ROLE,
    };
    expect(loadPipelineConfig(JSON.stringify(config))?.source).toEqual(config.source);
    expect(() => loadPipelineConfig('{source:')).toThrow(/soclessPipeline": \$: is not JSON/);
  });
});
