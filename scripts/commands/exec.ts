import { readFileSync } from 'node:fs';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { SoclessError } from '../../shared/errors.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
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
    if (!status) throw new SoclessError(`--status: "${s}" must be one of ${Object.keys(map).join(', ')}`);
    return status;
  });
}

export function registerExecCommand(program: Command): void {
  const exec = program
    .command('exec')
    .description(
      `playbook executions in the hub (real AWS; state machines named ${PLAYBOOK_STATE_MACHINE_PREFIX}<playbook>)`,
    );

  withAwsOptions(
    exec
      .command('start')
      .description('start a playbook on an EventBridge event, with the input the pipeline would build')
      .argument('<playbook>', 'playbook name')
      .requiredOption('--event <file>', 'EventBridge event JSON')
      .option('--json', 'print the result as JSON'),
  ).action(async (playbook: string, opts: StartOptions) => {
    const { config, gates, aws } = setUp(opts);
    let text: string;
    try {
      text = readFileSync(opts.event, 'utf8');
    } catch (err) {
      throw new SoclessError(`--event ${opts.event}: cannot be read (${(err as Error).message})`);
    }
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
    exec
      .command('failures')
      .description('failed, timed-out and aborted executions with the failing state and the error cause')
      .option('--since <duration>', 'how far back (30m, 24h, 7d or an ISO time)', '24h')
      .option('--playbook <name>', 'only this playbook')
      .option('--json', 'print JSON'),
  ).action(async (opts: FailuresOptions) => {
    const { gates, aws } = setUp(opts);
    const since = parseSince(opts.since, Date.now());
    const machines = (await listPlaybookStateMachines(aws.sfn, gates)).filter(
      (m) => !opts.playbook || m.playbook === opts.playbook,
    );
    if (opts.playbook && machines.length === 0) {
      throw new SoclessError(
        `--playbook: no state machine ${PLAYBOOK_STATE_MACHINE_PREFIX}${opts.playbook} in the hub`,
      );
    }
    const report = await findFailures({ sfn: aws.sfn, gates }, machines, since);
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
    exec
      .command('replay')
      .description('re-drive the failed executions of events received since a time (Standard: RedriveExecution)')
      .requiredOption('--since <duration>', 'events received since (30m, 24h, 7d or an ISO time)')
      .option(
        '--status <list>',
        'execution statuses to re-drive: failed, timed-out, aborted',
        'failed,timed-out,aborted',
      )
      .option('--playbook <name>', 'only this playbook')
      .option('--dry-run', 'list what would be re-driven and stop')
      .option('--yes', 'do not ask for confirmation'),
  ).action(async (opts: ReplayCliOptions) => {
    const { gates, aws } = setUp(opts);
    const eventsTable = await tableName(opts.eventsTable, HUB_OUTPUTS.eventsTable, aws, gates, true);
    const items = await planReplay(
      { sfn: aws.sfn, documents: aws.documents, eventsTable: eventsTable ?? '', gates },
      {
        since: parseSince(opts.since, Date.now()),
        statuses: opts.status ? parseStatuses(opts.status) : FAILED_STATUSES,
        ...(opts.playbook ? { playbook: opts.playbook } : {}),
      },
    );
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
