import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { integrationDeployments } from '../../hub/integrations/index.ts';
import { parseConfig } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { SAMPLE_CONFIG_INPUT, synthHub } from '../hub/synth-hub.ts';

const SLACK_AND_JIRA = {
  slack: { defaultChannel: 'C0SOC00001', teamId: 'T0TEAM0001' },
  jira: { baseUrl: 'https://example.atlassian.net', projectKey: 'SEC' },
  httpAllowedHosts: ['hooks.example.com'],
  interactions: {
    slack: { allowedUserIds: ['U0ALICE001'], allowedUserGroupIds: ['S0SOC00001'] },
    webhookResponders: ['ticket-bot', 'oncall'],
  },
};

describe('interactions and Slack wiring in the hub stack', () => {
  const hub = synthHub(SLACK_AND_JIRA, { integrations: integrationDeployments(), playbooks: [] });
  const t = hub.template;

  it('creates the Slack and Jira secrets under the names the README gives, encrypted with the hub key', () => {
    for (const name of ['socless/slack/bot-token', 'socless/slack/signing-secret', 'socless/jira/credentials']) {
      t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: name, KmsKeyId: Match.anyValue() });
    }
  });

  it('gives the interactions function the Slack secrets and allow-lists, never a secret value', () => {
    const fn = hub.stack.interactions.handler.function;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Records a human answer'),
      Environment: {
        Variables: Match.objectLike({
          SOCLESS_SLACK_SIGNING_SECRET: { Ref: Match.stringLikeRegexp('SlackSigningSecret') },
          SOCLESS_SLACK_BOT_TOKEN_SECRET: { Ref: Match.stringLikeRegexp('SlackBotToken') },
          SOCLESS_SLACK_ALLOWED_USER_IDS: 'U0ALICE001',
          SOCLESS_SLACK_ALLOWED_USER_GROUP_IDS: 'S0SOC00001',
          SOCLESS_SLACK_TEAM_ID: 'T0TEAM0001',
        }),
      },
    });
    expect(fn).toBeDefined();
  });

  it('gives each webhook responder its own secret, mapped by name for the interactions function only', () => {
    const secrets = t.findResources('AWS::SecretsManager::Secret');
    const idOf = (name: string) => Object.entries(secrets).find(([, r]) => r.Properties.Name === name)?.[0];
    const bot = idOf('socless/interactions/responders/ticket-bot');
    const oncall = idOf('socless/interactions/responders/oncall');
    expect(bot && oncall && bot !== oncall).toBe(true);
    const env = Object.values(t.findResources('AWS::Lambda::Function')).find((f) =>
      String(f.Properties.Description).startsWith('Records a human answer'),
    )!.Properties.Environment.Variables;
    // The map is a JSON string with the ARNs filled in by CloudFormation (Fn::Join over Refs).
    const joined = JSON.stringify(env.SOCLESS_INTERACTION_RESPONDER_SECRETS);
    expect(joined).toContain('\\"ticket-bot\\":\\"');
    expect(joined).toContain(`{"Ref":"${bot}"}`);
    expect(joined).toContain(`{"Ref":"${oncall}"}`);
    const readers = Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${bot}"`))
      .map(([id]) => id);
    expect(readers).toHaveLength(1);
    expect(readers[0]).toMatch(/^Interactions/);
  });

  it('lets only the Slack integrations read the bot token, and sets their settings', () => {
    const readers = Object.fromEntries(
      Object.entries(t.findResources('AWS::IAM::Policy')).filter(([, p]) =>
        JSON.stringify(p.Properties.PolicyDocument.Statement).includes('"Ref":"InteractionsSlackBotToken'),
      ),
    );
    const policies = Object.keys(readers).sort();
    expect(policies.map((id) => id.replace(/RoleDefaultPolicy.*$/, ''))).toEqual([
      'IntegrationsInteractionTimeout',
      'IntegrationsNotifySlack',
      'IntegrationsRequestApproval',
      'IntegrationsSoclessSlackPrompt',
      'IntegrationsSoclessSlack',
      'Interactions',
    ]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Integration http_request'),
      Environment: { Variables: Match.objectLike({ SOCLESS_HTTP_ALLOWED_HOSTS: 'hooks.example.com' }) },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Integration request_approval'),
      Environment: {
        Variables: Match.objectLike({
          SOCLESS_SLACK_DEFAULT_CHANNEL: 'C0SOC00001',
          SOCLESS_INTERACTION_TIMEOUT_DECISION: 'reject',
        }),
      },
    });
  });
});

describe('interaction settings in the configuration', () => {
  it('defaults to no Slack, no Jira, no allowed hosts and a reject on timeout', () => {
    const config = parseConfig(SAMPLE_CONFIG_INPUT, 'cdk.json');
    expect(config.slack).toBeUndefined();
    expect(config.httpAllowedHosts).toEqual([]);
    expect(config.interactions.timeoutDecision).toBe('reject');
    expect(config.interactions.webhookResponders).toEqual([]);
  });

  it('names the key and the reason for a bad channel or host', () => {
    const bad = () =>
      parseConfig(
        { ...SAMPLE_CONFIG_INPUT, slack: { defaultChannel: '#soc' }, httpAllowedHosts: ['HTTPS://x'] },
        'cfg.json',
      );
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/\$\.slack\.defaultChannel.*Slack channel id/);
    expect(bad).toThrow(/\$\.httpAllowedHosts\[0\]/);
  });
});
