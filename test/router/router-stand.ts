/**
 * The router's test stand: local SQS with a router queue and an events queue on loopback.
 * `routeOnce()` does what Lambda's event source mapping does: receive a batch from the router
 * queue, hand it to the router, delete what did not fail.
 */
import {
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { messagesToDelete, queueArnOf, toSqsEvent } from '../../local/event-source-mapping';
import { drainQueue } from '../support/sqs-drain';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface RouterStand {
  sqs: LocalSqs;
  client: SQSClient;
  routerQueueUrl: string;
  eventsQueueUrl: string;
  /** Puts an event on the router queue as a producer does (group, dedupe id = event id, attributes). */
  produce(event: CloudEvent, groupId: string): Promise<void>;
  /** One mapping round with `process` as the function; answers the event it built and the response. */
  routeOnce(
    process: (event: SQSEvent) => Promise<SQSBatchResponse>,
    visibilityTimeout?: number,
  ): Promise<{ event: SQSEvent; response: SQSBatchResponse }>;
  /** Everything on the events queue, parsed, in receive order. */
  takeEvents(): Promise<
    Array<{
      body: CloudEvent;
      groupId: string;
      dedupeId: string;
      attributes: Record<string, MessageAttributeValue>;
    }>
  >;
  close(): Promise<void>;
}

export async function startRouterStand(): Promise<RouterStand> {
  const sqs = await startLocalSqs({
    region: REGION,
    queues: [
      { name: 'router.fifo', attributes: { FifoQueue: 'true', VisibilityTimeout: '30' } },
      { name: 'events.fifo', attributes: { FifoQueue: 'true' } },
    ],
  });
  const client = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials });
  const routerQueueUrl = sqs.queueUrl('router.fifo');
  const eventsQueueUrl = sqs.queueUrl('events.fifo');
  return {
    sqs,
    client,
    routerQueueUrl,
    eventsQueueUrl,
    async produce(event, groupId) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: routerQueueUrl,
          MessageBody: JSON.stringify(event),
          MessageGroupId: groupId,
          MessageDeduplicationId: event.id,
          MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
        }),
      );
    },
    async routeOnce(process, visibilityTimeout) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: routerQueueUrl,
          MaxNumberOfMessages: 10,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout }),
        }),
      );
      const event = toSqsEvent(Messages, queueArnOf(routerQueueUrl, REGION), REGION);
      const response = await process(event);
      const done = messagesToDelete(Messages, response);
      if (done.length > 0) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: routerQueueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
      return { event, response };
    },
    async takeEvents() {
      const messages = await drainQueue(client, eventsQueueUrl);
      return messages.map((m) => ({
        body: JSON.parse(m.Body!) as CloudEvent,
        groupId: m.Attributes?.MessageGroupId ?? '',
        dedupeId: m.Attributes?.MessageDeduplicationId ?? '',
        attributes: m.MessageAttributes ?? {},
      }));
    },
    async close() {
      client.destroy();
      await sqs.close();
    },
  };
}
