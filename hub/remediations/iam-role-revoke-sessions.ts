// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/**
 * Revokes the active sessions of an IAM role whose temporary credentials were used by someone else: an inline
 * policy that denies every action to credentials issued before the finding's last sighting (IAM's documented
 * "revoke active sessions" mechanism). The workload's own callers get fresh credentials within minutes.
 */
import { NAMES } from '../../shared/names.ts';
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { defineRemediation, type RemediationEvent } from '../../shared/remediation/types.ts';
import { at, checkId, findResource, readOr } from './support.ts';

const ID = 'iam-role-revoke-sessions';
/** The inline policy's name; undo deletes exactly this policy. */
export const REVOKE_POLICY_NAME = 'SoclessRevokeOlderSessions';
const ROLE = [
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Target:roleName}',
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*/${Target:roleName}',
];
const ROLE_NAME = /^[A-Za-z0-9_+=,.@-]{1,64}$/;
/** Roles the remediation never touches: SOCless's own (it would lock the kit out) and service-linked ones. */
const PROTECTED_ROLES: readonly string[] = [
  NAMES.hubRemediationRoleName,
  NAMES.hubUndoRoleName,
  NAMES.spokeRemediationRoleName,
  NAMES.spokeUndoRoleName,
  NAMES.spokeForwardingRoleName,
];

export interface RevokeSessionsTarget {
  readonly roleName: string;
  /** Credentials issued before this time are denied (the finding's last sighting, ISO 8601). */
  readonly revokeBefore: string;
}

export interface RevokeSessionsState {
  /** The role's path: `/aws-service-role/...` marks a service-linked role. */
  readonly path: string;
  /** The revoke policy already on the role, as IAM returned it; null when there is none. */
  readonly policy: Record<string, unknown> | null;
}

/** The time the revoke policy in `policy` denies before, or undefined. */
export function revokedBefore(policy: Record<string, unknown> | null): string | undefined {
  const statements = (policy?.Statement as Array<Record<string, unknown>> | undefined) ?? [];
  const times = statements
    .filter((s) => s.Effect === 'Deny' && s.Action === '*' && s.Resource === '*')
    .map((s) => at(s, 'Condition', 'DateLessThan', 'aws:TokenIssueTime'))
    .filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  return times.sort().at(-1);
}

/** The policy document that denies everything to credentials issued before `time`. */
export function revokePolicy(time: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SoclessDenyCredentialsIssuedBefore',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': time } },
      },
    ],
  };
}

