import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { requireAwsCredentials, UsageError, withExamples } from '../cli-errors.ts';
import { createDoctorClients, createDoctorGates } from '../doctor/deps.ts';
import { runDoctor } from '../doctor/run.ts';
import { reportText } from '../doctor/types.ts';
import { loadRepoConfig } from '../local/hub.ts';

interface DoctorOptions {
  profile?: string;
  orgRole?: string;
  config?: string;
  json?: boolean;
}

/** `socless doctor`: every prerequisite of a first deploy and of a healthy hub, one line each with its fix. */
export function registerDoctorCommand(program: Command): void {
  withExamples(
    program.command('doctor'),
    'socless doctor --profile security-admin',
    'socless doctor --profile security-admin --org-role arn:aws:iam::999999999999:role/OrgReadOnly --json',
  )
    .description(
      'check every prerequisite of a first deploy and of a running hub (real AWS, read-only): pass / warn / fail, with the fix',
    )
    .option(
      '--profile <name>',
      'AWS profile (default: the default credential chain); the hub account answers most checks',
    )
    .option(
      '--org-role <arn>',
      'role in the management account (or delegated administrator) for Organizations and StackSets',
    )
    .option('--config <file>', 'socless configuration JSON (default: cdk.json context "socless")')
    .option('--json', 'print one JSON document instead of lines')
    .addHelpText(
      'after',
      '\nExit code 0 when no check fails (warnings allowed), 1 when one fails. Nothing is changed in any account.',
    )
    .action(async (opts: DoctorOptions) => {
      if (opts.orgRole && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(opts.orgRole)) {
        throw new UsageError(
          `--org-role: "${opts.orgRole}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
        );
      }
      const config = loadRepoConfig(opts.config);
      const gates = createDoctorGates();
      const clients = createDoctorClients(opts, config, gates);
      await requireAwsCredentials(clients.sts, opts.profile);
      const identity = await gates.sts.call(() => clients.sts.send(new GetCallerIdentityCommand({})));
      const account = identity.Account ?? 'unknown';
      const report = await runDoctor({
        clients,
        gates,
        config,
        caller: { account, arn: identity.Arn ?? 'unknown' },
        rolloutAccount: opts.orgRole?.split(':')[4] ?? account,
        ...(opts.orgRole ? { orgRole: opts.orgRole } : {}),
        ...(opts.profile ? { profile: opts.profile } : {}),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
      if (report.summary.fail > 0) process.exitCode = 1;
    });
}
