import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalBridge } from '../../../local/bridge';
import { seededRandom } from '../../support/faults/seeded-random';
import { answers, type SinchAnswer, startSinchDouble } from '../../support/sinch-double';
import { drainQueue } from '../../support/sqs-drain';

/** Counts of one outbound run. `unresolved`, `unexplainedDuplicates` and `violations` must be empty. */
export interface OutboundReport {
  commands: number;
  groups: number;
  seed: number;
  injected5xx: number;
  injected429: number;
  injectedDrops: number;
  tokenExpiries: number;
  sinchSendRequests: number;
  tokenRequests: number;
  acceptedOnce: number;
  deadLettered: number;
  deadLetterReasons: Record<string, number>;
  /** Commands Sinch took more than once, all after a dropped connection: the documented window. */
  duplicatesInWindow: number;
  unexplainedDuplicates: number;
  unresolved: number;
  violations: string[];
}

const APP_ID = '01HFAULTOUTBOUNDAPP0000000';
const COMMANDS_PER_GROUP = 20;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function inQueue(sqs: SQSClient, QueueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * The outbound fault scenario: `count` commands in FIFO groups of 20 through the local bridge
 * (outbound queue, event source mapping, the real send handler, DynamoDB idempotency) against
 * the Sinch double answering 10% of sends with 5xx, 5% with 429, dropping 2% of connections after
 * accepting the message, and telling the middle command's first send that the token expired
 * (401 `invalid_token`, token revoked). Each command must end accepted once (one
 * `outbound.accepted` event) or in the DLQ with a reason; Sinch may take a command twice only
 * after a dropped connection (it had accepted, the sender could not know).
 *
 * @example
 * const report = await runOutboundScenario({ count: 200 });
 * expect(report.violations).toEqual([]);
 */
export async function runOutboundScenario(options: {
  count: number;
  seed?: number;
}): Promise<OutboundReport> {
  const seed = options.seed ?? 20_260_503;
  const random = seededRandom(seed);
  const sinch = await startSinchDouble({ latencyMs: 2 });
  // Retries come back within a second or two instead of the stack's 5 s base.
  Object.assign(process.env, { RETRY_BASE_SECONDS: '1', RETRY_MAX_SECONDS: '2' });
  const errors: unknown[] = [];
  const bridge = await startLocalBridge({
    port: 0,
    projectId: sinch.projectId,
    sinchCredentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
    sinchApiUrl: sinch.apiUrl,
    sinchAuthUrl: sinch.authUrl,
    concurrency: 4,
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'CRITICAL',
    onError: (error) => errors.push(error),
  });
  const sqs = new SQSClient({});
  const injected = { '5xx': 0, '429': 0, drop: 0 };
  const dropped = new Set<string>();
  const ids = Array.from({ length: options.count }, (_, i) => `cmd-${seed}-${i}`);
  // The token expires in the middle: the first send of the middle command is told so (401
  // invalid_token, the token revoked); the sender must refresh once and carry on.
  const middle = ids[Math.floor(ids.length / 2)];
  // Each attempt of a command draws its fate; the script ends at the first clean answer.
  for (const id of ids) {
    const script: SinchAnswer[] = id === middle ? [answers.expired()] : [];
    for (;;) {
      const r = random();
      if (r < 0.1) {
        injected['5xx']++;
        script.push(answers.status([500, 502, 503][Math.floor(random() * 3)]!));
      } else if (r < 0.15) {
        injected['429']++;
        script.push(answers.status(429));
      } else if (r < 0.17) {
        injected.drop++;
        dropped.add(id);
        script.push(answers.drop());
      } else break;
    }
    if (script.length > 0) sinch.scriptFor(id, ...script);
  }
  const tokenExpiries = 1;

  const groups = Math.max(1, Math.ceil(options.count / COMMANDS_PER_GROUP));
  try {
    for (let i = 0; i < ids.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: bridge.queueUrls.outbound,
          Entries: ids.slice(i, i + 10).map((id, j) => {
            const n = i + j;
            const identity = `4670100${String(n % groups).padStart(4, '0')}`;
            return {
              Id: String(j),
              MessageBody: JSON.stringify({
                id,
                appId: APP_ID,
                to: { channel: 'SMS', identity },
                text: `command ${n}`,
              }),
              MessageGroupId: `${APP_ID}:SMS:${identity}`,
              MessageDeduplicationId: id,
            };
          }),
        }),
      );
    }
    // Bounded: wait until the outbound queue is empty, then until the router has forwarded the
    // outcome events it still holds (they reach the events queue through it).
    const deadline = Date.now() + 60_000 + options.count * 100;
    for (;;) {
      if ((await inQueue(sqs, bridge.queueUrls.outbound)) === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    for (;;) {
      if ((await inQueue(sqs, bridge.queueUrls.router)) === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    const events = await drainQueue(sqs, bridge.queueUrls.events, { emptyPolls: 2 });
    const dlq = await drainQueue(sqs, bridge.queueUrls.outboundDlq, { emptyPolls: 2 });

    const violations: string[] = [];
    const acceptedEvents = new Map<string, number>();
    const failedEvents = new Map<string, string>();
    for (const m of events) {
      const event = JSON.parse(m.Body ?? '{}') as {
        type?: string;
        data?: { id?: string; error?: { kind?: string } };
      };
      const id = event.data?.id ?? '?';
      if (event.type === 'sinch.bridge.outbound.accepted')
        acceptedEvents.set(id, (acceptedEvents.get(id) ?? 0) + 1);
      else if (event.type === 'sinch.bridge.outbound.failed')
        failedEvents.set(id, event.data?.error?.kind ?? '?');
    }
    const deadLetterReasons: Record<string, number> = {};
    const inDlq = new Set<string>();
    for (const m of dlq) {
      const id =
        m.MessageAttributes?.commandId?.StringValue ??
        (JSON.parse(m.Body ?? '{}') as { id?: string }).id ??
        '?';
      const reason =
        m.MessageAttributes?.errorReason?.StringValue ?? m.MessageAttributes?.errorKind?.StringValue;
      if (!reason) violations.push(`${id} is in the DLQ without a reason`);
      const key = `${m.MessageAttributes?.errorKind?.StringValue ?? '?'}:${reason ?? 'none'}`;
      deadLetterReasons[key] = (deadLetterReasons[key] ?? 0) + 1;
      inDlq.add(id);
    }
    const sentTimes = new Map<string, number>();
    for (const s of sinch.sends()) {
      if (s.outcome !== 'accepted' && s.outcome !== 'dropped') continue;
      const id = (s.json as { correlation_id?: string }).correlation_id ?? '?';
      sentTimes.set(id, (sentTimes.get(id) ?? 0) + 1);
    }
    let acceptedOnce = 0;
    let unresolved = 0;
    let duplicatesInWindow = 0;
    let unexplainedDuplicates = 0;
    for (const id of ids) {
      const acceptedCount = acceptedEvents.get(id) ?? 0;
      const dead = inDlq.has(id);
      if (acceptedCount === 1 && !dead) acceptedOnce++;
      else if (acceptedCount === 0 && dead) {
        if (!failedEvents.has(id)) violations.push(`${id} dead-lettered without an outbound.failed event`);
      } else if (acceptedCount === 0 && !dead) {
        unresolved++;
        violations.push(`${id} neither accepted nor dead-lettered`);
      } else {
        violations.push(`${id} accepted ${acceptedCount} times${dead ? ' and dead-lettered' : ''}`);
      }
      const sent = sentTimes.get(id) ?? 0;
      if (sent > 1 && dropped.has(id)) duplicatesInWindow++;
      else if (sent > 1) {
        unexplainedDuplicates++;
        violations.push(`${id} sent ${sent} times with no dropped connection`);
      }
    }
    if (errors.length > 0)
      violations.push(`${errors.length} invocation or poller errors: ${String(errors[0])}`);
    return {
      commands: options.count,
      groups,
      seed,
      injected5xx: injected['5xx'],
      injected429: injected['429'],
      injectedDrops: injected.drop,
      tokenExpiries,
      sinchSendRequests: sinch.sends().length,
      tokenRequests: sinch.tokenFetches(),
      acceptedOnce,
      deadLettered: inDlq.size,
      deadLetterReasons,
      duplicatesInWindow,
      unexplainedDuplicates,
      unresolved,
      violations,
    };
  } finally {
    sqs.destroy();
    await bridge.stop();
    await sinch.close();
  }
}
