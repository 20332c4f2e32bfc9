import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { SoclessError } from '../../shared/errors.ts';
import { RESOLUTIONS, type Resolution } from '../../shared/pipeline/lifecycle.ts';
import { createDocumentClient } from '../../shared/store/clients.ts';
import {
  type InvestigationDetail,
  type InvestigationSummary,
  InvestigationsRepository,
} from '../../shared/store/investigations.ts';
import { CredentialsError, requireAwsCredentials, withExamples } from '../cli-errors.ts';
import { hubTableOutputKey } from '../console/aws-backend.ts';
import { loadRepoConfig } from '../local/hub.ts';
import { hubStackOutputs } from '../org/aws-context.ts';
import { createGates } from '../org/gates.ts';
import { DEFAULT_LOCAL_PORT, localHubToken } from './local.ts';

/** Where investigations are read and closed: a running local hub (HTTP) or the hub's tables in AWS. */
export interface InvestigationSource {
  list(status?: 'open' | 'closed'): Promise<InvestigationSummary[]>;
  show(id: string): Promise<InvestigationDetail>;
  close(
    id: string,
    request: { resolution: Resolution; reason: string; duplicateOf?: string },
  ): Promise<InvestigationSummary>;
}

interface SourceOptions {
  readonly aws?: boolean;
  readonly eventsTable?: string;
  readonly dedupTable?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly port?: string;
  readonly data?: string;
  readonly token?: string;
}

/**
 * The hub's tables in AWS, with the operator's credentials (the default chain or --profile). Table names come from
 * the flags, else from the hub stack's outputs; a close is recorded as the caller's IAM principal
 * (GetCallerIdentity), the identity CloudTrail shows for the same writes, never a local user name.
 */
export async function awsInvestigations(options: SourceOptions): Promise<InvestigationSource> {
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const region = options.region ?? loadRepoConfig().homeRegion;
  const sts = new STSClient({ region });
  await requireAwsCredentials(sts, options.profile);
  const given: Record<'events' | 'dedup', string | undefined> = {
    events: options.eventsTable,
    dedup: options.dedupTable,
  };
  const missing = (Object.keys(given) as Array<'events' | 'dedup'>).filter((t) => !given[t]);
  const outputs =
    missing.length > 0 ? await hubStackOutputs(new CloudFormationClient({ region }), createGates({ rates: {} })) : {};
  const table = (t: 'events' | 'dedup'): string => {
    const name = given[t] ?? outputs[hubTableOutputKey(t)];
    if (!name) {
      throw new SoclessError(
        `the hub stack has no output ${hubTableOutputKey(t)}: redeploy the hub, or pass --${t}-table <name>`,
      );
    }
    return name;
  };
  const repo = new InvestigationsRepository(createDocumentClient({ region }), table('events'), table('dedup'));
  let caller: Promise<string> | undefined;
  const operator = () => {
    caller ??= sts.send(new GetCallerIdentityCommand({})).then((out) => {
      if (!out.Arn) throw new CredentialsError('GetCallerIdentity returned no ARN for these credentials');
      return out.Arn;
    });
    return caller;
  };
  return {
    list: (status) => repo.list(status ? { status } : {}),
    show: (id) => repo.show(id),
    close: async (id, request) => repo.close(id, { ...request, by: await operator(), at: new Date().toISOString() }),
  };
}

