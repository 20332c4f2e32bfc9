/**
 * How an answer to a socless-slack PromptForConfirmation reaches the playbook: SOCless data, with the click in
 * `actions.value` ("true" for the yes button, "false" for no) both flattened into `results` and under the
 * state's name, so a SOCless playbook branches on `$.results.actions.value`. A "no" is an answer, not a failure.
 * The interactions function (deployed) and the local executor both build it here.
 */

/**
 * SOCless data for any answer a state resumes with (a native Interaction such as request_approval in a
 * SOCless-style playbook): the answer both under the state's name and flattened, as SOCless returns a Task's
 * result. An answer already in that shape (it has the state's key) is returned as it is.
 */
export function soclessStateOutput(state: string, answer: unknown): unknown {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return answer;
  const r = answer as Record<string, unknown>;
  const nested = r[state];
  if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) return r;
  return { [state]: r, ...r };
}

/** What the answered state returns: `{<State>: r, ...r}`. */
export function soclessConfirmationOutput(
  state: string,
  answer: { readonly decision: 'approve' | 'reject'; readonly responder: string; readonly messageId: string },
): Record<string, unknown> {
  const r = {
    actions: { value: answer.decision === 'approve' ? 'true' : 'false' },
    user: { id: answer.responder },
    message_id: answer.messageId,
  };
  return { [state]: r, ...r };
}

/**
 * What a socless-slack PromptForResponse resumes with: the reply in `text`, flattened and under the state's
 * name (`$.results.text`, `$.results.<State>.text`).
 */
export function soclessResponseOutput(
  state: string,
  answer: { readonly text: string; readonly responder: string; readonly messageId: string },
): Record<string, unknown> {
  const r = { text: answer.text, user: { id: answer.responder }, message_id: answer.messageId };
  return { [state]: r, ...r };
}

/** The answer shape a message_responses item asks for. */
export type AnswerShape = 'socless-confirmation' | 'socless-response';
