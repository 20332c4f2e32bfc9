/**
 * The fingerprint of a remediation plan: what an approver saw and approved. request_approval stores it with
 * the request and the answer carries it back; the remediate integration compares it with the live plan
 * (`approved_plan_hash`) and asks again when they differ.
 */
import { createHash } from 'node:crypto';

/** One planned call as it is hashed: service, action and the exact input. */
export interface HashedCall {
  readonly service: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** JSON with object keys sorted at every level, so equal plans hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Hex SHA-256 of the canonical JSON of the calls (service, action, input; in plan order). */
export function planHash(calls: readonly HashedCall[]): string {
  const plan = calls.map((c) => ({ service: c.service, action: c.action, input: c.input }));
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/**
 * planHash of the planned calls among an approval request's `actions` (text lines are not part of the plan),
 * or undefined when it lists none: what a request stores and its answer carries back as `plan_hash`.
 */
export function planHashOfActions(actions: unknown): string | undefined {
  if (!Array.isArray(actions)) return undefined;
  const calls = actions.flatMap((a): HashedCall[] =>
    a !== null && typeof a === 'object' && typeof a.service === 'string' && typeof a.action === 'string'
      ? [{ service: a.service, action: a.action, input: (a.input ?? {}) as Record<string, unknown> }]
      : [],
  );
  return calls.length > 0 ? planHash(calls) : undefined;
}
