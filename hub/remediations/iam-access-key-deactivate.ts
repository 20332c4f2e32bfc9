// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Deactivates (never deletes) an exposed IAM user access key, or a user's keys unused for 90 days. */
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { defineRemediation, type RemediationEvent } from '../../shared/remediation/types.ts';
import { at, findResource, lastSegment } from './support.ts';

/** A key unused for this long counts as unused (CIS / Security Hub IAM.8). */
export const UNUSED_KEY_DAYS = 90;

export interface AccessKeyTarget {
  readonly userName: string;
  /** The exposed key; absent when the finding is about the user's unused keys. */
  readonly accessKeyId?: string;
}

export interface AccessKeyState {
  readonly keys: ReadonlyArray<{
    readonly accessKeyId: string;
    readonly status: 'Active' | 'Inactive';
    readonly createDate?: string;
    readonly lastUsedDate?: string;
  }>;
}

const ID = 'iam-access-key-deactivate';
/** The user, with or without an IAM path (`user/<name>`, `user/<path>/<name>`). */
const USER = [
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:user/${Target:userName}',
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*/${Target:userName}',
];
const USER_KEY = /^AKIA[A-Z0-9]{12,124}$/;

function keyTarget(event: RemediationEvent): AccessKeyTarget {
  const key = findResource(event, ['AwsIamAccessKey']);
  if (key) {
    const field = `resources[${key.index}]`;
    const d = key.resource.details ?? {};
    const userName =
      (at(d, 'userName') as string | undefined) ??
      (at(d, 'AwsIamAccessKey', 'UserName') as string | undefined) ??
      (at(d, 'AwsIamAccessKey', 'PrincipalName') as string | undefined);
    if (!userName) throw new RemediationTargetError(ID, `${field}.details.userName`, 'is missing: whose key is it?');
    if (d.createdForAnotherUser === false) {
      throw new RemediationTargetError(
        ID,
        `${field}.details.createdBy`,
        `is ${String(d.createdBy)}, the key's own user: a user creating its own key is not the persistence pattern`,
      );
    }
    const accessKeyId = lastSegment(key.resource.id);
    if (!USER_KEY.test(accessKeyId)) {
      throw new RemediationTargetError(
        ID,
        `${field}.id`,
        `is "${accessKeyId}", not an IAM user's long-term access key (AKIA...): temporary credentials cannot be deactivated`,
      );
    }
    return { userName, accessKeyId };
  }
  const user = findResource(event, ['AwsIamUser', 'AWS::IAM::User']);
  if (user?.resource.id.includes(':user/')) {
    return { userName: user.resource.id.split('/').at(-1) as string };
  }
  throw new RemediationTargetError(ID, 'resources', 'names no IAM access key and no IAM user ARN');
}

/** Whether a key counts as unused at `now` (never used and older than the window, or last used before it). */
export function isUnused(key: AccessKeyState['keys'][number], now: Date): boolean {
  const last = key.lastUsedDate ?? key.createDate;
  if (!last) return false;
  return now.getTime() - new Date(last).getTime() >= UNUSED_KEY_DAYS * 86_400_000;
}

function toDeactivate(state: AccessKeyState, target: AccessKeyTarget, now: Date): string[] {
  return state.keys
    .filter((k) => k.status === 'Active')
    .filter((k) => (target.accessKeyId ? k.accessKeyId === target.accessKeyId : isUnused(k, now)))
    .map((k) => k.accessKeyId);
}

export const iamAccessKeyDeactivate = defineRemediation<AccessKeyTarget, AccessKeyState>({
  id: ID,
  title: 'IAM access key: deactivate exposed or unused key',
  description: `Sets an exposed key, or every key of the user unused for ${UNUSED_KEY_DAYS} days, to Inactive; keys are never deleted, so undo can reactivate them.`,
  findings: {
    securityHubControls: ['IAM.3', 'IAM.8'],
    guardDutyTypes: [
      'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      'UnauthorizedAccess:IAMUser/MaliciousIPCaller',
      'UnauthorizedAccess:IAMUser/TorIPCaller',
      'CredentialAccess:IAMUser/AnomalousBehavior',
      'Exfiltration:IAMUser/AnomalousBehavior',
      'InitialAccess:IAMUser/AnomalousBehavior',
      'PenTest:IAMUser/KaliLinux',
    ],
    // A key created for another user (a persistence pattern): deactivated only after a person approves.
    cloudTrail: {
      eventSource: 'iam.amazonaws.com',
      eventNames: ['CreateAccessKey'],
      conditions: [
        { eventNames: ['CreateAccessKey'], detail: { requestParameters: { userName: [{ exists: true }] } } },
      ],
      approvalFor: ['CreateAccessKey'],
    },
  },
  permissions: [
    { calls: ['iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'], resources: USER },
    // One IAM action both ways (Status Inactive to fix, Active to undo) and no condition key on the status:
    // the fix role can re-activate a key. Listed in FIX_ROLE_RESIDUAL_RISKS.
    { purpose: 'fix', calls: ['iam:UpdateAccessKey'], resources: USER },
    { purpose: 'undo', calls: ['iam:UpdateAccessKey'], resources: USER },
  ],
  target: keyTarget,
  async readState(call, { target }) {
    const out = await call({ service: 'iam', action: 'ListAccessKeys', input: { UserName: target.userName } });
    const keys: Array<AccessKeyState['keys'][number]> = [];
    for (const k of (out.AccessKeyMetadata as Array<Record<string, unknown>> | undefined) ?? []) {
      const id = String(k.AccessKeyId);
      const used = await call({ service: 'iam', action: 'GetAccessKeyLastUsed', input: { AccessKeyId: id } });
      const lastUsed = at(used, 'AccessKeyLastUsed', 'LastUsedDate');
      keys.push({
        accessKeyId: id,
        status: k.Status === 'Inactive' ? 'Inactive' : 'Active',
        ...(k.CreateDate ? { createDate: new Date(k.CreateDate as string | Date).toISOString() } : {}),
        ...(lastUsed ? { lastUsedDate: new Date(lastUsed as string | Date).toISOString() } : {}),
      });
    }
    return { keys };
  },
  stateFromFinding: (_event, { target }) =>
    target.accessKeyId ? { keys: [{ accessKeyId: target.accessKeyId, status: 'Active' }] } : undefined,
  plan: (state, { target, now }) =>
    toDeactivate(state, target, now).map((id) => ({
      service: 'iam',
      action: 'UpdateAccessKey',
      input: { UserName: target.userName, AccessKeyId: id, Status: 'Inactive' },
    })),
  undo: (before, { target, now }) =>
    toDeactivate(before, target, now).map((id) => ({
      service: 'iam',
      action: 'UpdateAccessKey',
      input: { UserName: target.userName, AccessKeyId: id, Status: 'Active' },
    })),
});
