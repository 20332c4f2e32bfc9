/**
 * Block Kit messages SOCless posts: a finding notice (severity, account, resource, what happened, what was or
 * will be done, links) and an approval request with Approve / Reject buttons and a reason field. Text from
 * events is escaped (`&`, `<`, `>`) so a finding cannot inject mentions or links, and cut to Slack's limits.
 */

/** Action ids of the approval buttons and the reason input; the interactions function reads them back. */
export const APPROVE_ACTION_ID = 'socless_approve';
export const REJECT_ACTION_ID = 'socless_reject';
export const REASON_BLOCK_ID = 'socless_reason';
export const REASON_ACTION_ID = 'reason';

/** Slack's section text limit is 3000 characters; a header's is 150. */
const SECTION_LIMIT = 3000;
const HEADER_LIMIT = 150;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

const SEVERITY_ICONS: Record<string, string> = {
  CRITICAL: ':red_circle:',
  HIGH: ':large_orange_circle:',
  MEDIUM: ':large_yellow_circle:',
  LOW: ':large_blue_circle:',
  INFORMATIONAL: ':white_circle:',
};

/** What a finding message says. */
export interface FindingMessage {
  readonly title: string;
  readonly severity?: string;
  readonly account?: string;
  readonly region?: string;
  readonly resource?: string;
  /** What happened (the finding's description). */
  readonly summary?: string;
  /** What was done or will be done, one line per step. */
  readonly actions?: readonly string[];
  readonly links?: ReadonlyArray<{ readonly text: string; readonly url: string }>;
  /** Extra `key: value` facts. */
  readonly facts?: Readonly<Record<string, string>>;
}

/** A link only if it is http(s), so event data cannot smuggle other schemes into a button. */
function safeUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The plain-text fallback (notifications, screen readers). */
export function findingText(m: FindingMessage): string {
  return cut(
    `${m.severity ? `[${m.severity}] ` : ''}${m.title}${m.account ? ` (account ${m.account})` : ''}`,
    SECTION_LIMIT,
  );
}

/** Block Kit blocks of a finding message. */
export function findingBlocks(m: FindingMessage): unknown[] {
  const icon = m.severity ? (SEVERITY_ICONS[m.severity.toUpperCase()] ?? ':white_circle:') : '';
  const blocks: unknown[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: cut(`${m.severity ? `${m.severity}: ` : ''}${m.title}`, HEADER_LIMIT) },
    },
  ];
  const fields: Array<{ type: 'mrkdwn'; text: string }> = [];
  if (m.severity) fields.push({ type: 'mrkdwn', text: `*Severity*\n${icon} ${escapeSlack(m.severity)}` });
  if (m.account) fields.push({ type: 'mrkdwn', text: `*Account*\n${escapeSlack(m.account)}` });
  if (m.region) fields.push({ type: 'mrkdwn', text: `*Region*\n${escapeSlack(m.region)}` });
  if (m.resource) fields.push({ type: 'mrkdwn', text: `*Resource*\n\`${escapeSlack(m.resource)}\`` });
  for (const [k, v] of Object.entries(m.facts ?? {}).slice(0, 10 - fields.length)) {
    fields.push({ type: 'mrkdwn', text: cut(`*${escapeSlack(k)}*\n${escapeSlack(v)}`, 2000) });
  }
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  if (m.summary) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`*What happened*\n${escapeSlack(m.summary)}`, SECTION_LIMIT) },
    });
  }
  if (m.actions && m.actions.length > 0) {
    const lines = m.actions.map((a) => `• ${escapeSlack(a)}`).join('\n');
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`*What was or will be done*\n${lines}`, SECTION_LIMIT) },
    });
  }
  const links = (m.links ?? [])
    .map((l) => ({ text: l.text, url: safeUrl(l.url) }))
    .filter((l): l is { text: string; url: string } => l.url !== undefined)
    .slice(0, 5);
  if (links.length > 0) {
    blocks.push({
      type: 'actions',
      elements: links.map((l, i) => ({
        type: 'button',
        action_id: `socless_link_${i}`,
        text: { type: 'plain_text', text: cut(l.text, 75) },
        url: l.url,
      })),
    });
  }
  return blocks;
}

/** The approval request: the finding, then a reason field and Approve / Reject buttons carrying the message id. */
export function approvalBlocks(
  m: FindingMessage & { readonly question: string; readonly messageId: string },
): unknown[] {
  return [
    ...findingBlocks(m),
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*${escapeSlack(m.question)}*`, SECTION_LIMIT) } },
    {
      type: 'input',
      block_id: REASON_BLOCK_ID,
      optional: true,
      label: { type: 'plain_text', text: 'Reason (optional)' },
      element: { type: 'plain_text_input', action_id: REASON_ACTION_ID, max_length: 2000 },
    },
    {
      type: 'actions',
      block_id: 'socless_decision',
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: m.messageId,
          confirm: {
            title: { type: 'plain_text', text: 'Apply the fix?' },
            text: { type: 'plain_text', text: 'SOCless will change the resource in the account.' },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: REJECT_ACTION_ID,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value: m.messageId,
        },
      ],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `SOCless request \`${escapeSlack(m.messageId)}\`` }] },
  ];
}

/** What replaces the buttons once answered (or timed out), so nobody clicks a dead request. */
export function decisionBlocks(input: {
  readonly title: string;
  readonly decision: 'approve' | 'reject';
  /** A Slack user id (`U…`, rendered as a mention) or a name. */
  readonly responder: string;
  readonly at: string;
  readonly reason?: string;
  readonly timedOut?: boolean;
}): unknown[] {
  const who = /^[UW][A-Z0-9]+$/.test(input.responder) ? `<@${input.responder}>` : escapeSlack(input.responder);
  const verb = input.decision === 'approve' ? ':white_check_mark: Approved' : ':no_entry: Rejected';
  const line = input.timedOut
    ? `${verb} by default: nobody answered in time (${escapeSlack(input.at)})`
    : `${verb} by ${who} at ${escapeSlack(input.at)}`;
  return [
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*${escapeSlack(input.title)}*`, SECTION_LIMIT) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: cut(`${line}${input.reason ? `\n>${escapeSlack(input.reason)}` : ''}`, SECTION_LIMIT),
      },
    },
  ];
}
