/**
 * What `sinch-bridge send` does once its flags are parsed: build and check the command, say when
 * its id was already taken (deduplicated), enqueue it, and with `--wait` follow its command
 * record to the outcome (and the delivery report).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { OUTBOUND_ACCEPTED_TYPE, OUTBOUND_FAILED_TYPE } from '../functions/events/outbound-events';
import type { OutboundCommand } from '../functions/send/command';
import { isProjectWideRefusal, type SendFailure } from '../functions/send/outcome';
import { KNOWN_CHANNELS, parseQueueAddress } from '../functions/sinch/channels';
import type { CliContext } from './cli-context';
import { CliError, unknownValueError, usageError } from './cli-error';
import { type CommandStatus, commandTableOf, FAILED_STATUSES, readCommandStatus } from './command-status';
import { followFeed, latestSeq } from './event-feed';
import { jsonText, readTextFile } from './input-files';
import {
  commandFromFlags,
  type SendFlags,
  toOutboundQueueMessage,
  validateCommand,
} from './outbound-message';
import { type BridgeTarget, queueUrlOf } from './target';

/** Parsed flags of `send`. */
export interface SendCommandFlags extends SendFlags {
  file?: string;
  queueUrl?: string;
  validate: boolean;
  json?: boolean;
  wait?: 'outcome' | 'delivered';
  timeout?: number;
}

/** Channels the send API takes (VIBER and SINCH_CHAT are seen inbound only). */
export const SEND_CHANNELS = KNOWN_CHANNELS.filter((c) => c !== 'VIBER' && c !== 'SINCH_CHAT');

/** Statuses that end `--wait delivered` well. */
const DELIVERED = new Set(['delivered', 'read']);

/** The apps the target knows, when it knows them: the local bridge's, or the stack's webhook outputs. */
function knownApps(target: BridgeTarget): string[] | undefined {
  if (target.local) return Object.keys(target.local.secrets);
  if (target.stack) {
    const apps = Object.keys(target.stack.outputs)
      .filter((key) => key.startsWith('WebhookUrl'))
      .map((key) => key.slice('WebhookUrl'.length));
    return apps.length > 0 ? apps : undefined;
  }
  return undefined;
}

/** Checks what the schema cannot: channels the send API takes, apps the target has. */
function checkAgainstTarget(command: OutboundCommand, target: BridgeTarget): void {
  const recipients = 'contactId' in command.to ? [] : Array.isArray(command.to) ? command.to : [command.to];
  for (const channel of [...recipients.map((r) => r.channel), ...(command.channelPriority ?? [])]) {
    if (!(SEND_CHANNELS as readonly string[]).includes(channel)) {
      throw unknownValueError('channel', channel, SEND_CHANNELS);
    }
  }
  const appId = command.appId ?? (command.from ? parseQueueAddress(command.from)?.appId : undefined);
  const apps = knownApps(target);
  if (appId && apps && !apps.includes(appId)) {
    throw unknownValueError(
      `app (not one of ${target.mode === 'local' ? 'the local bridge' : 'the stack'}'s)`,
      appId,
      apps,
    );
  }
}

/**
 * Runs `send`.
 *
 * @example
 * await sendCommand(context, { to: ['SMS:+46700000000'], text: 'hi', validate: true, wait: 'outcome' });
 */
