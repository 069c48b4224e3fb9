/**
 * The cold-start baseline: a Lambda that holds only an SQS client, bundled like the bridge's
 * functions. Whatever the webhook adds on top of this is the bridge's own cost.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});

export const handler = async (event: { body?: string }) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.EVENTS_QUEUE_URL, MessageBody: event.body }));
  return { statusCode: 200 };
};
