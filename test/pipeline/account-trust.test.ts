import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import { HubSessionLedger } from '../../shared/remediation/session-ledger.ts';
import { fixture, pipelineDeps, TRIGGERS } from './harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const AGGREGATOR = '111111111111';
const MEMBER = '210987654321';
const OUTSIDER = '999999999999';
const ORG = new Set([AGGREGATOR, MEMBER, '123456789012']);

/** Routes that would match every event of these tests: a held-back event is held back, not just unrouted. */
const ROUTES = createRouter([
  ...TRIGGERS,
  { name: 'any-custom', triggers: [{ source: [{ prefix: 'socless.' }] }] },
  { name: 'any-cloudtrail', triggers: [{ 'detail-type': ['AWS API Call via CloudTrail'] }] },
  { name: 'any-securityhub', triggers: [{ source: ['aws.securityhub'] }] },
]);

function deps(trusted: { guardduty?: string[]; securityhub?: string[] } = {}) {
  const ledger = new HubSessionLedger(dynamo.client, 'remediations');
  return pipelineDeps(dynamo, {
    router: ROUTES,
    trustedAggregators: { guardduty: trusted.guardduty ?? [], securityhub: trusted.securityhub ?? [] },
    isOrgAccount: async (id) => ORG.has(id),
    verifyHubSession: (claim) => ledger.verify(claim),
  });
}

/** The time of the StopLogging fixture's call. */
const CALL_TIME = '2024-05-03T12:34:56Z';

/** Records a hub session in the ledger, as the remediate integration or the undo does before AssumeRole. */
async function recordHubSession(role: string, sessionName: string, openedAt = CALL_TIME, account = MEMBER) {
  await new HubSessionLedger(dynamo.client, 'remediations').record({
    account,
    role,
    sessionName,
    purpose: role === 'SoclessUndoRole' ? 'undo' : 'fix',
    execution: `arn:aws:states:us-east-1:123456789012:execution:remediate-finding:${sessionName}`,
    remediation: 'cloudtrail-logging',
    openedAt,
  });
}

let seq = 0;
function unique(): string {
  seq++;
  return `${seq}-${Date.now()}`;
}

/** A GuardDuty finding sent by `from` whose detail names `names`. */
function guardDuty(from: string, names: string): Record<string, unknown> {
  const event = fixture('guardduty-ssh-bruteforce.json');
  const detail = event.detail as Record<string, unknown>;
  return {
    ...event,
    id: `gd-${unique()}`,
    account: from,
    detail: { ...detail, id: `f-${unique()}`, accountId: names },
  };
}

function stopLogging(userIdentity: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const event = fixture('cloudtrail-stoplogging.json');
  return {
    ...event,
    id: `ct-${unique()}`,
    ...overrides,
    detail: { ...(event.detail as Record<string, unknown>), eventID: `e-${unique()}`, userIdentity },
  };
}

function assumedRole(role: string, account = MEMBER, sessionName = 'socless-remediate-finding-abc') {
  return {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${sessionName}`,
    accountId: account,
    sessionContext: {
      sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/${role}`, accountId: account },
    },
  };
}

