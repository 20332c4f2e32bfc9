import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Command, Option } from 'commander';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { loadConfig, loadConfigFile, type SoclessConfig } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { hubUndoRoleArn } from '../../shared/names.ts';
import { resolveExternalId } from '../../shared/remediation/external-id.ts';
import { iamActions } from '../../shared/remediation/policy.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import {
  partitionOf,
  type SpokeSessionFactory,
  StsSpokeSessionFactory,
  sessionsFor,
} from '../../shared/remediation/session.ts';
import { HubSessionLedger, ledgeredSessions } from '../../shared/remediation/session-ledger.ts';
import { triggerPatterns } from '../../shared/remediation/triggers.ts';
import type { Remediation } from '../../shared/remediation/types.ts';
import { createDocumentClient } from '../../shared/store/clients.ts';
import { type RemediationRecord, RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { requireAwsCredentials, UsageError, withExamples } from '../cli-errors.ts';
import { HUB_OUTPUT_FLAGS, HUB_OUTPUTS, hubStackOutputs } from '../org/aws-context.ts';
import { createGates } from '../org/gates.ts';

/** A Step Functions execution ARN, checked before any AWS call. */
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/;

/** The config keys that name never-automatic remediations as automatic (shared/remediation/settings.ts). */
export type AutoAllowedConfig = Pick<
  SoclessConfig['remediation'],
  'autoAllowed' | 'autoAllowedByOu' | 'autoAllowedByAccount'
>;

/**
 * Whether a remediation may run without a person in `auto` accounts: always, unless it is never-automatic; then
 * only where config names it (`remediation.autoAllowed` everywhere, `autoAllowedByOu`, `autoAllowedByAccount`).
 */
export function automaticEntry(
  r: Remediation,
  config: AutoAllowedConfig,
): { inAutoAccounts: 'yes' | 'no' | 'where-config-names-it'; ous: string[]; accounts: string[] } {
  const ous = Object.keys(config.autoAllowedByOu).filter((ou) => config.autoAllowedByOu[ou]?.includes(r.id));
  const accounts = Object.keys(config.autoAllowedByAccount).filter((a) =>
    config.autoAllowedByAccount[a]?.includes(r.id),
  );
  if (r.neverAuto !== true || config.autoAllowed.includes(r.id))
    return { inAutoAccounts: 'yes', ous: [], accounts: [] };
  return { inAutoAccounts: ous.length + accounts.length > 0 ? 'where-config-names-it' : 'no', ous, accounts };
}

function automaticText(a: ReturnType<typeof automaticEntry>, neverAuto: boolean): string {
  if (a.inAutoAccounts === 'yes') {
    return neverAuto ? 'yes, in auto accounts (config remediation.autoAllowed names it)' : 'yes, in auto accounts';
  }
  if (a.inAutoAccounts === 'no') return 'no: only after a person approves (never automatic, config names it nowhere)';
  const where = [...a.ous.map((ou) => `OU ${ou}`), ...a.accounts.map((id) => `account ${id}`)];
  return `in auto accounts of ${where.join(', ')} (config); elsewhere only after a person approves`;
}

/** The rows of `socless remediation list --json`, each with whether config lets it run automatically. */
export function remediationListEntries(
  config: AutoAllowedConfig,
  registry: readonly Remediation[] = REMEDIATIONS,
): Record<string, unknown>[] {
  return registry.map((r) => ({ ...remediationListEntry(r), automatic: automaticEntry(r, config) }));
}

/** One row of `socless remediation list`. */
export function remediationListEntry(r: Remediation): Record<string, unknown> {
  return {
    id: r.id,
    title: r.title,
    triggers: {
      securityHubControls: r.findings.securityHubControls ?? [],
      guardDutyTypes: r.findings.guardDutyTypes ?? [],
      configRules: r.findings.configRules ?? [],
      cloudTrailApis: r.findings.cloudTrail?.eventNames ?? [],
    },
    patterns: triggerPatterns(r.findings).length,
    iamActions: iamActions(r.permissions.flatMap((g) => g.calls)),
    canUndo: r.undo !== undefined,
    neverAuto: r.neverAuto === true,
  };
}

/** The text table of `socless remediation list`. */
export function remediationListText(
  registry: readonly Remediation[] = REMEDIATIONS,
  config?: AutoAllowedConfig,
): string {
  return registry
    .map((r) => {
      const e = remediationListEntry(r);
      const t = e.triggers as Record<string, string[]>;
      const triggers = [
        ...(t.securityHubControls ?? []).map((c) => `SecurityHub ${c}`),
        ...(t.guardDutyTypes ?? []).map((c) => `GuardDuty ${c}`),
        ...(t.configRules ?? []).map((c) => `Config ${c}`),
        ...(t.cloudTrailApis ?? []).map((c) => `CloudTrail ${c}`),
      ];
      return [
        `${r.id}  ${r.title}${r.neverAuto ? '  (never automatic)' : ''}  undo: ${r.undo ? 'yes' : 'no'}`,
        `  triggers: ${triggers.join(', ')}`,
        `  iam: ${(e.iamActions as string[]).join(', ')}`,
        ...(config ? [`  automatic: ${automaticText(automaticEntry(r, config), r.neverAuto === true)}`] : []),
      ].join('\n');
    })
    .join('\n');
}

export function registerRemediationCommand(program: Command): void {
  const remediation = withExamples(program.command('remediation'), 'socless remediation list').description(
    'the remediation kit: list remediations, undo a change',
  );
  withExamples(remediation.command('list'), 'socless remediation list', 'socless remediation list --json')
    .description(
      'every remediation: id, title, triggers, IAM actions, whether it can undo, whether config lets it run automatically',
    )
    .option('--json', 'print a JSON array')
    .option('--config <file>', 'socless configuration JSON (default: cdk.json context "socless")')
    .action((opts: { json?: boolean; config?: string }) => {
      const config = (opts.config ? loadConfigFile(opts.config) : loadCdkConfig()).remediation;
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(remediationListEntries(config), null, 2)}\n`
          : `${remediationListText(REMEDIATIONS, config)}\n`,
      );
    });
  withExamples(
    remediation.command('undo'),
    'socless remediation undo arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:7f3e2b1a',
    'socless remediation undo arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:7f3e2b1a --profile soc-operator --yes',
  )
    .description(
      'reverse the change an execution applied, once (real AWS: claims its record in the remediations table, assumes the spoke role)',
    )
    .argument('<execution-id>', 'the Step Functions execution ARN of the remediation run')
    .option('--profile <name>', 'AWS profile (default: the default credential chain)')
    .option('--region <region>', 'region of the hub (default: the configuration home region)')
    .option('--config <file>', 'socless configuration JSON (default: cdk.json context "socless")')
    .option(
      '--hub-role <arn>',
      'role to chain through before SoclessUndoRole (default: the hub undo role, SoclessHubUndoRole)',
    )
    .option(
      `${HUB_OUTPUT_FLAGS.remediationsTable} <name>`,
      `remediations table (default: $SOCLESS_REMEDIATIONS_TABLE, else hub stack output ${HUB_OUTPUTS.remediationsTable})`,
    )
    // The earlier spellings, still accepted.
    .addOption(new Option('--table <name>').hideHelp())
    .addOption(new Option('--hub-role-arn <arn>').hideHelp())
    .option('--yes', 'undo without asking to type the execution id first')
    .option('--json', 'print what was reversed as JSON')
    .action(
      async (
        executionId: string,
        opts: {
          table?: string;
          remediationsTable?: string;
          config?: string;
          hubRole?: string;
          hubRoleArn?: string;
          profile?: string;
          region?: string;
          yes?: boolean;
          json?: boolean;
        },
      ) => {
        opts.table = opts.remediationsTable ?? opts.table;
        opts.hubRoleArn = opts.hubRole ?? opts.hubRoleArn;
        if (!EXECUTION_ARN.test(executionId)) {
          throw new UsageError(
            `execution-id: "${executionId}" is not a Step Functions execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`,
          );
        }
        const config = opts.config ? loadConfigFile(opts.config) : loadCdkConfig();
        const region = opts.region ?? config.homeRegion;
        // Every client below (DynamoDB, Secrets Manager, the STS chain to the spoke) uses the default chain:
        // --profile selects the profile for all of them at once.
        if (opts.profile) process.env.AWS_PROFILE = opts.profile;
        const cloudformation = new CloudFormationClient({ region });
        await requireAwsCredentials(cloudformation, opts.profile);
        opts.table ??= await remediationsTableName(cloudformation);
        const documents = createDocumentClient({ region });
        const records = new RemediationRecordsRepository(documents, opts.table);
        const found = await records.listByExecution(executionId);
        await confirmUndo(executionId, undoPreview(executionId, found), { yes: opts.yes === true });
        // Undo reaches SoclessUndoRole only through the operator-only hub undo role, and this factory opens
        // nothing but undo sessions (undoExecution narrows each to the recorded target).
        // Each undo session is recorded in the hub's session ledger first: its calls (a StopLogging, a restored
        // bucket policy) are then the hub's own (`self`), never findings the hub would fix back.
        const sessions = operatorUndoSessions({
          config,
          region,
          documents,
          table: opts.table,
          ...(opts.hubRoleArn ? { hubRoleArn: opts.hubRoleArn } : {}),
        });
        const by = `${userInfo().username}@${hostname()}`;
        const undone = await undoExecution({ records, executionId, registry: REMEDIATIONS, sessions, by });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(undone, null, 2)}\n`);
          return;
        }
        for (const u of undone) {
          process.stdout.write(
            `${u.id} in ${u.account}/${u.region}: ${u.calls.map((c) => `${c.service}:${c.action}`).join(', ') || 'nothing to reverse'}\n`,
          );
        }
      },
    );
}

