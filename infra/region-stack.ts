import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { EVENTS_PREFIX } from '../functions/archive/archive-layout';
import type { RegionSettings } from './config';
import { createAccessLogsBucket, EventArchive } from './constructs/event-archive';
import { WebhookIngress } from './constructs/ingress';
import { MessageLifecycle } from './constructs/lifecycle';
import { MediaStore } from './constructs/media-store';
import { BridgeMonitoring } from './constructs/monitoring';
import { WebhookRegistration } from './constructs/registration';
import { EventRouter } from './constructs/router';
import { OutboundSender } from './constructs/sender';
import { SuppressionList } from './constructs/suppression';
import { acknowledge, NAG_ACKNOWLEDGEMENTS } from './nag';

export interface RegionStackProps extends StackProps {
  settings: RegionSettings;
  /** Ready-made code per function instead of bundling (tests, prebuilt artifacts). */
  code?: Partial<
    Record<
      'webhook' | 'send' | 'registration' | 'router' | 'media' | 'lifecycle' | 'secretEntries',
      lambda.Code
    >
  >;
}

/**
 * The name of a region's stack.
 *
 * @example
 * regionStackName('eu'); // 'SinchBridge-eu'
 */
export function regionStackName(sinchRegion: string): string {
  return `SinchBridge-${sinchRegion}`;
}

/**
 * Everything one Sinch region needs, in the AWS region configured for it: webhook ingress, outbound
 * sender, webhook registration, IAM policies for producers and consumers, alarms and a dashboard.
 *
 * @example
 * for (const settings of parseBridgeConfig(raw)) {
 *   new RegionStack(app, regionStackName(settings.sinchRegion), { settings, env: { region: settings.awsRegion } });
 * }
 */
export class RegionStack extends Stack {
  readonly ingress: WebhookIngress;
  readonly sender: OutboundSender;
  readonly router: EventRouter;
  /** Inbound media copies; absent when `media.enabled` is false. */
  readonly media?: MediaStore;
  readonly lifecycle: MessageLifecycle;
  readonly suppression: SuppressionList;
  readonly registration?: WebhookRegistration;
  readonly monitoring: BridgeMonitoring;
  readonly producerPolicy: iam.ManagedPolicy;
  readonly consumerPolicy: iam.ManagedPolicy;
  /** Receives the S3 server access logs of the bridge's buckets (archive, media). */
  readonly accessLogsBucket: s3.Bucket;
  /** The events archive, unless `archive.enabled` is false. */
  readonly archive?: EventArchive;
  /** Read, rewrite and delete archived events (`sinch-bridge replay` and `erase`). */
  readonly archiveOperatorPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    const { settings } = props;
    super(scope, id, {
      description: `Sinch Conversation API bridge for Sinch region ${settings.sinchRegion} (project ${settings.projectId})`,
      ...props,
      env: props.env ?? { region: settings.awsRegion },
    });
    const { sinchRegion, projectId, apps, tunables } = settings;

    this.ingress = new WebhookIngress(this, 'Ingress', {
      sinchRegion,
      projectId,
      apps,
      tunables,
      // Both producers publish through the event router (routeEventsFrom below).
      eventsRouted: true,
      pruneRemovedAppSecrets: settings.registration.teardown,
      ...(props.code?.webhook ? { code: props.code.webhook } : {}),
      ...(props.code?.secretEntries ? { secretEntriesCode: props.code.secretEntries } : {}),
    });
    this.sender = new OutboundSender(this, 'Sender', {
      sinchRegion,
      projectId,
      tunables,
      eventsQueue: this.ingress.eventsQueue,
      eventsRouted: true,
      ...(settings.credentialsSecretArn
        ? {
            credentialsSecret: secretsmanager.Secret.fromSecretCompleteArn(
              this,
              'ImportedSinchCredentials',
              settings.credentialsSecretArn,
            ),
          }
        : {}),
      ...(props.code?.send ? { code: props.code.send } : {}),
    });
    // Producers write to the router's queue; the router runs its steps and publishes to the
    // events queue (docs/router.md).
    this.router = new EventRouter(this, 'Router', {
      sinchRegion,
      projectId,
      tunables,
      eventsQueue: this.ingress.eventsQueue,
      ...(props.code?.router ? { code: props.code.router } : {}),
    });
    this.router.routeEventsFrom(this.ingress.webhookFunction);
    this.router.routeEventsFrom(this.sender.sendFunction);
    this.lifecycle = new MessageLifecycle(this, 'Lifecycle', {
      sinchRegion,
      projectId,
      tunables,
      table: this.sender.idempotencyTable,
      router: this.router,
      eventsQueue: this.ingress.eventsQueue,
      ...(props.code?.lifecycle ? { code: props.code.lifecycle } : {}),
    });
    this.suppression = new SuppressionList(this, 'Suppression', {
      sinchRegion,
      apps: settings.apps,
      router: this.router,
      sendFunction: this.sender.sendFunction,
      outboundQueue: this.sender.outboundQueue,
      optOutAlarmThreshold: tunables.optOutAlarmThreshold,
    });
    if (settings.registration.enabled) {
      this.registration = new WebhookRegistration(this, 'Registration', {
        sinchRegion,
        projectId,
        apps,
        webhookUrl: (appId) => this.ingress.webhookUrl(appId),
        webhookSecret: this.ingress.webhookSecret,
        credentialsSecret: this.sender.credentialsSecret,
        revision: settings.registration.revision,
        teardown: settings.registration.teardown,
        logRetentionDays: tunables.logRetentionDays,
        logLevel: tunables.logLevel,
        // Registration reads each app's secret: after the entries resource added any new app's.
        dependsOn: [
          this.ingress.stage,
          this.ingress.webhookFunction,
          ...(this.ingress.webhookSecretEntries ? [this.ingress.webhookSecretEntries] : []),
        ],
        ...(props.code?.registration ? { code: props.code.registration } : {}),
      });
    }

