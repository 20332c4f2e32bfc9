import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { SoclessError } from '../../shared/errors.ts';
import { normalizeEvent } from '../../shared/events/index.ts';
import { loadPlaybookSources } from '../../shared/playbook/index.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { asUsage, InputFileError, parseJsonText, readInputFile, UsageError, withExamples } from '../cli-errors.ts';
import { HUB_OUTPUTS } from '../org/aws-context.ts';
import {
  applyReplay,
  FAILED_STATUSES,
  findFailures,
  listPlaybookStateMachines,
  PLAYBOOK_STATE_MACHINE_PREFIX,
  parseSince,
  planReplay,
  startPlaybook,
} from '../org/executions.ts';
import { confirm } from '../org/report.ts';
import { type AwsCliOptions, setUp, tableName, withAwsOptions } from './org.ts';

interface StartOptions extends AwsCliOptions {
  event: string;
  json?: boolean;
}

interface FailuresOptions extends AwsCliOptions {
  since: string;
  playbook?: string;
  json?: boolean;
}

interface ReplayCliOptions extends AwsCliOptions {
  json?: boolean;
  since: string;
  status: string;
  playbook?: string;
  dryRun?: boolean;
  yes?: boolean;
}

function parseStatuses(text: string): ExecutionStatus[] {
  const map: Record<string, ExecutionStatus> = { failed: 'FAILED', 'timed-out': 'TIMED_OUT', aborted: 'ABORTED' };
  return text.split(',').map((s) => {
    const status = map[s.trim().toLowerCase()];
    if (!status) throw new UsageError(`--status: "${s}" must be one of ${Object.keys(map).join(', ')}`);
    return status;
  });
}

