import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** One message read from the events queue: the parsed CloudEvent, or the raw body when it is not JSON. */
export interface TailedEvent {
  messageId: string;
  groupId?: string | undefined;
  event?: Record<string, unknown>;
  raw: string;
}

export interface FollowOptions {
  sqs: SQSClient;
  queueUrl: string;
  onEvent: (event: TailedEvent) => void;
  /** Stop after this many events. */
  limit?: number;
  /** Stop after this many seconds without a new event. */
  idleSeconds?: number;
  signal?: AbortSignal;
}

/**
 * Follows a queue like a consumer: long-polls, hands each message to `onEvent`, then deletes it
 * (tail is a consumer; do not run it against a queue another consumer depends on). Returns how
 * many events it saw.
 *
 * @example
 * const seen = await followEvents({ sqs, queueUrl, onEvent: (e) => console.log(formatEvent(e)), limit: 1, idleSeconds: 10 });
 */
export async function followEvents(options: FollowOptions): Promise<number> {
  let seen = 0;
  let lastEventAt = Date.now();
  while (!options.signal?.aborted) {
    if (options.limit !== undefined && seen >= options.limit) break;
    const idleLeft =
      options.idleSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : options.idleSeconds * 1000 - (Date.now() - lastEventAt);
    if (idleLeft <= 0) break;
    let messages: Message[];
    try {
      const out = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.min(10, (options.limit ?? 10) - seen),
          WaitTimeSeconds: Math.max(0, Math.min(5, Math.floor(idleLeft / 1000))),
          MessageAttributeNames: ['All'],
          // MessageGroupId and receive counts: local-aws-sqs answers only the older AttributeNames.
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      messages = out.Messages ?? [];
    } catch (error) {
      if (options.signal?.aborted) break;
      throw error;
    }
    if (messages.length === 0) continue;
    for (const m of messages) {
      const raw = m.Body ?? '';
      let event: Record<string, unknown> | undefined;
      try {
        const parsed = JSON.parse(raw) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          event = parsed as Record<string, unknown>;
      } catch {
        // shown raw
      }
      options.onEvent({
        messageId: m.MessageId ?? '',
        groupId: m.Attributes?.MessageGroupId,
        raw,
        ...(event ? { event } : {}),
      });
      seen++;
    }
    await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    lastEventAt = Date.now();
  }
  return seen;
}

/**
 * Masks the middle of an identity (phone numbers are personal data), at least half of it:
 * `46700000000` -> `467******00`.
 *
 * @example
 * maskIdentity('46700000000'); // '467******00'
 */
export function maskIdentity(identity: string): string {
  if (identity.length <= 6) return '*'.repeat(identity.length);
  const head = Math.min(4, Math.floor(identity.length / 3));
  const tail = Math.min(3, Math.floor(identity.length / 5));
  return `${identity.slice(0, head)}${'*'.repeat(identity.length - head - tail)}${identity.slice(-tail)}`;
}

/**
 * One line per event for people: time, type, subject (identity masked unless `showContent`) and
 * a short summary. Message text appears only with `showContent`.
 *
 * @example
 * formatEvent(tailed); // '12:00:01  sinch.conversation.message_inbound  WHATSAPP:467******00  text (5 chars)  app=01H...'
 */
export function formatEvent(tailed: TailedEvent, options: { showContent?: boolean } = {}): string {
  const e = tailed.event;
  if (!e) return `(not JSON) ${tailed.raw.slice(0, 200)}`;
  const data = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const time = str(e.time)?.slice(11, 19) ?? '--:--:--';
  const type = str(e.type) ?? '(no type)';
  let subject = str(e.subject) ?? '';
  if (subject && !options.showContent) {
    const at = subject.indexOf(':');
    subject =
      at > 0 ? `${subject.slice(0, at)}:${maskIdentity(subject.slice(at + 1))}` : maskIdentity(subject);
  }
  const parts: string[] = [time, type];
  if (subject) parts.push(subject);
  const content = data.content as Record<string, unknown> | undefined;
  if (content && typeof content === 'object') {
    const kind = str(content.kind) ?? 'content';
    const text = str(content.text);
    parts.push(
      text === undefined
        ? kind
        : options.showContent
          ? `${kind} ${JSON.stringify(text)}`
          : `${kind} (${text.length} chars)`,
    );
  }
  for (const key of ['status', 'messageId', 'id'] as const) {
    const value = str(data[key]);
    if (value) parts.push(`${key}=${value}`);
  }
  const error = data.error as Record<string, unknown> | undefined;
  if (error && typeof error === 'object') {
    parts.push(
      `error=${str(error.kind) ?? '?'}${error.status ? `/${error.status}` : ''}: ${str(error.message) ?? ''}`,
    );
  }
  const appId = str(data.appId);
  if (appId) parts.push(`app=${appId}`);
  return parts.join('  ');
}