function revokeTarget(event: RemediationEvent): RevokeSessionsTarget {
  const key = findResource(event, ['AwsIamAccessKey']);
  if (!key) throw new RemediationTargetError(ID, 'resources', 'names no access key: whose session is it?');
  const field = `resources[${key.index}]`;
  const accessKeyId = key.resource.id;
  if (!/^ASIA[A-Z0-9]{12,124}$/.test(accessKeyId)) {
    throw new RemediationTargetError(
      ID,
      `${field}.id`,
      `is "${accessKeyId}", not temporary credentials (ASIA...): a long-term key is deactivated, not revoked`,
    );
  }
  const d = key.resource.details ?? {};
  const principalId = at(d, 'principalId');
  if (typeof principalId === 'string' && !principalId.startsWith('AROA')) {
    throw new RemediationTargetError(
      ID,
      `${field}.details.principalId`,
      `is "${principalId}", not an assumed role's session (AROA...)`,
    );
  }
  const name = at(d, 'userName');
  if (typeof name !== 'string') throw new RemediationTargetError(ID, `${field}.details.userName`, 'is missing');
  const roleName = checkId(ID, `${field}.details.userName`, name, ROLE_NAME, 'an IAM role name');
  if (PROTECTED_ROLES.includes(roleName) || roleName.startsWith('AWSServiceRoleFor')) {
    throw new RemediationTargetError(
      ID,
      `${field}.details.userName`,
      `is "${roleName}", a ${roleName.startsWith('AWSServiceRoleFor') ? 'service-linked role' : 'SOCless role'}, which is never revoked`,
    );
  }
  const lastSeen =
    at(event.raw, 'detail', 'service', 'eventLastSeen') ?? event.findingUpdatedAt ?? (event.time as unknown);
  if (typeof lastSeen !== 'string' || Number.isNaN(Date.parse(lastSeen))) {
    throw new RemediationTargetError(ID, 'time', 'is not a time: when were the credentials last seen?');
  }
  return { roleName, revokeBefore: new Date(lastSeen).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

export const iamRoleRevokeSessions = defineRemediation<RevokeSessionsTarget, RevokeSessionsState>({
  id: ID,
  title: "IAM role: revoke the role's active sessions",
  description:
    "Puts an inline policy on the role that denies every action to credentials issued before the finding's last sighting, so stolen session credentials stop working; the workload's own callers get fresh credentials within minutes (SDKs refresh them). Never automatic by default: every session of the role stops at once.",
  findings: {
    guardDutyTypes: [
      'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS',
      'UnauthorizedAccess:IAMUser/MaliciousIPCaller',
      'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom',
      'UnauthorizedAccess:IAMUser/TorIPCaller',
      'CredentialAccess:IAMUser/AnomalousBehavior',
      'Exfiltration:IAMUser/AnomalousBehavior',
      'Impact:IAMUser/AnomalousBehavior',
      'Persistence:IAMUser/AnomalousBehavior',
      'PrivilegeEscalation:IAMUser/AnomalousBehavior',
    ],
  },
  neverAuto: true,
  permissions: [
    { calls: ['iam:GetRole', 'iam:GetRolePolicy'], resources: ROLE },
    // No IAM condition key inspects the policy document: a residual risk (FIX_ROLE_RESIDUAL_RISKS); the fix role's
    // denies keep it off SOCless's own roles and service-linked roles.
    { purpose: 'fix', calls: ['iam:PutRolePolicy'], resources: ROLE },
    { purpose: 'undo', calls: ['iam:DeleteRolePolicy', 'iam:PutRolePolicy'], resources: ROLE },
  ],
  target: revokeTarget,
  async readState(call, { target }) {
    const role = await call({ service: 'iam', action: 'GetRole', input: { RoleName: target.roleName } });
    const path = String(at(role, 'Role', 'Path') ?? '/');
    if (path.startsWith('/aws-service-role/')) {
      throw new RemediationTargetError(ID, 'target.roleName', `is a service-linked role (path ${path})`);
    }
    const out = await readOr(
      () =>
        call({
          service: 'iam',
          action: 'GetRolePolicy',
          input: { RoleName: target.roleName, PolicyName: REVOKE_POLICY_NAME },
        }),
      ['NoSuchEntity', 'NoSuchEntityException'],
      {},
    );
    // IAM returns inline policy documents URL-encoded.
    const doc = typeof out.PolicyDocument === 'string' ? JSON.parse(decodeURIComponent(out.PolicyDocument)) : null;
    return { path, policy: doc };
  },
  stateFromFinding: () => ({ path: '/', policy: null }),
  plan(state, { target }) {
    const current = revokedBefore(state.policy);
    if (current && Date.parse(current) >= Date.parse(target.revokeBefore)) return [];
    return [
      {
        service: 'iam',
        action: 'PutRolePolicy',
        input: {
          RoleName: target.roleName,
          PolicyName: REVOKE_POLICY_NAME,
          PolicyDocument: JSON.stringify(revokePolicy(target.revokeBefore)),
        },
      },
    ];
  },
  undo(before, { target }) {
    if (before.policy) {
      return [
        {
          service: 'iam',
          action: 'PutRolePolicy',
          input: {
            RoleName: target.roleName,
            PolicyName: REVOKE_POLICY_NAME,
            PolicyDocument: JSON.stringify(before.policy),
          },
        },
      ];
    }
    return [
      {
        service: 'iam',
        action: 'DeleteRolePolicy',
        input: { RoleName: target.roleName, PolicyName: REVOKE_POLICY_NAME },
      },
    ];
  },
});
