/**
 * `SendMessage` for the webhook's hot path through the SQS client's own parts
 * (`functions/aws/aws-json-call.ts`: credentials, region, SigV4 signer with the client's
 * clock-skew correction, HTTP handler with its agent, keep-alive and TLS, and retry strategy with
 * `AWS_MAX_ATTEMPTS` / `maxAttempts`), but not its middleware stack.
 *
 * Why it is hand-written: the stack (schema serde, endpoint rules, user agent, retry and
 * checksum middleware) cost about 0.4 ms of CPU per call in the webhook benchmark, as much as
 * everything else the webhook does for a callback, and in Lambda CPU time is billed time
 * (docs/benchmarks.md, "Reading them"). What is left is small enough to read: one AWS JSON 1.0
 * request whose body is `JSON.stringify` of the input (the event body is serialised once, by
 * V8's native encoder, instead of a second time by the SDK's byte writer), signed, sent, and
 * answered. What the SDK would do beside that and this does not: request checksums (the client
 * is `md5: false` anyway), and endpoint rules (the request goes to the queue URL's origin, as
 * the SDK does by default with `useQueueUrlAsEndpoint`); aws-json-call.ts lists the rest.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsJsonEndpoint, AwsRequestError, createAwsJsonCall, isRetryable } from '../aws/aws-json-call';

/** The `SendMessage` fields the webhook uses (string and number attributes only: no binary). */
export interface DirectSendMessageInput {
  QueueUrl: string;
  MessageBody: string;
  MessageGroupId?: string | undefined;
  MessageDeduplicationId?: string | undefined;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string | undefined }> | undefined;
}

/**
 * SQS refused the request, or no answer came: `name` is SQS's error code (e.g. `InternalFailure`),
 * or the HTTP handler's error name when no answer came.
 */
export class SqsRequestError extends AwsRequestError {}

/** SQS's error answer by its `__type` (or query-compatible `code`), else by its status. */
function sqsErrorOf(answer: { statusCode: number; text: string; headers: Record<string, string> }) {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {};
  } catch {
    // An answer that is not JSON (a proxy's HTML page): judged by its status alone.
  }
  const type = String(parsed.__type ?? parsed.code ?? `Http${answer.statusCode}`);
  return new SqsRequestError(
    type.slice(type.lastIndexOf('#') + 1),
    String(parsed.message ?? parsed.Message ?? `SQS answered ${answer.statusCode}`),
    answer.statusCode,
    { metadata: { httpStatusCode: answer.statusCode, requestId: answer.headers['x-amzn-requestid'] } },
  );
}

/**
 * @example
 * const sqs = new SQSClient({ md5: false });
 * const sendMessage = createDirectSendMessage(sqs);
 * const { MessageId } = await sendMessage({ QueueUrl, MessageBody, MessageGroupId, MessageDeduplicationId });
 */
export function createDirectSendMessage(client: SQSClient) {
  const call = createAwsJsonCall(client, {
    signingName: 'sqs',
    targetPrefix: 'AmazonSQS',
    headers: { 'x-amzn-query-mode': 'true' },
  });
  // Per container: each queue's URL, parsed once.
  const endpoints = new Map<string, AwsJsonEndpoint>();

  function endpointOf(queueUrl: string) {
    let endpoint = endpoints.get(queueUrl);
    if (!endpoint) {
      const url = new URL(queueUrl);
      endpoint = {
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        host: url.host,
        path: '/',
      };
      endpoints.set(queueUrl, endpoint);
    }
    return endpoint;
  }

  /** Sends one message; retries what the SDK's standard mode retries, within the client's attempts. */
  return async function sendMessage(
    input: DirectSendMessageInput,
    abortSignal?: AbortSignal,
  ): Promise<{ MessageId?: string | undefined }> {
    try {
      const { text } = await call(endpointOf(input.QueueUrl), 'SendMessage', JSON.stringify(input), {
        toError: sqsErrorOf,
        abortSignal,
      });
      return { MessageId: (text ? (JSON.parse(text) as { MessageId?: string }) : {}).MessageId };
    } catch (error) {
      if (error instanceof SqsRequestError || abortSignal?.aborted) throw error;
      // No answer (connection refused or reset, timeout): named by the handler's error.
      throw new SqsRequestError(
        (error as Error)?.name ?? 'NetworkingError',
        (error as Error)?.message ?? String(error),
        undefined,
        { retryable: isRetryable(error) },
      );
    }
  };
}
