// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are placeholders the session policy fills in
/**
 * enrich_resource: what SOCless knows about the first resource a finding names, without touching the account
 * by default. It reads exactly:
 * - the finding: the resource's type, id, ARN, account and region; tags from `resources[0].details` (`Tags`/
 *   `tags`, map or `[{Key,Value}]` list) and, when `raw` is still attached, from the ASFF resource's `Tags` or
 *   GuardDuty's `tags` lists; a creation time from the details (`CreatedAt`, `CreateDate`, `CreationDate`,
 *   `CreatedTime`, `LaunchedAt`, `LaunchTime`, at the top level or one level down as in ASFF `Details`);
 * - a CloudTrail finding's `raw.detail`: `eventTime`, `eventName` and `userIdentity.arn` as the last change
 *   and who made it (without `raw`, the finding's time and no principal);
 * - the accounts table: the owner of the resource's account.
 * Live reads happen only when a spoke session factory is injected, only for the types in LIVE_READS, and only
 * with actions the generated spoke role already holds (narrowed further by a read-only session policy):
 * `ec2:DescribeSecurityGroups` for a security group and `iam:ListAccessKeys` for an access key. The deployed
 * Lambda is given no factory (it does not assume spoke roles), so it answers `live: false` with the reason.
 */
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { z } from 'zod';
import { defineIntegration, type IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError } from '../../../shared/integration-runtime/errors.ts';
import type { SpokeClients } from '../../../shared/remediation/calls.ts';
import type { SpokeSessionFactory } from '../../../shared/remediation/session.ts';
import { defineRemediation, type Remediation, RemediationEventSchema } from '../../../shared/remediation/types.ts';
import { AccountsRepository } from '../../../shared/store/accounts.ts';

const ID = 'enrich_resource';

export const EnrichResourceParameters = z.object({
  /** The normalized finding (`$.artifacts.event.details`). */
  event: z.record(z.string(), z.unknown()),
});

/** What a live read adds. */
export interface LiveReading {
  readonly tags?: Record<string, string>;
  readonly facts: Record<string, unknown>;
}

/** A live read of one resource type through a spoke session. */
interface LiveRead {
  /** Resource types (ASFF and CloudFormation spellings) it answers. */
  readonly types: readonly string[];
  /** The read-only permission holder the session policy is generated from (never registered or planned). */
  readonly permissions: Remediation;
  read(clients: SpokeClients, resource: { id: string; details?: Record<string, unknown> }): Promise<LiveReading>;
}

/** A remediation-shaped holder of read-only permissions: it only shapes a session policy. */
function readOnlyPermissions(id: string, calls: string[], resources: string[]): Remediation {
  return defineRemediation({
    id,
    title: `read-only look (${id})`,
    description: 'Read-only permissions of enrich_resource; never planned or applied.',
    findings: {},
    permissions: [{ calls, resources }],
    target: () => ({}),
    readState: async () => undefined,
    stateFromFinding: () => undefined,
    plan: () => [],
  });
}

const lastSegment = (id: string) => id.split(/[/:]/).at(-1) ?? id;

