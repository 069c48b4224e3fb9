import { type CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SinchApp, SinchRegion, Tunables } from '../config';
import { acknowledge, NAG_ACKNOWLEDGEMENTS } from '../nag';
import { OTHER_ROUTES_THROTTLE, type Throttle, webhookThrottle } from '../webhook-throttle';
import { bridgeFunction } from './bridge-function';
import { METRICS_NAMESPACE, SERVICE_NAMES } from './bridge-metrics';
import { SecureFifoQueue } from './secure-queue';
import { WebhookSecrets } from './webhook-secrets';

export interface WebhookIngressProps {
  sinchRegion: SinchRegion;
  projectId: string;
  apps: SinchApp[];
  tunables: Tunables;
  /**
   * Bring your own events queue (FIFO). Its dead-letter queue and policies are then yours.
   * @default - a high-throughput FIFO queue with a FIFO dead-letter queue
   */
  eventsQueue?: sqs.IQueue;
  /**
   * Bring your own webhook secret (`{"<appId>": "<secret>"}` or `{"<appId>": ["<current>", "<previous>"]}`).
   * @default - a secret the stack only adds missing entries to: one generated 48-character secret per app
   */
  webhookSecret?: secretsmanager.ISecret;
  /**
   * The stack routes the webhook's events through the event router (`EventRouter.routeEventsFrom`):
   * the function then never writes to the events queue and gets no grant on it.
   * @default false - the function writes to the events queue directly
   */
  eventsRouted?: boolean;
  /** Drop the secrets of apps no longer configured (`registration.teardown`). @default false */
  pruneRemovedAppSecrets?: boolean;
  /** @default - bundles `functions/webhook/handler.ts` */
  code?: lambda.Code;
  /** @default - bundles `functions/secret-entries/handler.ts` */
  secretEntriesCode?: lambda.Code;
}

/**
 * The receiving half of a region: `POST /webhooks/{appId}` on an HTTP API (throttled, access-logged)
 * in front of the webhook function, which verifies Sinch's HMAC signature and enqueues one
 * CloudEvent per callback on the events FIFO queue.
 *
 * @example
 * const ingress = new WebhookIngress(this, 'Ingress', { sinchRegion: 'eu', projectId, apps, tunables });
 * ingress.grantConsumeEvents(myConsumerFunction);
 */
export class WebhookIngress extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly webhookFunction: lambda.Function;
  readonly eventsQueue: sqs.IQueue;
  /** Undefined when the events queue was brought in. */
  readonly eventsDeadLetterQueue?: sqs.IQueue;
  readonly webhookSecret: secretsmanager.ISecret;
  /**
   * The custom resource that adds missing app entries to the generated secret (undefined when the
   * secret was brought in): whatever reads a new app's secret at deploy time depends on it.
   */
  readonly webhookSecretEntries?: CustomResource;
  /** The throttle of `POST /webhooks/{appId}` (sized from the app count unless the tunables set it). */
  readonly webhookThrottle: Throttle;

  constructor(scope: Construct, id: string, props: WebhookIngressProps) {
    super(scope, id);
    const { tunables } = props;

    if (props.eventsQueue) {
      this.eventsQueue = props.eventsQueue;
    } else {
      const events = new SecureFifoQueue(this, 'Events', {
        // Consumers are the user's; one minute is a neutral default they can change on their side.
        visibilityTimeout: Duration.minutes(1),
        maxReceiveCount: 10,
        highThroughput: true,
      });
      this.eventsQueue = events.queue;
      this.eventsDeadLetterQueue = events.deadLetterQueue;
    }

    if (props.webhookSecret) {
      this.webhookSecret = props.webhookSecret;
    } else {
      const secrets = new WebhookSecrets(this, 'SecretEntries', {
        apps: props.apps,
        pruneRemovedApps: props.pruneRemovedAppSecrets ?? false,
        logRetentionDays: tunables.logRetentionDays,
        logLevel: tunables.logLevel,
        ...(props.secretEntriesCode ? { code: props.secretEntriesCode } : {}),
      });
      this.webhookSecret = secrets.secret;
      this.webhookSecretEntries = secrets.entries;
    }

    this.webhookFunction = bridgeFunction(this, 'WebhookFunction', {
      entry: 'webhook',
      description: `Sinch Conversation API webhooks (${props.sinchRegion}) to the events FIFO queue`,
      memorySize: tunables.webhookMemoryMb,
      // Sinch waits a few seconds for an answer; a slow answer is worse than a 5xx it retries.
      timeout: Duration.seconds(10),
      logRetentionDays: tunables.logRetentionDays,
      environment: {
        SINCH_REGION: props.sinchRegion,
        SINCH_PROJECT_ID: props.projectId,
        EVENTS_QUEUE_URL: this.eventsQueue.queueUrl,
        WEBHOOK_SECRETS_ID: this.webhookSecret.secretArn,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.webhook,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: tunables.logLevel,
      },
      ...(props.code ? { code: props.code } : {}),
    });
    if (!props.eventsRouted) this.eventsQueue.grantSendMessages(this.webhookFunction);
    this.webhookSecret.grantRead(this.webhookFunction);

    this.api = new apigw.HttpApi(this, 'Api', {
      description: `Sinch Conversation API webhooks (${props.sinchRegion})`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: tunables.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // The stage default applies to each route on its own: every route but the webhook's gets
      // the small one, so probing neither drains Sinch's budget nor invokes the function much.
      throttle: OTHER_ROUTES_THROTTLE,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // No query strings, headers or bodies: they may carry signatures or phone numbers.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('WebhookIntegration', this.webhookFunction, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    const [webhookRoute] = this.api.addRoutes({
      path: '/webhooks/{appId}',
      methods: [apigw.HttpMethod.POST],
      integration,
    });
    this.webhookThrottle = webhookThrottle(props.apps.length, {
      rateLimit: tunables.throttleRateLimit,
      burstLimit: tunables.throttleBurstLimit,
    });
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = {
      'POST /webhooks/{appId}': {
        ThrottlingRateLimit: this.webhookThrottle.rateLimit,
        ThrottlingBurstLimit: this.webhookThrottle.burstLimit,
      },
    };
    // Route settings name a route key: the route must exist first.
    cfnStage.node.addDependency(webhookRoute!);
    // Other methods and paths reach the function too, so they get the contract's 405 and 404 with a
    // JSON `{"error"}` body (not API Gateway's own 404). Stage throttling bounds what probing costs.
    this.api.addRoutes({ path: '/webhooks/{appId}', methods: [apigw.HttpMethod.ANY], integration });
    const defaultRoute = new apigw.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration,
    });
    acknowledge(this.api, NAG_ACKNOWLEDGEMENTS.webhookAuthorization);
    acknowledge(defaultRoute, NAG_ACKNOWLEDGEMENTS.webhookAuthorization);
  }

  /**
   * The webhook URL Sinch calls for one app.
   *
   * @example
   * new CfnOutput(this, 'Url', { value: ingress.webhookUrl('01H...') });
   */
  webhookUrl(appId: string): string {
    return `${this.api.apiEndpoint}/webhooks/${appId}`;
  }

  /**
   * Lets a consumer receive, delete and change the visibility of events.
   *
   * @example
   * ingress.grantConsumeEvents(myConsumerFunction);
   */
  grantConsumeEvents(grantee: iam.IGrantable): iam.Grant {
    return this.eventsQueue.grantConsumeMessages(grantee);
  }
}
