/**
 * Example producer: put an outbound command on the bridge's outbound queue (a role with the
 * stack's ProducerPolicy). The command is checked against the published schema first, and sent
 * as the bridge expects: one FIFO group per app and recipient (order per conversation), the
 * command id as deduplication id (a retry within 5 minutes is dropped by SQS, and the bridge never
 * sends an id twice).
 */
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { OutboundCommand } from '../../functions/send/command';
import commandSchema from '../../schemas/outbound-command.v1.json' with { type: 'json' };

const validCommand = new Ajv2020({ strict: false }).compile(commandSchema);

/**
 * Sends one command; throws with the schema's complaint when it is not a valid command.
 *
 * @example
 * await sendCommand(new SQSClient({}), process.env.OUTBOUND_QUEUE_URL!, {
 *   id: 'order-42-confirmation', appId: '01H...', to: { channel: 'SMS', identity: '+46700000000' }, text: 'Your order shipped',
 * });
 */
export async function sendCommand(
  sqs: SQSClient,
  queueUrl: string,
  command: OutboundCommand,
): Promise<string> {
  if (!validCommand(command)) throw new Error(`invalid command: ${JSON.stringify(validCommand.errors)}`);
  const recipient =
    'contactId' in command.to
      ? `CONTACT:${command.to.contactId}`
      : (() => {
          const first = Array.isArray(command.to) ? command.to[0]! : command.to;
          return `${first.channel}:${first.identity}`;
        })();
  const appId = command.appId ?? command.from!.split('@')[0]!;
  const out = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(command),
      MessageGroupId: `${appId}:${recipient}`.slice(0, 128),
      // SQS takes 1-128 printable ASCII characters; hash anything else.
      MessageDeduplicationId: /^[\x21-\x7e]{1,128}$/.test(command.id)
        ? command.id
        : createHash('sha256').update(command.id).digest('base64url'),
    }),
  );
  return out.MessageId!;
}
