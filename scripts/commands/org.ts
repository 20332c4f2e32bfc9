import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { REMEDIATION_MODES, type RemediationMode, type SoclessConfig } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { hubRemediationRoleArn } from '../../shared/names.ts';
import { resolveExternalId } from '../../shared/remediation/external-id.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { asUsage, requireAwsCredentials, UsageError, withExamples } from '../cli-errors.ts';
import { loadRepoConfig } from '../local/hub.ts';
import {
  type AwsCommandOptions,
  type AwsContext,
  assumedRoleCredentials,
  createAwsContext,
  HUB_OUTPUT_FLAGS,
  HUB_OUTPUTS,
  hubStackOutputs,
  tryCredentials,
} from '../org/aws-context.ts';
import { parseSince } from '../org/executions.ts';
import { type ApiGates, createGates, parseRates } from '../org/gates.ts';
import { AccountIndexLastEvents, type LastEventSource, StatusIndexLastEvents } from '../org/last-events.ts';
import { applyOptIn, describeChange, planOptIn } from '../org/opt-in.ts';
import { AccountsTableTags } from '../org/registry-tags.ts';
import { confirm, progressBar, statusTable } from '../org/report.ts';
import { coverageText, type OrgScanDeps, scanOrganization } from '../org/scan.ts';

