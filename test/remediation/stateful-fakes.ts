/**
 * The mocked SDK clients and helpers of the stateful-fake remediation tests, shared by the case files: one mock
 * per client class for the whole test file (aws-sdk-client-mock stubs the class once).
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Remediation, RemediationEvent } from '../../shared/remediation/types.ts';
import { type RemediateHarness, startRemediateHarness } from './helpers.ts';

export const s3 = mockClient(S3Client);
export const s3control = mockClient(S3ControlClient);
export const ec2 = mockClient(EC2Client);
export const iam = mockClient(IAMClient);
export const rds = mockClient(RDSClient);
export const kms = mockClient(KMSClient);
export const cloudtrail = mockClient(CloudTrailClient);
export const lambda = mockClient(LambdaClient);
export const redshift = mockClient(RedshiftClient);
export const ssm = mockClient(SSMClient);
export const guardduty = mockClient(GuardDutyClient);
export const codebuild = mockClient(CodeBuildClient);
export const sqs = mockClient(SQSClient);
export const dynamodb = mockClient(DynamoDBClient);
export const ecr = mockClient(ECRClient);

/** Every mock, for afterEach resets. */
export const ALL_MOCKS = [
  s3,
  s3control,
  ec2,
  iam,
  rds,
  kms,
  cloudtrail,
  lambda,
  redshift,
  ssm,
  guardduty,
  codebuild,
  sqs,
  dynamodb,
  ecr,
];

/** `faithful`: writes change the state as their input says; `ignores-writes`: writes succeed and change nothing. */
export type FakeMode = 'faithful' | 'ignores-writes';

export interface StatefulCase {
  readonly remediation: Remediation;
  readonly event: RemediationEvent;
  /** Installs the fake on the mocked clients and returns a snapshot of the resource's state. */
  install(mode: FakeMode): () => unknown;
}

export const clone = <T>(v: T): T => structuredClone(v);
export const named = (name: string) => Object.assign(new Error(name), { name });
/** A write handler that changes the state only in faithful mode. */
export const write =
  <I>(mode: FakeMode, change: (input: I) => unknown) =>
  (input: I) => {
    if (mode === 'faithful') return change(input) ?? {};
    return {};
  };

/**
 * One remediate harness for the enclosing `describe` (or file): started before its tests, closed after them, and
 * `mocks` reset after each test. Its members may be used only inside tests and later hooks.
 */
export function useRemediateHarness(mocks: readonly { reset(): void }[] = ALL_MOCKS): RemediateHarness {
  let current: RemediateHarness | undefined;
  beforeAll(async () => {
    current = await startRemediateHarness();
  });
  afterAll(async () => {
    await current?.close();
  });
  afterEach(() => {
    for (const m of mocks) m.reset();
  });
  const started = (): RemediateHarness => {
    if (!current) throw new Error('the remediate harness is used before its beforeAll started it');
    return current;
  };
  return {
    get dynamo() {
      return started().dynamo;
    },
    get records() {
      return started().records;
    },
    get guard() {
      return started().guard;
    },
    invoke: (options) => started().invoke(options),
    close: () => started().close(),
  };
}
