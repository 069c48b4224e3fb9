import { createHash, randomUUID } from 'node:crypto';
import { messageGroupIdOf } from '../functions/events/message-group';
import {
  type OutboundCommand,
  parseOutboundCommand,
  recipientIdentityOf,
  senderOf,
} from '../functions/send/command';
import { usageError } from './cli-error';

/** Flags of `sinch-bridge send` that build a command (a JSON file replaces them). */
export interface SendFlags {
  id?: string;
  app?: string;
  from?: string;
  /** `CHANNEL:identity`, repeatable (fallback order). */
  to?: string[];
  contact?: string;
  text?: string;
  media?: string;
  template?: string;
  templateVersion?: string;
  language?: string;
  priority?: string;
  metadata?: string;
  channelPriority?: string[];
}

/**
 * Builds an outbound command (docs/commands.md) from CLI flags; the id defaults to a fresh
 * `cli-<uuid>`.
 *
 * @example
 * commandFromFlags({ app: '01H...', to: ['WHATSAPP:+46700000000'], text: 'hi' });
 */
export function commandFromFlags(flags: SendFlags): Record<string, unknown> {
  const recipients = (flags.to ?? []).map((value) => {
    const at = value.indexOf(':');
    if (at <= 0 || at === value.length - 1) {
      throw usageError(`--to must be CHANNEL:identity (e.g. WHATSAPP:+46700000000), got "${value}"`);
    }
    return { channel: value.slice(0, at).toUpperCase(), identity: value.slice(at + 1) };
  });
  if (recipients.length > 0 && flags.contact) throw usageError('give --to or --contact, not both');
  const to = flags.contact
    ? { contactId: flags.contact }
    : recipients.length === 1
      ? recipients[0]
      : recipients.length > 1
        ? recipients
        : undefined;
  if (!to) throw usageError('a recipient is required: --to CHANNEL:identity or --contact <contactId>');
  return {
    id: flags.id ?? `cli-${randomUUID()}`,
    ...(flags.app ? { appId: flags.app } : {}),
    ...(flags.from ? { from: flags.from } : {}),
    to,
    ...(flags.text !== undefined ? { text: flags.text } : {}),
    ...(flags.media ? { media: { url: flags.media } } : {}),
    ...(flags.template
      ? {
          template: {
            id: flags.template,
            ...(flags.templateVersion ? { version: flags.templateVersion } : {}),
            ...(flags.language ? { languageCode: flags.language } : {}),
          },
        }
      : {}),
    ...(flags.priority ? { priority: flags.priority } : {}),
    ...(flags.metadata ? { metadata: flags.metadata } : {}),
    ...(flags.channelPriority?.length
      ? { channelPriority: flags.channelPriority.map((c) => c.toUpperCase()) }
      : {}),
  };
}

/** What SQS accepts as a deduplication id: 1..128 characters of ASCII punctuation and alphanumerics. */
const DEDUPLICATION_ID = /^[\x21-\x7e]{1,128}$/;

/** An outbound command as an SQS FIFO message. */
export interface OutboundQueueMessage {
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
}

/**
 * The FIFO message for a command: grouped per app and recipient (so one conversation keeps its
 * order, like the events queue), deduplicated by the command id.
 *
 * @example
 * await sqs.send(new SendMessageCommand({ QueueUrl, ...toOutboundQueueMessage(command) }));
 */
export function toOutboundQueueMessage(command: OutboundCommand): OutboundQueueMessage {
  const recipient = recipientIdentityOf(command);
  const appId = senderOf(command).appId;
  const group =
    'contactId' in command.to
      ? messageGroupIdOf(appId, 'CONTACT', command.to.contactId)
      : messageGroupIdOf(appId, recipient?.channel, recipient?.identity);
  return {
    MessageBody: JSON.stringify(command),
    MessageGroupId: group,
    MessageDeduplicationId: DEDUPLICATION_ID.test(command.id)
      ? command.id
      : createHash('sha256').update(command.id).digest('base64url'),
  };
}

/**
 * Validates a command the way the send function will; a usage error with the reason otherwise.
 *
 * @example
 * const command = validateCommand(JSON.parse(file));
 */
export function validateCommand(raw: unknown): OutboundCommand {
  const parsed = parseOutboundCommand(JSON.stringify(raw));
  if (!parsed.ok) throw usageError(`invalid command: ${parsed.reason}`);
  return parsed.command;
}