/** Options shared by the org and exec commands. */
export interface AwsCliOptions extends AwsCommandOptions {
  config?: string;
  rate: string[];
  eventsTable?: string;
  accountsTable?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Adds `--profile`, `--region`, `--org-role`, `--config`, `--rate` and the table overrides to a command. */
export function withAwsOptions(command: Command): Command {
  return command
    .option('--profile <name>', 'AWS profile (default: the default credential chain)')
    .option('--region <region>', 'region of the hub (default: the configuration home region)')
    .option('--org-role <arn>', 'role in the management account to assume for Organizations calls')
    .option('--config <file>', 'socless configuration JSON (default: cdk.json context "socless")')
    .option(
      '--rate <api=n>',
      'requests per second for an API (organizations, sts, cloudformation, dynamodb, sfn)',
      collect,
      [],
    )
    .option('--events-table <name>', `events table (default: hub stack output ${HUB_OUTPUTS.eventsTable})`)
    .option('--accounts-table <name>', `accounts table (default: hub stack output ${HUB_OUTPUTS.accountsTable})`);
}

/**
 * Configuration, gates and clients for one command run. Local inputs (configuration, `--rate`) are checked
 * and the credentials resolved (no network) before the command makes its first AWS call.
 */
export async function setUp(opts: AwsCliOptions): Promise<{ config: SoclessConfig; gates: ApiGates; aws: AwsContext }> {
  const config = loadRepoConfig(opts.config);
  const gates = createGates({ rates: asUsage(() => parseRates(opts.rate)) });
  const aws = createAwsContext(opts, config, gates);
  await requireAwsCredentials(aws.sts, opts.profile);
  return { config, gates, aws };
}

/** An account id, OU id or root id, checked before any AWS call. */
export function checkOrgTarget(target: string, what = 'target'): string {
  if (
    /^\d{12}$/.test(target) ||
    /^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/.test(target) ||
    /^r-[a-z0-9]{4,32}$/.test(target)
  ) {
    return target;
  }
  throw new UsageError(
    `${what}: "${target}" is not an account id (12 digits), an OU id (ou-ab12-cdef3456) or a root id (r-ab12)`,
  );
}

/** A table name from the option, else the hub stack output; undefined when neither is available. */
export async function tableName(
  explicit: string | undefined,
  output: string,
  aws: AwsContext,
  gates: ApiGates,
  required: boolean,
): Promise<string | undefined> {
  if (explicit) return explicit;
  try {
    const outputs = await hubStackOutputs(aws.cloudformation, gates);
    const name = outputs[output];
    if (!name && required) {
      const key = (Object.keys(HUB_OUTPUTS) as Array<keyof typeof HUB_OUTPUTS>).find((k) => HUB_OUTPUTS[k] === output);
      throw new SoclessError(
        `the hub stack has no output ${output}: redeploy the hub${key ? `, or pass ${HUB_OUTPUT_FLAGS[key]} <name>` : ''}`,
      );
    }
    return name;
  } catch (err) {
    if (required) throw err;
    process.stderr.write(`note: ${(err as Error).message}\n`);
    return undefined;
  }
}

interface StatusOptions extends AwsCliOptions {
  tagsFrom: string;
  ou?: string;
  json?: boolean;
  hubRole?: string;
  eventsSince: string;
}

interface OptInOptions extends AwsCliOptions {
  mode: string;
  json?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  registry: boolean;
}

export function registerOrgCommand(program: Command): void {
  const org = withExamples(program.command('org'), 'socless org status').description(
    'the organization: coverage, opt-in (real AWS)',
  );

  withAwsOptions(
    withExamples(
      org.command('status'),
      'socless org status',
      'socless org status --profile security-admin --ou ou-ab12-cdef3456 --json',
    )
      .description('every account: spoke instances per region, remediation role, effective mode, last event')
      .option('--ou <id>', 'only the accounts under this OU (or root)')
      .option('--json', 'print one JSON document instead of a table')
      .option('--hub-role <arn>', 'role spoke roles trust, assumed to probe them (default: the hub remediation role)')
      .option('--events-since <duration>', 'how far back the events table is read for the last event', '7d')
      .option(
        '--tags-from <source>',
        'account tags from the hub accounts registry (accounts it does not know from Organizations) or from Organizations (one call per account)',
        'registry',
      ),
  ).action(async (opts: StatusOptions) => {
    if (opts.ou) checkOrgTarget(opts.ou, '--ou');
    asUsage(() => parseSince(opts.eventsSince, Date.now(), '--events-since'));
    asUsage(() => checkTagsFrom(opts.tagsFrom));
    const { config, gates, aws } = await setUp(opts);
    const hubRole = opts.hubRole ?? hubRemediationRoleArn(config.hubAccountId);
    const hubCredentials = assumedRoleCredentials(aws.sts, gates, hubRole, 'socless-org-status');
    const hubProblem = await tryCredentials(hubCredentials);
    if (hubProblem)
      process.stderr.write(`note: cannot assume ${hubRole}, remediation roles are not probed: ${hubProblem}\n`);
    const deps: OrgScanDeps = {
      organizations: aws.organizations,
      cloudformation: aws.stackSets,
      ...(hubProblem
        ? { stsUnavailable: `cannot assume ${hubRole}: ${hubProblem}` }
        : { sts: new STSClient({ ...aws.settings, credentials: hubCredentials }) }),
      stsWithCredentials: (credentials) => new STSClient({ ...aws.settings, credentials }),
      ...(await eventsSource(opts, aws, gates)),
      ...(await tagSource(opts, aws, gates)),
      gates,
    };
    const bar = progressBar(process.stderr, 'scanning');
    let externalId: string | undefined;
    if (!hubProblem) {
      try {
        externalId = await resolveExternalId(config, new SecretsManagerClient(aws.settings));
      } catch (err) {
        process.stderr.write(`note: ${(err as Error).message}; spoke roles are probed without it\n`);
      }
    }
    const report = await scanOrganization(deps, {
      config,
      ...(externalId ? { externalId } : {}),
      ...(opts.ou ? { from: opts.ou } : {}),
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    const [first] = report.failures;
    if (report.accounts.length === 0 && first) {
      // Nothing was read: an empty table and "0 of 0 accounts covered" would read as an empty organization.
      throw new SoclessError(
        `cannot read the organization (${first.operation} on ${first.scope}: ${first.error}): use credentials of the management account or a delegated administrator, or pass --org-role <arn>`,
      );
    }
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...report, summary: coverageText(report) }, null, 2)}\n`);
    } else {
      for (const line of statusTable(report.accounts)) process.stdout.write(`${line}\n`);
      process.stdout.write(`\n${coverageText(report).join('\n')}\n`);
      const throttled = Object.values(report.api).reduce((n, s) => n + s.throttled, 0);
      process.stdout.write(
        `Scanned ${report.accounts.length} accounts in ${(report.elapsedMs / 1000).toFixed(1)} s` +
          `${throttled ? ` (${throttled} throttled requests retried)` : ''}; last events from ${report.eventsSource ?? 'nowhere (no events table)'}; ` +
          `tags: ${report.tags.fromRegistry} from the ${report.tags.source}${report.tags.oldestUpdatedAt ? ` (oldest written ${report.tags.oldestUpdatedAt})` : ''}, ${report.tags.fromOrganizations} from Organizations${report.tags.error ? ` (registry unreadable: ${report.tags.error})` : ''}.\n`,
      );
    }
    process.exitCode = report.complete ? 0 : 1;
  });

  withAwsOptions(
    withExamples(
      org.command('opt-in'),
      'socless org opt-in 123456789012 --mode dry-run --dry-run',
      'socless org opt-in ou-ab12-cdef3456 --mode notify --profile org-admin --yes',
    )
      .description('set the remediation mode of an account, or of every account under an OU, by account tag')
      .argument('<target>', 'account id, OU id or root id')
      .requiredOption('--mode <mode>', `one of ${REMEDIATION_MODES.join(', ')}`)
      .option('--dry-run', 'show the changes and stop')
      .option('--yes', 'do not ask for confirmation')
      .option('--no-registry', 'leave the accounts table alone (the registry sync will catch up)')
      .option('--json', 'print the plan as one JSON document (applied only with --yes; never asks)'),
  ).action(async (target: string, opts: OptInOptions) => {
    checkOrgTarget(target);
    if (!(REMEDIATION_MODES as readonly string[]).includes(opts.mode)) {
      throw new UsageError(`--mode: "${opts.mode}" must be one of ${REMEDIATION_MODES.join(', ')}`);
    }
    const mode = opts.mode as RemediationMode;
    const { config, gates, aws } = await setUp(opts);
    const accountsTable = opts.registry
      ? await tableName(opts.accountsTable, HUB_OUTPUTS.accountsTable, aws, gates, true)
      : undefined;
    const deps = {
      organizations: aws.organizations,
      gates,
      config,
      ...(accountsTable ? { accounts: new AccountsRepository(aws.documents, accountsTable) } : {}),
    };
    const plan = await planOptIn(deps, target, mode);
    const todo = plan.changes.filter((c) => c.action === 'tag').length;
    if (opts.json && (todo === 0 || opts.dryRun || !opts.yes)) {
      // JSON is for scripts: it plans, or applies with --yes; it never stops to ask.
      process.stdout.write(`${JSON.stringify({ dryRun: true, ...plan }, null, 2)}\n`);
      process.exitCode = plan.incomplete.length > 0 ? 1 : 0;
      return;
    }
    if (opts.json) {
      const results = await applyOptIn(deps, plan);
      process.stdout.write(`${JSON.stringify({ dryRun: false, ...plan, results }, null, 2)}\n`);
      process.exitCode = results.some((r) => !r.ok) || plan.incomplete.length > 0 ? 1 : 0;
      return;
    }
    const out = process.stdout;
    out.write(`Opt-in ${target} -> ${mode}: ${plan.changes.length} account(s)\n`);
    for (const c of plan.changes) out.write(`${describeChange(c)}\n`);
    for (const i of plan.incomplete) out.write(`  incomplete: ${i}\n`);
    if (!target.match(/^\d{12}$/)) {
      out.write(
        'Accounts are tagged, not the OU: the account tag is what decides the mode (tag > config > default).\n' +
          'Accounts moved into the OU later are not tagged; for a lasting OU mode set remediation.ous in the configuration.\n',
      );
    }
    if (todo === 0 || opts.dryRun) {
      out.write(opts.dryRun ? `Dry run: ${todo} account(s) would change.\n` : 'Nothing to change.\n');
      process.exitCode = plan.incomplete.length > 0 ? 1 : 0;
      return;
    }
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new SoclessError('not a terminal: pass --yes to apply, or --dry-run to look');
      if (!(await confirm(`Tag ${todo} account(s) with ${mode}?`))) {
        out.write('Cancelled.\n');
        return;
      }
    }
    const results = await applyOptIn(deps, plan);
    const failed = results.filter((r) => !r.ok);
    for (const f of failed) out.write(`  failed ${f.accountId}: ${f.error}\n`);
    out.write(`${results.length - failed.length} of ${results.length} account(s) updated.\n`);
    process.exitCode = failed.length > 0 || plan.incomplete.length > 0 ? 1 : 0;
  });
}

/** The last-event source: `account-index` when the table has that GSI, else bounded status-index queries. */
/** Account tags from the accounts registry unless `--tags-from organizations` (or no accounts table is found). */
function checkTagsFrom(value: string): void {
  if (value !== 'registry' && value !== 'organizations') {
    throw new SoclessError(`--tags-from must be registry or organizations, got "${value}"`);
  }
}

async function tagSource(opts: StatusOptions, aws: AwsContext, gates: ApiGates): Promise<Pick<OrgScanDeps, 'tags'>> {
  if (opts.tagsFrom === 'organizations') return {};
  const table = await tableName(opts.accountsTable, HUB_OUTPUTS.accountsTable, aws, gates, false);
  return table
    ? { tags: new AccountsTableTags({ client: aws.documents, tableName: table, gate: gates.dynamodb }) }
    : {};
}

async function eventsSource(
  opts: StatusOptions,
  aws: AwsContext,
  gates: ApiGates,
): Promise<Pick<OrgScanDeps, 'events'>> {
  const table = await tableName(opts.eventsTable, HUB_OUTPUTS.eventsTable, aws, gates, false);
  if (!table) return {};
  const described = await gates.dynamodb
    .call(() => aws.dynamodb.send(new DescribeTableCommand({ TableName: table })))
    .catch(() => undefined);
  const hasAccountIndex = described?.Table?.GlobalSecondaryIndexes?.some((i) => i.IndexName === 'account-index');
  const source: LastEventSource = hasAccountIndex
    ? new AccountIndexLastEvents({ client: aws.documents, tableName: table, gate: gates.dynamodb })
    : new StatusIndexLastEvents({
        client: aws.documents,
        tableName: table,
        gate: gates.dynamodb,
        since: parseSince(opts.eventsSince, Date.now(), '--events-since'),
      });
  return { events: source };
}