describe('who may speak for an account', () => {
  it('holds back a socless.* event from account A whose detail names account B: rejected, account-mismatch, no execution', async () => {
    const d = deps();
    const event = {
      version: '0',
      id: `custom-${unique()}`,
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'socless.anything',
      account: '123456789012',
      time: '2024-05-03T12:34:56Z',
      region: 'us-east-1',
      resources: [],
      detail: { recipientAccountId: MEMBER, eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com' },
    };
    const [outcome] = await processInput(event, 'test', d);
    expect(outcome).toMatchObject({ status: 'rejected', flags: ['account-mismatch'], account: '123456789012' });
    expect(outcome?.reason).toBe(
      `detail.recipientAccountId names ${MEMBER} but the event came from account 123456789012, and a socless.anything event speaks only for the account that sent it`,
    );
    expect(d.dispatcher.starts.size).toBe(0);
    expect(await d.events.get(event.id)).toMatchObject({ status: 'rejected', account: '123456789012' });
  });

  it('refuses a GuardDuty finding naming another account from an account that is not a trusted aggregator', async () => {
    const d = deps({ guardduty: [AGGREGATOR] });
    const [outcome] = await processInput(guardDuty('123456789012', OUTSIDER), 'test', d);
    expect(outcome).toMatchObject({ status: 'rejected', flags: ['account-mismatch'] });
    expect(outcome?.reason).toBe(
      `detail.accountId names ${OUTSIDER} but the event came from account 123456789012, which is not a trusted guardduty aggregator`,
    );
    expect(d.dispatcher.starts.size).toBe(0);
  });

  it('dispatches a GuardDuty finding from a configured aggregator naming an org account, in that account', async () => {
    const d = deps({ guardduty: [AGGREGATOR] });
    const [outcome] = await processInput(guardDuty(AGGREGATOR, MEMBER), 'test', d);
    expect(outcome).toMatchObject({ status: 'dispatched', account: MEMBER });
    const input = [...d.dispatcher.inputs.values()][0] as {
      artifacts: { account: { id: string }; event: { details: { account: string; origin: { account: string } } } };
    };
    expect(input.artifacts.account.id).toBe(MEMBER);
    expect(input.artifacts.event.details.account).toBe(MEMBER);
    expect(input.artifacts.event.details.origin.account).toBe(AGGREGATOR);
  });

  it('refuses a finding from a configured aggregator naming an account outside the org registry', async () => {
    const d = deps({ guardduty: [AGGREGATOR] });
    const [outcome] = await processInput(guardDuty(AGGREGATOR, OUTSIDER), 'test', d);
    expect(outcome).toMatchObject({ status: 'rejected', flags: ['account-mismatch'], account: AGGREGATOR });
    expect(outcome?.reason).toMatch(/a trusted guardduty aggregator\), and 999999999999 is not in the org registry/);
    expect(d.dispatcher.starts.size).toBe(0);
  });

  it('trusts an aggregator only for its own source', async () => {
    const d = deps({ securityhub: [AGGREGATOR] });
    const [outcome] = await processInput(guardDuty(AGGREGATOR, MEMBER), 'test', d);
    expect(outcome).toMatchObject({ status: 'rejected', flags: ['account-mismatch'] });
  });

  it('honours each finding of a multi-account Security Hub event only from the Security Hub aggregator', async () => {
    const event = { ...fixture('securityhub-asff-multi.json'), id: `sh-${unique()}` };
    const refused = await processInput(event, 'test', deps());
    expect(refused.map((o) => o.status)).toEqual(['dispatched', 'rejected']);
    expect(refused[1]?.reason).toMatch(/^detail\.findings\[1\]\.AwsAccountId names 210987654321/);
    const again = { ...event, id: `sh-${unique()}` };
    const honoured = await processInput(again, 'test', deps({ securityhub: ['123456789012'] }));
    // The first finding repeats the one above (same dedup key): a duplicate, not a refusal; the second is
    // honoured for its account and, suppressed with no investigation open, recorded as unrouted.
    expect(honoured.map((o) => [o.status, o.account])).toEqual([
      ['duplicate', '123456789012'],
      ['unrouted', MEMBER],
    ]);
  });

  it('refuses an event whose resource ARN names another account than the one that sent it', async () => {
    const d = deps();
    const event = {
      ...fixture('custom-app-event.json'),
      id: `res-${unique()}`,
      source: 'socless.app',
      resources: [`arn:aws:iam::${OUTSIDER}:role/victim`],
    };
    const [outcome] = await processInput(event, 'test', d);
    expect(outcome).toMatchObject({ status: 'rejected', flags: ['account-mismatch'] });
    expect(outcome?.reason).toMatch(/^resources\[0\] \(arn:aws:iam::999999999999:role\/victim\) names 999999999999/);
    expect(d.dispatcher.starts.size).toBe(0);
  });

  it('re-checks on a sweep: an event left received is held back once its aggregator is no longer trusted', async () => {
    const trusting = deps({ guardduty: [AGGREGATOR] });
    const crashing = {
      ...trusting,
      router: {
        ...ROUTES,
        route: () => {
          throw new Error('crash after persist');
        },
      },
    };
    const event = guardDuty(AGGREGATOR, MEMBER);
    await expect(processInput(event, 'test', crashing)).rejects.toThrow('crash after persist');
    const untrusting = { ...deps(), now: () => Date.now() + 3_600_000 };
    await sweep(untrusting, { olderThanMs: 60_000 });
    expect(await trusting.events.get(event.id as string)).toMatchObject({
      status: 'rejected',
      flags: ['account-mismatch'],
      account: AGGREGATOR,
    });
  });
});

