/**
 * The socless-slack operations with socless-slack's parameters and result shapes (see the SOCless contract):
 * SendMessage, FindUser, CheckIfUserInChannel, SetChannelTopic, CreateChannel, InviteToChannel, UploadFile.
 * Every one takes an optional `token` (resolved only from Secrets Manager or SSM by the runtime); the default is
 * the bot token secret the hub stack creates.
 */
import { z } from 'zod';
import type { IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError } from '../../../shared/integration-runtime/errors.ts';
import { renderLegacyContext } from '../../../shared/integration-runtime/socless-params.ts';
import { HttpClient } from '../../../shared/integrations/http.ts';
import { INTEGRATION_ENV, IntegrationNotConfiguredError, readSecret } from '../../../shared/integrations/settings.ts';
import { SlackClient } from '../../../shared/integrations/slack.ts';

type Params = Record<string, unknown>;
export type SlackOperation = (params: Params, ctx: IntegrationContext) => Promise<Record<string, unknown>>;

export function fail(ctx: IntegrationContext, parameter: string, reason: string): never {
  throw new IntegrationParameterError({
    state: ctx.state,
    integration: `${ctx.integration} ${ctx.operation ?? ''}`.trim(),
    parameter,
    reason,
  });
}

export function parse<S extends z.ZodType>(schema: S, params: Params, ctx: IntegrationContext): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const [first] = parsed.error.issues;
  return fail(ctx, first?.path.join('.') || '(parameters)', first?.message ?? 'is invalid');
}

/** The Slack client for a state: its `token` parameter, else the configured bot token. */
export async function slackFor(params: Params, ctx: IntegrationContext): Promise<SlackClient> {
  const env = ctx.deps.env;
  const baseUrl = env[INTEGRATION_ENV.slackApiUrl];
  if (typeof params.token === 'string' && params.token.length > 0) {
    return new SlackClient({ token: params.token, ...(baseUrl ? { baseUrl } : {}) });
  }
  const secret = env[INTEGRATION_ENV.slackBotTokenSecret];
  if (!secret) {
    throw new IntegrationNotConfiguredError(
      ctx.integration,
      INTEGRATION_ENV.slackBotTokenSecret,
      'slack (the bot token secret)',
    );
  }
  return new SlackClient({ token: await readSecret(ctx.deps.secrets, secret), ...(baseUrl ? { baseUrl } : {}) });
}

/** socless-slack's legacy `{context.x}` in message text, over the execution context. */
export function legacyText(text: string, parameter: string, ctx: IntegrationContext): string {
  const context = ctx.soclessContext ?? { artifacts: ctx.artifacts ?? {}, results: {}, errors: {} };
  return renderLegacyContext(text, context, (reason) => fail(ctx, parameter, reason));
}

export const TargetType = z.enum(['slack_id', 'user', 'channel']);
const Token = z.string().min(1).optional();

/** Every member of the workspace (users.list, paged). */
async function allUsers(slack: SlackClient): Promise<Array<Record<string, unknown>>> {
  const users: Array<Record<string, unknown>> = [];
  let cursor: string | undefined;
  do {
    const page = await slack.call('users.list', { limit: 200, ...(cursor ? { cursor } : {}) });
    users.push(...((page.members as Array<Record<string, unknown>> | undefined) ?? []));
    const next = (page.response_metadata as Record<string, unknown> | undefined)?.next_cursor;
    cursor = typeof next === 'string' && next.length > 0 ? next : undefined;
  } while (cursor);
  return users;
}

/** A user by name (`name`, `real_name` or display name), or undefined. */
async function findUserByName(slack: SlackClient, username: string, excludeBots: boolean) {
  const wanted = username.replace(/^@/, '').toLowerCase();
  return (await allUsers(slack)).find((u) => {
    if (excludeBots && (u.is_bot === true || u.id === 'USLACKBOT')) return false;
    const profile = (u.profile ?? {}) as Record<string, unknown>;
    return [u.name, u.real_name, profile.display_name, profile.real_name].some(
      (n) => typeof n === 'string' && n.toLowerCase() === wanted,
    );
  });
}

