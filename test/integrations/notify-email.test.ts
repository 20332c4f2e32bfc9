import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emailSubject, notifyEmail } from '../../hub/integrations/notify-email/integration.ts';
import { IntegrationParameterError } from '../../shared/integration-runtime/errors.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { SnsNotifier } from '../../shared/integration-runtime/notifier.ts';
import { type Harness, startHarness } from './harness.ts';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:SoclessNotifications';

describe('notify_email', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => {
    sns.reset();
  });

  const invoke = (parameters: Record<string, unknown>) =>
    toLambdaHandler(notifyEmail, {
      ...h.deps,
      notifier: new SnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC),
    })({
      _socless: { state: 'Notify', playbook: 'guardduty-triage', execution_id: 'exec', investigation_id: 'inv-1' },
      parameters,
    });

  it('publishes subject, message and filterable attributes to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const out = await invoke({ subject: 'HIGH finding in prod', message: 'details…', severity: 'HIGH' });
    expect(out).toEqual({ message_id: 'm-1', subject: 'HIGH finding in prod' });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ TopicArn: TOPIC, Subject: 'HIGH finding in prod', Message: 'details…' });
    expect(input?.MessageAttributes?.severity).toEqual({ DataType: 'String', StringValue: 'HIGH' });
    expect(input?.MessageAttributes?.investigation_id).toEqual({ DataType: 'String', StringValue: 'inv-1' });
  });

  it('makes any subject acceptable to SNS e-mail (ASCII, one line, under 100 characters)', () => {
    const subject = emailSubject(`Crypto\u00e9 mining\non ${'i-0123456789abcdef0 '.repeat(10)}`);
    expect(subject).toMatch(/^[\x20-\x7E]+$/);
    expect(subject.length).toBeLessThan(100);
    expect(subject.startsWith('Crypto? mining on')).toBe(true);
  });

  it('fails the state when SNS refuses the message', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    const err = await invoke({ subject: 's', message: 'm' }).catch((e) => e);
    expect(err.name).toBe('NotFoundException');
  });

  it('rejects an empty message', async () => {
    const err = await invoke({ subject: 's', message: '' }).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.message).toMatch(/parameter "message" must not be empty/);
  });

  it('records the message locally when run by the local hub', async () => {
    await h.invoke(notifyEmail, { subject: 'local', message: 'hello' });
    expect(h.deps.notifier.sent.at(-1)).toMatchObject({ subject: 'local', message: 'hello' });
  });
});