    this.accessLogsBucket = createAccessLogsBucket(
      this,
      'AccessLogsBucket',
      settings.archive.accessLogRetentionDays,
    );
    if (settings.archive.enabled) {
      this.archive = new EventArchive(this, 'Archive', {
        sinchRegion,
        appIds: apps.map((app) => app.id),
        retentionDays: settings.archive.retentionDays,
        bufferSeconds: settings.archive.bufferSeconds,
        accessLogsBucket: this.accessLogsBucket,
        logRetentionDays: tunables.logRetentionDays,
      });
      // The router archives every event it publishes (its archive step, functions/archive/).
      this.router.routerFunction.addEnvironment('ARCHIVE_STREAM_NAME', this.archive.deliveryStreamName);
      this.archive.grantPut(this.router.routerFunction);
      this.archiveOperatorPolicy = new iam.ManagedPolicy(this, 'ArchiveOperatorPolicy', {
        description: `Replay and erase archived events of the Sinch bridge (${sinchRegion})`,
        statements: this.archive.operatorStatements(),
      });
      acknowledge(
        this.archiveOperatorPolicy,
        this.archive.objectsWildcard(NAG_ACKNOWLEDGEMENTS.archiveOperatorObjects, `${EVENTS_PREFIX}*`),
      );
    }
    if (settings.media.enabled) {
      // Media events go back through the router queue, so each follows its message's event.
      this.media = new MediaStore(this, 'Media', {
        sinchRegion,
        projectId,
        tunables,
        media: settings.media,
        publishQueue: this.router.routerQueue,
        eventsQueue: this.ingress.eventsQueue,
        accessLogsBucket: this.accessLogsBucket,
        ...(props.code?.media ? { code: props.code.media } : {}),
      });
      this.media.enqueueJobsFrom(this.router.routerFunction);
    }

