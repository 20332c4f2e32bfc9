import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { loadConfig, loadConfigFile } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { hubRemediationRoleArn } from '../../shared/names.ts';
import { iamActions } from '../../shared/remediation/policy.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import { StsSpokeSessionFactory } from '../../shared/remediation/session.ts';
import { triggerPatterns } from '../../shared/remediation/triggers.ts';
import type { Remediation } from '../../shared/remediation/types.ts';
import { createDocumentClient } from '../../shared/store/clients.ts';
import { ResultsRepository } from '../../shared/store/results.ts';

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
    .description('reverse the change an execution applied (real AWS: reads the results table, assumes the spoke role)')
    .argument('<execution-id>', 'the Step Functions execution ARN of the remediation run')
    .requiredOption(
      '--table <name>',
      'physical name of the hub results table (SOCLESS_RESULTS_TABLE)',
      process.env.SOCLESS_RESULTS_TABLE,
    )
    .option('--config <file>', 'configuration JSON (default: the socless context of cdk.json)')
    .option('--hub-role-arn <arn>', 'role to chain through before the spoke role (default: the hub remediation role)')
    .option('--region <region>', 'region of the hub (default: the configured home region)')
    .action(
      async (executionId: string, opts: { table?: string; config?: string; hubRoleArn?: string; region?: string }) => {
        if (!opts.table) throw new SoclessError('--table (or SOCLESS_RESULTS_TABLE) must name the hub results table');
        const config = opts.config ? loadConfigFile(opts.config) : loadCdkConfig();
        const region = opts.region ?? config.homeRegion;
        const results = new ResultsRepository(createDocumentClient({ region }), opts.table);
        const sessions = new StsSpokeSessionFactory({
          externalId: config.externalId,
          hubRoleArn: opts.hubRoleArn ?? hubRemediationRoleArn(config.hubAccountId),
          stsRegion: region,
        });
        const undone = await undoExecution({ results, executionId, registry: REMEDIATIONS, sessions });
        for (const u of undone) {
          process.stdout.write(
            `${u.id} in ${u.account}/${u.region}: ${u.calls.map((c) => `${c.service}:${c.action}`).join(', ') || 'nothing to reverse'}\n`,
          );
        }
      },
    );
}

function loadCdkConfig() {
  return loadConfig((key) => {
    const cdk = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context?: Record<string, unknown> };
    return cdk.context?.[key];
  });
}
