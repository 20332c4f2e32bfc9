/**
 * Secret references in parameters: `{{secret:<name or ARN>[:jsonKey]}}` (Secrets Manager) and
 * `{{ssm:/parameter/name}}` (SSM Parameter Store, decrypted). Values are cached per cold start with a TTL so
 * a warm Lambda does not call the service on every state, yet picks up a rotation within the TTL.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { SecretResolutionError } from './errors.ts';

/** A parsed secret reference. */
export type SecretReference =
  | { readonly kind: 'secret'; readonly id: string; readonly jsonKey?: string }
  | { readonly kind: 'ssm'; readonly name: string };

/** Resolves secret references to their values. */
export interface SecretResolver {
  resolve(ref: SecretReference): Promise<unknown>;
}

/**
 * Parses the inside of a `{{secret:…}}` / `{{ssm:…}}` template (without the braces). A Secrets Manager ARN
 * has seven colon-separated parts; anything after them is the JSON key. A secret name cannot contain a
 * colon, so for names the first colon starts the JSON key.
 */
export function parseSecretReference(text: string): SecretReference {
  const trimmed = text.trim();
  if (trimmed.startsWith('ssm:')) {
    const name = trimmed.slice(4).trim();
    if (name.length === 0) throw new SecretResolutionError(`{{${trimmed}}}`, 'names no parameter');
    return { kind: 'ssm', name };
  }
  if (!trimmed.startsWith('secret:')) throw new SecretResolutionError(`{{${trimmed}}}`, 'is not a secret reference');
  const body = trimmed.slice(7).trim();
  let id: string;
  let jsonKey: string | undefined;
  if (body.startsWith('arn:')) {
    const parts = body.split(':');
    if (parts.length < 7) throw new SecretResolutionError(`{{${trimmed}}}`, 'is not a complete Secrets Manager ARN');
    id = parts.slice(0, 7).join(':');
    jsonKey = parts.length > 7 ? parts.slice(7).join(':') : undefined;
  } else {
    const at = body.indexOf(':');
    id = at === -1 ? body : body.slice(0, at);
    jsonKey = at === -1 ? undefined : body.slice(at + 1);
  }
  if (id.length === 0) throw new SecretResolutionError(`{{${trimmed}}}`, 'names no secret');
  if (jsonKey !== undefined && jsonKey.length === 0) jsonKey = undefined;
  return jsonKey === undefined ? { kind: 'secret', id } : { kind: 'secret', id, jsonKey };
}

/** The template text of a reference, for messages (never the value). */
export function describeSecretReference(ref: SecretReference): string {
  if (ref.kind === 'ssm') return `{{ssm:${ref.name}}}`;
  return `{{secret:${ref.id}${ref.jsonKey ? `:${ref.jsonKey}` : ''}}}`;
}

/** Picks a JSON key out of a secret string. */
function pickJsonKey(ref: SecretReference & { kind: 'secret' }, text: string): unknown {
  if (ref.jsonKey === undefined) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretResolutionError(describeSecretReference(ref), 'asks for a JSON key but the secret is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || !(ref.jsonKey in parsed)) {
    throw new SecretResolutionError(describeSecretReference(ref), `the secret has no JSON key "${ref.jsonKey}"`);
  }
  return (parsed as Record<string, unknown>)[ref.jsonKey];
}

/** Secrets Manager and SSM, with a per-process cache. */
export class AwsSecretResolver implements SecretResolver {
  private readonly cache = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly clients: { readonly secretsManager: SecretsManagerClient; readonly ssm: SSMClient },
    private readonly options: { readonly ttlMs?: number; readonly now?: () => number } = {},
  ) {}

  async resolve(ref: SecretReference): Promise<unknown> {
    const cacheKey = ref.kind === 'ssm' ? `ssm:${ref.name}` : `secret:${ref.id}`;
    const now = (this.options.now ?? Date.now)();
    let cached = this.cache.get(cacheKey);
    if (!cached || cached.expiresAt <= now) {
      const value = await this.fetch(ref);
      cached = { value, expiresAt: now + (this.options.ttlMs ?? 5 * 60_000) };
      this.cache.set(cacheKey, cached);
    }
    return ref.kind === 'secret' ? pickJsonKey(ref, cached.value) : cached.value;
  }

  private async fetch(ref: SecretReference): Promise<string> {
    try {
      if (ref.kind === 'ssm') {
        const out = await this.clients.ssm.send(new GetParameterCommand({ Name: ref.name, WithDecryption: true }));
        const value = out.Parameter?.Value;
        if (value === undefined) throw new Error('the parameter has no value');
        return value;
      }
      const out = await this.clients.secretsManager.send(new GetSecretValueCommand({ SecretId: ref.id }));
      if (out.SecretString !== undefined) return out.SecretString;
      if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString('utf8');
      throw new Error('the secret has no value');
    } catch (err) {
      if (err instanceof SecretResolutionError) throw err;
      throw new SecretResolutionError(describeSecretReference(ref), (err as Error).message, { cause: err });
    }
  }
}

/** Resolves from a fixed map (local hub): keys are `secret:<id>` and `ssm:<name>`. */
export class StaticSecretResolver implements SecretResolver {
  constructor(private readonly values: Readonly<Record<string, string>>) {}

  async resolve(ref: SecretReference): Promise<unknown> {
    const key = ref.kind === 'ssm' ? `ssm:${ref.name}` : `secret:${ref.id}`;
    const value = this.values[key];
    if (value === undefined) {
      throw new SecretResolutionError(describeSecretReference(ref), `not configured locally (no "${key}" entry)`);
    }
    return ref.kind === 'secret' ? pickJsonKey(ref, value) : value;
  }
}