/**
 * The sessions an operator's undo opens (the CLI's and the console's): through the operator-only hub undo role,
 * each recorded in the hub's session ledger first, undo sessions only, with the operator's own credentials.
 */
export function operatorUndoSessions(options: {
  readonly config: SoclessConfig;
  readonly region: string;
  readonly documents: DynamoDBDocumentClient;
  /** The remediations table (the session ledger lives there too). */
  readonly table: string;
  readonly hubRoleArn?: string;
}): SpokeSessionFactory {
  const { config, region } = options;
  return sessionsFor(
    ledgeredSessions(
      new StsSpokeSessionFactory({
        externalId: () => resolveExternalId(config, new SecretsManagerClient({ region })),
        hubRoleArn: options.hubRoleArn ?? hubUndoRoleArn(config.hubAccountId, partitionOf(region)),
        stsRegion: region,
      }),
      new HubSessionLedger(options.documents, options.table),
    ),
    'undo',
  );
}

/** The remediations table when no flag names it: $SOCLESS_REMEDIATIONS_TABLE, else the hub stack's output. */
async function remediationsTableName(cloudformation: CloudFormationClient): Promise<string> {
  const fromEnv = process.env.SOCLESS_REMEDIATIONS_TABLE;
  if (fromEnv) return fromEnv;
  const outputs = await hubStackOutputs(cloudformation, createGates({ rates: {} }));
  const name = outputs[HUB_OUTPUTS.remediationsTable];
  if (!name) {
    throw new SoclessError(
      `the hub stack has no output ${HUB_OUTPUTS.remediationsTable}: redeploy the hub, or pass ${HUB_OUTPUT_FLAGS.remediationsTable} <name>`,
    );
  }
  return name;
}

