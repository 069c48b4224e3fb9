/**
 * Keeps every event the send function publishes within what the events queue takes. An
 * outbound command may itself be close to SQS's 1 MiB, and `outbound.failed` echoes it inside an
 * envelope: published as is, it would be refused, the record retried, and the DLQ copy and the
 * event would part ways. So an echo that does not fit is cut, and the event says so.
 */
import type { CloudEvent } from '../events/cloud-event';
import type { OutboundFailedData } from '../events/outbound-events';
import { toSqsMessageBody } from '../events/sqs-message-body';

/** SQS's largest message: body plus message attributes, in UTF-8 bytes. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** Room kept for the message attributes (`type`, `appId`, `channel`) and their names. */
const ATTRIBUTES_ALLOWANCE_BYTES = 4_096;

/** How much of the original body a cut echo keeps (enough to recognise the command). */
export const TRUNCATED_COMMAND_BYTES = 4_096;

/**
 * The `MessageBody` of an event: the one SQS-safe encoder of every producer (characters SQS
 * refuses travel as JSON escapes, which count toward the size).
 *
 * @example
 * encodeEventBody(event); // '{"specversion":"1.0",...}'
 */
export function encodeEventBody(event: CloudEvent): string {
  return toSqsMessageBody(event);
}

/**
 * The event as it fits on the queue: unchanged when it fits; else `data.command` becomes the
 * first {@link TRUNCATED_COMMAND_BYTES} bytes of the original body (a string), with
 * `commandTruncated: true` and `commandBytes` (the original body's size in bytes). The full
 * command is in the DLQ.
 *
 * @example
 * const { event, truncated } = fitEventToQueue(failedEvent, record.body);
 */
export function fitEventToQueue(
  event: CloudEvent<OutboundFailedData>,
  originalBody: string,
): { event: CloudEvent<OutboundFailedData>; truncated: boolean } {
  if (fits(event)) return { event, truncated: false };
  const cut: CloudEvent<OutboundFailedData> = {
    ...event,
    data: {
      ...event.data,
      command: utf8Prefix(originalBody, TRUNCATED_COMMAND_BYTES),
      commandTruncated: true,
      commandBytes: Buffer.byteLength(originalBody, 'utf8'),
    },
  };
  if (fits(cut)) return { event: cut, truncated: true };
  // Still too big (an enormous error message): keep the error's first KiB too.
  return {
    event: {
      ...cut,
      data: { ...cut.data, error: { ...cut.data.error, message: utf8Prefix(cut.data.error.message, 1024) } },
    },
    truncated: true,
  };
}

function fits(event: CloudEvent): boolean {
  return (
    Buffer.byteLength(encodeEventBody(event), 'utf8') + ATTRIBUTES_ALLOWANCE_BYTES <= SQS_MAX_MESSAGE_BYTES
  );
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
