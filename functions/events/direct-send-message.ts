/**
 * `SendMessage` for the webhook's hot path through the SQS client's own parts: its credentials,
 * region, SigV4 signer (with the client's clock-skew offset), HTTP handler (agent, keep-alive,
 * TLS) and retry budget (`AWS_MAX_ATTEMPTS` / `maxAttempts`), but not its middleware stack.
 *
 * Why it is hand-written: the stack (schema serde, endpoint rules, user agent, retry and
 * checksum middleware) cost about 0.4 ms of CPU per call in the webhook benchmark, as much as
 * everything else the webhook does for a callback, and in Lambda CPU time is billed time
 * (docs/benchmarks.md, "Reading them"). What is left is small enough to read: one AWS JSON 1.0
 * request whose body is `JSON.stringify` of the input (the event body is serialised once, by
 * V8's native encoder, instead of a second time by the SDK's byte writer), signed, sent, and
 * answered. What the SDK would do beside that and this does not: request checksums (the client
 * is `md5: false` anyway), adaptive retry mode and the retry token bucket (a failed enqueue is a
 * 5xx, and Sinch retries the callback itself), and endpoint rules (the request goes to the queue
 * URL's origin, as the SDK does by default with `useQueueUrlAsEndpoint`).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';

/** The `SendMessage` fields the webhook uses (string and number attributes only: no binary). */
export interface DirectSendMessageInput {
  QueueUrl: string;
  MessageBody: string;
  MessageGroupId?: string | undefined;
  MessageDeduplicationId?: string | undefined;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string | undefined }> | undefined;
}

/** SQS refused the request, or no answer came: `name` is SQS's error code (e.g. `InternalFailure`). */
export class SqsRequestError extends Error {
  constructor(
    name: string,
    message: string,
    readonly statusCode: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = name;
  }
}

interface HttpRequestLike {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** The parts of the client's resolved configuration used here (present on every SDK v3 client). */
interface ClientParts {
  signer(authScheme: {
    name: string;
    signingName: string;
    signingRegion: string;
    properties: Record<string, unknown>;
  }): Promise<{ sign(request: HttpRequestLike): Promise<HttpRequestLike> }>;
  region(): Promise<string>;
  maxAttempts(): Promise<number>;
  requestHandler: {
    handle(
      request: HttpRequestLike,
      options?: { abortSignal?: AbortSignal },
    ): Promise<{ response: { statusCode: number; body: unknown } }>;
  };
  streamCollector(stream: unknown): Promise<Uint8Array>;
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);
/** The SDK's standard retry: full jitter over 100 ms doubling per attempt, at most 20 s. */
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 20_000;

export interface DirectSendMessageOptions {
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * @example
 * const sqs = new SQSClient({ md5: false });
 * const sendMessage = createDirectSendMessage(sqs);
 * const { MessageId } = await sendMessage({ QueueUrl, MessageBody, MessageGroupId, MessageDeduplicationId });
 */
export function createDirectSendMessage(client: SQSClient, options: DirectSendMessageOptions = {}) {
  const parts = client.config as unknown as ClientParts;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const decoder = new TextDecoder();
  // Per container: the signer (it caches its signing key per day and region) and each queue's URL.
  let signer: ReturnType<ClientParts['signer']> | undefined;
  const targets = new Map<string, { protocol: string; hostname: string; port?: number; host: string }>();

  function targetOf(queueUrl: string) {
    let target = targets.get(queueUrl);
    if (!target) {
      const url = new URL(queueUrl);
      target = {
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        host: url.host,
      };
      targets.set(queueUrl, target);
    }
    return target;
  }

  async function once(input: DirectSendMessageInput, body: string, abortSignal?: AbortSignal) {
    signer ??= parts
      .region()
      .then((signingRegion) =>
        parts.signer({ name: 'sigv4', signingName: 'sqs', signingRegion, properties: {} }),
      );
    const target = targetOf(input.QueueUrl);
    const request: HttpRequestLike = {
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: target.port } : {}),
      path: '/',
      query: {},
      headers: {
        host: target.host,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': 'AmazonSQS.SendMessage',
        'x-amzn-query-mode': 'true',
      },
      body,
    };
    let answer: { statusCode: number; text: string };
    try {
      const signed = await (await signer).sign(request);
      const { response } = await parts.requestHandler.handle(signed, abortSignal ? { abortSignal } : {});
      answer = {
        statusCode: response.statusCode,
        text: decoder.decode(await parts.streamCollector(response.body)),
      };
    } catch (error) {
      if (abortSignal?.aborted) throw error;
      // No answer (connection refused or reset, timeout): the SDK retries these too.
      const name = (error as Error)?.name ?? 'NetworkingError';
      throw new SqsRequestError(name, (error as Error)?.message ?? String(error), undefined, true);
    }
    let parsed: Record<string, unknown> = {};
    try {
      parsed = answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {};
    } catch {
      // An answer that is not JSON (a proxy's HTML page): judged by its status alone.
    }
    if (answer.statusCode >= 200 && answer.statusCode < 300) {
      return { MessageId: parsed.MessageId as string | undefined };
    }
    const type = String(parsed.__type ?? parsed.code ?? `Http${answer.statusCode}`);
    const name = type.slice(type.lastIndexOf('#') + 1);
    const message = String(parsed.message ?? parsed.Message ?? `SQS answered ${answer.statusCode}`);
    const retryable = answer.statusCode >= 500 || answer.statusCode === 429 || THROTTLING.has(name);
    throw new SqsRequestError(name, message, answer.statusCode, retryable);
  }

  /** Sends one message; retries what the SDK's standard mode retries, within `maxAttempts`. */
  return async function sendMessage(
    input: DirectSendMessageInput,
    abortSignal?: AbortSignal,
  ): Promise<{ MessageId?: string | undefined }> {
    const body = JSON.stringify(input);
    const maxAttempts = Math.max(1, await parts.maxAttempts());
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(input, body, abortSignal);
      } catch (error) {
        const retryable = error instanceof SqsRequestError && error.retryable;
        if (!retryable || attempt >= maxAttempts || abortSignal?.aborted) throw error;
        await sleep(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)));
      }
    }
  };
}
