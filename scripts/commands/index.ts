import type { Command } from 'commander';
import { registerBenchCommand } from './bench.ts';
import { registerConsoleCommand } from './console.ts';
import { registerCoverageCommand } from './coverage.ts';
import { registerDashboardsCommand } from './dashboards.ts';
import { registerDoctorCommand } from './doctor.ts';
import { registerExecCommand } from './exec.ts';
import { registerIntegrationCommand } from './integration.ts';
import { registerInvestigationCommand } from './investigation.ts';
import { registerLocalCommand } from './local.ts';
import { registerOrgCommand } from './org.ts';
import { registerPlaybookCommand } from './playbook.ts';
import { registerRemediationCommand } from './remediation.ts';

/** Every sub-command of the CLI, one module each: adding a command is adding a file and a line. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerLocalCommand,
  registerConsoleCommand,
  registerPlaybookCommand,
  registerIntegrationCommand,
  registerBenchCommand,
  registerRemediationCommand,
  registerOrgCommand,
  registerExecCommand,
  registerDoctorCommand,
  registerCoverageCommand,
  registerInvestigationCommand,
  registerDashboardsCommand,
];
