import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, type BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETRY_POLICY, guaranteedRetrySpanSeconds } from '../../../functions/send/backoff';
import { commandRecordKey } from '../../../functions/send/command-record';
import { startLocalBridge } from '../../../local/bridge';
import type { BatchOutcome, LateRequest } from '../../../local/event-source-mapping';
import { seededRandom } from '../../support/faults/seeded-random';
import {
  answers,
  type RecordedRequest,
  type SinchAnswer,
  startSinchDouble,
} from '../../support/sinch-double';
import { drainQueue, messagesInQueue } from '../../support/sqs-drain';

/**
 * Which faults Sinch shows:
 * - `mixed`: 10% of sends 5xx, 5% 429, 2% accepted and then the connection dropped, and the
 *   middle command's first send told its token expired (401 `invalid_token`, token revoked);
 * - `odd`: about half the commands answered with a 2xx whose body is odd (empty, not JSON,
 *   `null`, JSON without `message_id`, a 202, a 204);
 * - `slow`: every send answered after 0.3 to 1.5 s, 5% after 2.5 s (longer than the 2 s
 *   `SINCH_TIMEOUT_MS`: Sinch takes them, the sender cannot know), while the function has 7 s,
 *   so records meet the invocation deadline all the time;
 * - `outage`: once a quarter of the commands went through, Sinch answers every send 503 for an
 *   episode of `outageSeconds`, while the commands sit in two deep groups.
 */
export type OutboundProfile = 'mixed' | 'odd' | 'slow' | 'outage';

export interface OutboundScenarioOptions {
  count: number;
  seed?: number;
  profile?: OutboundProfile;
  /**
   * `outage`: the length of the 503 episode in the time the stack lives in (default 60: a
   * one-minute episode). It must be covered by the default retry budget (675 s).
   */
  outageSeconds?: number;
  /**
   * `outage`: time compression. The send function's retry base and cap are the stack's defaults
   * divided by it, and so is the episode, so the ratio of outage to retry budget is the real one
   * (default 1: real time). Must divide 90, so the retry base stays whole seconds.
   */
  timeScale?: number;
}

/** Counts of one outbound run. `violations` must be empty. */
export interface OutboundReport {
  profile: OutboundProfile;
  commands: number;
  groups: number;
  seed: number;
  injected5xx: number;
  injected429: number;
  injectedDrops: number;
  tokenExpiries: number;
  /** 2xx answers with an odd body (profile `odd`). */
  injectedOdd: number;
  /** Sends answered after longer than the call timeout (profile `slow`). */
  injectedTooSlow: number;
  /** Sends answered 503 during the outage (profile `outage`). */
  injectedOutage503: number;
  /** The episode as modelled, in stack seconds, and the retry budget it is measured against. */
  outageSeconds?: number;
  retryBudgetSeconds?: number;
  timeScale?: number;
  sinchSendRequests: number;
  tokenRequests: number;
  acceptedOnce: number;
  deadLettered: number;
  deadLetterReasons: Record<string, number>;
  /** Invocations of the send function, and records they returned unstarted or failed (redelivered). */
  invocations: number;
  recordsReturned: number;
  /**
   * Sends the sender gave up on although Sinch answered within the call timeout (profile
   * `slow`): cut by the invocation's end (started with too little time left), or by a stalled
   * event loop on a loaded machine, which is why this is counted and not a violation.
   */
  callsCutShort: number;
  /** Invocations that ran past the function timeout (their batch is redelivered). */
  invocationTimeouts: number;
  /** HTTP requests started by invocation work after its invocation ended (destroyed; after a return, a violation). */
  lateRequests: number;
  /** Most Sinch calls any command needed (from its command record). */
  mostAttempts: number;
  /**
   * Commands Sinch took more than once, each after a send whose answer the sender could not
   * read (connection dropped after Sinch accepted, or the call timed out while Sinch finished
   * it): the documented duplicate windows.
   */
  duplicatesInWindow: number;
  unexplainedDuplicates: number;
  unresolved: number;
  violations: string[];
}

const APP_ID = '01HFAULTOUTBOUNDAPP0000000';
const COMMANDS_PER_GROUP = 20;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Odd 2xx answers Sinch might give to messages:send: each one is still an acceptance. */
const ODD_ANSWERS: ReadonlyArray<readonly [status: number, body: string]> = [
  [200, ''],
  [200, 'OK'],
  [200, 'null'],
  [200, '<html><body>accepted</body></html>'],
  [200, '{"accepted_time":"2026-12-01T10:00:00Z"}'],
  [200, '{"message_id":42}'],
  [202, ''],
  [204, ''],
];

/** Slow profile: the send function's timeout and the Sinch call timeout. */
const SLOW = { functionTimeoutMs: 7_000, sinchTimeoutMs: 2_000, tooSlowMs: 2_500 } as const;