export function registerExecCommand(program: Command): void {
  const exec = withExamples(program.command('exec'), 'socless exec failures --since 24h').description(
    `playbook executions in the hub (real AWS; state machines named ${PLAYBOOK_STATE_MACHINE_PREFIX}<playbook>)`,
  );

  withAwsOptions(
    withExamples(
      exec.command('start'),
      'socless exec start guardduty-triage --event playbooks/guardduty-triage/events/crypto-mining-high.json',
    )
      .description('start a playbook on an EventBridge event, with the input the pipeline would build')
      .argument('<playbook>', 'playbook name')
      .requiredOption('--event <file>', 'EventBridge event JSON')
      .option('--json', 'print the result as JSON'),
  ).action(async (playbook: string, opts: StartOptions) => {
    // Everything local is checked before the first AWS call: the playbook exists, the event file parses.
    const known = loadPlaybookSources().map((s) => s.name);
    if (!known.includes(playbook)) {
      throw new UsageError(`playbook: no playbook "${playbook}" in playbooks/; known: ${known.join(', ')}`);
    }
    const text = readInputFile(opts.event, '--event');
    const normalized = normalizeEvent(parseJsonText(text, `--event ${opts.event}`));
    if (!normalized.ok) {
      throw new InputFileError(
        `--event ${opts.event}: ${normalized.field ? `${normalized.field}: ` : ''}${normalized.reason}`,
      );
    }
    const { config, gates, aws } = await setUp(opts);
    const accountsTable = await tableName(opts.accountsTable, HUB_OUTPUTS.accountsTable, aws, gates, false);
    const started = await startPlaybook(
      {
        sfn: aws.sfn,
        gates,
        config,
        ...(accountsTable ? { accounts: new AccountsRepository(aws.documents, accountsTable) } : {}),
      },
      playbook,
      text,
      opts.event,
    );
    process.stdout.write(opts.json ? `${JSON.stringify(started)}\n` : `started ${started.executionArn}\n`);
  });

  withAwsOptions(
    withExamples(
      exec.command('failures'),
      'socless exec failures --since 24h',
      'socless exec failures --playbook remediate-finding --since 7d --json',
    )
      .description('failed, timed-out and aborted executions with the failing state and the error cause')
      .option('--since <duration>', 'how far back (30m, 24h, 7d or an ISO time)', '24h')
      .option('--playbook <name>', 'only this playbook')
      .option('--json', 'print JSON'),
  ).action(async (opts: FailuresOptions) => {
    const since = asUsage(() => parseSince(opts.since, Date.now()));
    const { gates, aws } = await setUp(opts);
    const machines = (await listPlaybookStateMachines(aws.sfn, gates)).filter(
      (m) => !opts.playbook || m.playbook === opts.playbook,
    );
    if (opts.playbook && machines.length === 0) {
      throw new SoclessError(
        `--playbook: no state machine ${PLAYBOOK_STATE_MACHINE_PREFIX}${opts.playbook} in the hub`,
      );
    }
    // Express playbooks (remediate-finding-express) have no history in Step Functions: their failures are read
    // from their log groups.
    const logs = new CloudWatchLogsClient(aws.settings);
    const report = await findFailures({ sfn: aws.sfn, gates, logs }, machines, since);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ since, ...report }, null, 2)}\n`);
    } else {
      for (const f of report.failures) {
        process.stdout.write(
          `${f.stopDate ?? f.startDate ?? ''}  ${f.playbook}  ${f.status}  state ${f.failedState ?? '?'}  ` +
            `${f.error ?? ''}${f.cause ? `: ${f.cause.slice(0, 200)}` : ''}\n    ${f.executionArn}\n`,
        );
      }
      process.stdout.write(
        `${report.failures.length} failed execution(s) since ${since} in ${machines.length} playbook(s)` +
          `${report.skipped.length ? `; Express playbooks not listed (no history in Step Functions): ${report.skipped.join(', ')}` : ''}\n`,
      );
      for (const e of report.errors) process.stdout.write(`error: ${e}\n`);
    }
    process.exitCode = report.errors.length > 0 ? 1 : 0;
  });

  withAwsOptions(
    withExamples(
      exec.command('replay'),
      'socless exec replay --since 24h --dry-run',
      'socless exec replay --since 2h --status failed --playbook remediate-finding --yes',
    )
      .description('re-drive the failed executions of events received since a time (Standard: RedriveExecution)')
      .requiredOption('--since <duration>', 'events received since (30m, 24h, 7d or an ISO time)')
      .option(
        '--status <list>',
        'execution statuses to re-drive: failed, timed-out, aborted',
        'failed,timed-out,aborted',
      )
      .option('--playbook <name>', 'only this playbook')
      .option('--dry-run', 'list what would be re-driven and stop')
      .option('--yes', 'do not ask for confirmation')
      .option('--json', 'print the plan as JSON (re-driven only with --yes; never asks)'),
  ).action(async (opts: ReplayCliOptions) => {
    const since = asUsage(() => parseSince(opts.since, Date.now()));
    const statuses = opts.status ? parseStatuses(opts.status) : FAILED_STATUSES;
    const { gates, aws } = await setUp(opts);
    const eventsTable = await tableName(opts.eventsTable, HUB_OUTPUTS.eventsTable, aws, gates, true);
    const items = await planReplay(
      { sfn: aws.sfn, documents: aws.documents, eventsTable: eventsTable ?? '', gates },
      { since, statuses, ...(opts.playbook ? { playbook: opts.playbook } : {}) },
    );
    if (opts.json) {
      const todo = items.filter((i) => i.action === 'redrive');
      const results =
        opts.yes && !opts.dryRun && todo.length > 0 ? await applyReplay({ sfn: aws.sfn, gates }, items) : undefined;
      process.stdout.write(
        `${JSON.stringify({ since, items, ...(results ? { results } : { dryRun: true }) }, null, 2)}\n`,
      );
      process.exitCode = results?.some((r) => !r.ok) ? 1 : 0;
      return;
    }
    for (const i of items) {
      process.stdout.write(
        `  ${i.action === 'redrive' ? 'redrive' : 'skip   '} ${i.eventId} ${i.playbook} ${i.status}${i.reason ? ` (${i.reason})` : ''}\n`,
      );
    }
    const todo = items.filter((i) => i.action === 'redrive').length;
    if (todo === 0 || opts.dryRun) {
      process.stdout.write(`${opts.dryRun ? 'Dry run: ' : ''}${todo} execution(s) to re-drive.\n`);
      return;
    }
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new SoclessError('not a terminal: pass --yes to re-drive, or --dry-run to look');
      if (!(await confirm(`Re-drive ${todo} execution(s)?`))) return;
    }
    const results = await applyReplay({ sfn: aws.sfn, gates }, items);
    for (const r of results.filter((x) => !x.ok)) process.stdout.write(`  failed ${r.executionArn}: ${r.error}\n`);
    process.stdout.write(`${results.filter((r) => r.ok).length} of ${results.length} re-driven.\n`);
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;
  });
}
