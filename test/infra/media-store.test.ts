/**
 * The media store in a synthesized region stack: the bucket's protections and retention, the
 * job queue and its DLQ, the function's size and least-privilege grants, and the router wiring.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MEDIA_DEFAULTS } from '../../infra/config';
import { MEDIA_FUNCTION_MARGIN_SECONDS, MEDIA_REDRIVE_MARGIN } from '../../infra/constructs/media-store';
import { LOCAL_QUEUE_SETTINGS } from '../../local/bridge';
import { shippedContext } from './example-config';
import { synthRegions } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };

const { stacks, templates } = synthRegions();
const [name] = Object.keys(stacks);
const template: Template = templates[name!]!;
const stack = stacks[name!]!;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const resources = template.toJSON().Resources as Record<string, Resource>;

function statementsOfRole(roleId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: never[] }).Statement);
}
const roleOf = (fn: Resource) => (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];

describe('MediaStore in a region stack', () => {
  const media = stack.media!;
  const bucketId = logicalId(media.bucket);
  const functionId = logicalId(media.mediaFunction);
  const fn = resources[functionId]!;

  it('keeps the media bucket private, encrypted, TLS-only, access-logged and expiring', () => {
    expect(resources[bucketId]!.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(media.accessLogsBucket as never) } },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ ExpirationInDays: MEDIA_DEFAULTS.retentionDays, Status: 'Enabled' }),
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
    expect(resources[bucketId]!.Properties.VersioningConfiguration).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('takes its retention from media.retentionDays, apart from everything else', () => {
    const context = shippedContext() as { sinch: Record<string, unknown> };
    const custom = synthRegions({ ...context.sinch, media: { retentionDays: 7, maxBytes: 1024 } });
    const [customName] = Object.keys(custom.stacks);
    const customStack = custom.stacks[customName!]!;
    const customTemplate = custom.templates[customName!]!.toJSON().Resources as Record<string, Resource>;
    const bucket =
      customTemplate[customStack.getLogicalId(customStack.media!.bucket.node.defaultChild as never)]!;
    expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).toContain('"ExpirationInDays":7');
    const customFn =
      customTemplate[customStack.getLogicalId(customStack.media!.mediaFunction.node.defaultChild as never)]!;
    expect(customFn.Properties.Environment).toMatchObject({ Variables: { MEDIA_MAX_BYTES: '1024' } });

    const off = synthRegions({ ...context.sinch, media: { enabled: false } });
    const offStack = Object.values(off.stacks)[0]!;
    expect(offStack.media).toBeUndefined();
    expect(JSON.stringify(Object.values(off.templates)[0]!.toJSON())).not.toContain('MEDIA_QUEUE_URL');
  });

  it('runs the media function on arm64, sized for one file of MEDIA_MAX_BYTES, fed one job at a time', () => {
    expect(fn.Properties).toMatchObject({
      Architectures: ['arm64'],
      MemorySize: MEDIA_DEFAULTS.memoryMb,
      Timeout: MEDIA_DEFAULTS.timeoutSeconds + MEDIA_FUNCTION_MARGIN_SECONDS,
      Environment: {
        Variables: expect.objectContaining({
          MEDIA_BUCKET: { Ref: bucketId },
          ROUTER_QUEUE_URL: { Ref: logicalId(stack.router.routerQueue as never) },
          MEDIA_MAX_BYTES: String(MEDIA_DEFAULTS.maxBytes),
          MEDIA_TIMEOUT_MS: String(MEDIA_DEFAULTS.timeoutSeconds * 1000),
          MEDIA_MAX_ATTEMPTS: String(MEDIA_DEFAULTS.maxAttempts),
        }),
      },
    });
    expect(JSON.stringify(fn.Properties.Environment)).not.toContain('MEDIA_ALLOW_LOOPBACK');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(media.jobQueue), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it("has a FIFO job queue whose redrive sits above the function's own attempts", () => {
    expect(resources[logicalId(media.jobQueue)]!.Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: (MEDIA_DEFAULTS.timeoutSeconds + MEDIA_FUNCTION_MARGIN_SECONDS) * 6,
      RedrivePolicy: { maxReceiveCount: MEDIA_DEFAULTS.maxAttempts + MEDIA_REDRIVE_MARGIN },
    });
    expect(resources[logicalId(media.jobDeadLetterQueue)]!.Properties).toMatchObject({ FifoQueue: true });
  });

  it('grants the media function objects of its bucket and the router queue only', () => {
    const statements = statementsOfRole(roleOf(fn));
    const text = JSON.stringify(statements.filter((s) => !JSON.stringify(s.Action).includes('xray:')));
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
        }),
        expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } }),
      ]),
    );
    expect(text).not.toMatch(/s3:Delete|s3:\*|"\*"/);
    expect(text).toContain(logicalId(stack.router.routerQueue as never));
    expect(text).not.toContain(`"${logicalId(stack.ingress.eventsQueue as never)}"`);
  });

  it('lets the router enqueue jobs: MEDIA_QUEUE_URL and sqs:SendMessage on the job queue', () => {
    const router = resources[logicalId(stack.router.routerFunction)]!;
    expect(router.Properties.Environment).toMatchObject({
      Variables: { MEDIA_QUEUE_URL: { Ref: logicalId(media.jobQueue) } },
    });
    const grants = statementsOfRole(roleOf(router)).filter((s) =>
      JSON.stringify(s.Resource).includes(logicalId(media.jobQueue)),
    );
    expect(grants.flatMap((s) => s.Action)).toContain('sqs:SendMessage');
  });

  it('is mirrored by the local bridge (function margin, redrive margin, one job per invocation)', () => {
    expect(LOCAL_QUEUE_SETTINGS.mediaFunctionMarginSeconds).toBe(MEDIA_FUNCTION_MARGIN_SECONDS);
    expect(LOCAL_QUEUE_SETTINGS.mediaRedriveMargin).toBe(MEDIA_REDRIVE_MARGIN);
    const mapping = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties.EventSourceArn).includes(logicalId(media.jobQueue)),
    )!;
    expect(mapping.Properties.BatchSize).toBe(LOCAL_QUEUE_SETTINGS.mediaBatchSize);
  });
});
