/**
 * The queue URL of an SQS record. Lambda gives the queue's ARN; `ChangeMessageVisibility` needs
 * its URL, whose host depends on the partition (`amazonaws.com`, `amazonaws.com.cn` in China,
 * `c2s.ic.gov` in ISO regions...). The SDK's own endpoint rules know every partition, so the
 * host comes from them, never from a hard-coded suffix.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/**
 * @example
 * await queueUrlOfRecord({ eventSourceARN: 'arn:aws-cn:sqs:cn-north-1:123456789012:outbound.fifo', awsRegion: 'cn-north-1' }, sqs);
 * // 'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/outbound.fifo'
 */
export async function queueUrlOfRecord(
  record: Pick<SQSRecord, 'eventSourceARN' | 'awsRegion'>,
  sqs: SQSClient,
): Promise<string> {
  const [, , , arnRegion, account, name] = record.eventSourceARN.split(':');
  const region = arnRegion || record.awsRegion;
  // An endpoint set for the SDK (local stand-ins, VPC endpoints) is where the queue lives.
  const configured = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  const base = configured
    ? configured
    : sqs.config.endpointProvider({ Region: region } as Parameters<
        SQSClient['config']['endpointProvider']
      >[0]).url.href;
  return `${base.replace(/\/+$/, '')}/${account}/${name}`;
}
