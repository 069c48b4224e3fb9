import {
  type AbuseRequest,
  generateAbuseRequests,
  isValidlySigned,
} from '../../support/faults/abuse-requests';
import { mapConcurrently, sendRaw } from './send-http';
import { PROJECT_ID, startWebhookStand } from './webhook-stand';

/** Counts of one abuse run; every `violations` entry is a broken promise of the webhook. */
export interface AbuseReport {
  requests: number;
  seed: number;
  validlySigned: number;
  /** Validly signed, intact callbacks for the path's app: these must be accepted. */
  intact: number;
  accepted: number;
  rejected4xx: Record<string, number>;
  answered5xx: number;
  injectedSqsFaults: number;
  enqueued: number;
  unhandledRejections: number;
  violations: string[];
}

const AT_ONCE = 8;

function describe(r: AbuseRequest): string {
  return `${r.method} ${r.path.slice(0, 60)} [${r.mutations.join(', ')}]`;
}

/**
 * The abuse suite: `count` fast-check-generated requests (mutated headers, bodies, encodings,
 * sizes, paths and methods) against the real webhook behind the local HTTP API, with 2% of its
 * SQS calls failing. Returns counts and the list of violations of these promises:
 * nothing enqueued without a valid signature; no 5xx except when SQS faults were injected, and
 * then only for requests that reached SQS; every intact, validly signed callback accepted and
 * enqueued once; no invocation throwing; no unhandled rejection.
 *
 * @example
 * const report = await runAbuseScenario({ count: 500, seed: 42 });
 * expect(report.violations).toEqual([]);
 */
export async function runAbuseScenario(options: { count: number; seed?: number }): Promise<AbuseReport> {
  const seed = options.seed ?? 20_260_501;
  let unhandledRejections = 0;
  const onUnhandled = () => {
    unhandledRejections++;
  };
  process.on('unhandledRejection', onUnhandled);
  const stand = await startWebhookStand({ rate: 0.02, seed });
  try {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const target = { secrets: stand.secrets, projectId: PROJECT_ID, nowSeconds };
    const requests = generateAbuseRequests(options.count, seed, target);
    const answers = await mapConcurrently(requests, AT_ONCE, (r) =>
      sendRaw(`${stand.url}${r.path}`, r.method, r.headers, r.body),
    );
    const events = await stand.drainEvents();

    const violations: string[] = [];
    const byMarker = new Map(requests.map((r, i) => [r.marker, i]));
    const valid = requests.map((r) => isValidlySigned(r, target));
    const intact = requests.map(
      (r, i) => valid[i] && r.mutations.length === 1 && r.mutations[0] === 'callback',
    );
    const faultedMarkers = new Set(stand.faultedBodies.map((b) => /abuse-\d+-marker/.exec(b)?.[0]));
    const enqueuedPerRequest = new Map<number, number>();
    for (const message of events) {
      const marker = /abuse-\d+-marker/.exec(message.Body ?? '')?.[0];
      const index = marker === undefined ? undefined : byMarker.get(marker);
      if (index === undefined) {
        violations.push(
          `enqueued an event no generated request explains: ${(message.Body ?? '').slice(0, 120)}`,
        );
        continue;
      }
      enqueuedPerRequest.set(index, (enqueuedPerRequest.get(index) ?? 0) + 1);
      if (!valid[index]) violations.push(`enqueued without a valid signature: ${describe(requests[index]!)}`);
    }
    const faults = stand.faults();
    const injected = faults.before + faults.after;
    const rejected4xx: Record<string, number> = {};
    let accepted = 0;
    let answered5xx = 0;
    answers.forEach((answer, i) => {
      const r = requests[i]!;
      if (answer.status >= 200 && answer.status < 300) {
        accepted++;
        if (!valid[i]) violations.push(`answered ${answer.status} without a valid signature: ${describe(r)}`);
      } else if (answer.status >= 400 && answer.status < 500) {
        rejected4xx[answer.status] = (rejected4xx[answer.status] ?? 0) + 1;
        if (intact[i])
          violations.push(`rejected an intact signed callback with ${answer.status}: ${describe(r)}`);
      } else if (answer.status >= 500) {
        answered5xx++;
        if (!faultedMarkers.has(r.marker)) {
          violations.push(`answered ${answer.status} with no injected fault: ${describe(r)}`);
        }
      } else {
        violations.push(`no HTTP answer (connection error): ${describe(r)}`);
      }
      if (intact[i] && answer.status === 200 && enqueuedPerRequest.get(i) !== 1) {
        violations.push(`accepted but enqueued ${enqueuedPerRequest.get(i) ?? 0} times: ${describe(r)}`);
      }
    });
    if (stand.handlerErrors() > 0) violations.push(`${stand.handlerErrors()} invocations threw`);
    if (unhandledRejections > 0) violations.push(`${unhandledRejections} unhandled rejections`);
    return {
      requests: requests.length,
      seed,
      validlySigned: valid.filter(Boolean).length,
      intact: intact.filter(Boolean).length,
      accepted,
      rejected4xx,
      answered5xx,
      injectedSqsFaults: injected,
      enqueued: events.length,
      unhandledRejections,
      violations,
    };
  } finally {
    await stand.close();
    process.off('unhandledRejection', onUnhandled);
  }
}
