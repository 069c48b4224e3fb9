/**
 * A service's error answer turned into the SDK's own exception by the client's own protocol (its
 * codec and error registry): the same class, name, message and fields as `client.send` throws,
 * for the direct calls (`direct-dynamodb.ts`, `functions/events/direct-send-message.ts`). Only
 * on an error answer, so its cost is not on the path of a call that succeeds.
 */
import type { AwsJsonAnswer } from './aws-json-call';

/** The part of an SDK v3 client's `config.protocol` used here (AWS JSON 1.0 for SQS and DynamoDB). */
interface ProtocolLike {
  deserializeResponse(
    operationSchema: unknown,
    context: object,
    response: { statusCode: number; headers: Record<string, string>; body: Uint8Array },
  ): Promise<unknown>;
}

/**
 * The SDK's exception for `answer` to the operation whose schema is `operationSchema` (e.g.
 * `UpdateItem$`), or undefined when the answer is not JSON: a proxy's or load balancer's page is
 * not the service's answer, and the caller names it by its status.
 *
 * @example
 * const error = (await sdkExceptionOf(client, UpdateItem$, answer)) ?? new Error(`Http${answer.statusCode}`);
 */
export async function sdkExceptionOf(
  client: { config: unknown },
  operationSchema: unknown,
  answer: AwsJsonAnswer,
): Promise<Error | undefined> {
  let json = answer.text.trim() === '';
  try {
    json ||= typeof JSON.parse(answer.text) === 'object';
  } catch {
    return undefined;
  }
  if (!json) return undefined;
  const { protocol } = client.config as { protocol: ProtocolLike };
  try {
    await protocol.deserializeResponse(
      operationSchema,
      {},
      {
        statusCode: answer.statusCode,
        headers: answer.headers,
        body: answer.bytes,
      },
    );
  } catch (error) {
    return error as Error;
  }
  return undefined;
}
