import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SoclessConfig } from '../../shared/config.ts';
import { ConfigError, jsonPath, type Problem } from '../../shared/errors.ts';
import { effectiveMode } from '../../shared/org/accounts.ts';
import type { AccountRecordInput } from '../../shared/store/accounts.ts';

/** A simulated AWS Organization for the local hub: OUs, accounts and their tags. */
const OrgFileSchema = z
  .object({
    organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must look like o-abc1234567'),
    rootId: z.string().regex(/^r-[a-z0-9]{4,32}$/, 'must look like r-ab12'),
    ous: z
      .array(
        z
          .object({
            id: z.string().regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/, 'must look like ou-ab12-cdef3456'),
            name: z.string().min(1),
            parent: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
    accounts: z
      .array(
        z
          .object({
            id: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
            name: z.string().min(1),
            email: z.string().min(3),
            ou: z.string().min(1),
            status: z.enum(['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE']).default('ACTIVE'),
            tags: z.record(z.string(), z.string()).default({}),
          })
          .strict(),
      )
      .min(1, 'must list at least one account'),
  })
  .strict();

export type OrgFile = z.output<typeof OrgFileSchema>;

/** One account as the local registry holds it, with how its mode was decided. */
export interface SimulatedAccount extends AccountRecordInput {
  readonly accountId: string;
  readonly ouNames: readonly string[];
  readonly modeSource: string;
}

/** Reads and checks an org file; every problem names the file and the field. */
export function loadOrgFile(file: string): OrgFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ file, path: '$', reason: `cannot be read as JSON (${(err as Error).message})` }]);
  }
  const parsed = OrgFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ file, path: jsonPath(i.path), reason: i.message })));
  }
  const org = parsed.data;
  const problems: Problem[] = [];
  const known = new Set([org.rootId, ...org.ous.map((o) => o.id)]);
  org.ous.forEach((ou, i) => {
    if (!known.has(ou.parent))
      problems.push({ file, path: `$.ous[${i}].parent`, reason: `unknown parent ${ou.parent}` });
  });
  const seen = new Set<string>();
  org.accounts.forEach((a, i) => {
    if (!known.has(a.ou)) problems.push({ file, path: `$.accounts[${i}].ou`, reason: `unknown OU ${a.ou}` });
    if (seen.has(a.id)) problems.push({ file, path: `$.accounts[${i}].id`, reason: `account ${a.id} is listed twice` });
    seen.add(a.id);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return org;
}

/** The registry entries of a simulated org, each with its effective remediation mode. */
export function simulatedAccounts(org: OrgFile, config: SoclessConfig): SimulatedAccount[] {
  const ous = new Map(org.ous.map((o) => [o.id, o]));
  const pathOf = (ouId: string): string[] => {
    const path: string[] = [];
    // Walk up to the root; a cycle in the file would loop forever, so stop after as many steps as OUs.
    for (let id: string | undefined = ouId, steps = 0; id && steps <= ous.size; steps++) {
      path.unshift(id);
      id = id === org.rootId ? undefined : ous.get(id)?.parent;
    }
    return path;
  };
  return org.accounts.map((a) => {
    const ouPath = pathOf(a.ou);
    const { mode, source } = effectiveMode(config, { accountId: a.id, ouPath, tags: a.tags });
    return {
      accountId: a.id,
      name: a.name,
      email: a.email,
      ouId: a.ou,
      ouPath,
      ouNames: ouPath.map((id) => (id === org.rootId ? 'Root' : (ous.get(id)?.name ?? id))),
      tags: a.tags,
      status: a.status,
      mode,
      modeSource: source,
    };
  });
}
