import type { Acknowledgment } from 'aws-cdk-lib';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ERROR_OUTPUT_PREFIX,
  EVENTS_PREFIX,
  FIREHOSE_PREFIX,
  OBJECT_EXTENSION,
  PARTITION_QUERY,
} from '../../functions/archive/archive-layout';
import { acknowledge, NAG_ACKNOWLEDGEMENTS } from '../nag';

export interface EventArchiveProps {
  sinchRegion: string;
  /** App ids: the Glue table's `app` partition values (partition projection). */
  appIds: readonly string[];
  /** Days an archived event is kept (`archive.retentionDays`, default 400). */
  retentionDays: number;
  /** Firehose buffering interval, 0..900 s: the delay before an event is in S3. */
  bufferSeconds: number;
  /** Bucket for S3 server access logs (bring your own, e.g. one shared with the media bucket). */
  accessLogsBucket: s3.IBucket;
  logRetentionDays: logs.RetentionDays;
}

/** Glue columns of the archive table: one per field of an archive line (lower case, as Hive reads JSON). */
export const ARCHIVE_COLUMNS: glue.CfnTable.ColumnProperty[] = [
  { name: 'v', type: 'int', comment: 'version of the line shape' },
  { name: 'id', type: 'string', comment: 'event id: dedupe on it (retries can archive an event twice)' },
  { name: 'type', type: 'string' },
  { name: 'time', type: 'string', comment: 'the event time' },
  { name: 'appid', type: 'string' },
  { name: 'subject', type: 'string', comment: 'CHANNEL:identity when the event has one' },
  { name: 'archivedat', type: 'string', comment: 'when the router archived it, just before publishing' },
  { name: 'groupid', type: 'string', comment: 'SQS FIFO MessageGroupId' },
  { name: 'deduplicationid', type: 'string' },
  { name: 'sequencenumber', type: 'string', comment: 'router queue SequenceNumber (order within a group)' },
  { name: 'position', type: 'int', comment: '0: the event itself; 1..: events derived from it' },
  { name: 'attributes', type: 'map<string,string>' },
  { name: 'event', type: 'string', comment: 'the CloudEvent as JSON text (json_extract it)' },
  { name: 'eventgzip', type: 'string', comment: 'base64 gzip of the event when too large for one record' },
];

/**
 * The events archive: a KMS-encrypted, TLS-only, non-public S3 bucket (access-logged, expiring
 * after `retentionDays`) filled by an Amazon Data Firehose stream (GZIP JSON Lines, dynamically
 * partitioned by app and arrival day), and a Glue database and table (partition projection) so
 * Athena queries it without crawlers.
 *
 * Not versioned: objects are written once under unique keys, and `sinch-bridge erase` must be
 * able to really remove a person's events (an old version would keep them).
 *
 * @example
 * const archive = new EventArchive(this, 'Archive', { sinchRegion: 'eu', appIds, retentionDays: 400, bufferSeconds: 300, accessLogsBucket, logRetentionDays });
 * archive.grantPut(routerFunction);
 */
export class EventArchive extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly deliveryStreamName: string;
  readonly deliveryStreamArn: string;

  constructor(scope: Construct, id: string, props: EventArchiveProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: `Sinch bridge events archive (${props.sinchRegion})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'events-archive/',
      lifecycleRules: [
        { id: 'events-retention', prefix: EVENTS_PREFIX, expiration: Duration.days(props.retentionDays) },
        { id: 'errors-retention', prefix: 'errors/', expiration: Duration.days(props.retentionDays) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', {
      logGroup,
      logStreamName: 'S3Delivery',
    });
    const role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Firehose writes the events archive',
    });
    // Exactly what Firehose documents for an S3 destination with a KMS key, no more.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    acknowledge(role, this.objectsWildcard(NAG_ACKNOWLEDGEMENTS.archiveDeliveryWildcards));

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Stream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: FIREHOSE_PREFIX,
        errorOutputPrefix: ERROR_OUTPUT_PREFIX,
        fileExtension: OBJECT_EXTENSION,
        compressionFormat: 'GZIP',
        // Dynamic partitioning needs at least 64 MiB buffers; the interval bounds the delay.
        bufferingHints: { intervalInSeconds: props.bufferSeconds, sizeInMBs: 64 },
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: this.key.keyArn } },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: PARTITION_QUERY },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
            // Records already end in a newline (JSON Lines): no delimiter is appended.
          ],
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    this.deliveryStream.node.addDependency(role);
    this.deliveryStreamName = this.deliveryStream.ref;
    this.deliveryStreamArn = this.deliveryStream.attrArn;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: `sinch_bridge_${props.sinchRegion}`,
        description: 'Sinch bridge events archive',
      },
    });
    const location = `s3://${this.bucket.bucketName}/${EVENTS_PREFIX}`;
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: stack.account,
      databaseName: `sinch_bridge_${props.sinchRegion}`,
      tableInput: {
        name: 'events',
        description: 'Every event put on the events queue; dedupe by id',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [
          { name: 'app', type: 'string' },
          { name: 'dt', type: 'string' },
        ],
        parameters: {
          classification: 'json',
          compressionType: 'gzip',
          'projection.enabled': 'true',
          'projection.app.type': 'enum',
          'projection.app.values': props.appIds.join(','),
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2026-01-01,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}app=\${app}/dt=\${dt}/`,
        },
        storageDescriptor: {
          location,
          columns: ARCHIVE_COLUMNS,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          compressed: true,
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' },
          },
        },
      },
    });
    this.table.addDependency(this.database);
  }

  /** Lets a function put records on the stream (the router's archive step). */
  grantPut(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      resourceArns: [this.deliveryStreamArn],
    });
  }

  /** The acknowledgement of a wildcard finding on this bucket's objects, with the given reason. */
  objectsWildcard(acknowledgement: Acknowledgment, suffix = '*'): Acknowledgment {
    const logicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    return {
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${suffix}]`,
      reason: acknowledgement.reason,
    };
  }

  /** What `sinch-bridge replay` and `erase` need: read, rewrite and delete archive objects. */
  operatorStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [this.bucket.arnForObjects(`${EVENTS_PREFIX}*`)],
      }),
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'],
        resources: [this.key.keyArn],
      }),
    ];
  }
}

/**
 * The bucket that receives the S3 server access logs of the archive and media buckets. Access
 * log delivery cannot write SSE-KMS, so it is S3-managed encryption; it logs nothing itself.
 *
 * @example
 * const accessLogs = createAccessLogsBucket(this, 'AccessLogs', 90);
 */
export function createAccessLogsBucket(scope: Construct, id: string, retentionDays: number): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    // The log delivery group writes with the LogDeliveryWrite ACL, which needs object-writer ownership.
    objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
    lifecycleRules: [{ id: 'access-logs-retention', expiration: Duration.days(retentionDays) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledge(bucket, NAG_ACKNOWLEDGEMENTS.accessLogsBucketLogging);
  return bucket;
}