/** The live reads; each action is already in the spoke role (see spokeRoleStatements()). */
export const LIVE_READS: readonly LiveRead[] = [
  {
    types: ['AwsEc2SecurityGroup', 'AWS::EC2::SecurityGroup'],
    permissions: readOnlyPermissions('enrich-read-security-group', ['ec2:DescribeSecurityGroups'], ['*']),
    async read(clients, resource) {
      const groupId = lastSegment(resource.id);
      const out = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
      const group = out.SecurityGroups?.[0];
      return {
        tags: Object.fromEntries((group?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        facts: {
          groupId,
          groupName: group?.GroupName ?? null,
          vpcId: group?.VpcId ?? null,
          description: group?.Description ?? null,
          ingressRules: group?.IpPermissions?.length ?? 0,
          egressRules: group?.IpPermissionsEgress?.length ?? 0,
        },
      };
    },
  },
  {
    types: ['AwsIamAccessKey', 'AWS::IAM::AccessKey'],
    permissions: readOnlyPermissions(
      'enrich-read-access-key',
      ['iam:ListAccessKeys'],
      ['arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*'],
    ),
    async read(clients, resource) {
      const userName = resource.details?.userName;
      if (typeof userName !== 'string' || userName === '') {
        throw new Error('the finding names no userName for the access key');
      }
      const out = await clients.iam.send(new ListAccessKeysCommand({ UserName: userName }));
      const key = (out.AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === lastSegment(resource.id));
      return {
        facts: {
          userName,
          status: key?.Status ?? 'not found',
          createdAt: key?.CreateDate?.toISOString() ?? null,
        },
      };
    },
  },
];

const CREATED_KEYS = ['CreatedAt', 'CreateDate', 'CreationDate', 'CreatedTime', 'LaunchedAt', 'LaunchTime'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Tags as a map from `{k: v}`, `[{Key, Value}]` or `[{key, value}]`; undefined when there are none. */
export function tagMap(value: unknown): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    const entries = value.flatMap((t) => {
      if (!isRecord(t)) return [];
      const k = t.Key ?? t.key;
      const v = t.Value ?? t.value;
      return typeof k === 'string' ? [[k, typeof v === 'string' ? v : String(v ?? '')] as const] : [];
    });
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string');
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return undefined;
}

/** A creation time from resource details, at the top level or one level down (ASFF `Details.<Type>`). */
function createdAt(details: Record<string, unknown> | undefined): string | undefined {
  if (!details) return undefined;
  for (const scope of [details, ...Object.values(details).filter(isRecord)]) {
    for (const key of CREATED_KEYS) {
      const v = scope[key];
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
    }
  }
  return undefined;
}

/** Tags of the resource in the raw event, where the source keeps them outside `details`. */
function rawTags(raw: unknown, resourceId: string): Record<string, string> | undefined {
  if (!isRecord(raw) || !isRecord(raw.detail)) return undefined;
  const detail = raw.detail;
  // Security Hub ASFF: detail.findings[].Resources[].Tags ({k: v}).
  if (Array.isArray(detail.findings)) {
    for (const f of detail.findings) {
      const resources = isRecord(f) && Array.isArray(f.Resources) ? f.Resources : [];
      const match = resources.find((r) => isRecord(r) && r.Id === resourceId);
      if (isRecord(match)) return tagMap(match.Tags);
    }
  }
  // GuardDuty: detail.resource.instanceDetails.tags / s3BucketDetails[].tags ([{key, value}]).
  if (isRecord(detail.resource)) {
    const r = detail.resource;
    if (isRecord(r.instanceDetails) && r.instanceDetails.instanceId === resourceId)
      return tagMap(r.instanceDetails.tags);
    if (Array.isArray(r.s3BucketDetails)) {
      const b = r.s3BucketDetails.find((x) => isRecord(x) && (x.arn === resourceId || x.name === resourceId));
      if (isRecord(b)) return tagMap(b.tags);
    }
  }
  return undefined;
}

/** Options of {@link createEnrichResourceIntegration}. */
export interface EnrichResourceOptions {
  /** Opens read-only spoke sessions; without one, nothing is read live. @default none */
  readonly sessions?: (ctx: IntegrationContext) => SpokeSessionFactory | undefined;
}

/** Builds the integration; tests and the local hub may inject a spoke session factory. */
export function createEnrichResourceIntegration(options: EnrichResourceOptions = {}) {
  return defineIntegration({
    id: ID,
    references: ['socless.EnrichResource', 'socless.enrich_resource'],
    description: 'Describes the first resource of a finding: type, id, tags, creation and last change, account owner.',
    parameters: EnrichResourceParameters,
    deployment: { tables: [{ table: 'accounts', access: 'r' }], timeoutSeconds: 30, memoryMb: 256 },
    async run(params, ctx) {
      const parsed = RemediationEventSchema.safeParse(params.event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new IntegrationParameterError({
          state: ctx.state,
          integration: ID,
          parameter: ['event', ...(issue?.path ?? [])].join('.'),
          reason: issue?.message ?? 'is not a normalized finding',
        });
      }
      const event = parsed.data;
      const resource = event.resources[0];
      const accountId = resource?.account || event.account;
      const registry = new AccountsRepository(ctx.deps.documentClient, ctx.tableName('accounts'));
      const account = /^\d{12}$/.test(accountId) ? await registry.get(accountId) : undefined;
      const owner = account
        ? {
            found: true,
            account_id: account.accountId,
            name: account.name,
            email: account.email,
            ouPath: account.ouPath,
            tags: account.tags,
            mode: account.mode,
          }
        : { found: false, account_id: accountId };
      if (!resource) {
        return { found: false, reason: 'the finding names no resource', owner, live: false, sources: ['finding'] };
      }
      const sources = ['finding', ...(account ? ['accounts'] : [])];
      let tags = tagMap(resource.details?.Tags ?? resource.details?.tags) ?? rawTags(event.raw, resource.id) ?? {};
      let lastChangedAt: string | null = event.findingUpdatedAt ?? null;
      let lastChangedBy: string | null = null;
      let lastChange: string | null = null;
      if (event.source === 'cloudtrail') {
        const detail = isRecord(event.raw) && isRecord(event.raw.detail) ? event.raw.detail : undefined;
        const identity = detail && isRecord(detail.userIdentity) ? detail.userIdentity : undefined;
        lastChangedAt = typeof detail?.eventTime === 'string' ? detail.eventTime : event.time;
        lastChangedBy = typeof identity?.arn === 'string' ? identity.arn : null;
        lastChange = typeof detail?.eventName === 'string' ? detail.eventName : event.kind;
        if (detail) sources.push('cloudtrail');
      }

      const region = resource.region || event.region;
      const reader = LIVE_READS.find((r) => r.types.includes(resource.type));
      const factory = options.sessions?.(ctx);
      let live: Record<string, unknown> = { live: false };
      if (!reader) live = { live: false, live_reason: `no read-only spoke permissions for ${resource.type}` };
      else if (!factory) live = { live: false, live_reason: 'no spoke session factory (live reads are off)' };
      else if (!account || account.mode === 'off') {
        live = { live: false, live_reason: `account ${accountId} has not opted in (remediation mode off or unknown)` };
      } else if (!region) live = { live: false, live_reason: 'the finding names no region' };
      else {
        try {
          const session = await factory.open({
            account: accountId,
            region,
            remediation: reader.permissions,
            executionId: ctx.executionId,
            // A look, never a change: reads only, whatever the role holds.
            purpose: 'read',
          });
          const reading = await reader.read(session.clients, resource);
          if (reading.tags && Object.keys(reading.tags).length > 0) tags = reading.tags;
          live = { live: true, live_facts: reading.facts };
          sources.push('spoke');
        } catch (err) {
          // Enrichment is best effort: a failed read is reported, not raised.
          live = { live: false, live_reason: `live read failed: ${(err as Error).message}` };
        }
      }
      return {
        found: true,
        resource: {
          type: resource.type,
          id: resource.id,
          arn: resource.arn ?? null,
          account: accountId,
          region: region || null,
        },
        tags,
        created_at: createdAt(resource.details) ?? null,
        last_changed_at: lastChangedAt,
        last_changed_by: lastChangedBy,
        last_change: lastChange,
        owner,
        ...live,
        sources,
      };
    },
  });
}

export const enrichResource = createEnrichResourceIntegration();