    this.producerPolicy = new iam.ManagedPolicy(this, 'ProducerPolicy', {
      description: `Put outbound commands on the Sinch bridge outbound queue (${sinchRegion})`,
      statements: [
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          resources: [this.sender.outboundQueue.queueArn],
        }),
      ],
    });
    this.consumerPolicy = new iam.ManagedPolicy(this, 'ConsumerPolicy', {
      description: `Read normalized events from the Sinch bridge events queue (${sinchRegion})`,
      statements: [
        new iam.PolicyStatement({
          actions: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
          ],
          resources: [this.ingress.eventsQueue.queueArn],
        }),
      ],
    });

    const deadLetterQueues = {
      OutboundDeadLetterQueue: this.sender.outboundDeadLetterQueue,
      RouterDeadLetterQueue: this.router.routerDeadLetterQueue,
      ...(this.media ? { MediaDeadLetterQueue: this.media.jobDeadLetterQueue } : {}),
      ...(this.ingress.eventsDeadLetterQueue
        ? { EventsDeadLetterQueue: this.ingress.eventsDeadLetterQueue }
        : {}),
    };
    this.monitoring = new BridgeMonitoring(this, 'Monitoring', {
      sinchRegion,
      tunables,
      api: this.ingress.api,
      functions: {
        Webhook: this.ingress.webhookFunction,
        Send: this.sender.sendFunction,
        Router: this.router.routerFunction,
        ...(this.media ? { Media: this.media.mediaFunction } : {}),
        LifecycleSweep: this.lifecycle.sweepFunction,
      },
      queues: {
        EventsQueue: this.ingress.eventsQueue,
        OutboundQueue: this.sender.outboundQueue,
        RouterQueue: this.router.routerQueue,
        ...(this.media ? { MediaQueue: this.media.jobQueue } : {}),
      },
      deadLetterQueues,
      ...(settings.alarms.topicArn
        ? { alarmTopic: sns.Topic.fromTopicArn(this, 'ImportedAlarmTopic', settings.alarms.topicArn) }
        : {}),
      ...(settings.alarms.email ? { alarmEmail: settings.alarms.email } : {}),
    });

    this.lifecycle.alarmTo(this.monitoring.alarmTopic, this.monitoring.dashboard);
    this.suppression.alarmTo(this.monitoring.alarmTopic, this.monitoring.dashboard);

    this.addOutputs(settings);
  }

  private addOutputs(settings: RegionSettings): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    for (const app of settings.apps) {
      output(
        `WebhookUrl${app.id}`,
        this.ingress.webhookUrl(app.id),
        `Webhook target of app ${app.id}${app.name ? ` (${app.name})` : ''}`,
      );
    }
    output(
      'SinchServiceConnectionUrl',
      `https://${settings.sinchRegion}.conversation.api.sinch.com/v1/projects/${settings.projectId}/messages:send`,
      'Conversation API send URL of this region (the "service connection URL" of manual setups)',
    );
    output(
      'EventsQueueUrl',
      this.ingress.eventsQueue.queueUrl,
      'Normalized CloudEvents (FIFO): consume from here',
    );
    output('EventsQueueArn', this.ingress.eventsQueue.queueArn, 'Events queue ARN');
    if (this.ingress.eventsDeadLetterQueue) {
      output(
        'EventsDeadLetterQueueUrl',
        this.ingress.eventsDeadLetterQueue.queueUrl,
        'Events that consumers failed',
      );
      output('EventsDeadLetterQueueArn', this.ingress.eventsDeadLetterQueue.queueArn, 'Events DLQ ARN');
    }
    output('OutboundQueueUrl', this.sender.outboundQueue.queueUrl, 'Outbound commands (FIFO): produce here');
    output('OutboundQueueArn', this.sender.outboundQueue.queueArn, 'Outbound queue ARN');
    output(
      'OutboundDeadLetterQueueUrl',
      this.sender.outboundDeadLetterQueue.queueUrl,
      'Commands that failed for good',
    );
    output('OutboundDeadLetterQueueArn', this.sender.outboundDeadLetterQueue.queueArn, 'Outbound DLQ ARN');
    output('WebhookSecretsArn', this.ingress.webhookSecret.secretArn, 'Webhook signing secrets by app id');
    output(
      'SinchCredentialsArn',
      this.sender.credentialsSecret.secretArn,
      'Sinch access key: {"keyId","keySecret"}',
    );
    output('IdempotencyTableName', this.sender.idempotencyTable.tableName, 'Send idempotency records');
    output('SuppressionTableName', this.suppression.table.tableName, 'Opt-outs: the suppression list');
    output(
      'RouterQueueUrl',
      this.router.routerQueue.queueUrl,
      'Internal router queue (operator events go here)',
    );
    if (this.media) {
      output(
        'MediaBucketName',
        this.media.bucket.bucketName,
        'Copies of inbound media (sinch-bridge media get)',
      );
      output('MediaQueueUrl', this.media.jobQueue.queueUrl, 'Media copy jobs (FIFO, internal)');
      output(
        'MediaDeadLetterQueueUrl',
        this.media.jobDeadLetterQueue.queueUrl,
        'Media copy jobs that crashed repeatedly',
      );
    }
    output(
      'ProducerPolicyArn',
      this.producerPolicy.managedPolicyArn,
      'Attach to producers of outbound commands',
    );
    output('ConsumerPolicyArn', this.consumerPolicy.managedPolicyArn, 'Attach to consumers of events');
    if (this.archive) {
      output(
        'ArchiveBucketName',
        this.archive.bucket.bucketName,
        'Events archive (ARCHIVE_BUCKET for replay/erase)',
      );
      output('ArchiveStreamName', this.archive.deliveryStreamName, 'Firehose stream the router archives to');
      output(
        'ArchiveTable',
        `${this.archive.database.ref}.events`,
        'Glue/Athena table of the archive (dedupe by id)',
      );
      output(
        'ArchiveOperatorPolicyArn',
        this.archiveOperatorPolicy!.managedPolicyArn,
        'Attach to operators who replay or erase',
      );
    }
    output('AlarmTopicArn', this.monitoring.alarmTopic.topicArn, 'Alarm notifications');
    output('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard');
  }
}
