// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Encrypts an SQS queue at rest with SQS-managed keys (Security Hub SQS.1). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { checkId, requireResourceId } from './support.ts';

const ID = 'sqs-queue-encryption';
const QUEUE = 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Target:queueName}';

export interface QueueTarget {
  readonly queueName: string;
  /** The queue URL SQS calls take, built from the queue ARN's partition, region and account. */
  readonly queueUrl: string;
}

export interface QueueEncryptionState {
  readonly sqsManagedSse: boolean;
  /** A KMS key the queue already uses (SSE-KMS): compliant as it is. */
  readonly kmsMasterKeyId?: string;
}

export const sqsQueueEncryption = defineRemediation<QueueTarget, QueueEncryptionState>({
  id: ID,
  title: 'SQS queue: encrypted at rest',
  description:
    'Turns on SQS-managed server-side encryption (SqsManagedSseEnabled): no KMS key, so no key policy can lock producers or consumers out. A queue with a KMS key already complies.',
  findings: { securityHubControls: ['SQS.1'] },
  permissions: [
    { calls: ['sqs:GetQueueAttributes'], resources: [QUEUE] },
    // SetQueueAttributes sets every attribute (the queue policy too): a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['sqs:SetQueueAttributes'], resources: [QUEUE] },
    { purpose: 'undo', calls: ['sqs:SetQueueAttributes'], resources: [QUEUE] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsSqsQueue', 'AWS::SQS::Queue']);
    const parts = checkId(
      ID,
      field,
      id,
      /^arn:aws(-cn|-us-gov)?:sqs:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?$/,
      'an SQS queue ARN',
    ).split(':');
    const [, partition, , region, account, queueName] = parts as [string, string, string, string, string, string];
    const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    return { queueName, queueUrl: `https://sqs.${region}.${domain}/${account}/${queueName}` };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'sqs',
      action: 'GetQueueAttributes',
      input: { QueueUrl: target.queueUrl, AttributeNames: ['SqsManagedSseEnabled', 'KmsMasterKeyId'] },
    });
    const attributes = (out.Attributes as Record<string, string> | undefined) ?? {};
    return {
      sqsManagedSse: attributes.SqsManagedSseEnabled === 'true',
      ...(attributes.KmsMasterKeyId ? { kmsMasterKeyId: attributes.KmsMasterKeyId } : {}),
    };
  },
  stateFromFinding: () => ({ sqsManagedSse: false }),
  plan: (state, { target }) =>
    state.sqsManagedSse || state.kmsMasterKeyId
      ? []
      : [
          {
            service: 'sqs',
            action: 'SetQueueAttributes',
            input: { QueueUrl: target.queueUrl, Attributes: { SqsManagedSseEnabled: 'true' } },
          },
        ],
  undo: (before, { target }) =>
    before.sqsManagedSse || before.kmsMasterKeyId
      ? []
      : [
          {
            service: 'sqs',
            action: 'SetQueueAttributes',
            input: { QueueUrl: target.queueUrl, Attributes: { SqsManagedSseEnabled: 'false' } },
          },
        ],
});
