/**
 * Security Hub custom actions: the ActionTarget resources, the pattern that forwards their events, and the parser
 * that accepts only SOCless's own actions from the account and region the event came from.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SecurityHubCustomActions } from '../../hub/constructs/security-hub-custom-actions.ts';
import { matchesEventPattern, validateEventPattern } from '../../shared/event-pattern/index.ts';
import {
  customActionArn,
  customActionEventPattern,
  customActionRequest,
  SOCLESS_CUSTOM_ACTIONS,
} from '../../shared/remediation/custom-actions.ts';
import { RemediationTargetError } from '../../shared/remediation/errors.ts';

const HUB = '111111111111';
const event = (arn: string, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Security Hub Findings - Custom Action',
  source: 'aws.securityhub',
  account: HUB,
  time: '2025-03-14T09:00:00Z',
  region: 'eu-west-1',
  resources: [arn],
  detail: {
    actionName: 'SOCless remediate',
    actionDescription: 'd',
    findings: [{ Id: 'f-1', AwsAccountId: '210987654321', Compliance: { SecurityControlId: 'RDS.2' } }],
  },
  ...overrides,
});
const arnOf = (id: string, account = HUB, region = 'eu-west-1') => customActionArn('aws', region, account, id);

describe('Security Hub custom actions', () => {
  it('creates one ActionTarget per action with an id and a name within Security Hub limits', () => {
    const stack = new Stack(new App(), 'Hub', { env: { account: HUB, region: 'eu-west-1' } });
    const actions = new SecurityHubCustomActions(stack, 'CustomActions');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecurityHub::ActionTarget', 3);
    for (const a of SOCLESS_CUSTOM_ACTIONS) {
      expect(a.id).toMatch(/^[A-Za-z0-9]{1,20}$/);
      expect(a.name.length).toBeLessThan(20);
      expect(a.description.length).toBeLessThanOrEqual(256);
      template.hasResourceProperties('AWS::SecurityHub::ActionTarget', {
        Id: a.id,
        Name: a.name,
        Description: a.description,
      });
    }
    // The partition is the stack's (a token); the rest of each ARN is Security Hub's form for the action.
    const arns = actions.actionArns.map((a) => JSON.stringify(stack.resolve(a)));
    expect(arns).toHaveLength(3);
    SOCLESS_CUSTOM_ACTIONS.forEach((a, i) => {
      expect(arns[i]).toContain(`:securityhub:eu-west-1:${HUB}:action/custom/${a.id}`);
    });
  });

  it('forwards exactly these actions: the pattern is valid and matches their events only', () => {
    const pattern = customActionEventPattern([arnOf('SoclessRemediate'), arnOf('SoclessDryRun')]);
    expect(validateEventPattern(pattern)).toEqual([]);
    expect(matchesEventPattern(pattern, event(arnOf('SoclessRemediate')))).toBe(true);
    expect(matchesEventPattern(pattern, event(arnOf('SomeoneElses')))).toBe(false);
    expect(
      matchesEventPattern(pattern, event(arnOf('SoclessRemediate'), { 'detail-type': 'Security Hub Insight Results' })),
    ).toBe(false);
  });

  it('turns each action into its decision with the selected findings', () => {
    expect(customActionRequest(event(arnOf('SoclessRemediate')))).toEqual({
      decision: 'remediate',
      actionArn: arnOf('SoclessRemediate'),
      findings: [{ Id: 'f-1', AwsAccountId: '210987654321', Compliance: { SecurityControlId: 'RDS.2' } }],
    });
    expect(customActionRequest(event(arnOf('SoclessDryRun'))).decision).toBe('dry-run');
    expect(customActionRequest(event(arnOf('SoclessAcceptRisk'))).decision).toBe('accept-risk');
  });

  it("refuses another account's or region's action, an action that is not SOCless's, and an event without findings", () => {
    const field = (e: unknown) => {
      try {
        customActionRequest(e);
      } catch (err) {
        if (err instanceof RemediationTargetError) return err.field;
        throw err;
      }
      return undefined;
    };
    expect(field(event(arnOf('SoclessRemediate', '999999999999')))).toBe('resources[0]');
    expect(field(event(arnOf('SoclessRemediate', HUB, 'us-east-1')))).toBe('resources[0]');
    expect(field(event(arnOf('DeleteEverything')))).toBe('resources[0]');
    expect(field(event(`${arnOf('SoclessRemediate')}/../x`))).toBe('resources');
    expect(field(event(arnOf('SoclessRemediate'), { detail: { findings: [] } }))).toBe('detail.findings');
    expect(field(event(arnOf('SoclessRemediate'), { 'detail-type': 'Security Hub Findings - Imported' }))).toBe(
      'detail-type',
    );
  });
});
