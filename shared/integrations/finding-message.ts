/** Parameters the Slack integrations share: how a state describes a finding, and links SOCless adds itself. */
import { z } from 'zod';
import type { FindingMessage } from './slack-blocks.ts';

/** A planned AWS call as the remediate integration reports it. */
const PlannedCallSchema = z.object({
  service: z.string(),
  action: z.string(),
  input: z.record(z.string(), z.unknown()).optional(),
});

/** The finding part of a Slack message, as a playbook state passes it. */
export const FindingMessageParameters = z.object({
  title: z.string().min(1, 'must not be empty').max(500),
  severity: z.string().max(20).optional(),
  account: z.string().max(64).optional(),
  region: z.string().max(32).optional(),
  resource: z.string().max(2048).optional(),
  /** What happened. */
  summary: z.string().max(3000).optional(),
  /** What was or will be done: lines of text, or the planned calls of a remediation. */
  actions: z
    .array(z.union([z.string().max(1000), PlannedCallSchema]))
    .max(50)
    .default([]),
  links: z
    .array(z.object({ text: z.string().min(1).max(75), url: z.url('must be an http(s) URL') }))
    .max(5)
    .default([]),
  facts: z.record(z.string(), z.string()).default({}),
});

type FindingParams = z.output<typeof FindingMessageParameters>;

/** One line per action: text as is, a planned call as `service:Action {input}`. */
export function actionLines(actions: FindingParams['actions']): string[] {
  return actions.map((a) => (typeof a === 'string' ? a : `${a.service}:${a.action} ${JSON.stringify(a.input ?? {})}`));
}

/** The Step Functions console page of an execution, when the id is an execution ARN. */
export function executionConsoleUrl(executionId: string): string | undefined {
  const m = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):\d{12}:execution:/.exec(executionId);
  if (!m) return undefined;
  const host =
    m[1] === 'aws-us-gov'
      ? 'console.amazonaws-us-gov.com'
      : m[1] === 'aws-cn'
        ? 'console.amazonaws.cn'
        : 'console.aws.amazon.com';
  return `https://${host}/states/home?region=${m[2]}#/v2/executions/details/${encodeURIComponent(executionId)}`;
}

/** The message, with a link to the execution added when the playbook runs in AWS. */
export function toFindingMessage(p: FindingParams, executionId: string): FindingMessage {
  const execution = executionConsoleUrl(executionId);
  return {
    title: p.title,
    ...(p.severity ? { severity: p.severity } : {}),
    ...(p.account ? { account: p.account } : {}),
    ...(p.region ? { region: p.region } : {}),
    ...(p.resource ? { resource: p.resource } : {}),
    ...(p.summary ? { summary: p.summary } : {}),
    actions: actionLines(p.actions),
    links: [...p.links, ...(execution ? [{ text: 'Execution', url: execution }] : [])].slice(0, 5),
    facts: p.facts,
  };
}
