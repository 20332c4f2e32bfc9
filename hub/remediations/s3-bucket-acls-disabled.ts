// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Disables ACLs on an S3 bucket with the BucketOwnerEnforced object ownership setting (Security Hub S3.12). */
import { defineRemediation, type PlanContext, type PlannedCall } from '../../shared/remediation/types.ts';
import { at, readOr, s3BucketTarget } from './support.ts';

const ID = 's3-bucket-acls-disabled';
const BUCKET = 'arn:${AWS::Partition}:s3:::${Target:bucket}';

export interface BucketAclState {
  /** The object ownership rule (`BucketOwnerEnforced`, `BucketOwnerPreferred`, `ObjectWriter`); null when unset. */
  readonly ownership: string | null;
  /** The bucket ACL's owner (canonical id) and grants, as GetBucketAcl returns them. */
  readonly acl: { readonly owner: Record<string, unknown>; readonly grants: ReadonlyArray<Record<string, unknown>> };
}

/** Whether the ACL grants anything to anyone but the bucket owner (S3 then refuses BucketOwnerEnforced). */
export function grantsOutsideOwner(acl: BucketAclState['acl']): boolean {
  return acl.grants.some(
    (g) => at(g, 'Grantee', 'Type') !== 'CanonicalUser' || at(g, 'Grantee', 'ID') !== acl.owner.ID,
  );
}

/** The reversal of each call of the plan on `before`, index for index (the plan's order: ACL reset, then ownership). */
function reversals(before: BucketAclState, { target, account }: PlanContext<{ bucket: string }>): PlannedCall[] {
  if (before.ownership === 'BucketOwnerEnforced') return [];
  const bucket = { Bucket: target.bucket, ExpectedBucketOwner: account };
  const calls: PlannedCall[] = [];
  if (grantsOutsideOwner(before.acl)) {
    calls.push({
      service: 's3',
      action: 'PutBucketAcl',
      input: { ...bucket, AccessControlPolicy: { Owner: before.acl.owner, Grants: before.acl.grants } },
    });
  }
  calls.push(
    before.ownership === null
      ? { service: 's3', action: 'DeleteBucketOwnershipControls', input: bucket }
      : {
          service: 's3',
          action: 'PutBucketOwnershipControls',
          input: { ...bucket, OwnershipControls: { Rules: [{ ObjectOwnership: before.ownership }] } },
        },
  );
  return calls;
}

export const s3BucketAclsDisabled = defineRemediation<{ bucket: string }, BucketAclState>({
  id: ID,
  title: 'S3 bucket: ACLs disabled (bucket owner enforced)',
  description:
    'Sets object ownership to BucketOwnerEnforced, so ACLs no longer grant access. When the bucket ACL grants access outside the account, the plan resets it to private first (S3 refuses the setting otherwise): grants such as log delivery must move to the bucket policy. Never automatic: writers that rely on ACLs are cut off. Undo restores the previous ownership setting and ACL.',
  findings: { securityHubControls: ['S3.12'], configRules: ['s3-bucket-acl-prohibited'] },
  neverAuto: true,
  permissions: [
    { calls: ['s3:GetBucketOwnershipControls', 's3:GetBucketAcl'], resources: [BUCKET] },
    // Neither action has a condition key on its settings: residual risks (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['s3:PutBucketAcl', 's3:PutBucketOwnershipControls'], resources: [BUCKET] },
    {
      purpose: 'undo',
      calls: ['s3:PutBucketAcl', 's3:PutBucketOwnershipControls', 's3:DeleteBucketOwnershipControls'],
      resources: [BUCKET],
    },
  ],
  target: (event) => s3BucketTarget(ID, event),
  async readState(call, { target, account }) {
    const bucket = { Bucket: target.bucket, ExpectedBucketOwner: account };
    const controls = await readOr(
      () => call({ service: 's3', action: 'GetBucketOwnershipControls', input: bucket }),
      ['OwnershipControlsNotFoundError'],
      {},
    );
    const acl = await call({ service: 's3', action: 'GetBucketAcl', input: bucket });
    const rule = at(controls, 'OwnershipControls', 'Rules', 0, 'ObjectOwnership');
    return {
      ownership: typeof rule === 'string' ? rule : null,
      acl: {
        owner: (acl.Owner as Record<string, unknown> | undefined) ?? {},
        grants: (acl.Grants as Array<Record<string, unknown>> | undefined) ?? [],
      },
    };
  },
  stateFromFinding: () => undefined,
  plan(state, { target, account }) {
    if (state.ownership === 'BucketOwnerEnforced') return [];
    const bucket = { Bucket: target.bucket, ExpectedBucketOwner: account };
    const calls: PlannedCall[] = [];
    if (grantsOutsideOwner(state.acl)) {
      calls.push({ service: 's3', action: 'PutBucketAcl', input: { ...bucket, ACL: 'private' } });
    }
    calls.push({
      service: 's3',
      action: 'PutBucketOwnershipControls',
      input: { ...bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } },
    });
    return calls;
  },
  // Undo runs the reversals backwards: the ownership setting first, since ACLs apply again only once ownership is
  // no longer enforced, then the old grants.
  undo: (before, ctx) => reversals(before, ctx).reverse(),
  undoEach: reversals,
});
