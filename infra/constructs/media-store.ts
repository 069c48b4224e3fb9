import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MediaSettings, SinchRegion, Tunables } from '../config';
import { acknowledge, NAG_ACKNOWLEDGEMENTS } from '../nag';
import { bridgeFunction } from './bridge-function';
import { METRICS_NAMESPACE, SERVICE_NAMES } from './bridge-metrics';
import { createAccessLogsBucket } from './event-archive';
import { SecureFifoQueue } from './secure-queue';

/** Seconds the media function gets beyond one copy's timeout: the publish and the outcome record. */
export const MEDIA_FUNCTION_MARGIN_SECONDS = 30;
/** SQS redrive is only the crash safety net: it must not fire before the function's own `maxAttempts`. */
export const MEDIA_REDRIVE_MARGIN = 2;
/** Days the access logs of the media bucket are kept. */
export const MEDIA_ACCESS_LOG_DAYS = 365;

export interface MediaStoreProps {
  sinchRegion: SinchRegion;
  projectId: string;
  tunables: Tunables;
  media: MediaSettings;
  /** Where `media.stored` / `media.failed` go: the router queue, so they follow the message's event. */
  publishQueue: sqs.IQueue;
  /** The events queue (the function's `EVENTS_QUEUE_URL`; used only when no router queue is given). */
  eventsQueue: sqs.IQueue;
  /**
   * The bucket that receives the media bucket's server access logs (the stack shares one with the archive).
   * @default - a bucket of its own (S3-managed encryption, TLS only, no public access, logs kept {@link MEDIA_ACCESS_LOG_DAYS} days)
   */
  accessLogsBucket?: s3.IBucket;
  /** @default - bundles `functions/media/handler.ts` */
  code?: lambda.Code;
}

/**
 * Inbound media copied to S3: the media bucket (S3-managed encryption, TLS only, public access
 * blocked, access-logged, files expire after `media.retentionDays`), the media FIFO queue the
 * router's media step fills, with its dead-letter queue, and the media function that fetches
 * each file safely and publishes `media.stored` / `media.failed` (docs/media.md).
 *
 * @example
 * const media = new MediaStore(this, 'Media', { sinchRegion: 'eu', projectId, tunables, media: settings.media,
 *   publishQueue: router.routerQueue, eventsQueue });
 * media.enqueueJobsFrom(router.routerFunction);
 * media.grantReadMedia(operatorRole);
 */
export class MediaStore extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.IBucket;
  readonly jobQueue: sqs.Queue;
  readonly jobDeadLetterQueue: sqs.Queue;
  readonly mediaFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: MediaStoreProps) {
    super(scope, id);
    const { media, tunables } = props;

    this.accessLogsBucket =
      props.accessLogsBucket ?? createAccessLogsBucket(this, 'AccessLogs', MEDIA_ACCESS_LOG_DAYS);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'media/',
      // No versioning: an erased file must be gone, not kept as a noncurrent version.
      versioned: false,
      lifecycleRules: [
        { id: 'retention', expiration: Duration.days(media.retentionDays) },
        // Parts of uploads cut off by a deadline or a crash.
        { id: 'incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Personal data with its own retention: never dropped with the stack by accident.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const timeout = Duration.seconds(media.timeoutSeconds + MEDIA_FUNCTION_MARGIN_SECONDS);
    const jobs = new SecureFifoQueue(this, 'Jobs', {
      // AWS's rule for SQS sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      maxReceiveCount: media.maxAttempts + MEDIA_REDRIVE_MARGIN,
      highThroughput: true,
    });
    this.jobQueue = jobs.queue;
    this.jobDeadLetterQueue = jobs.deadLetterQueue;

    this.mediaFunction = bridgeFunction(this, 'MediaFunction', {
      entry: 'media',
      description: `Copies inbound media to S3, safely (${props.sinchRegion})`,
      // Streaming: memory holds two upload parts and the runtime, whatever MEDIA_MAX_BYTES is.
      memorySize: media.memoryMb,
      timeout,
      logRetentionDays: tunables.logRetentionDays,
      environment: {
        MEDIA_BUCKET: this.bucket.bucketName,
        EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
        ROUTER_QUEUE_URL: props.publishQueue.queueUrl,
        MEDIA_MAX_BYTES: String(media.maxBytes),
        MEDIA_TIMEOUT_MS: String(media.timeoutSeconds * 1000),
        MEDIA_MAX_ATTEMPTS: String(media.maxAttempts),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.media,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: tunables.logLevel,
      },
      ...(props.code ? { code: props.code } : {}),
    });

    // Least privilege: write and read back objects, abort its own uploads, and list the bucket
    // (without s3:ListBucket, HeadObject of a missing key answers 403 instead of 404).
    this.mediaFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    this.mediaFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    acknowledge(this.mediaFunction.role!, {
      ...NAG_ACKNOWLEDGEMENTS.mediaObjects,
      id: `${NAG_ACKNOWLEDGEMENTS.mediaObjects.id}[Resource::<${bucketLogicalId}.Arn>/*]`,
    });
    props.publishQueue.grantSendMessages(this.mediaFunction);
    this.mediaFunction.addEventSource(
      new SqsEventSource(this.jobQueue, {
        // One copy per invocation: the function timeout is sized for one file of MEDIA_MAX_BYTES.
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: tunables.maxConcurrency,
      }),
    );
  }

  /**
   * Lets the router's media step put copy jobs on the media queue: sets `MEDIA_QUEUE_URL` on it.
   *
   * @example
   * media.enqueueJobsFrom(router.routerFunction);
   */
  enqueueJobsFrom(producer: lambda.Function): iam.Grant {
    producer.addEnvironment('MEDIA_QUEUE_URL', this.jobQueue.queueUrl);
    return this.jobQueue.grantSendMessages(producer);
  }

  /**
   * Lets an operator or a consumer read the copied files (`sinch-bridge media get`).
   *
   * @example
   * media.grantReadMedia(crmIntegrationRole);
   */
  grantReadMedia(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee);
  }
}
