import { createHash } from 'node:crypto';

/** SQS accepts 1..128 printable ASCII characters in a `MessageGroupId`. */
const GROUP_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * The FIFO group of every event on the events queue (docs/events.md, "SQS attributes"): one conversation
 * (app + channel identity) keeps its order; events without a channel identity are ordered per
 * app. A value SQS would refuse (too long, non-ASCII) is replaced by its hash, so the group stays
 * stable instead of every event of that contact failing.
 *
 * @example
 * messageGroupIdOf('01E', 'WHATSAPP', '46700000000'); // '01E:WHATSAPP:46700000000'
 * messageGroupIdOf('01E'); // '01E'
 */
export function messageGroupIdOf(appId: string, channel?: string, identity?: string): string {
  if (!channel || !identity) return GROUP_ID_PATTERN.test(appId) ? appId : hash(appId);
  const groupId = `${appId}:${channel}:${identity}`;
  return GROUP_ID_PATTERN.test(groupId) ? groupId : `${appId}:${channel}:${hash(identity)}`;
}

const hash = (value: string) => createHash('sha256').update(value).digest('base64url');