describe("the hub's own sessions", () => {
  it.each([['SoclessUndoRole'], ['SoclessRemediationRole']])(
    'records a StopLogging by the hub %s session as self and never routes it',
    async (role) => {
      const d = deps();
      const sessionName = `socless-${role}-${unique()}`;
      await recordHubSession(role, sessionName);
      const event = stopLogging(assumedRole(role, MEMBER, sessionName));
      const [outcome] = await processInput(event, 'test', d);
      expect(outcome).toMatchObject({ status: 'self', flags: ['hub-session'], playbooks: [] });
      expect(outcome?.reason).toMatch(new RegExp(`hub's own session .*${role}`));
      expect(d.dispatcher.starts.size).toBe(0);
      expect((await d.events.get(event.id as string))?.status).toBe('self');
      // A redelivery finds it settled.
      const [again] = await processInput(event, 'test', d);
      expect(again).toMatchObject({ status: 'self', redelivered: true });
    },
  );

  it('routes a call by a spoke role name whose session the hub never opened (a role re-created by the account)', async () => {
    const d = deps();
    const [forged] = await processInput(
      stopLogging(assumedRole('SoclessUndoRole', MEMBER, `mallory-${unique()}`)),
      'test',
      d,
    );
    expect(forged?.status).toBe('dispatched');
    expect(d.dispatcher.starts.size).toBe(1);
  });

  it('routes a call whose session is in the ledger for another role, another account or another time', async () => {
    const d = deps();
    const sessionName = `socless-remediate-finding-${unique()}`;
    await recordHubSession('SoclessRemediationRole', sessionName);
    const otherRole = stopLogging(assumedRole('SoclessUndoRole', MEMBER, sessionName));
    const otherAccount = stopLogging(assumedRole('SoclessRemediationRole', AGGREGATOR, sessionName), {
      account: AGGREGATOR,
    });
    const detail = (event: Record<string, unknown>) => event.detail as Record<string, unknown>;
    detail(otherAccount).recipientAccountId = AGGREGATOR;
    const later = stopLogging(assumedRole('SoclessRemediationRole', MEMBER, sessionName));
    detail(later).eventTime = '2024-05-03T15:00:00Z';
    for (const event of [otherRole, otherAccount, later]) {
      const [outcome] = await processInput(event, 'test', d);
      expect(outcome?.status, JSON.stringify(detail(event).userIdentity)).toBe('dispatched');
    }
  });

  it('routes a StopLogging by any other role, or by a same-named role of another account, as usual', async () => {
    const d = deps();
    const [other] = await processInput(stopLogging(assumedRole('DevOps')), 'test', d);
    expect(other?.status).toBe('dispatched');
    const [foreign] = await processInput(stopLogging(assumedRole('SoclessUndoRole', '123456789012')), 'test', d);
    expect(foreign?.status).toBe('dispatched');
  });
});
