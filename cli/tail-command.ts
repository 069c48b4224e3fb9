/** What `sinch-bridge tail` does once its flags are parsed. */
import { WEBHOOK_TRIGGERS } from '../functions/sinch/webhooks-api';
import { didYouMean } from '../infra/did-you-mean';
import type { CliContext } from './cli-context';
import { CliError, unknownValueError, usageError } from './cli-error';
import { followEvents, formatEvent, type TailedEvent } from './tail';
import { queueUrlOf } from './target';

/** Parsed flags of `tail`. */
export interface TailFlags {
  peek?: boolean;
  type?: string[];
  app?: string[];
  json?: boolean;
  showContent?: boolean;
  limit?: number;
  timeout?: number;
  queueUrl?: string;
}

/** Event types the bridge publishes: one per Sinch trigger, and the bridge's own. */
export const EVENT_TYPES: readonly string[] = [
  ...WEBHOOK_TRIGGERS.map((trigger) => `sinch.conversation.${trigger.toLowerCase()}`),
  'sinch.bridge.outbound.accepted',
  'sinch.bridge.outbound.failed',
  'sinch.bridge.outbound.status',
  'sinch.bridge.outbound.unconfirmed',
  'sinch.bridge.suppression.added',
  'sinch.bridge.suppression.removed',
  'sinch.bridge.media.stored',
  'sinch.bridge.media.failed',
];

/** `outbound.failed` -> `sinch.bridge.outbound.failed`; a usage error for a type the bridge never publishes. */
function fullType(type: string): string {
  const full = EVENT_TYPES.find((known) => known === type || known.endsWith(`.${type}`));
  if (full) return full;
  const short = (known: string) => known.replace(/^sinch\.(bridge|conversation)\./, '');
  const hint = didYouMean(short(type), EVENT_TYPES.map(short));
  throw usageError(
    `unknown event type "${type}"${hint ? ` (did you mean ${EVENT_TYPES.find((k) => short(k) === hint)}?)` : ''}; one of: ${EVENT_TYPES.join(', ')}`,
  );
}

/**
 * Runs `tail`.
 *
 * @example
 * await tailCommand(context, { peek: true, type: ['outbound.failed'] });
 */
export async function tailCommand(context: CliContext, flags: TailFlags): Promise<void> {
  const { io } = context;
  const types = flags.type?.map(fullType);
  const filtered = Boolean(types || flags.app);
  if (flags.json && flags.showContent)
    throw usageError('--show-content has no effect with --json (which prints everything)');
  const target = await context.target();
  if (flags.app && target.local) {
    const apps = Object.keys(target.local.secrets);
    for (const app of flags.app) if (!apps.includes(app)) throw unknownValueError('app', app, apps);
  }
  const queueUrl = queueUrlOf(target, 'events', flags.queueUrl);
  // The local bridge's feed covers its own events queue only.
  const feedUrl =
    target.local?.eventFeedUrl && queueUrl === target.local.queueUrls.events
      ? target.local.eventFeedUrl
      : undefined;
  const oneLook = (flags.peek || filtered) && !feedUrl;
  io.stderr(`${describeTail(queueUrl, { peek: flags.peek ?? false, filtered, oneLook })}\n`);
  const filter = (tailed: TailedEvent): boolean => {
    const type = typeof tailed.event?.type === 'string' ? tailed.event.type : undefined;
    const data = tailed.event?.data as { appId?: unknown } | undefined;
    if (types && (!type || !types.includes(type))) return false;
    if (flags.app && !flags.app.includes(String(data?.appId))) return false;
    return true;
  };
  const seen = await followEvents({
    sqs: target.sqs,
    queueUrl,
    mode: flags.peek ? 'peek' : 'consume',
    oneByOne: !io.stdoutIsTty,
    ...(filtered ? { filter } : {}),
    feedUrl,
    limit: flags.limit,
    idleSeconds: flags.timeout,
    signal: io.signal,
    onEvent: (event) =>
      io.stdout(
        `${
          flags.json
            ? JSON.stringify(event.event ?? { raw: event.raw })
            : formatEvent(event, { showContent: flags.showContent ?? false, paint: context.paint })
        }\n`,
      ),
  });
  if (oneLook && !flags.json) {
    io.stderr(`${seen} event(s)${filtered ? ' matching' : ''} ${flags.peek ? 'waiting' : 'consumed'}\n`);
  }
  if (flags.limit !== undefined && seen < flags.limit && !io.signal?.aborted) {
    throw new CliError(
      'timeout',
      `saw ${seen} of ${flags.limit} events${oneLook ? ' in one look' : ` within ${flags.timeout ?? '?'} s`}`,
    );
  }
}

/** The stderr line that says what this tail will do to the queue. */
function describeTail(queueUrl: string, how: { peek: boolean; filtered: boolean; oneLook: boolean }): string {
  const skipped = how.filtered ? '; events the filters skip are left on the queue' : '';
  if (how.oneLook) {
    // Only the local bridge has a read-only feed: on SQS itself every look costs receives.
    const what = how.peek ? ' (nothing is deleted)' : ', matching events are shown and consumed';
    return (
      `${how.peek ? 'peeking at' : 'taking one look at'} ${queueUrl}: one look at what is waiting${what}${skipped}. ` +
      'It does not follow: SQS has no read-only view, so each look receives every waiting event once ' +
      "(then makes it visible again), and after the queue's maxReceiveCount receives (10) an event " +
      'moves to the DLQ; run it again to look again'
    );
  }
  if (how.peek) {
    return `peeking at ${queueUrl}: what is waiting, then new events as they arrive (nothing is deleted; Ctrl-C to stop)`;
  }
  return `following ${queueUrl}: shown events are consumed${skipped} (Ctrl-C to stop; --peek to only look)`;
}