/** Where a message goes: a channel or user id, `#channel` for a channel name, a user's id for a user name. */
export async function resolveTarget(
  slack: SlackClient,
  target: string,
  targetType: z.output<typeof TargetType>,
  ctx: IntegrationContext,
): Promise<string> {
  if (targetType === 'slack_id') return target;
  if (targetType === 'channel') return target.startsWith('#') ? target : `#${target}`;
  const user = await findUserByName(slack, target, true);
  if (!user || typeof user.id !== 'string') return fail(ctx, 'target', `no Slack user named "${target}"`);
  return user.id;
}

const sendMessage: SlackOperation = async (params, ctx) => {
  const p = parse(
    z.object({
      target: z.string().min(1),
      target_type: TargetType,
      message_template: z.string().min(1),
      as_user: z.boolean().default(true),
      token: Token,
    }),
    params,
    ctx,
  );
  const slack = await slackFor(params, ctx);
  const channel = await resolveTarget(slack, p.target, p.target_type, ctx);
  const text = legacyText(p.message_template, 'message_template', ctx);
  const response = await slack.call('chat.postMessage', { channel, text, unfurl_links: false, unfurl_media: false });
  return { response, slack_id: typeof response.channel === 'string' ? response.channel : channel };
};

const findUser: SlackOperation = async (params, ctx) => {
  const p = parse(
    z
      .object({
        username: z.string().min(1).optional(),
        slack_id: z.string().min(1).optional(),
        exclude_bots: z.boolean().default(true),
        token: Token,
      })
      .refine((v) => v.username !== undefined || v.slack_id !== undefined, {
        message: 'give username or slack_id',
        path: ['username'],
      }),
    params,
    ctx,
  );
  const slack = await slackFor(params, ctx);
  let user: Record<string, unknown> | undefined;
  if (p.slack_id !== undefined) {
    try {
      user = (await slack.call('users.info', { user: p.slack_id })).user as Record<string, unknown> | undefined;
    } catch (err) {
      if ((err as Error).message.includes('user_not_found')) user = undefined;
      else throw err;
    }
  } else {
    user = await findUserByName(slack, p.username as string, p.exclude_bots);
  }
  if (!user) return { result: 'false' };
  const profile = (user.profile ?? {}) as Record<string, unknown>;
  return {
    result: 'true',
    id: user.id,
    name: user.real_name ?? profile.real_name ?? user.name,
    username: user.name,
    profile,
  };
};

