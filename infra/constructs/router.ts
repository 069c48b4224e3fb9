import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SinchRegion, Tunables } from '../config';
import { bridgeFunction } from './bridge-function';
import { METRICS_NAMESPACE, SERVICE_NAMES } from './bridge-metrics';
import { SecureFifoQueue } from './secure-queue';

/** The router's own timeout: its steps are a few table writes and one publish per event. */
export const ROUTER_TIMEOUT_SECONDS = 30;
/** Receives before a router record is dead-lettered: its own backoff gives about 10 minutes of retries first. */
export const ROUTER_MAX_RECEIVE_COUNT = 12;

export interface EventRouterProps {
  sinchRegion: SinchRegion;
  projectId: string;
  tunables: Tunables;
  /** Where routed events (and what the steps derive) are published. */
  eventsQueue: sqs.IQueue;
  /** @default - bundles `functions/router/handler.ts` */
  code?: lambda.Code;
}

/**
 * The event router: an internal FIFO queue that producers (webhook, send function, lifecycle
 * sweep) write to instead of the events queue, and a function that runs the router steps
 * (archive, lifecycle, suppression, media) on each batch and then publishes every event, followed
 * by what the steps derived, to the events queue in order per group (docs/router.md).
 *
 * @example
 * const router = new EventRouter(this, 'Router', { sinchRegion: 'eu', projectId, tunables, eventsQueue });
 * router.routeEventsFrom(webhookFunction);
 */
export class EventRouter extends Construct {
  readonly routerQueue: sqs.IQueue;
  readonly routerDeadLetterQueue: sqs.IQueue;
  readonly routerFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: EventRouterProps) {
    super(scope, id);
    const { tunables } = props;
    const queue = new SecureFifoQueue(this, 'Router', {
      // AWS's rule for SQS sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(ROUTER_TIMEOUT_SECONDS * 6),
      maxReceiveCount: ROUTER_MAX_RECEIVE_COUNT,
      highThroughput: true,
    });
    this.routerQueue = queue.queue;
    this.routerDeadLetterQueue = queue.deadLetterQueue;

    this.routerFunction = bridgeFunction(this, 'RouterFunction', {
      entry: 'router',
      description: `Event router (${props.sinchRegion}): router steps, then the events FIFO queue`,
      memorySize: tunables.sendMemoryMb,
      timeout: Duration.seconds(ROUTER_TIMEOUT_SECONDS),
      logRetentionDays: tunables.logRetentionDays,
      environment: {
        SINCH_REGION: props.sinchRegion,
        SINCH_PROJECT_ID: props.projectId,
        EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.router,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: tunables.logLevel,
      },
      ...(props.code ? { code: props.code } : {}),
    });
    props.eventsQueue.grantSendMessages(this.routerFunction);
    // The event source mapping grants receive/delete/change-visibility on the router queue.
    this.routerFunction.addEventSource(
      new SqsEventSource(this.routerQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: tunables.maxConcurrency,
      }),
    );
  }

  /**
   * Makes a producer function write its events to the router queue: sets `ROUTER_QUEUE_URL` and
   * grants `sqs:SendMessage` on the router queue only.
   *
   * @example
   * router.routeEventsFrom(ingress.webhookFunction);
   */
  routeEventsFrom(producer: lambda.Function): iam.Grant {
    producer.addEnvironment('ROUTER_QUEUE_URL', this.routerQueue.queueUrl);
    return this.routerQueue.grantSendMessages(producer);
  }

  /**
   * Sets a variable of the router function (a step's table name, stream, ...).
   *
   * @example
   * router.addStepEnvironment('LIFECYCLE_TABLE', table.tableName);
   */
  addStepEnvironment(name: string, value: string): void {
    this.routerFunction.addEnvironment(name, value);
  }
}
