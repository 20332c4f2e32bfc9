// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Removes the statements of a Lambda function's resource policy that let anyone invoke it. */
import { RemediationUndoError } from '../../shared/remediation/errors.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import { at, checkId, lastSegment, readOr, requireResourceId } from './support.ts';

const ID = 'lambda-public-policy';
const FUNCTION = 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:${Target:functionName}';

/** A statement as Lambda returns it in GetPolicy. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Condition keys that confine a `*` principal to a caller (Lambda's AddPermission options). */
const CONFINING_KEYS = ['aws:sourcearn', 'aws:sourceaccount', 'aws:principalorgid', 'aws:sourceowner'];

/** Whether a statement allows anyone: principal `*` (or `{AWS: "*"}`) and no condition that confines it. */
export function isPublicStatement(s: PolicyStatement): boolean {
  if (s.Effect !== 'Allow') return false;
  const p = s.Principal;
  const star =
    p === '*' || at(p, 'AWS') === '*' || (Array.isArray(at(p, 'AWS')) && (at(p, 'AWS') as unknown[]).includes('*'));
  if (!star) return false;
  const keys = Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block).map((k) => k.toLowerCase()));
  return !keys.some((k) => CONFINING_KEYS.includes(k));
}

export const lambdaPublicPolicy = defineRemediation<{ functionName: string }, { statements: PolicyStatement[] }>({
  id: ID,
  title: 'Lambda: remove public policy statements',
  description: "Removes each statement of the function's resource policy that grants invoke to any principal.",
  findings: {
    securityHubControls: ['Lambda.1'],
    configRules: ['lambda-function-public-access-prohibited'],
    cloudTrail: {
      eventSource: 'lambda.amazonaws.com',
      eventNames: ['AddPermission20150331v2', 'AddPermission20150331'],
    },
  },
  permissions: [
    { calls: ['lambda:GetPolicy'], resources: [FUNCTION] },
    { purpose: 'fix', calls: ['lambda:RemovePermission'], resources: [FUNCTION] },
    // Re-granting invoke to anyone: undo only.
    { purpose: 'undo', calls: ['lambda:AddPermission'], resources: [FUNCTION] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsLambdaFunction', 'AWS::Lambda::Function']);
    const name = id.startsWith('arn:') ? (id.split(':')[6] ?? '') : lastSegment(id);
    return { functionName: checkId(ID, field, name, /^[A-Za-z0-9_-]{1,64}$/, 'a Lambda function name or ARN') };
  },
  async readState(call, { target }) {
    const out = await readOr(
      () => call({ service: 'lambda', action: 'GetPolicy', input: { FunctionName: target.functionName } }),
      ['ResourceNotFoundException'],
      {},
    );
    const policy = typeof out.Policy === 'string' ? (JSON.parse(out.Policy) as { Statement?: PolicyStatement[] }) : {};
    return { statements: policy.Statement ?? [] };
  },
  // The finding says the policy is public but not which statement: only a live read can name the Sid.
  stateFromFinding: () => undefined,
  plan: (state, { target }) =>
    state.statements.filter(isPublicStatement).map((s) => ({
      service: 'lambda',
      action: 'RemovePermission',
      input: { FunctionName: target.functionName, StatementId: s.Sid },
    })),
  undo: (before, { target }) =>
    before.statements.filter(isPublicStatement).map((s) => {
      const action = Array.isArray(s.Action) ? s.Action[0] : s.Action;
      const urlAuth = at(s.Condition, 'StringEquals', 'lambda:FunctionUrlAuthType');
      if (typeof action !== 'string' || !s.Sid) {
        throw new RemediationUndoError(
          `${ID}: statement ${s.Sid ?? '(no Sid)'} cannot be re-created with AddPermission`,
        );
      }
      return {
        service: 'lambda',
        action: 'AddPermission',
        input: {
          FunctionName: target.functionName,
          StatementId: s.Sid,
          Action: action,
          Principal: '*',
          ...(typeof urlAuth === 'string' ? { FunctionUrlAuthType: urlAuth } : {}),
        },
      };
    }),
});
