import { fileURLToPath } from 'node:url';
import { CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { SoclessConfig } from '../../shared/config.ts';
import {
  INTEGRATION_ENV,
  integrationEnvironment,
  interactionsSlackEnvironment,
  JIRA_CREDENTIALS_SECRET_NAME,
  SECRET_USERS,
  SLACK_BOT_TOKEN_SECRET_NAME,
  SLACK_SIGNING_SECRET_NAME,
  SLACK_WEBHOOK_SECRET_NAME,
} from '../../shared/integrations/settings.ts';
import { INTERACTIONS_ENV, WEBHOOK_RESPONDER_ENV } from '../functions/interactions.ts';
import type { HubTables } from './hub-tables.ts';
import type { IntegrationFunctions } from './integration-functions.ts';
import { SigningSecret } from './signing-secret.ts';
import { SoclessFunction, type SoclessFunctionDefaults } from './socless-function.ts';

/** Properties of {@link InteractionsFunction}. */
export interface InteractionsFunctionProps extends SoclessFunctionDefaults {
  /** The function reads and answers `message_responses`. */
  readonly tables: HubTables;
  /**
   * The Slack, Jira, HTTP and interaction settings; with `slack` (or `jira`) set, the secrets the user fills
   * in are created here. @default no Slack, no Jira
   */
  readonly config?: Pick<SoclessConfig, 'slack' | 'jira' | 'interactions' | 'httpAllowedHosts'>;
}

/**
 * The interactions Lambda (hub/functions/interactions.ts) behind `POST /interactions/{provider}`: verifies the
 * responder's signature (the SOCless webhook secret, or Slack's signing secret), claims the answer once, and
 * resumes the waiting playbook. It also owns the secrets of the human-in-the-loop integrations.
 */
export class InteractionsFunction extends Construct {
  readonly handler: SoclessFunction;
  /** Shared with the systems that relay human answers; they sign their callbacks with it. */
  readonly signingSecret: SigningSecret;
  /** Slack bot token and signing secret (values set by the user), when Slack is configured. */
  readonly slackSecrets?: { readonly botToken: Secret; readonly signingSecret: Secret; readonly webhookUrl: Secret };
  /** Jira `{email, apiToken}` (value set by the user), when Jira is configured. */
  readonly jiraCredentials?: Secret;
  private readonly config?: InteractionsFunctionProps['config'];

  constructor(scope: Construct, id: string, props: InteractionsFunctionProps) {
    super(scope, id);
    this.config = props.config;
    this.signingSecret = new SigningSecret(this, 'SigningSecret', {
      key: props.key,
      usedBy: 'responders calling POST /interactions/{provider}',
    });
    this.handler = new SoclessFunction(this, 'Interactions', {
      key: props.key,
      network: props.network,
      entry: fileURLToPath(new URL('../functions/interactions.ts', import.meta.url)),
      description: 'Records a human answer to a waiting playbook and resumes it (SendTaskSuccess/SendTaskFailure)',
    });
    this.handler.bindTable(props.tables.tables.message_responses, 'rw');
    this.handler.bindSecret(this.signingSecret.secret, INTERACTIONS_ENV.signingSecretArn);

    const config = props.config;
    const responders = config?.interactions.webhookResponders ?? [];
    const responderSecrets: Record<string, string> = {};
    for (const name of responders) {
      const signing = new SigningSecret(this, `Responder-${name}`, {
        key: props.key,
        usedBy: `webhook responder ${name} (POST /interactions/webhook with X-Socless-Responder: ${name})`,
        secretName: `socless/interactions/responders/${name}`,
      });
      signing.secret.grantRead(this.handler.role);
      responderSecrets[name] = signing.secret.secretArn;
    }
    if (responders.length > 0) {
      this.handler.function.addEnvironment(
        WEBHOOK_RESPONDER_ENV.responderSecrets,
        Stack.of(this).toJsonString(responderSecrets),
      );
    }
    if (config?.slack) {
      const placeholder = (cid: string, name: string, what: string) => userSecret(this, cid, name, what, props.key);
      this.slackSecrets = {
        botToken: placeholder('SlackBotToken', SLACK_BOT_TOKEN_SECRET_NAME, 'Slack bot token (xoxb-…)'),
        signingSecret: placeholder('SlackSigningSecret', SLACK_SIGNING_SECRET_NAME, 'Slack app signing secret'),
        webhookUrl: placeholder('SlackWebhookUrl', SLACK_WEBHOOK_SECRET_NAME, 'Slack incoming webhook URL (optional)'),
      };
      this.handler.bindSecret(this.slackSecrets.signingSecret, INTEGRATION_ENV.slackSigningSecret);
      this.handler.bindSecret(this.slackSecrets.botToken, INTEGRATION_ENV.slackBotTokenSecret);
      for (const [name, value] of Object.entries(interactionsSlackEnvironment(config as SoclessConfig))) {
        this.handler.function.addEnvironment(name, value);
      }
    }
    if (config?.jira) {
      this.jiraCredentials = userSecret(
        this,
        'JiraCredentials',
        JIRA_CREDENTIALS_SECRET_NAME,
        'Jira {"email","apiToken"}',
        props.key,
      );
    }
  }

  /** Lets the function answer the task tokens of one state machine (only playbooks that wait need this). */
  allowTaskResponses(stateMachine: IStateMachine): void {
    stateMachine.grantTaskResponse(this.handler.grantee);
  }

  /**
   * Gives the Slack, Jira and HTTP integrations their settings and read access to exactly the secrets they
   * use (the secret ARN goes in their environment; the value never does).
   */
  wireIntegrations(integrations: IntegrationFunctions): void {
    if (!this.config) return;
    for (const [id, vars] of Object.entries(integrationEnvironment(this.config as SoclessConfig))) {
      const fn = integrations.byId.get(id);
      for (const [name, value] of Object.entries(vars)) fn?.function.addEnvironment(name, value);
    }
    const bind = (ids: readonly string[], secret: Secret | undefined, envVar: string) => {
      for (const id of ids) if (secret) integrations.byId.get(id)?.bindSecret(secret, envVar);
    };
    bind(SECRET_USERS.slackBotToken, this.slackSecrets?.botToken, INTEGRATION_ENV.slackBotTokenSecret);
    bind(SECRET_USERS.slackWebhook, this.slackSecrets?.webhookUrl, INTEGRATION_ENV.slackWebhookSecret);
    bind(SECRET_USERS.jiraCredentials, this.jiraCredentials, INTEGRATION_ENV.jiraCredentialsSecret);
  }
}

/** A secret with a fixed name whose value the user sets after deploying (named in a stack output). */
function userSecret(
  scope: Construct,
  id: string,
  name: string,
  what: string,
  key: SoclessFunctionDefaults['key'],
): Secret {
  const secret = new Secret(scope, id, {
    secretName: name,
    description: `SOCless: ${what}. Set its value after deploying (aws secretsmanager put-secret-value).`,
    encryptionKey: key,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: `${what} is issued by the external service; it is rotated there and pasted in by hand, so no rotation Lambda can do it.`,
  });
  new CfnOutput(scope, `${id}SecretName`, { value: name, description: `Put the ${what} in this secret` });
  return secret;
}
