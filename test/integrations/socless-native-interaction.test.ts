/**
 * A native Interaction (request_approval) in a SOCless-style playbook resumes with SOCless data: the answer both
 * flattened into `results` and under the state's name, as SOCless returns a Task's result. request_approval marks
 * the request it records; the deployed interactions function resumes a marked request that way
 * (socless-native-interaction-resume.test.ts), and so does the local executor (the approve_fix playbook test cases).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestApproval } from '../../hub/integrations/request-approval/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { soclessStateOutput } from '../../shared/integrations/socless-answers.ts';
import { type Harness, startHarness } from './harness.ts';

describe('a native Interaction in a SOCless-style playbook', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** Asks as the state Approve of one execution (compat or native) and returns the recorded request. */
  async function ask(compat: boolean): Promise<Record<string, unknown> | undefined> {
    const execution = `arn:aws:states:us-east-1:111111111111:execution:approve_fix:${compat ? 'socless' : 'native'}`;
    const out = await toLambdaHandler(
      requestApproval,
      h.deps,
    )({
      _socless: {
        state: 'Approve',
        playbook: 'approve_fix',
        execution_id: execution,
        investigation_id: 'inv-1',
        ...(compat ? { compat: 'socless', templates: [] } : {}),
      },
      parameters: { title: 'Lock the account?' },
      ...(compat ? { context: { artifacts: {}, results: {}, errors: {} } } : {}),
      task_token: `token-${compat}`,
    });
    const messageId = (out.Approve as { message_id?: string } | undefined)?.message_id ?? out.message_id;
    const got = await h.dynamo.client.send(new GetCommand({ TableName: 'message_responses', Key: { messageId } }));
    return got.Item;
  }

  it('is recorded as answered with SOCless data only when the playbook is SOCless-style', async () => {
    expect(await ask(true)).toMatchObject({ state: 'Approve', soclessCompat: true });
    const native = await ask(false);
    expect(native).toMatchObject({ state: 'Approve' });
    expect(native?.soclessCompat).toBeUndefined();
  });

  it('flattens an answer once', () => {
    const answer = { decision: 'approve', responder: 'alice' };
    expect(soclessStateOutput('Approve', answer)).toEqual({ Approve: answer, ...answer });
    expect(soclessStateOutput('Approve', soclessStateOutput('Approve', answer))).toEqual({
      Approve: answer,
      ...answer,
    });
  });
});
