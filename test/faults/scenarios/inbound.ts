import type { SQSEvent } from 'aws-lambda';
import { signSinchCallback } from '../../../functions/sinch/signature';
import { startEventSourceMapping } from '../../../local/event-source-mapping';
import { mapConcurrently, sendRaw } from './send-http';
import { PROJECT_ID, startWebhookStand } from './webhook-stand';

/** Counts of one inbound run; `lost`, `duplicates` and `outOfOrder` must all be zero. */
export interface InboundReport {
  callbacks: number;
  conversations: number;
  seed: number;
  /** Webhook `SendMessage` calls seen by the fault proxy, and faults injected. */
  sqsCalls: number;
  injectedBeforeEnqueue: number;
  injectedAfterEnqueue: number;
  /** Deliveries Sinch repeated after a non-2xx answer (new nonce, growing delay). */
  sinchRetries: number;
  /** Deliveries Sinch repeated after a 200 (a lost acknowledgement): must not reach consumers twice. */
  sinchRedeliveries: number;
  answers5xx: number;
  gaveUp: number;
  consumed: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  violations: string[];
}

const MESSAGES_PER_CONVERSATION = 20;
const CONVERSATIONS_AT_ONCE = 8;
const MAX_DELIVERIES = 12;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A MESSAGE_INBOUND callback as Sinch sends it, numbered within its conversation.
 *
 * @example
 * const body = JSON.stringify(inboundCallback(appId, projectId, 3, 7));
 */
export function inboundCallback(appId: string, projectId: string, conversation: number, sequence: number) {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString();
  return {
    app_id: appId,
    accepted_time: at,
    event_time: at,
    project_id: projectId,
    message: {
      id: `c${conversation}-m${sequence}`,
      direction: 'TO_APP',
      channel_identity: {
        channel: 'WHATSAPP',
        identity: `4670000${String(conversation).padStart(4, '0')}`,
        app_id: '',
      },
      contact_id: '',
      conversation_id: '',
      contact_message: { text_message: { text: `message ${sequence} of conversation ${conversation}` } },
      metadata: '',
      accept_time: at,
      sender_id: '',
      processing_mode: 'DISPATCH',
      injected: false,
    },
    message_metadata: '',
    correlation_id: '',
  };
}

/**
 * The inbound fault scenario: `count` signed callbacks in conversations of 20, delivered the way
 * Sinch does (each conversation in order; a non-2xx answer retried with a new nonce and a
 * growing delay; now and then a redelivery after a 200) through the local HTTP API to the real
 * webhook, while 10% of its SQS `SendMessage` calls fail (half before, half after SQS took the
 * message). A consumer polls the events queue through the local event source mapping. Returns
 * counts; every conversation must arrive complete, once, in order.
 *
 * The webhook's SQS client runs with `AWS_MAX_ATTEMPTS=1` here, so every injected fault reaches
 * the webhook and Sinch's retry path is exercised (the SDK's own retries would hide most).
 *
 * @example
 * const report = await runInboundScenario({ count: 200 });
 * expect(report.violations).toEqual([]);
 */