/** Status and attempts of each command's record, read back from the table (dynalite). */
async function readRecords(
  tableName: string,
  ids: readonly string[],
): Promise<Map<string, { status?: string; attempts?: number }>> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const records = new Map<string, { status?: string; attempts?: number }>();
  try {
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Array<Record<string, unknown>> | undefined = ids
        .slice(i, i + 100)
        .map((id) => ({ id: commandRecordKey(APP_ID, id) }));
      while (keys && keys.length > 0) {
        const answer: BatchGetCommandOutput = await doc.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of answer.Responses?.[tableName] ?? []) {
          records.set(String(item.commandId), {
            status: item.status as string | undefined,
            attempts: item.attempts as number | undefined,
          });
        }
        keys = answer.UnprocessedKeys?.[tableName]?.Keys;
      }
    }
  } finally {
    doc.destroy();
  }
  return records;
}

/**
 * An outbound fault scenario: `count` commands in FIFO groups (one group per conversation)
 * through the local bridge (outbound queue, the local event source mapping with Lambda's timeout
 * and freeze, the real send handler, the command record in dynalite, the event router) against
 * the Sinch stand-in showing the faults of `profile`. Checks, for every command: accepted exactly
 * once (one `outbound.accepted` event, its record completed) or in the DLQ with a reason and an
 * `outbound.failed` event; Sinch took it once, or more only after a send whose answer the
 * sender could not read (the documented windows); per conversation, Sinch got the commands and
 * the events queue got their outcomes in the order they were queued; no HTTP request was started
 * by an invocation that had already returned.
 *
 * @example
 * const report = await runOutboundScenario({ count: 200 });
 * expect(report.violations).toEqual([]);
 */
