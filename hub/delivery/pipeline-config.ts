/**
 * The delivery pipeline's configuration: cdk.json context `soclessPipeline` (beside `socless`). Absent = no
 * pipeline stack; deploying by hand keeps working either way.
 */
import { z } from 'zod';
import { ConfigError, jsonPath, type Problem } from '../../shared/errors.ts';

/** The context key of the pipeline configuration. */
export const PIPELINE_CONTEXT_KEY = 'soclessPipeline';

const ConnectionSource = z
  .object({
    /** A CodeConnections (formerly CodeStar Connections) connection to GitHub, GitLab or Bitbucket. */
    type: z.literal('connection'),
    connectionArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/,
        'must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)',
      ),
    /** `owner/repository`. */
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/repository'),
    branch: z.string().min(1).default('main'),
  })
  .strict();

const S3Source = z
  .object({
    /** A versioned S3 bucket holding the repository as a zip (the pipeline starts on a new version). */
    type: z.literal('s3'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    key: z.string().min(1),
  })
  .strict();

export const PipelineConfigSchema = z
  .object({
    source: z.discriminatedUnion('type', [ConnectionSource, S3Source]),
    /**
     * Topic the pipeline notifies (failed, succeeded, approval needed): the hub's alarm topic, output
     * `AlarmTopicArn` of SoclessHub. The hub stage lets CodeStar Notifications publish to it.
     */
    notificationTopicArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/,
        'must be an SNS topic ARN (the hub output AlarmTopicArn)',
      ),
    /**
     * A role in the account that deploys the org rollout (management account, or the StackSets delegated
     * administrator), trusting the hub account, that may deploy SoclessOrgRollout.
     */
    rolloutRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN'),
  })
  .strict();

export type PipelineConfig = z.infer<typeof PipelineConfigSchema>;

/** The pipeline configuration from context, or undefined when there is none; a ConfigError names the key. */
export function loadPipelineConfig(
  raw: unknown,
  source = `cdk.json context "${PIPELINE_CONTEXT_KEY}"`,
): PipelineConfig | undefined {
  if (raw === undefined) return undefined;
  // `cdk synth -c soclessPipeline='{…}'` passes the value as a string.
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new ConfigError([{ file: source, path: '$', reason: `is not JSON: ${(err as Error).message}` }]);
    }
  }
  const result = PipelineConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const problems: Problem[] = result.error.issues.map((issue) => ({
    file: source,
    path: jsonPath(issue.path),
    reason: issue.message,
  }));
  throw new ConfigError(problems);
}
