import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueUrlOfRecord } from '../../functions/send/queue-url';

describe('queueUrlOfRecord (item 7: queue URLs from the partition)', () => {
  const saved = { sqs: process.env.AWS_ENDPOINT_URL_SQS, any: process.env.AWS_ENDPOINT_URL };
  const sqs = new SQSClient({ region: 'eu-west-1' });
  beforeEach(() => {
    delete process.env.AWS_ENDPOINT_URL_SQS;
    delete process.env.AWS_ENDPOINT_URL;
  });
  afterEach(() => {
    if (saved.sqs !== undefined) process.env.AWS_ENDPOINT_URL_SQS = saved.sqs;
    if (saved.any !== undefined) process.env.AWS_ENDPOINT_URL = saved.any;
  });

  it.each([
    [
      'arn:aws:sqs:eu-west-1:123456789012:out.fifo',
      'https://sqs.eu-west-1.amazonaws.com/123456789012/out.fifo',
    ],
    [
      'arn:aws-cn:sqs:cn-north-1:123456789012:out.fifo',
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/out.fifo',
    ],
    [
      'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:out.fifo',
      'https://sqs.us-gov-west-1.amazonaws.com/123456789012/out.fifo',
    ],
    [
      'arn:aws-iso:sqs:us-iso-east-1:123456789012:out.fifo',
      'https://sqs.us-iso-east-1.c2s.ic.gov/123456789012/out.fifo',
    ],
  ])('%s -> %s', async (eventSourceARN, url) => {
    expect(await queueUrlOfRecord({ eventSourceARN, awsRegion: 'ignored' }, sqs)).toBe(url);
  });

  it('uses the endpoint configured for the SDK (local stand-ins, VPC endpoints)', async () => {
    process.env.AWS_ENDPOINT_URL_SQS = 'http://127.0.0.1:4566/';
    expect(
      await queueUrlOfRecord(
        { eventSourceARN: 'arn:aws-cn:sqs:cn-north-1:123456789012:q', awsRegion: 'x' },
        sqs,
      ),
    ).toBe('http://127.0.0.1:4566/123456789012/q');
  });
});
