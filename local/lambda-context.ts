import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda function as the local runtime calls it: the handler export of a `handler.ts`. */
export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/** What the local runtime knows about a function: the same facts Lambda puts into `context`. */
export interface LocalFunction {
  functionName: string;
  /** Default 256 (the stack's size). */
  memoryLimitInMB?: number;
  /** Default 30 s: `getRemainingTimeInMillis` counts down from it. */
  timeoutMs?: number;
  region?: string;
}

/**
 * A Lambda `context` for one invocation, as the nodejs24.x runtime builds it: a fresh
 * `awsRequestId`, the function's ARN and log names, and a `getRemainingTimeInMillis` that counts
 * down from the timeout (Powertools and the send function read it).
 *
 * @example
 * const context = createLambdaContext({ functionName: 'sinch-bridge-eu-send', timeoutMs: 30_000 });
 * await handler(event, context);
 */
export function createLambdaContext(fn: LocalFunction): Context {
  const region = fn.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const deadline = Date.now() + (fn.timeoutMs ?? 30_000);
  const awsRequestId = randomUUID();
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = () => {
    throw new Error('callback-style completion is not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${fn.functionName}`,
    memoryLimitInMB: String(fn.memoryLimitInMB ?? 256),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: `${day}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