const checkIfUserInChannel: SlackOperation = async (params, ctx) => {
  const p = parse(
    z.object({ user_id: z.string().min(1), target_channel_id: z.string().min(1), token: Token }),
    params,
    ctx,
  );
  const slack = await slackFor(params, ctx);
  let cursor: string | undefined;
  do {
    const page = await slack.call('conversations.members', {
      channel: p.target_channel_id,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    if (((page.members as unknown[] | undefined) ?? []).includes(p.user_id)) return { ok: true };
    const next = (page.response_metadata as Record<string, unknown> | undefined)?.next_cursor;
    cursor = typeof next === 'string' && next.length > 0 ? next : undefined;
  } while (cursor);
  return { ok: false };
};

const setChannelTopic: SlackOperation = async (params, ctx) => {
  const p = parse(z.object({ channel_id: z.string().min(1), topic: z.string().max(250), token: Token }), params, ctx);
  const slack = await slackFor(params, ctx);
  const out = await slack.call('conversations.setTopic', { channel: p.channel_id, topic: p.topic });
  const channel = (out.channel ?? {}) as Record<string, unknown>;
  const topic = (channel.topic as Record<string, unknown> | undefined)?.value;
  return { ok: true, topic: typeof topic === 'string' ? topic : p.topic };
};

const createChannel: SlackOperation = async (params, ctx) => {
  const p = parse(
    z.object({
      channel_name: z.string().regex(/^[a-z0-9_-]{1,80}$/, 'must be 1-80 lower-case letters, digits, - or _'),
      user_ids: z.array(z.string().min(1)).default([]),
      is_private: z.boolean().default(false),
      token: Token,
    }),
    params,
    ctx,
  );
  const slack = await slackFor(params, ctx);
  const out = await slack.call('conversations.create', { name: p.channel_name, is_private: p.is_private });
  const channel = (out.channel ?? {}) as Record<string, unknown>;
  const id = String(channel.id ?? '');
  if (p.user_ids.length > 0) await slack.call('conversations.invite', { channel: id, users: p.user_ids.join(',') });
  return { ok: true, created_channel_id: id, channel_name: channel.name ?? p.channel_name, added_users: p.user_ids };
};

const inviteToChannel: SlackOperation = async (params, ctx) => {
  const p = parse(
    z
      .object({
        channel_id: z.string().min(1),
        user_id: z.string().min(1).optional(),
        user_ids: z.array(z.string().min(1)).optional(),
        token: Token,
      })
      .refine((v) => v.user_id !== undefined || (v.user_ids?.length ?? 0) > 0, {
        message: 'give user_id or user_ids',
        path: ['user_ids'],
      }),
    params,
    ctx,
  );
  const users = p.user_ids ?? [p.user_id as string];
  const slack = await slackFor(params, ctx);
  await slack.call('conversations.invite', { channel: p.channel_id, users: users.join(',') });
  return { ok: true, user_ids: users };
};

/** UploadFile through Slack's external upload flow (files.getUploadURLExternal, then completeUploadExternal). */
const uploadFile: SlackOperation = async (params, ctx) => {
  const p = parse(
    z
      .object({
        target: z.string().min(1),
        target_type: TargetType,
        content: z.unknown().optional(),
        file: z.unknown().optional(),
        filename: z.string().min(1).default('file.txt'),
        title: z.string().optional(),
        initial_comment: z.string().optional(),
        token: Token,
      })
      .refine((v) => v.content !== undefined || v.file !== undefined, {
        message: 'give content (or file, e.g. "vault:<key>")',
        path: ['content'],
      }),
    params,
    ctx,
  );
  const raw = p.content ?? p.file;
  const text =
    typeof raw === 'string'
      ? legacyText(raw, p.content !== undefined ? 'content' : 'file', ctx)
      : JSON.stringify(raw, null, 2);
  const slack = await slackFor(params, ctx);
  const channel = await resolveTarget(slack, p.target, p.target_type, ctx);
  const bytes = Buffer.byteLength(text, 'utf8');
  const slot = await slack.call('files.getUploadURLExternal', { filename: p.filename, length: bytes });
  const uploadUrl = String(slot.upload_url ?? '');
  const fileId = String(slot.file_id ?? '');
  if (!/^https?:\/\//.test(uploadUrl)) return fail(ctx, '(Slack)', 'files.getUploadURLExternal returned no upload URL');
  const target = new URL(uploadUrl);
  await new HttpClient({ service: 'slack upload', baseUrl: target.origin }).requestOk({
    method: 'POST',
    path: uploadUrl,
    rawBody: text,
    headers: { 'content-type': 'application/octet-stream' },
  });
  const response = await slack.call('files.completeUploadExternal', {
    files: [{ id: fileId, ...(p.title !== undefined ? { title: p.title } : {}) }],
    channel_id: channel,
    ...(p.initial_comment !== undefined
      ? { initial_comment: legacyText(p.initial_comment, 'initial_comment', ctx) }
      : {}),
  });
  return { response, slack_id: channel };
};

/** Operation name (the socless-slack integration name) → implementation. */
export const SOCLESS_SLACK_OPERATIONS: Readonly<Record<string, SlackOperation>> = {
  SendMessage: sendMessage,
  FindUser: findUser,
  CheckIfUserInChannel: checkIfUserInChannel,
  SetChannelTopic: setChannelTopic,
  CreateChannel: createChannel,
  InviteToChannel: inviteToChannel,
  UploadFile: uploadFile,
};
