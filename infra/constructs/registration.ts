import { type CfnElement, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import { DEFAULT_TRIGGERS, type SinchApp, type SinchRegion } from '../config';
import { acknowledge } from '../nag';
import { bridgeFunction, logWriterRole } from './bridge-function';

export interface WebhookRegistrationProps {
  sinchRegion: SinchRegion;
  projectId: string;
  apps: SinchApp[];
  /** The URL Sinch should call for an app. */
  webhookUrl: (appId: string) => string;
  /** JSON `{"<appId>": "<secret>"}` (or `[current, previous]`): the current secret is registered. */
  webhookSecret: secretsmanager.ISecret;
  /** JSON `{"keyId", "keySecret"}`; while empty, registration waits (see `revision`). */
  credentialsSecret: secretsmanager.ISecret;
  /** Changing it re-runs registration on the next deploy (after the access key was filled, say). */
  revision: number;
  /**
   * Delete the webhooks at Sinch when their resources go (stack delete, app removed, registration
   * off). @default false - retained: a live webhook is only deleted on an explicit teardown
   */
  teardown?: boolean;
  logRetentionDays: number;
  logLevel: string;
  /** Resources the webhooks must not outlive or precede (API stage, webhook function). */
  dependsOn?: IDependable[];
  /** @default - bundles `functions/registration/handler.ts` */
  code?: lambda.Code;
}

/**
 * Registers one Conversation API webhook per app at deploy (create, or update the one with the same
 * target), via the CDK Provider framework. Webhooks are retained when their resource goes, unless
 * `teardown` asks for their deletion at Sinch.
 *
 * @example
 * new WebhookRegistration(this, 'Registration', { sinchRegion: 'eu', projectId, apps, revision: 1,
 *   webhookUrl: (id) => ingress.webhookUrl(id), webhookSecret: ingress.webhookSecret,
 *   credentialsSecret: sender.credentialsSecret, logRetentionDays: 30, logLevel: 'INFO' });
 */
export class WebhookRegistration extends Construct {
  readonly registrationFunction: lambda.Function;
  readonly provider: cr.Provider;
  /** One custom resource per app, by app id; `getAttString('WebhookId')` is the Sinch webhook id. */
  readonly webhooks: Record<string, CustomResource> = {};

  constructor(scope: Construct, id: string, props: WebhookRegistrationProps) {
    super(scope, id);
    this.registrationFunction = bridgeFunction(this, 'RegistrationFunction', {
      entry: 'registration',
      description: `Registers the Sinch Conversation API webhooks of the bridge (${props.sinchRegion})`,
      memorySize: 256,
      // A handful of calls per deploy: traces would cost more attention than they give.
      tracing: false,
      timeout: Duration.minutes(2),
      logRetentionDays: props.logRetentionDays,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'sinch-bridge-registration',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
      ...(props.code ? { code: props.code } : {}),
    });
    props.webhookSecret.grantRead(this.registrationFunction);
    props.credentialsSecret.grantRead(this.registrationFunction);

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const providerRole = logWriterRole(this, 'ProviderRole', providerLogs);
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.registrationFunction,
      logGroup: providerLogs,
      frameworkOnEventRole: providerRole,
    });
    const handlerLogicalId = Stack.of(this).getLogicalId(
      this.registrationFunction.node.defaultChild as CfnElement,
    );
    acknowledge(providerRole, {
      id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
      reason:
        'The CDK Provider framework may invoke any version or alias of the registration handler (and only it).',
    });

    for (const app of props.apps) {
      const webhook = new CustomResource(this, `Webhook${app.id}`, {
        serviceToken: this.provider.serviceToken,
        resourceType: 'Custom::SinchWebhook',
        properties: {
          AppId: app.id,
          Target: props.webhookUrl(app.id),
          Triggers: app.triggers ?? [...DEFAULT_TRIGGERS],
          WebhookSecretsId: props.webhookSecret.secretArn,
          SinchCredentialsId: props.credentialsSecret.secretArn,
          SinchRegion: props.sinchRegion,
          ProjectId: props.projectId,
          Revision: String(props.revision),
        },
        // Retained by default: CloudFormation then never sends the Delete that would remove a live
        // webhook (registration switched off, an app removed, the stack deleted).
        removalPolicy: props.teardown ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      });
      for (const dependency of props.dependsOn ?? []) webhook.node.addDependency(dependency);
      this.webhooks[app.id] = webhook;
    }
  }
}
