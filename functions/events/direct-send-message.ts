/**
 * SQS's `SendMessage` (the webhook's hot path) and `SendMessageBatch` (the send function's outcome
 * events) through the SQS client's own parts (`functions/aws/aws-json-call.ts`: credentials,
 * region, SigV4 signer with the client's clock-skew correction, and retry strategy with
 * `AWS_MAX_ATTEMPTS` / `maxAttempts`; the request goes over the functions' own keep-alive
 * transport), but not its middleware stack.
 *
 * Why it is hand-written: the stack (schema serde, endpoint rules, user agent, retry and
 * checksum middleware) cost about 0.4 ms of CPU per call in the webhook benchmark, as much as
 * everything else the webhook does for a callback, and in Lambda CPU time is billed time
 * (docs/benchmarks.md, "Reading them"). What is left is small enough to read: one AWS JSON 1.0
 * request, signed, sent, and answered.
 *
 * Kept exactly as the SDK has it:
 * - the body: the members the SDK's schema knows, in its order, as `JSON.stringify` writes them
 *   (binary attribute values as base64): byte for byte the SDK's request for the same input;
 * - the endpoint: the queue URL's origin, as the SDK sends SQS calls by default
 *   (`useQueueUrlAsEndpoint`; the bridge's clients set no `endpoint` in code);
 * - errors: named by the client's own protocol as the SDK names them (SQS's query-compatible
 *   code first, so `AWS.SimpleQueueService.NonExistentQueue` is `QueueDoesNotExist`), as an
 *   `SqsRequestError`; only an answer that is not JSON is named `Http<status>`;
 * - retries: the client's retry strategy with the SDK's classification.
 *
 * Not done: the MD5 checks the SDK makes on answers (`md5`, on by default): SQS hashes the body
 * it received, and on HTTPS, TLS already guarantees that the answer is the one SQS sent and
 * SigV4 that the body SQS received is the one signed (the signature covers its hash). The check
 * could only fail after SQS has stored the messages, turning a delivered message into an error
 * and a duplicate send. So the webhook's client is `md5: false`, and these calls never check,
 * whatever the client's setting. aws-json-call.ts lists what else the stack does and this does not.
 */
import { SendMessage$, SendMessageBatch$, type SQSClient } from '@aws-sdk/client-sqs';
import {
  type AwsJsonAnswer,
  type AwsJsonEndpoint,
  AwsRequestError,
  createAwsJsonCall,
  isRetryable,
} from '../aws/aws-json-call';
import { sdkExceptionOf } from '../aws/sdk-exception';

/** A message attribute as the SDK takes it (`MessageAttributeValue`). */
export interface DirectMessageAttribute {
  DataType: string | undefined;
  StringValue?: string | undefined;
  BinaryValue?: Uint8Array | undefined;
  StringListValues?: string[] | undefined;
  BinaryListValues?: Uint8Array[] | undefined;
}

/** The fields of one message that both operations take. */
export interface DirectMessage {
  MessageBody: string;
  MessageGroupId?: string | undefined;
  MessageDeduplicationId?: string | undefined;
  MessageAttributes?: Record<string, DirectMessageAttribute> | undefined;
}

/** The `SendMessage` fields the webhook uses. */
export interface DirectSendMessageInput extends DirectMessage {
  QueueUrl: string;
}

/** One entry of a `SendMessageBatch`: `Id` is unique within the call. */
export interface DirectBatchEntry extends DirectMessage {
  Id: string;
}

/** SQS's answer to a `SendMessageBatch`, as the SDK's output has it. */
export interface DirectSendMessageBatchOutput {
  Successful?: { Id: string; MessageId: string; MD5OfMessageBody: string; SequenceNumber?: string }[];
  Failed?: { Id: string; SenderFault: boolean; Code: string; Message?: string }[];
  $metadata: {
    httpStatusCode: number;
    requestId: string | undefined;
    attempts?: number | undefined;
    totalRetryDelay?: number | undefined;
  };
}

/**
 * SQS refused the request, or no answer came: `name` is the SDK's name for SQS's error (e.g.
 * `QueueDoesNotExist`, `InternalFailure`), or, when no answer came, the transport's error name
 * (as the SDK's handler names it: `TimeoutError`, Node's socket error).
 */
export class SqsRequestError extends AwsRequestError {}

const base64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Undefined members vanish in `JSON.stringify`, as the SDK's serializer skips them. */
function wireAttributes(attributes: Record<string, DirectMessageAttribute>) {
  const wire: Record<string, unknown> = {};
  for (const name of Object.keys(attributes)) {
    const value = attributes[name]!;
    // The order of the SDK's MessageAttributeValue schema.
    wire[name] = {
      DataType: value.DataType,
      StringValue: value.StringValue,
      BinaryValue: value.BinaryValue && base64(value.BinaryValue),
      StringListValues: value.StringListValues,
      BinaryListValues: value.BinaryListValues?.map(base64),
    };
  }
  return wire;
}