export async function runOutboundScenario(options: OutboundScenarioOptions): Promise<OutboundReport> {
  const seed = options.seed ?? 20_260_503;
  const profile = options.profile ?? 'mixed';
  const random = seededRandom(seed);
  const timeScale = options.timeScale ?? 1;
  const outageSeconds = options.outageSeconds ?? 60;
  const retryBudgetSeconds = guaranteedRetrySpanSeconds(DEFAULT_RETRY_POLICY);
  if (profile === 'outage') {
    if (!Number.isInteger(timeScale) || timeScale < 1 || DEFAULT_RETRY_POLICY.baseSeconds % timeScale !== 0)
      throw new Error(
        `timeScale must be a whole divisor of ${DEFAULT_RETRY_POLICY.baseSeconds}, got ${timeScale}`,
      );
    if (outageSeconds > retryBudgetSeconds)
      throw new Error(
        `an outage of ${outageSeconds} s is longer than the retry budget (${retryBudgetSeconds} s)`,
      );
  }
  const ids = Array.from({ length: options.count }, (_, i) => `cmd-${seed}-${i}`);
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const groups =
    profile === 'outage'
      ? Math.min(2, options.count)
      : Math.max(1, Math.ceil(options.count / COMMANDS_PER_GROUP));
  const identityOf = (n: number) => `4670100${String(n % groups).padStart(4, '0')}`;

  // The outage: once a quarter of the commands went through, every send is answered 503 for the
  // episode (a route tried before the stand-in's own handling, so these are not recorded sends).
  const outage = {
    startAfter: Math.ceil(options.count / 4),
    durationMs: (outageSeconds * 1000) / timeScale,
    until: 0,
    injected: 0,
  };
  const acceptedSoFar = () => sinch.sends().filter((s) => s.outcome === 'accepted').length;
  const sinch = await startSinchDouble({
    latencyMs: 2,
    routes:
      profile === 'outage'
        ? [
            (req, res) => {
              if (!req.url?.endsWith('/messages:send')) return false;
              if (outage.until === 0 && acceptedSoFar() >= outage.startAfter)
                outage.until = Date.now() + outage.durationMs;
              if (outage.until === 0 || Date.now() >= outage.until) return false;
              outage.injected++;
              res.writeHead(503, { 'content-type': 'application/json' });
              res.end(
                JSON.stringify({
                  error: { code: 503, message: 'Service unavailable', status: 'UNAVAILABLE', details: [] },
                }),
              );
              return true;
            },
          ]
        : [],
  });
  // Retries come back within seconds instead of the stack's 90 s base; the outage compresses
  // the stack's own policy instead, so its budget keeps its real ratio to the episode.
  const retryEnvironment =
    profile === 'outage'
      ? {
          RETRY_BASE_SECONDS: String(DEFAULT_RETRY_POLICY.baseSeconds / timeScale),
          RETRY_MAX_SECONDS: String(Math.round(DEFAULT_RETRY_POLICY.capSeconds / timeScale)),
        }
      : { RETRY_BASE_SECONDS: '1', RETRY_MAX_SECONDS: '2' };
  const errors: unknown[] = [];
  const lateRequests: LateRequest[] = [];
  const batches: BatchOutcome[] = [];
  const bridge = await startLocalBridge({
    port: 0,
    projectId: sinch.projectId,
    sinchCredentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
    sinchApiUrl: sinch.apiUrl,
    sinchAuthUrl: sinch.authUrl,
    concurrency: 4,
    ...(profile === 'slow' ? { sendTimeoutMs: SLOW.functionTimeoutMs } : {}),
    environment: {
      ...retryEnvironment,
      ...(profile === 'slow' ? { SINCH_TIMEOUT_MS: String(SLOW.sinchTimeoutMs) } : {}),
    },
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'CRITICAL',
    onError: (error) => errors.push(error),
    onLateRequest: (late) => lateRequests.push(late),
    onSendBatch: (outcome) => batches.push(outcome),
  });
  const sqs = new SQSClient({});
  const injected = { '5xx': 0, '429': 0, drop: 0, odd: 0, tooSlow: 0 };
  const tooSlow = new Set<string>();
  /** Commands whose Sinch answer is odd and carries no usable message_id. */
  const withoutMessageId = new Set<string>();
  let tokenExpiries = 0;
  if (profile === 'mixed') {
    // The token expires in the middle: the first send of the middle command is told so (401
    // invalid_token, the token revoked); the sender must refresh once and carry on.
    const middle = ids[Math.floor(ids.length / 2)];
    tokenExpiries = 1;
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
          script.push(answers.drop());
        } else break;
      }
      if (script.length > 0) sinch.scriptFor(id, ...script);
    }
  } else if (profile === 'odd') {
    for (const id of ids) {
      if (random() >= 0.5) continue;
      injected.odd++;
      const [status, body] = ODD_ANSWERS[Math.floor(random() * ODD_ANSWERS.length)]!;
      withoutMessageId.add(id);
      sinch.scriptFor(id, answers.acceptWith(status, body));
    }
  } else if (profile === 'slow') {
    for (const id of ids) {
      if (random() < 0.05) {
        injected.tooSlow++;
        tooSlow.add(id);
        sinch.scriptFor(id, answers.slow(SLOW.tooSlowMs));
      } else {
        sinch.scriptFor(id, answers.slow(300 + Math.floor(random() * 1_200)));
      }
    }
  }

  try {
    for (let i = 0; i < ids.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: bridge.queueUrls.outbound,
          Entries: ids.slice(i, i + 10).map((id, j) => {
            const identity = identityOf(i + j);
            return {
              Id: String(j),
              MessageBody: JSON.stringify({
                id,
                appId: APP_ID,
                to: { channel: 'SMS', identity },
                text: `command ${i + j}`,
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
    const outageAllowanceMs = profile === 'outage' ? 4 * retryBudgetSeconds * (1000 / timeScale) : 0;
    const deadline = Date.now() + 60_000 + options.count * 100 + outageAllowanceMs;
    for (;;) {
      if ((await messagesInQueue(sqs, bridge.queueUrls.outbound)) === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    for (;;) {
      if ((await messagesInQueue(sqs, bridge.queueUrls.router)) === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    const events = await drainQueue(sqs, bridge.queueUrls.events, { emptyPolls: 2 });
    const dlq = await drainQueue(sqs, bridge.queueUrls.outboundDlq, { emptyPolls: 2 });
    const records = await readRecords(bridge.environment.IDEMPOTENCY_TABLE!, ids);

    const violations: string[] = [];
    const acceptedEvents = new Map<string, number>();
    const failedEvents = new Map<string, string>();
    /** Per conversation (events group): the commands in the order their outcomes came out. */
    const eventOrder = new Map<string, number[]>();
    const sendsOf = new Map<string, RecordedRequest[]>();
    for (const s of sinch.sends()) {
      const id = (s.json as { correlation_id?: string } | undefined)?.correlation_id ?? '?';
      sendsOf.set(id, [...(sendsOf.get(id) ?? []), s]);
    }
    for (const m of events) {
      const event = JSON.parse(m.Body ?? '{}') as {
        type?: string;
        data?: { id?: string; messageId?: string; error?: { kind?: string } };
      };
      const id = event.data?.id ?? '?';
      if (event.type === 'sinch.bridge.outbound.accepted') {
        acceptedEvents.set(id, (acceptedEvents.get(id) ?? 0) + 1);
        const group = m.Attributes?.MessageGroupId ?? '?';
        eventOrder.set(group, [...(eventOrder.get(group) ?? []), indexOf.get(id) ?? -1]);
        // messageId is Sinch's when it gave one, and absent only when it gave none.
        const taken = sendsOf.get(id)?.find((s) => s.outcome === 'accepted' && !s.clientGaveUp);
        const expected = withoutMessageId.has(id) ? undefined : taken?.messageId;
        if (taken && event.data?.messageId !== expected)
          violations.push(
            `${id}: outbound.accepted messageId ${event.data?.messageId} where Sinch gave ${expected}`,
          );
      } else if (event.type === 'sinch.bridge.outbound.failed') {
        failedEvents.set(id, event.data?.error?.kind ?? '?');
      }
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

    let acceptedOnce = 0;
    let unresolved = 0;
    let duplicatesInWindow = 0;
    let unexplainedDuplicates = 0;
    let mostAttempts = 0;
    let callsCutShort = 0;
    /** Per conversation (recipient): the commands in the order Sinch took them, first time each. */
    const sinchOrder = new Map<string, number[]>();
    for (const s of sinch.sends()) {
      if (s.outcome !== 'accepted' && s.outcome !== 'dropped') continue;
      const id = (s.json as { correlation_id?: string } | undefined)?.correlation_id ?? '?';
      const n = indexOf.get(id) ?? -1;
      const conversation = identityOf(n);
      const seen = sinchOrder.get(conversation) ?? [];
      if (!seen.includes(n)) sinchOrder.set(conversation, [...seen, n]);
    }
    for (const id of ids) {
      const acceptedCount = acceptedEvents.get(id) ?? 0;
      const dead = inDlq.has(id);
      const record = records.get(id);
      mostAttempts = Math.max(mostAttempts, record?.attempts ?? 0);
      if (acceptedCount === 1 && !dead) {
        acceptedOnce++;
        if (record?.status === 'sending' || record?.status === undefined)
          violations.push(`${id} accepted but its command record is ${record?.status ?? 'missing'}`);
      } else if (acceptedCount === 0 && dead) {
        if (!failedEvents.has(id)) violations.push(`${id} dead-lettered without an outbound.failed event`);
      } else if (acceptedCount === 0 && !dead) {
        unresolved++;
        violations.push(`${id} neither accepted nor dead-lettered`);
      } else {
        violations.push(`${id} accepted ${acceptedCount} times${dead ? ' and dead-lettered' : ''}`);
      }
      // Only the scripted too-slow first answer may outlast the call timeout; each later send is
      // answered at once.
      (sendsOf.get(id) ?? []).forEach((s, i) => {
        if (profile === 'slow' && s.clientGaveUp && !(i === 0 && tooSlow.has(id))) callsCutShort++;
      });
      // Taken more than once: only after a send whose answer the sender never read.
      const taken = (sendsOf.get(id) ?? []).filter(
        (s) => s.outcome === 'accepted' || s.outcome === 'dropped',
      );
      if (taken.length > 1) {
        const unreadBefore = taken.slice(0, -1).every((s) => s.outcome === 'dropped' || s.clientGaveUp);
        if (unreadBefore) duplicatesInWindow++;
        else {
          unexplainedDuplicates++;
          violations.push(`${id} sent ${taken.length} times, once after an answer the sender had read`);
        }
      }
    }
    for (const [conversation, order] of sinchOrder) {
      if (order.some((n, i) => i > 0 && n < order[i - 1]!))
        violations.push(`Sinch got conversation ${conversation} out of order: ${order.join(',')}`);
    }
    for (const [group, order] of eventOrder) {
      if (order.some((n, i) => i > 0 && n < order[i - 1]!))
        violations.push(`outcomes of ${group} published out of order: ${order.join(',')}`);
    }
    for (const late of lateRequests.filter((l) => !l.afterTimeout))
      violations.push(
        `${late.functionName} started ${late.method} ${late.path} after its invocation returned`,
      );
    const invocationErrors = errors.filter((e) => !(e as { timedOut?: boolean }).timedOut);
    if (invocationErrors.length > 0)
      violations.push(
        `${invocationErrors.length} invocation or poller errors: ${String(invocationErrors[0])}`,
      );
    return {
      profile,
      commands: options.count,
      groups,
      seed,
      injected5xx: injected['5xx'],
      injected429: injected['429'],
      injectedDrops: injected.drop,
      tokenExpiries,
      injectedOdd: injected.odd,
      injectedTooSlow: injected.tooSlow,
      injectedOutage503: outage.injected,
      ...(profile === 'outage' ? { outageSeconds, retryBudgetSeconds, timeScale } : {}),
      sinchSendRequests: sinch.sends().length,
      tokenRequests: sinch.tokenFetches(),
      acceptedOnce,
      deadLettered: inDlq.size,
      deadLetterReasons,
      invocations: batches.length,
      recordsReturned: batches.reduce((sum, b) => sum + b.retried, 0),
      invocationTimeouts: batches.filter((b) => b.timedOut).length,
      lateRequests: lateRequests.length,
      callsCutShort,
      mostAttempts,
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