/** What `socless remediation undo` is about to reverse, shown before it asks for confirmation. */
export function undoPreview(executionId: string, records: readonly RemediationRecord[]): string {
  if (records.length === 0) return `execution ${executionId}: no remediation record found\n`;
  const lines = records.map(
    (r) =>
      `  ${r.remediationId} in ${r.account}/${r.region} (${r.status}): ${r.applied.length} of ${r.planned.length} planned calls applied, target ${JSON.stringify(r.target)}`,
  );
  return `execution ${executionId} changed:\n${lines.join('\n')}\n`;
}

/** How confirmUndo talks to the operator; tests pass streams. */
export interface ConfirmUndoOptions {
  /** `--yes`: no question asked. */
  readonly yes?: boolean;
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
  /** @default whether stdin is a terminal */
  readonly interactive?: boolean;
}

/**
 * Undo restores a weaker state in a member account (re-opens a port, stops a trail...): before anything is
 * assumed, the operator types the execution id (or its name, the ARN's last part), or passes `--yes`. Without
 * a terminal and without `--yes` it refuses rather than guess.
 */
export async function confirmUndo(
  executionId: string,
  preview: string,
  options: ConfirmUndoOptions = {},
): Promise<void> {
  if (options.yes) return;
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const interactive = options.interactive ?? process.stdin.isTTY === true;
  if (!interactive) {
    throw new SoclessError(
      'socless remediation undo restores the state before a fix: run it in a terminal to confirm, or pass --yes',
    );
  }
  output.write(preview);
  const rl = createInterface({ input, output, terminal: false });
  try {
    const answer = (await rl.question('Type the execution id (or its name) to undo it: ')).trim();
    const name = executionId.split(':').at(-1);
    if (answer === '' || (answer !== executionId && answer !== name)) {
      throw new SoclessError(`confirmation "${answer}" does not match execution ${executionId}: nothing was undone`);
    }
  } finally {
    rl.close();
  }
}

function loadCdkConfig() {
  return loadConfig((key) => {
    const cdk = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context?: Record<string, unknown> };
    return cdk.context?.[key];
  });
}
