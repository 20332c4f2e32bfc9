/** `socless console`'s failures before it serves: a busy port, flags of the other mode, no AWS profile. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../scripts/cli.ts';
import { startConsole } from '../../scripts/commands/console.ts';
import { type AwsConsoleBackend, hubTableOutputKey } from '../../scripts/console/aws-backend.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await main(['node', 'socless', 'console', ...args], { processHandlers: false });
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = before;
  }
}

const env = { ...process.env };
afterEach(() => {
  process.env = { ...env };
});

describe('socless console', () => {
  it('says the port is in use, before starting anything', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (busy.address() as AddressInfo).port;
      const { code, stderr, stdout } = await run(['--port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^error: .*port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(stdout).toBe('');
    } finally {
      busy.close();
    }
  });

  it('refuses a port that is not one as a usage error', async () => {
    const { code, stderr } = await run(['--port', 'http']);
    expect(code).toBe(2);
    expect(stderr).toContain('--port: "http" is not a port number');
  });

  it('refuses AWS flags without --aws, and local flags with it, naming them', async () => {
    const local = await run(['--profile', 'x', '--events-table', 't']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--profile, --events-table: only with --aws');
    const aws = await run(['--aws', '--data', '.local/hub']);
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('--data: only for the local hub (leave out --aws)');
  });

  it('with --aws, names an AWS profile that is not configured', async () => {
    const home = mkdtempSync(join(tmpdir(), 'socless-console-'));
    process.env.HOME = home;
    process.env.AWS_CONFIG_FILE = join(home, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'credentials');
    try {
      const { code, stderr } = await run(['--aws', '--profile', 'nobody', '--port', '0', '--region', 'eu-west-1']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^error: .*AWS profile "nobody" is not defined/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('socless console --aws', () => {
  const TABLES = ['events', 'dedup', 'results', 'remediations', 'message_responses', 'accounts'] as const;
  function hubStack(extra: Array<{ OutputKey: string; OutputValue: string }>) {
    return mockClient(CloudFormationClient)
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [
          {
            StackName: 'SoclessHub',
            CreationTime: new Date(),
            StackStatus: 'CREATE_COMPLETE',
            Outputs: [...TABLES.map((t) => ({ OutputKey: hubTableOutputKey(t), OutputValue: `hub-${t}` })), ...extra],
          },
        ],
      });
  }
  function credentials(callerArn: string) {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    delete process.env.AWS_PROFILE;
    return mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Arn: callerArn, Account: '111111111111' });
  }

  it('reads the vault bucket from the hub stack output VaultBucketName unless --vault-bucket names one', async () => {
    const sts = credentials('arn:aws:sts::111111111111:assumed-role/SecOps/alice');
    const cfn = hubStack([{ OutputKey: 'VaultBucketName', OutputValue: 'hub-vault-bucket' }]);
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb.on(ScanCommand).resolves({ Items: [] });
    ddb.on(QueryCommand).resolves({ Items: [] });
    try {
      const fromStack = await startConsole({ port: '0', aws: true, region: 'eu-west-1' });
      expect((fromStack.backend as AwsConsoleBackend).vaultBucket).toBe('hub-vault-bucket');
      await fromStack.server.close();
      await fromStack.close();
      const flagged = await startConsole({ port: '0', aws: true, region: 'eu-west-1', vaultBucket: 'my-vault' });
      expect((flagged.backend as AwsConsoleBackend).vaultBucket).toBe('my-vault');
      await flagged.server.close();
      await flagged.close();
      // A hub stack without the output: the console says which output and which flag.
      cfn.restore();
      const bare = hubStack([]);
      const { code, stderr } = await run(['--aws', '--port', '0', '--region', 'eu-west-1']);
      bare.restore();
      expect(code).toBe(1);
      expect(stderr).toContain(
        'the hub stack has no output VaultBucketName: redeploy the hub, or pass --vault-bucket <name>',
      );
    } finally {
      sts.restore();
      cfn.restore();
      ddb.restore();
    }
  });

  it('serves the deployed hub as the caller of GetCallerIdentity, with table names from the hub stack outputs', async () => {
    const callerArn = 'arn:aws:sts::111111111111:assumed-role/SecOps/alice';
    const sts = credentials(callerArn);
    const cfn = hubStack([{ OutputKey: 'VaultBucketName', OutputValue: 'hub-vault-bucket' }]);
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb.on(ScanCommand).resolves({ Items: [] });
    ddb.on(QueryCommand).resolves({ Items: [] });
    const started = await startConsole({ port: '0', aws: true, region: 'eu-west-1' });
    try {
      expect(started.operator).toBe(callerArn);
      expect(started.backend.label).toMatch(/^aws:\d{12}\/eu-west-1$/);
      const scanned = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input.TableName);
      expect(scanned).toEqual(expect.arrayContaining(['hub-events', 'hub-accounts']));
      const page = await fetch(`${started.server.url}/investigations`, {
        headers: { authorization: `Bearer ${started.server.token}` },
      });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`<span class="operator">${callerArn}</span>`);
    } finally {
      await started.server.close();
      await started.close();
      sts.restore();
      cfn.restore();
      ddb.restore();
    }
  });
});
