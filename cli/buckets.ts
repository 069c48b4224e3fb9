/**
 * The bridge's buckets as the CLI finds them (`replay`, `erase`, `media get`): a flag, else the
 * local bridge's, else a variable, else the stack output; and an S3 client that reaches them.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { usageError } from './cli-error';
import type { BridgeTarget } from './target';

/** Stack outputs that name the buckets (infra/region-stack.ts and the media construct). */
export const BUCKET_OUTPUTS = { archive: 'ArchiveBucketName', media: 'MediaBucketName' } as const;
export const BUCKET_VARIABLES = { archive: 'ARCHIVE_BUCKET', media: 'MEDIA_BUCKET' } as const;

/**
 * An S3 client for the target: the local bridge's S3, or the default AWS configuration (path-style
 * when `AWS_ENDPOINT_URL_S3` points at another S3, which has no virtual-host names).
 *
 * @example
 * const s3 = s3Of(await context.target(), process.env);
 */
export function s3Of(target: BridgeTarget, env: NodeJS.ProcessEnv = {}): S3Client {
  if (target.mode === 'local') {
    const endpoint = target.local?.endpoints.s3;
    if (!endpoint)
      throw usageError('the running local bridge has no S3 (restart it with this version: npm start)');
    return new S3Client({
      endpoint,
      forcePathStyle: true,
      region: target.local!.awsRegion,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }
  return new S3Client({
    ...(target.awsRegion ? { region: target.awsRegion } : {}),
    ...(env.AWS_ENDPOINT_URL_S3 ? { forcePathStyle: true } : {}),
  });
}

/**
 * The bucket's name: `override` (a flag), the local bridge's, the variable, or the stack output.
 *
 * @example
 * bucketOf(target, 'media', process.env, flags.mediaBucket); // 'sinch-bridge-eu-media' or undefined
 */
export function bucketOf(
  target: BridgeTarget,
  which: 'archive' | 'media',
  env: NodeJS.ProcessEnv,
  override?: string,
): string | undefined {
  return (
    override ??
    (target.mode === 'local' ? target.local?.buckets?.[which] : undefined) ??
    env[BUCKET_VARIABLES[which]] ??
    target.stack?.outputs[BUCKET_OUTPUTS[which]]
  );
}