/**
 * One message as the SDK writes it, after its key (`QueueUrl` of a `SendMessage`, `Id` of a
 * batch entry): the members of its schema in their order (`DelaySeconds` and
 * `MessageSystemAttributes` are never set by the bridge).
 */
function wireMessage(key: 'QueueUrl' | 'Id', value: string, message: DirectMessage) {
  return {
    [key]: value,
    MessageBody: message.MessageBody,
    MessageAttributes: message.MessageAttributes ? wireAttributes(message.MessageAttributes) : undefined,
    MessageDeduplicationId: message.MessageDeduplicationId ?? undefined,
    MessageGroupId: message.MessageGroupId ?? undefined,
  };
}

const OPERATIONS = { SendMessage: SendMessage$, SendMessageBatch: SendMessageBatch$ } as const;
type Operation = keyof typeof OPERATIONS;

/** One signed SQS call to a queue URL's origin: answers the 2xx text, throws an `SqsRequestError`. */
function createDirectSqsCall(client: SQSClient) {
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

  /** SQS's error answer named as the SDK names it (by the client's own protocol); else by its status. */
  function errorOf(operation: Operation) {
    return async (answer: AwsJsonAnswer): Promise<Error> => {
      const metadata = { httpStatusCode: answer.statusCode, requestId: answer.headers['x-amzn-requestid'] };
      const named = await sdkExceptionOf(client, OPERATIONS[operation], answer);
      return named
        ? new SqsRequestError(named.name, named.message, answer.statusCode, { metadata })
        : new SqsRequestError(
            `Http${answer.statusCode}`,
            `SQS answered ${answer.statusCode}: ${answer.text.slice(0, 200)}`,
            answer.statusCode,
            { metadata },
          );
    };
  }
  const toErrors = { SendMessage: errorOf('SendMessage'), SendMessageBatch: errorOf('SendMessageBatch') };

  return async function sqsCall(
    operation: Operation,
    queueUrl: string,
    body: string,
    abortSignal: AbortSignal | undefined,
  ) {
    try {
      return await call(endpointOf(queueUrl), operation, body, { toError: toErrors[operation], abortSignal });
    } catch (error) {
      if (error instanceof SqsRequestError || abortSignal?.aborted) throw error;
      // No answer (connection refused or reset, timeout): named as the SDK's handler names it.
      throw new SqsRequestError(
        (error as Error)?.name ?? 'NetworkingError',
        (error as Error)?.message ?? String(error),
        undefined,
        { retryable: isRetryable(error) },
      );
    }
  };
}

/**
 * @example
 * const sqs = new SQSClient({ md5: false });
 * const sendMessage = createDirectSendMessage(sqs);
 * const { MessageId } = await sendMessage({ QueueUrl, MessageBody, MessageGroupId, MessageDeduplicationId });
 */
export function createDirectSendMessage(client: SQSClient) {
  const sqsCall = createDirectSqsCall(client);

  /** Sends one message; retries what the SDK's standard mode retries, within the client's attempts. */
  return async function sendMessage(
    input: DirectSendMessageInput,
    abortSignal?: AbortSignal,
  ): Promise<{ MessageId?: string | undefined }> {
    const body = JSON.stringify(wireMessage('QueueUrl', input.QueueUrl, input));
    const { text } = await sqsCall('SendMessage', input.QueueUrl, body, abortSignal);
    return { MessageId: (text ? (JSON.parse(text) as { MessageId?: string }) : {}).MessageId };
  };
}

/**
 * `SendMessageBatch` with the same input, output and errors as
 * `client.send(new SendMessageBatchCommand(...))`: entries SQS refused on their own are in
 * `Failed`; a call SQS refused as a whole throws.
 *
 * @example
 * const sendMessageBatch = createDirectSendMessageBatch(new SQSClient({}));
 * const { Successful, Failed } = await sendMessageBatch({ QueueUrl, Entries: [{ Id: '0', MessageBody, MessageGroupId, MessageDeduplicationId }] });
 */
export function createDirectSendMessageBatch(client: SQSClient) {
  const sqsCall = createDirectSqsCall(client);

  return async function sendMessageBatch(
    input: { QueueUrl: string; Entries: readonly DirectBatchEntry[] },
    abortSignal?: AbortSignal,
  ): Promise<DirectSendMessageBatchOutput> {
    const body = JSON.stringify({
      QueueUrl: input.QueueUrl,
      Entries: input.Entries.map((entry) => wireMessage('Id', entry.Id, entry)),
    });
    const answer = await sqsCall('SendMessageBatch', input.QueueUrl, body, abortSignal);
    const output = (answer.text ? JSON.parse(answer.text) : {}) as DirectSendMessageBatchOutput;
    output.$metadata = {
      httpStatusCode: answer.statusCode,
      requestId: answer.headers['x-amzn-requestid'],
      attempts: answer.$metadata.attempts,
      totalRetryDelay: answer.$metadata.totalRetryDelay,
    };
    return output;
  };
}
