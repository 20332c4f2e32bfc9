import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { WEBHOOK_SENDER_HEADER } from '../../shared/events/webhook.ts';
import { SIGNATURE_HEADER } from '../functions/http.ts';
import { ApiFirewall, type BodyInspectionLimitKb } from './api-firewall.ts';
import { tracingActive } from './socless-function.ts';

/** Properties of {@link HubApi}. */
export interface HubApiProps {
  /** Key of the access-log group. */
  readonly key: IKey;
  /** Target of `POST /events`. */
  readonly endpoint: IFunction;
  /** Target of `POST /interactions/{provider}`. */
  readonly interactions: IFunction;
  /**
   * Steady-state requests per second the stage accepts.
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst the stage accepts above the rate.
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Largest request body (enforced by the WAF web ACL).
   * @default 64
   */
  readonly maxBodyKb?: BodyInspectionLimitKb;
  /**
   * Retention of the access logs.
   * @default RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * The hub's REST API: `POST /events` (signed webhook ingest → endpoint Lambda) and
 * `POST /interactions/{provider}` (human answers → interactions Lambda). Regional, stage throttling, JSON access
 * logs to an encrypted group, X-Ray when `config.tracing` is `active`, a request validator, and a WAF web ACL that enforces the body size limit.
 */
export class HubApi extends Construct {
  readonly api: RestApi;
  readonly firewall: ApiFirewall;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: HubApiProps) {
    super(scope, id);

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      encryptionKey: props.key,
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: 'socless-hub',
      description: 'SOCless hub: signed webhook ingest and human-response callbacks',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Stage logging needs the account-level API Gateway CloudWatch role; the feature flag would otherwise skip it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Bodies carry findings and secrets-adjacent data: never log them.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: tracingActive(this),
      },
    });
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'Account-level role API Gateway uses to write stage logs; AWS documents this managed policy as its required permission set.',
      });
    }

    const validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // Only the shape is checked here: a body that is not a webhook payload (an EventBridge envelope, an aws.*
    // source) must reach the Lambda, which refuses it with the reason and records it as rejected.
    const payload = this.api.addModel('WebhookPayload', {
      contentType: 'application/json',
      modelName: 'SoclessWebhookPayload',
      description: 'A webhook payload ({id, type, title, ...}); never an EventBridge event',
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: 'WebhookPayload',
        type: JsonSchemaType.OBJECT,
      },
    });

    const events = this.api.root.addResource('events');
    const postEvents = events.addMethod('POST', new LambdaIntegration(props.endpoint, { proxy: true }), {
      authorizationType: AuthorizationType.NONE,
      requestValidator: validator,
      requestModels: { 'application/json': payload },
      requestParameters: {
        [`method.request.header.${SIGNATURE_HEADER}`]: true,
        [`method.request.header.${WEBHOOK_SENDER_HEADER}`]: true,
      },
    });

    const provider = this.api.root.addResource('interactions').addResource('{provider}');
    // No body model here: each provider has its own body format (a future Slack provider posts form data).
    const postInteraction = provider.addMethod('POST', new LambdaIntegration(props.interactions, { proxy: true }), {
      authorizationType: AuthorizationType.NONE,
      requestValidator: validator,
      requestParameters: { 'method.request.path.provider': true },
    });

    for (const method of [postEvents, postInteraction]) acknowledgeSignedMethod(method);

    this.firewall = new ApiFirewall(this, 'Firewall', {
      stageArn: this.api.deploymentStage.stageArn,
      maxBodyKb: props.maxBodyKb,
    });
  }

  /** The invoke URL of the stage, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/v1/`. */
  get url(): string {
    return this.api.url;
  }
}

function acknowledgeSignedMethod(method: Method): void {
  const reason =
    "Callers are webhook senders and chat/approval relays outside AWS, not IAM or Cognito users: the Lambda verifies an HMAC-SHA256 x-socless-signature over the raw body with the named sender's own secret and a 5-minute replay window, and WAF rate-limits each IP.";
  Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
}
