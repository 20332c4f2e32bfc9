import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../scripts/cli.ts';

/** An AWS service error as the SDK raises it. */
function accessDenied(): Error {
  return Object.assign(new Error('User: arn:aws:iam::111111111111:user/x is not authorized'), {
    name: 'AccessDeniedException',
    $metadata: { httpStatusCode: 403 },
  });
}

const mocks = [
  mockClient(OrganizationsClient),
  mockClient(CloudFormationClient),
  mockClient(STSClient),
  mockClient(DynamoDBClient),
  mockClient(SecretsManagerClient),
];

afterEach(() => {
  for (const m of mocks) m.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('socless org status', () => {
  it('fails with one line, not an empty table, when no account could be read', async () => {
    // Prepare: credentials that resolve, and every AWS call denied.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    for (const m of mocks as unknown as Array<{ onAnyCommand(): { rejects(err: Error): unknown } }>) {
      m.onAnyCommand().rejects(accessDenied());
    }
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
      stdout += String(c);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
      stderr += String(c);
      return true;
    });
    const before = process.exitCode;
    // Act
    const code = await main(['node', 'socless', 'org', 'status'], { processHandlers: false });
    process.exitCode = before;
    vi.restoreAllMocks();
    // Assess
    expect(stdout).toBe('');
    const last = stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(
      /^error: cannot read the organization \(.*AccessDeniedException.*\): use credentials of the management account .* --org-role <arn>$/,
    );
    expect(stderr).not.toMatch(/0 of 0 accounts/);
    expect(code).toBe(1);
  });
});
