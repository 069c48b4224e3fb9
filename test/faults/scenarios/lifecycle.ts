import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { postSignedCallback } from '../../../cli/simulate';
import { createCommandStatusStore } from '../../../functions/lifecycle/command-status-store';
import { sweepUnconfirmed } from '../../../functions/lifecycle/unconfirmed-sweep';
import { newUlid, startLocalBridge } from '../../../local/bridge';
import { callbacks, contactMessages } from '../../support/callbacks';
import { seededRandom } from '../../support/faults/seeded-random';
import { startSqsFaultProxy } from '../../support/faults/sqs-fault-proxy';
import { startSinchDouble } from '../../support/sinch-double';
import { drainQueue, messagesInQueue } from '../../support/sqs-drain';

/** Counts of one lifecycle and opt-out run. `violations` must be empty. */
export interface LifecycleReport {
  commands: number;
  recipients: number;
  seed: number;
  suppressedRecipients: number;
  /** Inbound callbacks posted: the opt-outs (keywords and OPT_OUT callbacks) and ordinary texts. */
  inbound: number;
  /** Ordinary texts that look like an opt-out but are not one (must change nothing). */
  nearMisses: number;
  confirmations: number;
  refused: number;
  accepted: number;
  reportsPosted: number;
  duplicateReports: number;
  webhookRetries: number;
  sqsCalls: number;
  sqsFaults: number;
  finalStatuses: Record<string, number>;
  unconfirmed: number;
  violations: string[];
}

const RANK: Record<string, number> = { accepted: 1, queued_on_channel: 2, delivered: 3, read: 4, failed: 4 };
const REPORTS_PER_FATE = {
  read: ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ'],
  failed: ['QUEUED_ON_CHANNEL', 'FAILED'],
  queued: ['QUEUED_ON_CHANNEL'],
  silent: [],
} as const;
type Fate = keyof typeof REPORTS_PER_FATE;
const EXPECTED_END: Record<Fate, string> = {
  read: 'read',
  failed: 'failed',
  queued: 'unconfirmed',
  silent: 'unconfirmed',
};

/** The app's own opt-out words (they replace the defaults: QUIT is not one of them here). */
const OPT_OUT_WORDS = ['STOP', 'UNSUBSCRIBE', 'BAJA', 'ARRÊT'];
/** How recipients say it: spacing, case, another language, full-width letters. */
const OPT_OUT_TEXTS = [' STOP', 'stop', 'Baja ', 'arrêt', '\uFF33\uFF34\uFF2F\uFF30', 'Unsubscribe\n'];
/** Texts that are not exactly a keyword (or are a default keyword the app replaced): no change. */
const NEAR_MISSES = [
  'stop it?',
  'Please STOP',
  'STOP!',
  'Unsubscribe me',
  'quit',
  'Where is my order?',
  'Thanks',
];
const CONFIRMATION = 'You will get no more messages from us. Reply START to opt in again.';
const CONFIRMATION_PREFIX = 'opt-out-confirmation-';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function eachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * The lifecycle and opt-out fault scenario, through the local bridge's real handlers (webhook,
 * router with its lifecycle and suppression steps, send, the sweep) against the Sinch double,
 * with 5% of the functions' SQS writes (router, events, outbound and DLQ queues) failing before
 * or after SQS took the message. The app has its own opt-out words in several languages and a
 * confirmation text. A fifth of the recipients opt out first (a keyword in their own spacing,
 * case or letters, or an OPT_OUT callback). Then `count` commands, while the other recipients send
 * `inbound` minus the opt-outs ordinary texts, some of them near misses ("STOP!", "quit", which
 * this app does not use). Each command Sinch accepted gets delivery reports for one fate (read,
 * failed, queued only, none), every report posted a second time with probability 0.3, each
 * command's reports shuffled, all posted the way Sinch does (a non-2xx answer is retried).
 *
 * Checked: no send reaches Sinch for a suppressed recipient except its one confirmation, and each
 * of their commands gets one `outbound.failed` (`suppressed`); each opt-out gives one
 * `suppression.added`, a near miss none; every inbound callback reaches the events queue; every
 * other command is accepted once and ends with exactly one final status (`read` / `failed`) or
 * exactly one `outbound.unconfirmed` (never both, never none), its statuses each published once
 * and only ever moving forward.
 *
 * @example
 * const report = await runLifecycleScenario({ count: 100 });
 * expect(report.violations).toEqual([]);
 */