export async function runInboundScenario(options: {
  count: number;
  seed?: number;
  rate?: number;
}): Promise<InboundReport> {
  const seed = options.seed ?? 20_260_502;
  process.env.AWS_MAX_ATTEMPTS = '1';
  const stand = await startWebhookStand({ rate: options.rate ?? 0.1, seed });
  const [appId] = Object.keys(stand.secrets) as [string];
  const secret = stand.secrets[appId]!;
  const conversations = Math.max(1, Math.ceil(options.count / MESSAGES_PER_CONVERSATION));
  const counts = { sinchRetries: 0, sinchRedeliveries: 0, answers5xx: 0, gaveUp: 0 };

  const seen = new Map<string, string[]>();
  let consumed = 0;
  const mapping = startEventSourceMapping({
    queueUrl: stand.eventsQueueUrl,
    sqs: stand.sqs,
    concurrency: 2,
    waitTimeSeconds: 1,
    function: { functionName: 'events-consumer' },
    handler: async (event: SQSEvent) => {
      for (const record of event.Records) {
        const data = (JSON.parse(record.body) as { data: { messageId?: string; identity?: string } }).data;
        const key = data.identity ?? 'none';
        seen.set(key, [...(seen.get(key) ?? []), data.messageId ?? 'none']);
        consumed++;
      }
      return { batchItemFailures: [] };
    },
  });

  const deliver = async (body: string): Promise<number> => {
    const headers = signSinchCallback({ secret, body });
    const answer = await sendRaw(
      `${stand.url}/webhooks/${appId}`,
      'POST',
      [['content-type', 'application/json'], ...Object.entries(headers)],
      Buffer.from(body),
    );
    if (answer.status >= 500) counts.answers5xx++;
    return answer.status;
  };

  try {
    await mapConcurrently(
      Array.from({ length: conversations }, (_, c) => c),
      CONVERSATIONS_AT_ONCE,
      async (c) => {
        const messages = Math.min(MESSAGES_PER_CONVERSATION, options.count - c * MESSAGES_PER_CONVERSATION);
        for (let m = 0; m < messages; m++) {
          const body = JSON.stringify(inboundCallback(appId, PROJECT_ID, c, m));
          let status = 0;
          for (let attempt = 0; attempt < MAX_DELIVERIES; attempt++) {
            if (attempt > 0) {
              counts.sinchRetries++;
              await sleep(Math.min(500, 5 * 2 ** attempt));
            }
            status = await deliver(body);
            if (status >= 200 && status < 300) break;
          }
          if (status < 200 || status >= 300) {
            counts.gaveUp++;
            continue;
          }
          // One in 25 acknowledgements "lost": Sinch delivers the same callback again.
          if ((c * 31 + m * 7 + seed) % 25 === 0) {
            counts.sinchRedeliveries++;
            await deliver(body);
          }
        }
      },
    );
    // Bounded wait for the consumer to catch up; whatever is missing after it counts as lost.
    for (let waited = 0; consumed < options.count && waited < 30_000; waited += 100) await sleep(100);
    await sleep(300);
  } finally {
    await mapping.stop();
  }

  const violations: string[] = [];
  let lost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  for (let c = 0; c < conversations; c++) {
    const messages = Math.min(MESSAGES_PER_CONVERSATION, options.count - c * MESSAGES_PER_CONVERSATION);
    const expected = Array.from({ length: messages }, (_, m) => `c${c}-m${m}`);
    const identity = `4670000${String(c).padStart(4, '0')}`;
    const got = seen.get(identity) ?? [];
    const unique = new Set(got);
    const missing = expected.filter((id) => !unique.has(id));
    lost += missing.length;
    duplicates += got.length - unique.size;
    const order = got.filter((id, i) => got.indexOf(id) === i);
    const inOrder = order.every((id, i) => i === 0 || expected.indexOf(id) > expected.indexOf(order[i - 1]!));
    if (!inOrder) outOfOrder++;
    if (missing.length > 0) violations.push(`conversation ${c} lost ${missing.join(', ')}`);
    if (got.length !== unique.size) violations.push(`conversation ${c} saw duplicates: ${got.join(', ')}`);
    if (!inOrder) violations.push(`conversation ${c} out of order: ${got.join(', ')}`);
  }
  if (stand.handlerErrors() > 0) violations.push(`${stand.handlerErrors()} webhook invocations threw`);
  const faults = stand.faults();
  await stand.close();
  return {
    callbacks: options.count,
    conversations,
    seed,
    sqsCalls: faults.calls,
    injectedBeforeEnqueue: faults.before,
    injectedAfterEnqueue: faults.after,
    ...counts,
    consumed,
    lost,
    duplicates,
    outOfOrder,
    violations,
  };
}
