import { type CfnElement, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { SinchApp } from '../config';
import { acknowledge, NAG_ACKNOWLEDGEMENTS } from '../nag';
import { bridgeFunction, logWriterRole } from './bridge-function';

/** The webhook's default `SECRETS_MAX_AGE_SECONDS` (300) plus a margin. */
export const DEFAULT_PROPAGATION_SECONDS = 330;

export interface WebhookSecretsProps {
  apps: SinchApp[];
  /** Drop the entries of apps no longer configured (the explicit teardown switch). @default false */
  pruneRemovedApps?: boolean;
  /**
   * How long the entries resource waits after adding a secret, before the registration tells
   * Sinch: the webhook's secret cache age plus a margin. @default 330 (300 s cache + 30 s)
   */
  propagationSeconds?: number;
  logRetentionDays: number;
  logLevel: string;
  /** @default - bundles `functions/secret-entries/handler.ts` */
  code?: lambda.Code;
}

/**
 * The webhook secrets of a region: one Secrets Manager secret whose value CloudFormation never
 * writes, and a custom resource (`Custom::WebhookSecretEntries`) that only adds missing entries
 * on each deploy: a generated secret for a new app, a generated callback URL secret for an app
 * that asks for one. Existing entries (rotated ones included) are never rewritten, so adding or
 * removing apps cannot lock anyone out; `sinch-bridge webhooks rotate` changes an app's secret.
 *
 * `entries` is what readers of a just-configured app's secret must depend on.
 *
 * @example
 * const secrets = new WebhookSecrets(this, 'Secrets', { apps, logRetentionDays: 30, logLevel: 'INFO' });
 * registration.node.addDependency(secrets.entries);
 */
export class WebhookSecrets extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly entries: CustomResource;
  readonly entriesFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: WebhookSecretsProps) {
    super(scope, id);
    // The id `WebhookSecrets` in the ingress is kept from the versions that built the value from
    // per-app seeds: the same secret stays, with everything it holds.
    this.secret = new secretsmanager.Secret(scope, 'WebhookSecrets', {
      description:
        'Sinch webhook signing secrets by app id: {"<appId>": "<secret>"}, ["<current>", "<previous>"] or {"webhook", "callbackUrl"}',
    });
    // Neither SecretString nor GenerateSecretString: CloudFormation then has no value to write, on
    // create or on any later update. The entries resource below is the only deploy-time writer.
    (this.secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride(
      'GenerateSecretString',
    );
    acknowledge(this.secret, NAG_ACKNOWLEDGEMENTS.webhookSecretRotation);

    this.entriesFunction = bridgeFunction(this, 'EntriesFunction', {
      entry: 'secretEntries',
      description: 'Adds missing app entries to the Sinch webhook secrets (never rewrites one)',
      memorySize: 256,
      // One read and one write per deploy: traces would cost more attention than they give.
      tracing: false,
      // Up to the propagation wait after adding apps, plus the read and the write.
      timeout: Duration.seconds((props.propagationSeconds ?? DEFAULT_PROPAGATION_SECONDS) + 60),
      logRetentionDays: props.logRetentionDays,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'sinch-bridge-secret-entries',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
      ...(props.code ? { code: props.code } : {}),
    });
    // Read and put a new version of this one secret: nothing else (no UpdateSecret, no stages).
    this.entriesFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const providerRole = logWriterRole(this, 'ProviderRole', providerLogs);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.entriesFunction,
      logGroup: providerLogs,
      frameworkOnEventRole: providerRole,
    });
    const handlerLogicalId = Stack.of(this).getLogicalId(
      this.entriesFunction.node.defaultChild as CfnElement,
    );
    acknowledge(providerRole, {
      id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
      reason:
        'The CDK Provider framework may invoke any version or alias of the secret entries handler (and only it).',
    });

    this.entries = new CustomResource(this, 'Entries', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::WebhookSecretEntries',
      properties: {
        SecretId: this.secret.secretArn,
        AppIds: props.apps.map((app) => app.id),
        CallbackUrlAppIds: props.apps.filter((app) => app.callbackUrlSecret).map((app) => app.id),
        PruneRemovedApps: String(props.pruneRemovedApps ?? false),
        PropagationSeconds: String(props.propagationSeconds ?? DEFAULT_PROPAGATION_SECONDS),
      },
    });
  }
}
