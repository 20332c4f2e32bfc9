import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { loadConfig, loadConfigFile } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { hubUndoRoleArn } from '../../shared/names.ts';
import { resolveExternalId } from '../../shared/remediation/external-id.ts';
import { iamActions } from '../../shared/remediation/policy.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import { partitionOf, StsSpokeSessionFactory, sessionsFor } from '../../shared/remediation/session.ts';
import { HubSessionLedger, ledgeredSessions } from '../../shared/remediation/session-ledger.ts';
import { triggerPatterns } from '../../shared/remediation/triggers.ts';
import type { Remediation } from '../../shared/remediation/types.ts';
import { createDocumentClient } from '../../shared/store/clients.ts';
import { type RemediationRecord, RemediationRecordsRepository } from '../../shared/store/remediations.ts';

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
export function remediationListText(registry: readonly Remediation[] = REMEDIATIONS): string {
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
      ].join('\n');
    })
    .join('\n');
}

export function registerRemediationCommand(program: Command): void {
  const remediation = program
    .command('remediation')
    .description('the remediation kit: list remediations, undo a change');
  remediation
    .command('list')
    .description('every remediation: id, title, triggers, IAM actions, whether it can undo')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(REMEDIATIONS.map(remediationListEntry), null, 2)}\n`
          : `${remediationListText()}\n`,
      );
    });
  remediation
    .command('undo')
    .description(
      'reverse the change an execution applied, once (real AWS: claims its record in the remediations table, assumes the spoke role)',
    )
    .argument('<execution-id>', 'the Step Functions execution ARN of the remediation run')
    .requiredOption(
      '--table <name>',
      'physical name of the hub remediations table (SOCLESS_REMEDIATIONS_TABLE; stack output TableRemediationsName)',
      process.env.SOCLESS_REMEDIATIONS_TABLE,
    )
    .option('--config <file>', 'configuration JSON (default: the socless context of cdk.json)')
    .option(
      '--hub-role-arn <arn>',
      'role to chain through before SoclessUndoRole (default: the hub undo role, SoclessHubUndoRole)',
    )
    .option('--region <region>', 'region of the hub (default: the configured home region)')
    .option('--yes', 'undo without asking to type the execution id first')
    .action(
      async (
        executionId: string,
        opts: { table?: string; config?: string; hubRoleArn?: string; region?: string; yes?: boolean },
      ) => {
        if (!opts.table) {
          throw new SoclessError('--table (or SOCLESS_REMEDIATIONS_TABLE) must name the hub remediations table');
        }
        const config = opts.config ? loadConfigFile(opts.config) : loadCdkConfig();
        const region = opts.region ?? config.homeRegion;
        const documents = createDocumentClient({ region });
        const records = new RemediationRecordsRepository(documents, opts.table);
        const found = await records.listByExecution(executionId);
        await confirmUndo(executionId, undoPreview(executionId, found), { yes: opts.yes === true });
        // Undo reaches SoclessUndoRole only through the operator-only hub undo role, and this factory opens
        // nothing but undo sessions (undoExecution narrows each to the recorded target).
        // Each undo session is recorded in the hub's session ledger first: its calls (a StopLogging, a restored
        // bucket policy) are then the hub's own (`self`), never findings the hub would fix back.
        const sessions = sessionsFor(
          ledgeredSessions(
            new StsSpokeSessionFactory({
              externalId: () => resolveExternalId(config, new SecretsManagerClient({ region })),
              hubRoleArn: opts.hubRoleArn ?? hubUndoRoleArn(config.hubAccountId, partitionOf(region)),
              stsRegion: region,
            }),
            new HubSessionLedger(documents, opts.table),
          ),
          'undo',
        );
        const by = `${userInfo().username}@${hostname()}`;
        const undone = await undoExecution({ records, executionId, registry: REMEDIATIONS, sessions, by });
        for (const u of undone) {
          process.stdout.write(
            `${u.id} in ${u.account}/${u.region}: ${u.calls.map((c) => `${c.service}:${c.action}`).join(', ') || 'nothing to reverse'}\n`,
          );
        }
      },
    );
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
