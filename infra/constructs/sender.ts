import { Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { outboundMaxReceiveCount } from '../../functions/send/backoff';
import { sendTimeoutsFor } from '../../functions/send/deadline';
import type { SinchRegion, Tunables } from '../config';
import { acknowledge, NAG_ACKNOWLEDGEMENTS } from '../nag';
import { bridgeFunction } from './bridge-function';
import { METRICS_NAMESPACE, SERVICE_NAMES } from './bridge-metrics';
import { SecureFifoQueue } from './secure-queue';
import { grantItemReadWrite } from './table-grants';

export interface OutboundSenderProps {
  sinchRegion: SinchRegion;
  projectId: string;
  tunables: Tunables;
  /** Where send results (`sinch.bridge.outbound.accepted|failed`) are published. */
  eventsQueue: sqs.IQueue;
  /**
   * The stack routes the send results through the event router (`EventRouter.routeEventsFrom`):
   * the function then never writes to the events queue and gets no grant on it.
   * @default false - the function writes to the events queue directly
   */
  eventsRouted?: boolean;
  /**
   * Bring your own outbound FIFO queue and its dead-letter queue (both or neither). Its visibility
   * timeout must be at least six times the function timeout, its `maxReceiveCount` at least
   * `outboundMaxReceiveCount(maxAttempts)` (ten times `maxAttempts` plus ten: receives are not attempts).
   * @default - a high-throughput FIFO queue with a FIFO dead-letter queue sized from the tunables
   */
  outbound?: { queue: sqs.IQueue; deadLetterQueue: sqs.IQueue };
  /**
   * The Sinch access key secret `{"keyId": "...", "keySecret": "..."}`.
   * @default - a secret with empty fields for you to fill
   */
  credentialsSecret?: secretsmanager.ISecret;
  /** The command records (partition key `id`, string; TTL attribute `ttl`). @default - an on-demand table with TTL and point-in-time recovery */
  idempotencyTable?: dynamodb.ITableV2;
  /** @default - bundles `functions/send/handler.ts` */
  code?: lambda.Code;
}

/**
 * The sending half of a region: an outbound FIFO queue feeding the send function (partial batch
 * responses, bounded concurrency), which calls `messages:send` once per command id.
 *
 * @example
 * const sender = new OutboundSender(this, 'Sender', { sinchRegion: 'eu', projectId, tunables, eventsQueue });
 * sender.grantSendCommands(myProducerFunction);
 */
export class OutboundSender extends Construct {
  readonly sendFunction: lambda.Function;
  readonly outboundQueue: sqs.IQueue;
  readonly outboundDeadLetterQueue: sqs.IQueue;
  readonly credentialsSecret: secretsmanager.ISecret;
  readonly idempotencyTable: dynamodb.ITableV2;

  constructor(scope: Construct, id: string, props: OutboundSenderProps) {
    super(scope, id);
    const { tunables } = props;
    // A FIFO batch of one group runs one record after the other: the timeout is shared so that a
    // full batch of worst-case Sinch calls fits, and raised when it cannot.
    const sizing = sendTimeoutsFor({
      timeoutSeconds: tunables.sendTimeoutSeconds,
      batchSize: tunables.batchSize,
    });
    const timeout = Duration.seconds(sizing.functionTimeoutSeconds);

    if (props.outbound) {
      this.outboundQueue = props.outbound.queue;
      this.outboundDeadLetterQueue = props.outbound.deadLetterQueue;
    } else {
      const outbound = new SecureFifoQueue(this, 'Outbound', {
        // AWS's rule for SQS sources: at least six times the function timeout, so retries of a
        // throttled batch do not make a message visible while it is still being processed.
        visibilityTimeout: Duration.seconds(sizing.functionTimeoutSeconds * 6),
        // Only the crash safety net: MAX_ATTEMPTS counts Sinch calls in the command record.
        maxReceiveCount: outboundMaxReceiveCount(tunables.maxAttempts),
        highThroughput: true,
      });
      this.outboundQueue = outbound.queue;
      this.outboundDeadLetterQueue = outbound.deadLetterQueue;
    }

    if (props.credentialsSecret) {
      this.credentialsSecret = props.credentialsSecret;
    } else {
      this.credentialsSecret = new secretsmanager.Secret(this, 'SinchCredentials', {
        description: `Sinch access key of project ${props.projectId}: fill keyId and keySecret from the Sinch dashboard`,
        // Placeholders only: the real key never passes through CloudFormation.
        secretObjectValue: {
          keyId: SecretValue.unsafePlainText(''),
          keySecret: SecretValue.unsafePlainText(''),
        },
      });
      acknowledge(this.credentialsSecret, NAG_ACKNOWLEDGEMENTS.accessKeyRotation);
    }

    this.idempotencyTable =
      props.idempotencyTable ??
      new dynamodb.TableV2(this, 'IdempotencyTable', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        // The command record's expiry (epoch seconds): functions/send/command-record.ts.
        timeToLiveAttribute: 'ttl',
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: RemovalPolicy.DESTROY,
      });

    this.sendFunction = bridgeFunction(this, 'SendFunction', {
      entry: 'send',
      description: `Outbound FIFO queue to Sinch Conversation API messages:send (${props.sinchRegion})`,
      memorySize: tunables.sendMemoryMb,
      timeout,
      // Reserved: account-wide throttling elsewhere cannot starve the event source (whose
      // throttled receives would count toward the redrive).
      reservedConcurrentExecutions: tunables.maxConcurrency,
      logRetentionDays: tunables.logRetentionDays,
      environment: {
        SINCH_REGION: props.sinchRegion,
        SINCH_PROJECT_ID: props.projectId,
        EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
        SINCH_CREDENTIALS_ID: this.credentialsSecret.secretArn,
        OUTBOUND_DLQ_URL: this.outboundDeadLetterQueue.queueUrl,
        IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
        MAX_ATTEMPTS: String(tunables.maxAttempts),
        SINCH_TIMEOUT_MS: String(sizing.sinchTimeoutMs),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.send,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: tunables.logLevel,
      },
      ...(props.code ? { code: props.code } : {}),
    });

    if (!props.eventsRouted) props.eventsQueue.grantSendMessages(this.sendFunction);
    this.outboundDeadLetterQueue.grantSendMessages(this.sendFunction);
    this.credentialsSecret.grantRead(this.sendFunction);
    grantItemReadWrite(this.idempotencyTable, this.sendFunction);
    // The event source mapping grants receive/delete/change-visibility on the outbound queue.
    this.sendFunction.addEventSource(
      new SqsEventSource(this.outboundQueue, {
        batchSize: tunables.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: tunables.maxConcurrency,
      }),
    );
  }

  /**
   * Lets a producer put commands on the outbound queue.
   *
   * @example
   * sender.grantSendCommands(myProducerFunction);
   */
  grantSendCommands(grantee: iam.IGrantable): iam.Grant {
    return this.outboundQueue.grantSendMessages(grantee);
  }
}