export async function runLifecycleScenario(options: {
  count: number;
  /** Inbound callbacks (opt-outs and ordinary texts); default `count`. */
  inbound?: number;
  seed?: number;
  /** Fraction of the functions' SQS writes that fail; default 0.05. */
  sqsFaultRate?: number;
}): Promise<LifecycleReport> {
  const seed = options.seed ?? 20_261_201;
  const random = seededRandom(seed);
  const appId = newUlid();
  const secret = 'lifecycle-fault-secret';
  const sinch = await startSinchDouble({ latencyMs: 2 });
  Object.assign(process.env, { RETRY_BASE_SECONDS: '1', RETRY_MAX_SECONDS: '2' });
  // The sweep is run below with its clock past the timeout, once every report was routed: no
  // report can arrive late, whatever the machine's speed (the timer of the local bridge is off).
  const deliveryTimeoutSeconds = 3_600;
  const errors: unknown[] = [];
  let bridge = await startLocalBridge({
    port: 0,
    projectId: sinch.projectId,
    webhookSecrets: { [appId]: secret },
    sinchCredentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
    sinchApiUrl: sinch.apiUrl,
    sinchAuthUrl: sinch.authUrl,
    concurrency: 4,
    deliveryTimeoutSeconds,
    sweepIntervalSeconds: 86_400,
    optOut: { [appId]: { keywords: { optOut: OPT_OUT_WORDS }, confirmationText: CONFIRMATION } },
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'CRITICAL',
    onError: (error) => errors.push(error),
  });
  // The functions write to every queue through a flaky SQS (they read their environment on their
  // first invocation, and the SDK sends to the queue URL's host); the local event source mappings
  // and this scenario's own client use the real one.
  const proxy = await startSqsFaultProxy({
    target: bridge.endpoints.sqs,
    operations: ['SendMessage', 'SendMessageBatch'],
    rate: options.sqsFaultRate ?? 0.05,
    seed,
  });
  for (const name of ['EVENTS_QUEUE_URL', 'ROUTER_QUEUE_URL', 'OUTBOUND_QUEUE_URL', 'OUTBOUND_DLQ_URL']) {
    process.env[name] = process.env[name]!.replace(bridge.endpoints.sqs, proxy.endpoint);
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SQS: proxy.endpoint,
    // Every injected fault reaches our code (the SDK's own retries would hide most).
    AWS_MAX_ATTEMPTS: '1',
  });
  const sqs = new SQSClient({ endpoint: bridge.endpoints.sqs });
  let webhookRetries = 0;
  let reportsPosted = 0;

  /** Posts one callback as Sinch does: again after any non-2xx answer, with a short delay. */
  async function post(callback: Record<string, unknown>) {
    const body = JSON.stringify(callback);
    for (let attempt = 1; ; attempt++) {
      const answer = await postSignedCallback({ url: bridge.webhookUrl(appId), secret, body }).catch(() => ({
        status: 0,
      }));
      if (answer.status >= 200 && answer.status < 300) return;
      webhookRetries++;
      if (attempt > 20) throw new Error(`webhook answered ${answer.status} 20 times`);
      await sleep(50 * attempt);
    }
  }
  async function settle(deadline: number) {
    for (const url of [bridge.queueUrls.outbound, bridge.queueUrls.router]) {
      while ((await messagesInQueue(sqs, url)) > 0 && Date.now() < deadline) await sleep(200);
    }
  }

  try {
    const recipients = Math.max(5, Math.ceil(options.count / 4));
    // Ending in 7: no number of the Sinch stand-in's scripted endings (0400, 0403, ...) ends so.
    const identityOf = (r: number) => `467020${String(r).padStart(4, '0')}7`;
    const suppressed = new Set<number>();
    for (let r = 0; r < recipients; r++) if (random() < 0.2) suppressed.add(r);
    if (suppressed.size === 0) suppressed.add(0);
    const inboundMessageIds = new Set<string>();
    const inbound = (identity: string, text: string) => {
      const callback = callbacks.messageInbound({
        appId,
        projectId: sinch.projectId,
        channel: 'SMS',
        identity,
        mode: 'DISPATCH',
        content: contactMessages.text(text),
      });
      inboundMessageIds.add((callback.message as { id: string }).id);
      return callback;
    };
    // Opt-outs first: a keyword in the recipient's own spacing, case, language or letters, or
    // (every fourth) the channel's OPT_OUT callback.
    await eachConcurrently([...suppressed], 8, (r) =>
      post(
        r % 4 === 3
          ? callbacks.optOut({
              appId,
              projectId: sinch.projectId,
              channel: 'SMS',
              identity: identityOf(r),
              mode: 'DISPATCH',
            })
          : inbound(identityOf(r), OPT_OUT_TEXTS[r % OPT_OUT_TEXTS.length]!),
      ),
    );
    await settle(Date.now() + 60_000);
    // Ordinary texts from the others, posted while the commands go out.
    const others = Array.from({ length: recipients }, (_, r) => r).filter((r) => !suppressed.has(r));
    const texts = Array.from(
      { length: Math.max(0, (options.inbound ?? options.count) - suppressed.size) },
      (_, i) => inbound(identityOf(others[i % others.length]!), NEAR_MISSES[i % NEAR_MISSES.length]!),
    );
    const nearMisses = texts.length;
    const textsPosted = eachConcurrently(texts, 4, post);

    const commands = Array.from({ length: options.count }, (_, i) => ({
      id: `life-${seed}-${i}`,
      recipient: i % recipients,
    }));
    for (let i = 0; i < commands.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: bridge.queueUrls.outbound,
          Entries: commands.slice(i, i + 10).map((c, j) => ({
            Id: String(j),
            // Commands name the number with +, callbacks without: the list keys both the same.
            MessageBody: JSON.stringify({
              id: c.id,
              appId,
              to: { channel: 'SMS', identity: `+${identityOf(c.recipient)}` },
              text: `command ${c.id}`,
            }),
            MessageGroupId: `${appId}:SMS:+${identityOf(c.recipient)}`,
            MessageDeduplicationId: c.id,
          })),
        }),
      );
    }
    await textsPosted;
    await settle(Date.now() + 60_000 + options.count * 100);

    // Delivery reports for every accepted send: a fate each, duplicated, shuffled per command.
    const fates = new Map<string, Fate>();
    const posts: Array<Record<string, unknown>> = [];
    let duplicateReports = 0;
    const acceptedSends = sinch.sends().filter((s) => s.outcome === 'accepted');
    for (const send of acceptedSends) {
      const id = (send.json as { correlation_id: string }).correlation_id;
      if (fates.has(id) || id.startsWith(CONFIRMATION_PREFIX)) continue;
      const r = random();
      const fate: Fate = r < 0.6 ? 'read' : r < 0.75 ? 'failed' : r < 0.9 ? 'queued' : 'silent';
      fates.set(id, fate);
      const identity = (
        send.json as { recipient: { identified_by: { channel_identities: Array<{ identity: string }> } } }
      ).recipient.identified_by.channel_identities[0]!.identity.replace(/^\+/, '');
      const reports = REPORTS_PER_FATE[fate].flatMap((status) => {
        const callback = callbacks.messageDelivery({
          appId,
          projectId: sinch.projectId,
          mode: 'DISPATCH',
          channel: 'SMS',
          identity,
          correlationId: id,
          messageId: send.messageId!,
          status,
        });
        if (random() < 0.3) {
          duplicateReports++;
          return [callback, callback];
        }
        return [callback];
      });
      for (let i = reports.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [reports[i], reports[j]] = [reports[j]!, reports[i]!];
      }
      posts.push(...reports);
    }
    // Commands interleave; each command's reports keep their shuffled order.
    await eachConcurrently(posts, 8, async (callback) => {
      await post(callback);
      reportsPosted++;
    });
    await settle(Date.now() + 60_000);

    // The sweep, as the scheduled function runs it, with its clock past every command's timeout.
    const client = new DynamoDBClient({
      endpoint: bridge.endpoints.dynamodb,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const sweep = await sweepUnconfirmed({
      store: createCommandStatusStore({ tableName: bridge.environment.IDEMPOTENCY_TABLE!, client }),
      sqs,
      queueUrl: bridge.queueUrls.router,
      origin: { region: bridge.sinchRegion, projectId: sinch.projectId },
      sweepShards: 16,
      lookbackDays: 1,
      now: () => Date.now() + (deliveryTimeoutSeconds + 60) * 1000,
    });
    client.destroy();
    await settle(Date.now() + 60_000);
    const events: Array<{ type: string; id: string; data: Record<string, unknown> }> = [];
    for (const m of await drainQueue(sqs, bridge.queueUrls.events, { emptyPolls: 2 })) {
      events.push(JSON.parse(m.Body ?? '{}'));
    }
    if (sweep.truncated) errors.push(new Error('the sweep stopped early'));

    // Consumers drop an id they saw: so do we (a redelivery past the FIFO window is allowed).
    const unique = new Map<string, (typeof events)[number]>();
    for (const e of events) if (!unique.has(e.id)) unique.set(e.id, e);
    const byCommand = new Map<string, Array<(typeof events)[number]>>();
    for (const e of unique.values()) {
      const id = e.data.id as string | undefined;
      if (!id || !e.type.startsWith('sinch.bridge.outbound.')) continue;
      byCommand.set(id, [...(byCommand.get(id) ?? []), e]);
    }

    const violations: string[] = [];
    const finalStatuses: Record<string, number> = {};
    let refused = 0;
    let accepted = 0;
    let unconfirmed = 0;
    const sentIds = new Set(
      sinch.sends().map((s) => (s.json as { correlation_id?: string })?.correlation_id),
    );
    for (const c of commands) {
      const mine = byCommand.get(c.id) ?? [];
      const count = (type: string) => mine.filter((e) => e.type === `sinch.bridge.outbound.${type}`).length;
      if (suppressed.has(c.recipient)) {
        if (sentIds.has(c.id))
          violations.push(`${c.id}: sent to Sinch although ${identityOf(c.recipient)} opted out`);
        const failed = mine.filter((e) => e.type === 'sinch.bridge.outbound.failed');
        if (failed.length !== 1 || (failed[0]!.data.error as { kind?: string })?.kind !== 'suppressed')
          violations.push(
            `${c.id}: expected one outbound.failed (suppressed), got ${JSON.stringify(failed.map((f) => f.data.error))}`,
          );
        if (count('accepted') + count('status') + count('unconfirmed') > 0)
          violations.push(`${c.id}: suppressed but has lifecycle events`);
        refused++;
        continue;
      }
      if (count('accepted') !== 1) {
        violations.push(`${c.id}: accepted ${count('accepted')} times`);
        continue;
      }
      accepted++;
      const fate = fates.get(c.id);
      const statuses = mine
        .filter((e) => e.type === 'sinch.bridge.outbound.status')
        .map((e) => e.data.status as string);
      for (let i = 1; i < statuses.length; i++) {
        if (RANK[statuses[i]!]! <= RANK[statuses[i - 1]!]!)
          violations.push(`${c.id}: status went ${statuses[i - 1]} -> ${statuses[i]}`);
      }
      const finals = statuses.filter((s) => s === 'read' || s === 'failed');
      const unconfirmedEvents = count('unconfirmed');
      unconfirmed += unconfirmedEvents;
      const end =
        finals.length === 1 && unconfirmedEvents === 0
          ? finals[0]!
          : unconfirmedEvents === 1 && finals.length === 0
            ? 'unconfirmed'
            : undefined;
      if (!end) {
        violations.push(
          `${c.id}: ${finals.length} final status(es) and ${unconfirmedEvents} unconfirmed (fate ${fate})`,
        );
        continue;
      }
      if (fate && end !== EXPECTED_END[fate])
        violations.push(`${c.id}: ended ${end}, expected ${EXPECTED_END[fate]}`);
      finalStatuses[end] = (finalStatuses[end] ?? 0) + 1;
    }

    // Each opt-out: one suppression.added and one confirmation; a near miss changes nothing.
    const identityOfSend = (json: unknown) =>
      (
        json as { recipient?: { identified_by?: { channel_identities?: Array<{ identity: string }> } } }
      ).recipient?.identified_by?.channel_identities?.[0]?.identity.replace(/^\+/, '');
    const confirmationsTo = new Map<string, number>();
    for (const send of sinch.sends()) {
      const json = send.json as { correlation_id?: string };
      if (!json?.correlation_id?.startsWith(CONFIRMATION_PREFIX)) continue;
      const identity = identityOfSend(json) ?? '?';
      confirmationsTo.set(identity, (confirmationsTo.get(identity) ?? 0) + 1);
    }
    const addedFor = new Map<string, number>();
    for (const e of unique.values()) {
      if (e.type === 'sinch.bridge.suppression.removed')
        violations.push(`suppression.removed for ${String(e.data.identity)}: nobody opted in`);
      if (e.type !== 'sinch.bridge.suppression.added') continue;
      const identity = String(e.data.identity).replace(/^\+/, '');
      addedFor.set(identity, (addedFor.get(identity) ?? 0) + 1);
    }
    for (let r = 0; r < recipients; r++) {
      const identity = identityOf(r);
      const expected = suppressed.has(r) ? 1 : 0;
      if ((addedFor.get(identity) ?? 0) !== expected)
        violations.push(
          `${identity}: ${addedFor.get(identity) ?? 0} suppression.added, expected ${expected}`,
        );
      if ((confirmationsTo.get(identity) ?? 0) !== expected)
        violations.push(
          `${identity}: ${confirmationsTo.get(identity) ?? 0} confirmations sent, expected ${expected}`,
        );
    }
    // Every inbound callback reached the consumers.
    const inboundSeen = new Set(
      [...unique.values()]
        .filter((e) => e.type === 'sinch.conversation.message_inbound')
        .map((e) => e.data.messageId as string),
    );
    const lost = [...inboundMessageIds].filter((id) => !inboundSeen.has(id));
    if (lost.length > 0) violations.push(`${lost.length} inbound messages never reached the events queue`);

    if (errors.length > 0)
      violations.push(`${errors.length} invocation or poller errors: ${String(errors[0])}`);
    return {
      commands: options.count,
      recipients,
      seed,
      suppressedRecipients: suppressed.size,
      inbound: inboundMessageIds.size + [...suppressed].filter((r) => r % 4 === 3).length,
      nearMisses,
      confirmations: [...confirmationsTo.values()].reduce((a, b) => a + b, 0),
      refused,
      accepted,
      reportsPosted,
      duplicateReports,
      webhookRetries,
      sqsCalls: proxy.counts.calls,
      sqsFaults: proxy.counts.before + proxy.counts.after,
      finalStatuses,
      unconfirmed,
      violations,
    };
  } finally {
    sqs.destroy();
    await bridge.stop();
    bridge = undefined as never;
    await proxy.close();
    await sinch.close();
  }
}
