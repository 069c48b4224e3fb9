import { Agent, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SignatureRefused, verifySigV4 } from '../../../local/aws/sigv4-verify';
import { seededRandom } from './seeded-random';

/**
 * Where an injected SQS failure happens: `before` answers 500 without forwarding (nothing was
 * enqueued), `after` forwards, lets SQS enqueue, then answers 500 instead of its reply (the
 * caller cannot know the message is in: the case FIFO deduplication exists for).
 */
export type SqsFaultMode = 'before' | 'after';

/**
 * What an injected fault answers: a status with an AWS JSON error `__type` (default 500
 * `com.amazon.coral.service#InternalFailure`), a page that is not JSON, or `'reset'`: the
 * connection is destroyed with no answer at all.
 */
export type SqsFaultAnswer =
  | {
      status: number;
      type: string;
      message?: string;
      /** More members of the error body (e.g. DynamoDB's `Item` on a conditional failure). */
      fields?: Record<string, unknown>;
    }
  /** A page that is not the service's answer at all (a load balancer's 502, say). */
  | { status: number; page: string }
  | 'reset';

/** DynamoDB names signature refusals its own way, all with status 400. */
const DYNAMODB_REFUSALS: Record<string, string> = {
  SignatureDoesNotMatch: 'InvalidSignatureException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
};

const INTERNAL_FAILURE: SqsFaultAnswer = { status: 500, type: 'com.amazon.coral.service#InternalFailure' };

export interface SqsFaultProxyOptions {
  /** The real (local) SQS endpoint, e.g. `startLocalSqs(...).endpoint`. */
  target: string;
  /** Operations to fail, e.g. `['SendMessage']`. Others always pass through. */
  operations: readonly string[];
  /** Fraction (0..1) of those calls that fail. */
  rate: number;
  /** Seed of the decisions, so a failing run can be replayed. */
  seed?: number;
  /** Which failure each injected fault is; default alternates at random between both. */
  modes?: readonly SqsFaultMode[];
  /** Only calls whose body passes this are faulted (e.g. one kind of DynamoDB UpdateItem); default all. */
  match?: (body: Buffer) => boolean;
  /** Each matching call of the faulted operations is held this long before it goes on (a slow service); default 0. */
  delayMs?: number;
  /** What a fault answers (JSON protocol only; Query requests always get the XML 500); default 500 `InternalFailure`. */
  answer?: SqsFaultAnswer;
  /**
   * Check every request's SigV4 signature as SQS does (the local SQS does not), answering 403
   * `SignatureDoesNotMatch` (or the like) to a badly signed one. `service` is the signing name
   * expected (default `sqs`; `dynamodb` in front of dynalite).
   */
  verifySignature?: {
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    service?: string;
  };
  /** Told about every injected fault with the request body, so a test can tell which call failed. */
  onFault?: (fault: { operation: string; mode: SqsFaultMode; body: Buffer }) => void;
}

/** A running fault-injecting proxy in front of an SQS endpoint. */
export interface SqsFaultProxy {
  /** Point `AWS_ENDPOINT_URL_SQS` here. */
  endpoint: string;
  /** Calls of the faulted operations seen, and faults injected by mode. */
  readonly counts: { calls: number; before: number; after: number };
  /** Fault rate; change it at any time (0 turns injection off). */
  rate: number;
  /** Delay of matching calls, in ms; change it at any time. */
  delayMs: number;
  /** What a fault answers; change it at any time. */
  answer: SqsFaultAnswer;
  close(): Promise<void>;
}

/** The SQS operation of a request: AWS JSON (`x-amz-target`) or Query (`Action=`) protocol. */
export function sqsOperationOf(headers: IncomingMessage['headers'], body: Buffer): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').at(-1) ?? '';
  return /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('latin1'))?.[1] ?? '';
}

/**
 * An HTTP proxy on loopback in front of an SQS endpoint that fails a seeded fraction of chosen
 * operations with the 500 `InternalFailure` SQS answers on a bad day. Product-independent: any
 * SQS client pointed at it sees a flaky SQS. DynamoDB speaks the same AWS JSON protocol
 * (`x-amz-target: DynamoDB_20120810.UpdateItem`), so it stands in front of dynalite too.
 *
 * @example
 * const proxy = await startSqsFaultProxy({ target: sqs.endpoint, operations: ['SendMessage'], rate: 0.1 });
 * process.env.AWS_ENDPOINT_URL_SQS = proxy.endpoint;
 */
export async function startSqsFaultProxy(options: SqsFaultProxyOptions): Promise<SqsFaultProxy> {
  const random = seededRandom(options.seed ?? 1);
  const modes = options.modes ?? ['before', 'after'];
  const counts = { calls: 0, before: 0, after: 0 };
  const state = {
    rate: options.rate,
    delayMs: options.delayMs ?? 0,
    answer: options.answer ?? INTERNAL_FAILURE,
  };
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const faulted = new Set(options.operations);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (options.verifySignature) {
        try {
          verifySigV4(req, body, { service: 'sqs', ...options.verifySignature });
        } catch (error) {
          const refused = error as SignatureRefused;
          const named =
            options.verifySignature.service === 'dynamodb' ? DYNAMODB_REFUSALS[refused.code] : undefined;
          res.writeHead(named ? 400 : (refused.status ?? 403), {
            'content-type': 'application/x-amz-json-1.0',
          });
          res.end(
            JSON.stringify({
              __type: `com.amazon.coral.service#${named ?? refused.code}`,
              message: refused.message,
            }),
          );
          return;
        }
      }
      let mode: SqsFaultMode | undefined;
      const operation = sqsOperationOf(req.headers, body);
      const matching = faulted.has(operation) && (options.match?.(body) ?? true);
      if (matching) {
        counts.calls++;
        if (random() < state.rate) mode = modes[Math.floor(random() * modes.length)] ?? 'before';
        if (mode) options.onFault?.({ operation, mode, body });
      }
      const fail = () => {
        const answer = state.answer;
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        if ('page' in answer) {
          res.writeHead(answer.status, { 'content-type': 'text/html' });
          res.end(answer.page);
          return;
        }
        const json = String(req.headers['content-type'] ?? '').includes('json');
        res.writeHead(json ? answer.status : 500, {
          'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml',
          'x-amzn-requestid': 'injected-fault',
        });
        res.end(
          json
            ? JSON.stringify({
                __type: answer.type,
                message: answer.message ?? 'injected fault',
                ...answer.fields,
              })
            : '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>' +
                '<Message>injected fault</Message></Error><RequestId>injected-fault</RequestId></ErrorResponse>',
        );
      };
      if (mode === 'before') {
        counts.before++;
        return fail();
      }
      const forward = () => {
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
            agent,
          },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (c: Buffer) => parts.push(c));
            answer.on('end', () => {
              const payload = Buffer.concat(parts);
              if (mode === 'after') {
                counts.after++;
                return fail();
              }
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(payload);
            });
          },
        );
        upstream.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        upstream.end(body);
      };
      if (matching && state.delayMs > 0) setTimeout(forward, state.delayMs);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    get rate() {
      return state.rate;
    },
    set rate(value: number) {
      state.rate = value;
    },
    get delayMs() {
      return state.delayMs;
    },
    get answer() {
      return state.answer;
    },
    set answer(value: SqsFaultAnswer) {
      state.answer = value;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
