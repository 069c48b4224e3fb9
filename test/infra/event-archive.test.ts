import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIREHOSE_PREFIX, PARTITION_QUERY } from '../../functions/archive/archive-layout';
import { EU_APP, EU_SMS_APP, exampleConfig } from './example-config';
import { synthRegions } from './synth';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

describe('events archive in the stack', () => {
  let eu: Template;
  let off: Template;

  beforeAll(() => {
    const config = exampleConfig();
    config.archive = { retentionDays: 30, bufferSeconds: 60 };
    eu = synthRegions(config).templates['SinchBridge-eu']!;
    off = synthRegions({ ...exampleConfig(), archive: { enabled: false } }).templates['SinchBridge-eu']!;
  }, 240_000);

  const archiveBucket = () => {
    const buckets = eu.findResources('AWS::S3::Bucket') as Resources;
    const [, bucket] = Object.entries(buckets).find(([id]) => id.startsWith('ArchiveBucket'))!;
    return bucket.Properties;
  };

  it('keeps events KMS-encrypted, private, access-logged, expiring after archive.retentionDays', () => {
    const bucket = archiveBucket();
    expect(bucket).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'events-archive/' },
    });
    expect(bucket.VersioningConfiguration).toBeUndefined();
    const rules = (bucket.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'events/', ExpirationInDays: 30 }));
    eu.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('refuses plain HTTP to the archive and access-log buckets', () => {
    const policies = Object.values(eu.findResources('AWS::S3::BucketPolicy') as Resources);
    const tlsOnly = policies.filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsOnly.length).toBeGreaterThanOrEqual(2);
  });

  it('archives through Firehose: GZIP JSON Lines, partitioned by app and day, KMS, logged', () => {
    eu.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        CompressionFormat: 'GZIP',
        Prefix: FIREHOSE_PREFIX,
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
        DynamicPartitioningConfiguration: Match.objectLike({ Enabled: true }),
        EncryptionConfiguration: { KMSEncryptionConfig: Match.anyValue() },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            Match.objectLike({
              Type: 'MetadataExtraction',
              Parameters: Match.arrayWith([
                { ParameterName: 'MetadataExtractionQuery', ParameterValue: PARTITION_QUERY },
              ]),
            }),
          ],
        },
      }),
    });
  });

  it('makes the archive SQL-queryable: a Glue table with partition projection over the apps', () => {
    eu.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'events',
        PartitionKeys: [
          { Name: 'app', Type: 'string' },
          { Name: 'dt', Type: 'string' },
        ],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.app.values': `${EU_APP},${EU_SMS_APP}`,
          'projection.dt.type': 'date',
        }),
        StorageDescriptor: Match.objectLike({
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
        }),
      }),
    });
  });

  it('lets the router, and only the router, put records on the stream', () => {
    const functions = eu.findResources('AWS::Lambda::Function') as Resources;
    const withStream = Object.entries(functions).filter(([, f]) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes('ARCHIVE_STREAM_NAME'),
    );
    expect(withStream.map(([id]) => id)).toEqual([expect.stringMatching(/^Router/)]);
    const policies = Object.values(eu.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('firehose:PutRecordBatch'),
    );
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0]!.Properties.Roles)).toMatch(/Router/);
  });

  it('outputs what replay and erase need, and builds nothing when archive.enabled is false', () => {
    eu.hasOutput('ArchiveBucketName', {});
    eu.hasOutput('ArchiveStreamName', {});
    eu.hasOutput('ArchiveOperatorPolicyArn', {});
    off.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    off.resourceCountIs('AWS::Glue::Table', 0);
  });
});
