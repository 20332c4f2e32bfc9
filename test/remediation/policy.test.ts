// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} are IAM/CloudFormation placeholders under test
/**
 * Permission groups by direction, session policies per purpose and target, and the review of what the fix role
 * can still do (FIX_ROLE_RESIDUAL_RISKS).
 */
import { describe, expect, it } from 'vitest';
import { REMEDIATIONS, remediationById, spokeRoleStatements } from '../../hub/remediations/index.ts';
import { CALLS, iamActionOf } from '../../shared/remediation/calls.ts';
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import {
  directionOnlyCalls,
  FIX_ACTIONS_CANNOT_WEAKEN,
  FIX_ROLE_DENIES,
  FIX_ROLE_RESIDUAL_RISKS,
  sessionPolicy,
  sessionResource,
} from '../../shared/remediation/policy.ts';
import { defineRemediation, type Remediation } from '../../shared/remediation/types.ts';

const ACCOUNT = '210987654321';
const PURPOSES = ['read', 'fix', 'undo'] as const;

/** The longest realistic value of each target field a resource pattern uses. */
const LONG_TARGET: Record<string, string> = {
  bucket: `b${'a1.-'.repeat(15)}bucket-z`.slice(0, 63),
  groupId: `sg-${'0123456789abcdef0'}`,
  userName: `u${'ser.name+=,@_-'.repeat(5)}`.slice(0, 64),
  snapshotId: 'snap-0123456789abcdef0',
  snapshot: `rds:${'a-very-long-manual-snapshot-name-'.repeat(8)}`.slice(0, 255),
  keyId: `mrk-${'0123456789abcdef'.repeat(2)}`,
  functionName: `f${'unction_name-'.repeat(5)}`.slice(0, 64),
  trailName: `t${'rail.name_-'.repeat(12)}`.slice(0, 128),
  roleName: `r${'ole_name+=,.@-'.repeat(5)}`.slice(0, 64),
  instanceId: 'i-0123456789abcdef0',
  dbInstance: `d${'b-instance-'.repeat(6)}`.slice(0, 63),
  dbCluster: `d${'b-cluster-'.repeat(7)}`.slice(0, 63),
  cluster: `r${'edshift-cluster-'.repeat(4)}`.slice(0, 63),
  documentName: `D${'ocument_name.-'.repeat(10)}`.slice(0, 128),
  tableName: `t${'able_name.-'.repeat(24)}`.slice(0, 255),
  transitGatewayId: 'tgw-0123456789abcdef0',
  queueName: `q${'ueue_name-'.repeat(8)}`.slice(0, 80),
  projectName: `p${'roject_name-'.repeat(22)}`.slice(0, 255),
};

const targetFields = (r: Remediation) => [
  ...new Set(
    r.permissions.flatMap((g) =>
      g.resources.flatMap((res) => [...res.matchAll(/\$\{Target:(\w+)\}/g)].map((m) => m[1])),
    ),
  ),
];
const actionsOf = (doc: ReturnType<typeof sessionPolicy>) => doc.Statement.flatMap((s) => s.Action);
const writeActions = new Set(
  Object.values(CALLS)
    .filter((c) => c.write)
    .map((c) => c.iamAction),
);

describe('permission groups by direction', () => {
  it('declares every write of every remediation in a fix or undo group, and undo groups exactly when undo exists', () => {
    for (const r of REMEDIATIONS) {
      for (const g of r.permissions) {
        for (const c of g.calls) expect(CALLS[c]?.write === true, `${r.id}: ${c}`).toBe(g.purpose !== undefined);
      }
      expect(
        r.permissions.some((g) => g.purpose === 'undo'),
        r.id,
      ).toBe(r.undo !== undefined);
    }
  });

  it('refuses a write without a direction, a read in a write group, and undo without undo permissions', () => {
    const base = {
      id: 'made-up',
      title: 't',
      description: 'd',
      findings: {},
      target: () => ({}),
      readState: async () => ({}),
      stateFromFinding: () => undefined,
      plan: () => [],
    };
    expect(() =>
      defineRemediation({ ...base, permissions: [{ calls: ['cloudtrail:StopLogging'], resources: ['*'] }] }),
    ).toThrow(/permissions\[0\] lists the write cloudtrail:StopLogging without a purpose/);
    expect(() =>
      defineRemediation({
        ...base,
        permissions: [{ purpose: 'fix', calls: ['cloudtrail:GetTrailStatus'], resources: ['*'] }],
      }),
    ).toThrow(/is a fix group but lists the read cloudtrail:GetTrailStatus/);
    expect(() =>
      defineRemediation({
        ...base,
        undo: () => [],
        permissions: [{ purpose: 'fix', calls: ['cloudtrail:StartLogging'], resources: ['*'] }],
      }),
    ).toThrow(/has undo but declares no undo permissions/);
    expect(() =>
      defineRemediation({
        ...base,
        permissions: [{ calls: ['cloudtrail:GetTrailStatus'], resources: ['arn:aws:cloudtrail:*:*:trail/${Bucket}'] }],
      }),
    ).toThrow(/references \$\{Bucket\}/);
  });

  it('keeps de-hardening calls undo-only: StopLogging, AddPermission, Authorize*, Disable*, DeleteBucketPolicy', () => {
    const undoOnly = directionOnlyCalls(REMEDIATIONS, 'undo');
    expect(undoOnly).toEqual(
      expect.arrayContaining([
        'cloudtrail:StopLogging',
        'lambda:AddPermission',
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'kms:DisableKeyRotation',
        'ec2:DisableEbsEncryptionByDefault',
        's3:DeleteBucketPolicy',
      ]),
    );
    const fixActions = new Set(
      spokeRoleStatements()
        .fix.filter((s) => s.effect !== 'Deny')
        .flatMap((s) => s.actions),
    );
    for (const call of undoOnly) expect(fixActions.has(iamActionOf(call)), call).toBe(false);
  });
});