export async function sendCommand(context: CliContext, flags: SendCommandFlags): Promise<void> {
  const { io } = context;
  // What can be checked without the target is checked first: a typo should not wait for AWS.
  for (const value of [
    ...(flags.to ?? []).map((to) => to.slice(0, Math.max(0, to.indexOf(':')))),
    ...(flags.channelPriority ?? []),
  ]) {
    const channel = value.toUpperCase();
    if (channel && !(SEND_CHANNELS as readonly string[]).includes(channel))
      throw unknownValueError('channel', value, SEND_CHANNELS);
  }
  const target = await context.target();
  const localApp = target.local ? Object.keys(target.local.secrets)[0] : undefined;
  const raw = flags.file
    ? (JSON.parse(
        jsonText(readTextFile(flags.file, 'command file'), `command file ${flags.file}`),
      ) as unknown)
    : commandFromFlags(flags.app || flags.from || !localApp ? flags : { ...flags, app: localApp });
  const rawId = (raw as { id?: unknown }).id;

  let message: ReturnType<typeof toOutboundQueueMessage>;
  let command: OutboundCommand | undefined;
  if (flags.validate) {
    command = validateCommand(raw);
    checkAgainstTarget(command, target);
    message = toOutboundQueueMessage(command);
  } else {
    const loose = raw as Partial<OutboundCommand>;
    message = {
      MessageBody: JSON.stringify(raw),
      MessageGroupId: typeof loose.appId === 'string' && loose.appId ? loose.appId : 'unvalidated',
      MessageDeduplicationId: `unvalidated-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    };
  }
  const appId = command ? (command.appId ?? parseQueueAddress(command.from ?? '')?.appId) : undefined;
  if (flags.wait && !commandTableOf(target, io.env)) {
    throw usageError(
      '--wait reads the command record: start the local bridge, pass --stack <name>, or set IDEMPOTENCY_TABLE',
    );
  }

  // A reused id is not sent again (the command record remembers it): say so instead of "enqueued".
  const before = command && appId ? await readCommandStatus(target, io.env, appId, command.id) : undefined;
  if (before && command) {
    const line = `deduplicated: command ${command.id} was already taken (${describeStatus(before)}); it is not sent again`;
    if (flags.json) await io.stdout(`${JSON.stringify({ id: command.id, deduplicated: true, ...before })}\n`);
    else await io.stdout(`${line}\n`);
    if (flags.wait) await finishWait(context, flags, waitDeadline(flags), before, target, appId!, command.id);
    return;
  }

  // Delivery reports are read from the local bridge's feed from this point on (nothing is received).
  const feedUrl = flags.wait === 'delivered' ? target.local?.eventFeedUrl : undefined;
  const feedStart = feedUrl ? await latestSeq(feedUrl) : undefined;
  const queueUrl = queueUrlOf(target, 'outbound', flags.queueUrl);
  const out = await target.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, ...message }));
  // One deadline for the whole wait (outcome, then delivery), counted from the enqueue.
  const deadline = waitDeadline(flags);
  if (flags.json) {
    await io.stdout(
      `${JSON.stringify({ id: rawId, enqueued: true, messageId: out.MessageId, groupId: message.MessageGroupId, queueUrl })}\n`,
    );
  } else {
    await io.stdout(
      `enqueued command ${String(rawId)} (SQS message ${out.MessageId}, group ${message.MessageGroupId})\n`,
    );
    if (!flags.wait) {
      io.stderr(
        'the outcome arrives on the events queue as sinch.bridge.outbound.accepted or .failed (`tail`, or send --wait)\n',
      );
    }
  }
  if (flags.wait && command && appId) {
    const status = await waitForStatus(context, target, appId, command.id, flags, deadline, (s) =>
      ['sending'].includes(s.status),
    );
    await finishWait(context, flags, deadline, status, target, appId, command.id, feedUrl, feedStart);
  }
}

/** When `--wait` gives up (epoch ms): `--timeout` seconds (default 60) from now. */
function waitDeadline(flags: SendCommandFlags): number {
  return Date.now() + (flags.timeout ?? 60) * 1000;
}

function describeStatus(status: CommandStatus): string {
  return [
    `status ${status.status}`,
    status.messageId ? `Sinch message ${status.messageId}` : undefined,
    status.attempts !== undefined ? `${status.attempts} attempt(s)` : undefined,
    status.lastError ? `last error ${status.lastError}` : undefined,
    status.updatedAt ? `at ${status.updatedAt}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

/** Polls the record until `pending(status)` is false; a timeout error when it stays pending. */
async function waitForStatus(
  context: CliContext,
  target: BridgeTarget,
  appId: string,
  commandId: string,
  flags: SendCommandFlags,
  deadline: number,
  pending: (status: CommandStatus) => boolean,
): Promise<CommandStatus> {
  const { io } = context;
  let last: CommandStatus | undefined;
  while (!io.signal?.aborted) {
    last = await readCommandStatus(target, io.env, appId, commandId);
    if (last && !pending(last)) return last;
    if (Date.now() >= deadline) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 250);
      io.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  if (io.signal?.aborted) throw new CliError('interrupted', `stopped waiting for command ${commandId}`);
  throw new CliError(
    'timeout',
    `no ${flags.wait === 'delivered' ? 'delivery report' : 'outcome'} for command ${commandId} within ${flags.timeout ?? 60} s${
      last ? ` (last status ${last.status})` : ` (${await whyNotTaken(target)})`
    }`,
  );
}

/**
 * Why the send function has not claimed a command yet, as far as the target can tell. The usual
 * reason besides a busy queue: Sinch refused the whole project (a 403, or a 404 naming the app or
 * project) and the send function now holds the project's other commands without calling Sinch
 * (docs/sending.md). The local bridge's feed shows that refusal; in AWS mode the logs and the
 * `SendProjectBlocked` alarm do.
 */
async function whyNotTaken(target: BridgeTarget): Promise<string> {
  const plain = 'the send function has not taken it yet';
  const feedUrl = target.local?.eventFeedUrl;
  if (!feedUrl) return plain;
  try {
    const res = await fetch(`${feedUrl}?queue=events&after=0&waitSeconds=0`);
    const { events } = (await res.json()) as { events: Array<{ body: string; sentAt: string }> };
    for (const entry of [...events].reverse()) {
      const event = JSON.parse(entry.body) as {
        type?: string;
        data?: { id?: string; error?: { kind?: string; status?: number; code?: string; message?: string } };
      };
      // A later accepted send ended any hold.
      if (event.type === OUTBOUND_ACCEPTED_TYPE) break;
      const error = event.data?.error;
      if (event.type !== OUTBOUND_FAILED_TYPE || error?.kind !== 'rejected') continue;
      const refusal: SendFailure = {
        ...error,
        kind: 'rejected',
        reason: 'event',
        message: error.message ?? '',
      };
      if (!isProjectWideRefusal(refusal)) continue;
      return `${plain}: Sinch refused the project at ${entry.sentAt} (command ${event.data?.id ?? '?'}: ${error.status}${
        error.code ? ` ${error.code}` : ''
      }), so the send function holds the project's other commands for a while and then tries one again`;
    }
  } catch {
    // The explanation is a courtesy: the timeout stands without it.
  }
  return plain;
}

/** Prints the outcome (waiting on for the delivery report with `--wait delivered`) and sets the exit code. */
async function finishWait(
  context: CliContext,
  flags: SendCommandFlags,
  deadline: number,
  outcome: CommandStatus,
  target: BridgeTarget,
  appId: string,
  commandId: string,
  feedUrl?: string,
  feedStart?: number,
): Promise<void> {
  const { io } = context;
  const report = async (status: CommandStatus, what: string) => {
    if (flags.json) await io.stdout(`${JSON.stringify({ id: commandId, appId, ...status })}\n`);
    else await io.stdout(`${what} ${commandId}: ${describeStatus(status)}\n`);
  };
  await report(outcome, 'outcome of');
  // The record may already hold a delivery report when it is first read (the lifecycle is fast):
  // `failed` is then the delivery's failure, not the send's, and is answered as one.
  if (FAILED_STATUSES.has(outcome.status) && outcome.status !== 'failed') {
    throw new CliError(
      'failed',
      `command ${commandId} ${outcome.status}${outcome.lastError ? `: ${outcome.lastError}` : ''} (sinch-bridge dlq inspect)`,
    );
  }
  const deliveryKnown = outcome.status === 'failed' || DELIVERED.has(outcome.status);
  if (flags.wait !== 'delivered' && outcome.status !== 'failed') return;
  const delivery = deliveryKnown
    ? outcome
    : feedUrl && feedStart !== undefined
      ? await deliveryFromFeed(context, flags, deadline, feedUrl, feedStart, commandId, outcome.messageId)
      : await waitForStatus(
          context,
          target,
          appId,
          commandId,
          flags,
          deadline,
          (s) => !DELIVERED.has(s.status) && !FAILED_STATUSES.has(s.status),
        );
  await report(delivery, 'delivery of');
  if (FAILED_STATUSES.has(delivery.status)) {
    throw new CliError(
      'failed',
      `command ${commandId} was not delivered (${delivery.status}${delivery.lastError ? `: ${delivery.lastError}` : ''})`,
    );
  }
}

/** Follows the local bridge's event feed to this command's final delivery report (matched by correlation id or message id). */
async function deliveryFromFeed(
  context: CliContext,
  flags: SendCommandFlags,
  deadline: number,
  feedUrl: string,
  feedStart: number,
  commandId: string,
  messageId: string | undefined,
): Promise<CommandStatus> {
  let final: CommandStatus | undefined;
  let last: string | undefined;
  await followFeed({
    url: feedUrl,
    after: feedStart,
    // A deadline, not an idle time: other events on a busy bridge must not keep the wait alive.
    until: deadline,
    signal: context.io.signal,
    onEvent: (tailed) => {
      const data = tailed.event?.data as
        | {
            correlationId?: string;
            messageId?: string;
            status?: string;
            reason?: { code?: string; description?: string };
          }
        | undefined;
      if (tailed.event?.type !== 'sinch.conversation.message_delivery' || !data) return true;
      if (data.correlationId !== commandId && (!messageId || data.messageId !== messageId)) return true;
      last = data.status?.toLowerCase();
      if (last === 'queued_on_channel') context.io.stderr(`${commandId}: queued on the channel\n`);
      if (last && (DELIVERED.has(last) || last === 'failed')) {
        final = {
          status: last,
          messageId: data.messageId,
          lastError: data.reason?.code
            ? `${data.reason.code}${data.reason.description ? ` ${data.reason.description}` : ''}`
            : undefined,
        };
        return false;
      }
      return true;
    },
  });
  if (final) return final;
  if (context.io.signal?.aborted)
    throw new CliError('interrupted', `stopped waiting for the delivery of ${commandId}`);
  throw new CliError(
    'timeout',
    `no delivery report for command ${commandId} within ${flags.timeout ?? 60} s${last ? ` (last status ${last})` : ''}`,
  );
}
