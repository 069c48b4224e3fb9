import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Receives and deletes everything on a queue, with every attribute, until `emptyPolls`
 * receives in a row come back empty (more than one when messages may still turn visible).
 *
 * @example
 * const events = await drainQueue(sqs, eventsQueueUrl);
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: { emptyPolls?: number } = {},
): Promise<Message[]> {
  const emptyPolls = options.emptyPolls ?? 1;
  const all: Message[] = [];
  for (let empty = 0; empty < emptyPolls; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        // local-aws-sqs answers MessageGroupId and receive counts only for the older name.
        AttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    all.push(...Messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return all;
}

/**
 * Messages a queue still holds, visible or in flight (waiting out a retry's visibility): 0 once
 * its consumer is through with everything.
 *
 * @example
 * while ((await messagesInQueue(sqs, outboundQueueUrl)) > 0) await sleep(200);
 */
export async function messagesInQueue(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