describe('sessionPolicy', () => {
  it('grants a read session reads only, a fix session no undo-only action, an undo session no fix-only action', () => {
    const undoOnly = new Set(directionOnlyCalls(REMEDIATIONS, 'undo').map(iamActionOf));
    const fixOnly = new Set(directionOnlyCalls(REMEDIATIONS, 'fix').map(iamActionOf));
    for (const r of REMEDIATIONS) {
      const read = actionsOf(sessionPolicy(r, ACCOUNT, 'aws', 'read'));
      expect(
        read.filter((a) => writeActions.has(a)),
        r.id,
      ).toEqual([]);
      expect(read.length, r.id).toBeGreaterThan(0);
      const fix = actionsOf(sessionPolicy(r, ACCOUNT, 'aws', 'fix'));
      expect(
        fix.filter((a) => undoOnly.has(a)),
        r.id,
      ).toEqual([]);
      expect(fix.filter((a) => writeActions.has(a)).length, r.id).toBeGreaterThan(0);
      const undo = actionsOf(sessionPolicy(r, ACCOUNT, 'aws', 'undo'));
      expect(
        undo.filter((a) => fixOnly.has(a)),
        r.id,
      ).toEqual([]);
    }
    const trail = remediationById('cloudtrail-logging');
    expect(actionsOf(sessionPolicy(trail, ACCOUNT, 'aws', 'fix'))).not.toContain('cloudtrail:StopLogging');
    expect(actionsOf(sessionPolicy(trail, ACCOUNT, 'aws', 'undo'))).toContain('cloudtrail:StopLogging');
  });

  it('names the target bucket, and no wildcard, in a bucket remediation session', () => {
    const doc = sessionPolicy(remediationById('s3-bucket-require-tls'), ACCOUNT, 'aws', 'fix', {
      bucket: 'payments-logs',
    });
    expect(doc.Statement).toEqual([
      {
        Sid: 'S3BucketRequireTls',
        Effect: 'Allow',
        Action: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'],
        Resource: ['arn:aws:s3:::payments-logs'],
      },
    ]);
    expect(JSON.stringify(doc)).not.toContain('*');
    // Without the field the pattern keeps the role's breadth.
    expect(
      sessionPolicy(remediationById('s3-bucket-require-tls'), ACCOUNT, 'aws', 'fix').Statement[0]?.Resource,
    ).toEqual(['arn:aws:s3:::*']);
  });

  it('substitutes every target field into the narrowest pattern (IAM users with and without a path)', () => {
    const iam = sessionPolicy(remediationById('iam-access-key-deactivate'), ACCOUNT, 'aws', 'fix', { userName: 'bob' });
    expect(iam.Statement[0]?.Resource).toEqual([
      `arn:aws:iam::${ACCOUNT}:user/*/bob`,
      `arn:aws:iam::${ACCOUNT}:user/bob`,
    ]);
    const snapshot = sessionPolicy(remediationById('ebs-snapshot-private'), ACCOUNT, 'aws', 'fix', {
      snapshotId: 'snap-0123456789abcdef0',
    });
    expect(snapshot.Statement.flatMap((s) => s.Resource)).toContain('arn:aws:ec2:*::snapshot/snap-0123456789abcdef0');
    // An account-level finding names no snapshot: the write may touch any of the account's snapshots.
    const all = sessionPolicy(remediationById('ebs-snapshot-private'), ACCOUNT, 'aws', 'fix', {});
    expect(all.Statement.flatMap((s) => s.Resource)).toContain('arn:aws:ec2:*::snapshot/*');
  });

  it('refuses target values that would widen or re-shape the ARN, naming the remediation and the field', () => {
    const bucket = remediationById('s3-bucket-public-access-block');
    for (const value of ['*', 'logs-*', 'log?', '${aws:username}', 'a/b', 'two words', '']) {
      if (value === '') continue;
      const error = (() => {
        try {
          sessionPolicy(bucket, ACCOUNT, 'aws', 'fix', { bucket: value });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, value).toBeInstanceOf(RemediationTargetError);
      expect((error as RemediationTargetError).message).toMatch(
        /remediation s3-bucket-public-access-block: .*target\.bucket/,
      );
    }
    expect(() =>
      sessionPolicy(remediationById('iam-access-key-deactivate'), ACCOUNT, 'aws', 'fix', { userName: 'bob*' }),
    ).toThrow(/target\.userName/);
    expect(() => sessionPolicy(bucket, ACCOUNT, 'aws', 'fix', { bucket: 42 })).toThrow(/is a number, not a string/);
    // `:` only where the placeholder ends the ARN (an RDS automated snapshot name has one; a segment before cannot).
    expect(sessionResource({ id: 'x' }, 'arn:aws:rds:*:1:snapshot:${Target:s}', '1', 'aws', { s: 'rds:db-1' })).toBe(
      'arn:aws:rds:*:1:snapshot:rds:db-1',
    );
    expect(() => sessionResource({ id: 'x' }, 'arn:aws:svc:${Target:r}:1:thing/a', '1', 'aws', { r: 'eu:x' })).toThrow(
      /remediation x: event field target\.r/,
    );
  });

  it('keeps every session policy under 2,048 characters with the longest realistic targets', () => {
    let largest = { size: 0, what: '' };
    for (const r of REMEDIATIONS) {
      const target = Object.fromEntries(
        targetFields(r).map((f) => {
          expect(LONG_TARGET[f as string], `a long value for ${r.id}'s target field ${f}`).toBeDefined();
          return [f, LONG_TARGET[f as string]];
        }),
      );
      for (const purpose of PURPOSES) {
        const size = JSON.stringify(sessionPolicy(r, ACCOUNT, 'aws-us-gov', purpose, target)).length;
        expect(size, `${r.id} ${purpose}`).toBeLessThanOrEqual(2_048);
        if (size > largest.size) largest = { size, what: `${r.id} ${purpose}` };
      }
    }
    expect(largest.size).toBeGreaterThan(0);
  });
});

describe('fix role review', () => {
  it('reviews every fix-direction action: denied in its weakening form, listed as a residual risk, or unable to weaken', () => {
    const fixActions = [
      ...new Set(
        spokeRoleStatements()
          .fix.filter((s) => s.effect !== 'Deny')
          .flatMap((s) => s.actions),
      ),
    ];
    const residual = new Set(FIX_ROLE_RESIDUAL_RISKS.map((r) => r.action));
    for (const action of fixActions) {
      expect(residual.has(action) || action in FIX_ACTIONS_CANNOT_WEAKEN, `${action} is not reviewed`).toBe(true);
    }
    for (const risk of FIX_ROLE_RESIDUAL_RISKS) {
      expect(fixActions, `${risk.action} is no longer a fix action`).toContain(risk.action);
      expect(risk.reason.length).toBeGreaterThan(40);
    }
  });

  it('documents iam:UpdateAccessKey as a residual: the fix role can re-activate a key (same action, no status key)', () => {
    const key = remediationById('iam-access-key-deactivate');
    const purposes = key.permissions.filter((g) => g.calls.includes('iam:UpdateAccessKey')).map((g) => g.purpose);
    expect(purposes.sort()).toEqual(['fix', 'undo']);
    expect(FIX_ROLE_RESIDUAL_RISKS.find((r) => r.action === 'iam:UpdateAccessKey')).toMatchObject({
      impact: 'weakens',
      remediations: ['iam-access-key-deactivate'],
    });
  });

  it('adds the fix role denies only for actions the fix role grants', () => {
    const fix = spokeRoleStatements().fix;
    const denies = fix.filter((s) => s.effect === 'Deny');
    expect(denies.map((d) => d.sid)).toEqual(FIX_ROLE_DENIES.map((d) => d.sid));
    const without = spokeRoleStatements(REMEDIATIONS.filter((r) => r.id !== 'ebs-snapshot-private')).fix;
    expect(without.some((s) => s.sid.startsWith('DenySnapshot'))).toBe(false);
    expect(spokeRoleStatements().undo.some((s) => s.effect === 'Deny')).toBe(false);
  });
});