/** A running local hub, through its loopback API and this run's token. */
export function localInvestigations(options: SourceOptions): InvestigationSource {
  const port = Number(options.port ?? DEFAULT_LOCAL_PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new SoclessError(`--port must be a TCP port (1-65535), not "${options.port}"`);
  }
  const token = localHubToken({
    port,
    ...(options.token ? { token: options.token } : {}),
    ...(options.data ? { dataDir: options.data } : {}),
  });
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const url = `http://127.0.0.1:${port}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        ...init,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
    } catch (err) {
      throw new SoclessError(
        `no local hub answers on ${url} (${(err as Error).message}); start it with socless local, or pass the --port it printed (or --aws for the deployed hub)`,
      );
    }
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok)
      throw new SoclessError(String((body as { error?: unknown } | undefined)?.error ?? `HTTP ${res.status}`));
    return body as T;
  };
  return {
    list: (status) => call(`/investigations?view=lifecycle${status ? `&status=${status}` : ''}`),
    show: (id) => call(`/investigations/${encodeURIComponent(id)}`),
    close: (id, request) =>
      call(`/investigations/${encodeURIComponent(id)}/close`, { method: 'POST', body: JSON.stringify(request) }),
  };
}

async function sourceOf(options: SourceOptions): Promise<InvestigationSource> {
  return options.aws ? awsInvestigations(options) : localInvestigations(options);
}

/** One line per investigation. */
export function investigationLine(i: InvestigationSummary): string {
  const state =
    i.status === 'closed'
      ? `closed${i.resolution ? ` ${i.resolution}` : ''}${i.closedBy ? ` by ${i.closedByName ?? i.closedBy}` : ''}`
      : 'open';
  const seen = i.occurrences !== undefined ? ` x${i.occurrences}` : '';
  const severity =
    i.latestSeverity && i.latestSeverity !== i.severity ? `${i.severity}->${i.latestSeverity}` : (i.severity ?? '');
  return `${i.id}  ${state}  ${i.account ?? '-'} ${i.kind ?? ''} ${severity}${seen}  opened ${i.openedAt}${i.previousInvestigationId ? `  follows ${i.previousInvestigationId}` : ''}`;
}

/** An investigation and its events. */
export function investigationText(i: InvestigationDetail): string {
  return [
    investigationLine(i),
    ...(i.title ? [`  ${i.title}`] : []),
    ...(i.reason ? [`  reason: ${i.reason}`] : []),
    ...i.events.map(
      (e) =>
        `  ${e.receivedAt}  ${e.id}  ${e.status}${e.severity ? ` ${e.severity}` : ''}${e.playbooks?.length ? `  ${e.playbooks.join(', ')}` : ''}`,
    ),
  ].join('\n');
}

const SOURCE_FLAGS = (cmd: Command) =>
  cmd
    .option('--port <n>', `the local hub's port (default ${DEFAULT_LOCAL_PORT})`)
    .option('--data <dir>', "the local hub's --data (where its token file is)")
    .option('--token <token>', "the local hub's run token (default: its token file)")
    .option('--aws', 'the deployed hub: read and write its DynamoDB tables')
    .option('--events-table <name>', 'with --aws: the events table (default: hub stack output TableEventsName)')
    .option('--dedup-table <name>', 'with --aws: the dedup table (default: hub stack output TableDedupName)')
    .option('--region <region>', 'with --aws: the hub region')
    .option('--profile <name>', 'with --aws: AWS profile (default: the default credential chain)')
    .option('--json', 'print JSON');

export function registerInvestigationCommand(program: Command): void {
  const investigation = withExamples(
    program.command('investigation'),
    'socless investigation list --status open',
    'socless investigation show 7f3e2b1a-9c4d-4e8f-b6a5-1d2c3b4a5e6f',
  ).description('investigations: list, show one with its events, close one with a resolution');
  SOURCE_FLAGS(
    withExamples(
      investigation.command('list'),
      'socless investigation list',
      'socless investigation list --status open --json',
      'socless investigation list --aws --profile soc-operator --region eu-west-1',
      'socless investigation list --aws --events-table socless-events --dedup-table socless-dedup --region eu-west-1',
    ),
  )
    .description('every investigation: status, resolution, account, finding, severity, occurrences')
    .option('--status <status>', 'open or closed')
    .action(async (opts: SourceOptions & { status?: string; json?: boolean }) => {
      if (opts.status !== undefined && opts.status !== 'open' && opts.status !== 'closed') {
        throw new SoclessError(`--status must be open or closed, not "${opts.status}"`);
      }
      const rows = await (await sourceOf(opts)).list(opts.status as 'open' | 'closed' | undefined);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(rows, null, 2)}\n`
          : `${rows.map(investigationLine).join('\n') || '(no investigations)'}\n`,
      );
    });
  SOURCE_FLAGS(
    withExamples(
      investigation.command('show <id>'),
      'socless investigation show 7f3e2b1a-9c4d-4e8f-b6a5-1d2c3b4a5e6f --json',
    ),
  )
    .description('one investigation with every event linked to it')
    .action(async (id: string, opts: SourceOptions & { json?: boolean }) => {
      const detail = await (await sourceOf(opts)).show(id);
      process.stdout.write(opts.json ? `${JSON.stringify(detail, null, 2)}\n` : `${investigationText(detail)}\n`);
    });
  SOURCE_FLAGS(
    withExamples(
      investigation.command('close <id>'),
      'socless investigation close 7f3e2b1a-9c4d-4e8f-b6a5-1d2c3b4a5e6f --resolution false-positive --reason "pen test from the red team"',
    ),
  )
    .description(`close an investigation by hand: --resolution ${RESOLUTIONS.join('|')} and --reason`)
    .requiredOption('--resolution <resolution>', RESOLUTIONS.join(', '))
    .requiredOption('--reason <text>', 'why (kept on the investigation)')
    .option('--duplicate-of <id>', 'with --resolution duplicate-of: the investigation it duplicates')
    .action(
      async (
        id: string,
        opts: SourceOptions & { resolution: string; reason: string; duplicateOf?: string; json?: boolean },
      ) => {
        if (!(RESOLUTIONS as readonly string[]).includes(opts.resolution)) {
          throw new SoclessError(`--resolution must be one of ${RESOLUTIONS.join(', ')}, not "${opts.resolution}"`);
        }
        const closed = await (await sourceOf(opts)).close(id, {
          resolution: opts.resolution as Resolution,
          reason: opts.reason,
          ...(opts.duplicateOf ? { duplicateOf: opts.duplicateOf } : {}),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(closed, null, 2)}\n` : `${investigationLine(closed)}\n`);
      },
    );
}
