import { SoclessError } from '../shared/errors.ts';

/** IAM condition block: operator → key → value(s); values may hold `${AWS::...}` placeholders. */
export type StatementConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/**
 * One statement of a spoke role's permission policy, generated from the remediation registry
 * (shared/remediation/policy.ts); the same template goes to every member account, so resources are
 * account-agnostic.
 */
export interface RemediationStatement {
  /** IAM statement id (letters and digits); names the statement in errors and in the policy. */
  readonly sid: string;
  /** Exact IAM actions (`service:Action`); wildcards are refused. */
  readonly actions: readonly string[];
  /**
   * Resource ARNs or `*` (for actions without resource-level permissions). `${AWS::Partition}`,
   * `${AWS::Region}` and `${AWS::AccountId}` are substituted in each account.
   */
  readonly resources: readonly string[];
  /** @default 'Allow' */
  readonly effect?: 'Allow' | 'Deny';
  /** @default - none */
  readonly conditions?: StatementConditions;
}

/**
 * The spoke roles' statements by direction: `read` (both roles), `fix` (SoclessRemediationRole in notify and
 * auto accounts, with its Deny statements) and `undo` (SoclessUndoRole only).
 */
export interface SpokeRoleStatements {
  readonly read: ReadonlyArray<RemediationStatement>;
  readonly fix: ReadonlyArray<RemediationStatement>;
  readonly undo: ReadonlyArray<RemediationStatement>;
}

/** A remediation statement the spoke role cannot carry; names the statement and what is wrong. */
export class RemediationStatementError extends SoclessError {
  readonly sid: string;
  readonly index: number;
  constructor(index: number, sid: string, reason: string) {
    super(`remediationStatements[${index}] (sid "${sid}"): ${reason}`);
    this.sid = sid;
    this.index = index;
  }
}

const SID = /^[A-Za-z0-9]+$/;
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;
/** CloudFormation pseudo parameters a resource may reference (resolved per account and region). */
const ALLOWED_PLACEHOLDERS = new Set(['AWS::Partition', 'AWS::Region', 'AWS::AccountId']);

/**
 * Checks every statement and throws RemediationStatementError on the first problem: an invalid or repeated
 * sid, no actions, a wildcard or malformed action, no resources, or an unknown `${...}` placeholder.
 */
export function validateRemediationStatements(statements: ReadonlyArray<RemediationStatement>): void {
  const seen = new Set<string>();
  statements.forEach((statement, index) => {
    const sid = statement.sid;
    if (!SID.test(sid)) {
      throw new RemediationStatementError(index, sid, 'sid must be letters and digits only (an IAM Sid)');
    }
    if (seen.has(sid)) throw new RemediationStatementError(index, sid, 'sid is used by an earlier statement');
    seen.add(sid);
    if (statement.actions.length === 0) throw new RemediationStatementError(index, sid, 'lists no actions');
    for (const action of statement.actions) {
      if (action.includes('*') || action.includes('?')) {
        throw new RemediationStatementError(
          index,
          sid,
          `action "${action}" is a wildcard; list the exact actions the remediation calls`,
        );
      }
      if (!ACTION.test(action)) {
        throw new RemediationStatementError(index, sid, `action "${action}" is not of the form service:Action`);
      }
    }
    if (statement.resources.length === 0) throw new RemediationStatementError(index, sid, 'lists no resources');
    if (statement.effect !== undefined && statement.effect !== 'Allow' && statement.effect !== 'Deny') {
      throw new RemediationStatementError(index, sid, `effect "${statement.effect}" is neither Allow nor Deny`);
    }
    const conditionValues = Object.values(statement.conditions ?? {}).flatMap((block) =>
      Object.values(block).flatMap((v) => (typeof v === 'string' ? [v] : [...v])),
    );
    for (const text of [...statement.resources, ...conditionValues]) {
      for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
        const name = match[1] ?? '';
        if (!ALLOWED_PLACEHOLDERS.has(name)) {
          throw new RemediationStatementError(
            index,
            sid,
            `resource or condition "${text}" references \${${name}}; only \${AWS::Partition}, \${AWS::Region} and \${AWS::AccountId} are substituted`,
          );
        }
      }
    }
  });
}

/** True when a resource string carries a `${AWS::...}` placeholder that CloudFormation must substitute. */
export function hasPlaceholder(resource: string): boolean {
  return /\$\{AWS::[A-Za-z]+\}/.test(resource);
}
