/**
 * Security Hub custom actions through the local hub (`socless local`): the hub account is its own Security Hub
 * administrator here, so its custom action events are requests for its own findings.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHub } from '../../scripts/local/hub.ts';
import { customActionArn } from '../../shared/remediation/custom-actions.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/events/securityhub-asff-finding.json', import.meta.url));

describe('Security Hub custom actions in the local hub', () => {
  let hub: LocalHub;
  let account: string;
  beforeAll(async () => {
    hub = await LocalHub.start();
    account = hub.config.hubAccountId;
  });
  afterAll(async () => {
    await hub.close();
  });

  /** The fixture's S3/EC2 finding moved to the hub account, sent to `actionId` from the hub's console. */
  function actionEvent(actionId: string, id: string, findingId: string): Record<string, unknown> {
    const imported = JSON.parse(readFileSync(FIXTURE, 'utf8').replaceAll('123456789012', account)) as {
      region: string;
      detail: { findings: Record<string, unknown>[] };
    };
    return {
      version: '0',
      id,
      'detail-type': 'Security Hub Findings - Custom Action',
      source: 'aws.securityhub',
      account,
      time: '2026-12-07T04:00:00Z',
      region: imported.region,
      resources: [customActionArn('aws', imported.region, account, actionId)],
      detail: {
        actionName: 'SOCless',
        actionDescription: 'd',
        findings: [{ ...imported.detail.findings[0], Id: findingId }],
      },
    };
  }

  it('accept-risk closes the finding investigation as accepted-risk, by the action, and starts nothing', async () => {
    const event = actionEvent('SoclessAcceptRisk', 'ca-local-accept-1', 'local-accepted-finding');
    const [outcome] = await hub.submit(event, 'test');
    expect(outcome?.status).toBe('resolved');
    expect(outcome?.executions).toEqual([]);
    const shown = await hub.investigationRecords().show(outcome!.investigationId!);
    expect(shown).toMatchObject({
      status: 'closed',
      resolution: 'accepted-risk',
      closedBy: 'person',
      closedByName: `Security Hub custom action ${(event.resources as string[])[0]} in account ${account}`,
    });
  });

  it('remediate starts remediate-finding once for the finding; the same delivery again starts nothing', async () => {
    const event = actionEvent('SoclessRemediate', 'ca-local-remediate-1', 'local-remediate-finding');
    const [outcome] = await hub.submit(event, 'test');
    expect(outcome?.status).toBe('dispatched');
    expect(outcome?.executions.map((e) => e.playbook)).toEqual(['remediate-finding']);
    const [again] = await hub.submit(event, 'test');
    expect(again?.redelivered).toBe(true);
    expect(again?.executions).toEqual(outcome?.executions);
  });
});
