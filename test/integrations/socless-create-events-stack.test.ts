/**
 * The hub stack gives SOCless CreateEvents (socless_core) exactly one way to create events: PutEvents on the hub's
 * own bus, for `socless.playbook.*` sources and the CreateEvents detail-type only, with the bus in its environment.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { integrationDeployments } from '../../hub/integrations/index.ts';
import { PLAYBOOK_EVENT_DETAIL_TYPE } from '../../shared/events/socless-create-events.ts';
import { EVENT_BUS_ENV } from '../../shared/integration-runtime/deps.ts';
import { type SynthesizedHub, synthHub } from '../hub/synth-hub.ts';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON
type CfnJson = Record<string, any>;
let hub: SynthesizedHub;
let resources: Record<string, { Type: string; Properties: CfnJson }>;

const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId((c.node.defaultChild ?? c) as CfnElement);

/** Every statement of the inline policies attached to a role. */
function statementsOf(roleId: string): CfnJson[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as CfnJson[]);
}

const putsEvents = (s: CfnJson) => [s.Action].flat().includes('events:PutEvents');

describe('SOCless CreateEvents in the hub stack', () => {
  beforeAll(() => {
    hub = synthHub({}, { integrations: integrationDeployments(), playbooks: [] });
    resources = hub.template.toJSON().Resources;
  });

  it('lets socless_core put only socless.playbook.* CreateEvents events, only on the hub bus', () => {
    const core = hub.stack.integrations.byId.get('socless_core');
    if (!core) throw new Error('socless_core is not deployed');
    const puts = statementsOf(logicalId(core.role)).filter(putsEvents);
    expect(puts).toEqual([
      {
        Action: 'events:PutEvents',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(hub.stack.bus.bus), 'Arn'] },
        Condition: {
          StringLike: { 'events:source': 'socless.playbook.*' },
          StringEquals: { 'events:detail-type': PLAYBOOK_EVENT_DETAIL_TYPE },
        },
      },
    ]);
    const env = resources[logicalId(core.function)]?.Properties.Environment.Variables;
    expect(env[EVENT_BUS_ENV]).toEqual({ 'Fn::GetAtt': [logicalId(hub.stack.bus.bus), 'Arn'] });
  });

  it('gives no other integration PutEvents', () => {
    for (const [id, fn] of hub.stack.integrations.byId) {
      if (id === 'socless_core') continue;
      expect(statementsOf(logicalId(fn.role)).filter(putsEvents), id).toEqual([]);
      expect(resources[logicalId(fn.function)]?.Properties.Environment?.Variables?.[EVENT_BUS_ENV], id).toBeUndefined();
    }
  });
});
