import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SecureFifoQueueProps {
  /** How long a received message stays hidden; for a Lambda source at least six times the function timeout. */
  visibilityTimeout: Duration;
  /** Receives before SQS moves a message to the dead-letter queue. */
  maxReceiveCount: number;
  /**
   * High-throughput FIFO: deduplication and throughput limit per message group, so independent
   * conversations do not share the 300 messages/s per-queue limit.
   * @default false
   */
  highThroughput?: boolean;
}

/**
 * A FIFO queue with its FIFO dead-letter queue, both secure by default: SQS-managed encryption,
 * a policy that denies requests without TLS, 14 days' retention on the dead-letter queue.
 *
 * @example
 * const events = new SecureFifoQueue(this, 'Events', { visibilityTimeout: Duration.seconds(60), maxReceiveCount: 10, highThroughput: true });
 * events.queue.grantSendMessages(webhookFunction);
 */
export class SecureFifoQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SecureFifoQueueProps) {
    super(scope, id);
    const secure = {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Explicit 1 MiB (the SQS maximum): an event carries the original callback (up to 256 KiB)
      // beside its normalized fields, so it can be about twice the body's size.
      maxMessageSizeBytes: 1_048_576,
    } as const;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...secure,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...secure,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      ...(props.highThroughput
        ? {
            deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
            fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
          }
        : {}),
    });
  }
}
