// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/**
 * IAM policies generated from the registry: the spoke role's statements (every remediation) and the
 * session policy of one run (one remediation). Both come from the same permission groups, so adding a
 * remediation updates both, and neither can hold a wildcard action.
 */
import type { RemediationStatement } from '../../spoke/remediation-statements.ts';
import { iamActionOf } from './calls.ts';
import type { Remediation } from './types.ts';

/** IAM statement id of a remediation's n-th permission group (`S3BucketPublicAccessBlock`, `...2`). */
export function statementSid(remediationId: string, index: number): string {
  const base = remediationId
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w[0] as string).toUpperCase() + w.slice(1))
    .join('');
  return index === 0 ? base : `${base}${index + 1}`;
}

/** The IAM actions of a list of calls, de-duplicated and sorted. */
export function iamActions(calls: readonly string[]): string[] {
  return [...new Set(calls.map(iamActionOf))].sort();
}

/** One remediation's statements, with `${AWS::...}` placeholders left for CloudFormation. */
export function remediationStatements(remediation: Remediation): RemediationStatement[] {
  return remediation.permissions.map((group, i) => ({
    sid: statementSid(remediation.id, i),
    actions: iamActions(group.calls),
    resources: [...group.resources],
  }));
}

/** Every IAM action the remediations need (the spoke role's action list). */
export function allIamActions(registry: readonly Remediation[]): string[] {
  return [...new Set(registry.flatMap((r) => r.permissions.flatMap((g) => iamActions(g.calls))))].sort();
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<{
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: readonly string[];
  }>;
}

/**
 * The session policy of one run: the remediation's statements with the account and partition filled in (the
 * region stays a wildcard where the pattern has one). The session's permissions are the intersection of
 * this and the spoke role's policy.
 */
export function sessionPolicy(remediation: Remediation, account: string, partition: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: remediationStatements(remediation).map((s) => ({
      Sid: s.sid,
      Effect: 'Allow',
      Action: s.actions,
      Resource: s.resources.map((r) =>
        r
          .replaceAll('${AWS::Partition}', partition)
          .replaceAll('${AWS::AccountId}', account)
          .replaceAll('${AWS::Region}', '*'),
      ),
    })),
  };
}
