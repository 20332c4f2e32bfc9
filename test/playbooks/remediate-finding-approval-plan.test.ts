/**
 * remediate-finding in a notify account, with a live spoke session (mocked EC2): the approval is bound to the plan the approver
 * saw. The finding reports one open port, the account has two: the approved plan is not applied, a human is
 * asked again with the live plan, and only that re-approved plan is applied, once.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import { createRemediateIntegration } from '../../hub/integrations/remediate/integration.ts';
import { type PlaybookTestResult, runPlaybookTests } from '../../shared/local/playbook-tests.ts';
import { BlastRadiusGuard, StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { RecordingSessionFactory } from '../remediation/helpers.ts';

const ec2 = mockClient(EC2Client);
const GROUP = 'sg-0a1b2c3d4e5f67890';
const world = (port: number): SecurityGroupRule => ({
  GroupId: GROUP,
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  CidrIpv4: '0.0.0.0/0',
});

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

describe('remediate-finding: the approval binds the plan', () => {
  let root: string;
  let result: PlaybookTestResult | undefined;
  let rules: SecurityGroupRule[];

  beforeAll(async () => {
    // The finding names RDP only; the group also opens SSH (and HTTPS, which stays).
    rules = [world(3389), world(22), world(443)];
    ec2.on(DescribeSecurityGroupRulesCommand).callsFake(() => ({ SecurityGroupRules: structuredClone(rules) }));
    ec2.on(RevokeSecurityGroupIngressCommand).callsFake((input: { IpPermissions: Array<{ FromPort: number }> }) => {
      const revoked = new Set(input.IpPermissions.map((p) => p.FromPort));
      rules = rules.filter((r) => !revoked.has(r.FromPort as number));
      return {};
    });

    root = mkdtempSync(join(tmpdir(), 'socless-plan-'));
    const dir = join(root, 'remediate-finding');
    mkdirSync(join(dir, 'events'), { recursive: true });
    mkdirSync(join(dir, 'tests'));
    cpSync(repo('playbooks/remediate-finding/playbook.json'), join(dir, 'playbook.json'));
    cpSync(
      repo('playbooks/remediate-finding/events/securityhub-sg-rdp-open-critical.json'),
      join(dir, 'events', 'sg.json'),
    );
    writeFileSync(
      join(dir, 'tests', 'plan-changed-then-applied.json'),
      JSON.stringify({
        description: 'the live plan differs from the approved one: asked again, then the re-approved plan is applied',
        event: 'sg.json',
        account: { id: '210987654321', mode: 'notify', name: 'web-prod', email: 'web@example.com' },
        interactions: { Ask_Approval: 'approve' },
        expect: {
          status: 'SUCCEEDED',
          states: [
            'Remediate',
            'Route_By_Outcome',
            'Plan_To_Approve',
            'Ask_Approval',
            'Remediate_Approved',
            'Route_Approved_Outcome',
            'Plan_Changed',
            'Replan_To_Approve',
            'Ask_Approval',
            'Remediate_Approved',
            'Route_Approved_Outcome',
            'Check_Verified',
            'Notify_Approved_Applied',
            'Close_Remediated',
          ],
          output: {
            results: {
              Approval_Plan: { asks: 2 },
              Remediate_Approved: { remediation: { effectiveAction: 'applied', verified: true } },
            },
          },
        },
      }),
    );

    const sessions = new RecordingSessionFactory();
    const remediate = createRemediateIntegration({
      runtime: (ctx) => ({
        sessions,
        killSwitch: new StaticKillSwitch(false),
        guard: new BlastRadiusGuard(ctx.deps.documentClient, ctx.tableName('remediations'), {
          maxAutoPerAccountPerHour: 10,
          maxAutoPerOrgPerHour: 100,
        }),
      }),
    });
    const integrations = [...INTEGRATIONS.values()].map((i) => (i.id === 'remediate' ? remediate : i));
    [result] = await runPlaybookTests({ rootDir: root, integrations, catalog: INTEGRATION_CATALOG });
  });

  afterAll(() => {
    ec2.reset();
    rmSync(root, { recursive: true, force: true });
  });

  it('asks again with the live plan and applies only the re-approved plan, once', () => {
    expect(result?.failures).toEqual([]);
    const revokes = ec2.commandCalls(RevokeSecurityGroupIngressCommand);
    expect(revokes).toHaveLength(1);
    expect(revokes[0]?.args[0].input.IpPermissions?.map((p) => p.FromPort)).toEqual([3389, 22]);
    expect(rules.map((r) => r.FromPort)).toEqual([443]);
  });
});
