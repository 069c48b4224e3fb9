/**
 * DynamoDB's `GetItem`, `UpdateItem` and `BatchGetItem` for the send path through the DynamoDB
 * client's own parts (`aws-json-call.ts`: credentials, region, signer with clock-skew correction,
 * HTTP handler, retry strategy) but not its middleware stack, which cost about 0.4 ms of CPU per
 * call (docs/benchmarks.md, "Reading them"); the send function makes two per command (the command
 * record's claim and completion) and shares a suppression check's `BatchGetItem` with its batch.
 *
 * Kept exactly as the SDK has it:
 * - the endpoint: resolved once per client, operation and table by the client's own endpoint
 *   provider with the parameters the SDK passes for the operation (region, FIPS, dual-stack,
 *   `endpoint` / `AWS_ENDPOINT_URL_DYNAMODB` / the shared config file, the account id of the
 *   credentials under `accountIdEndpointMode`, and the table when it is an ARN). Once, because
 *   none of these change in a container: the settings are fixed, and the credentials' account
 *   is the role's;
 * - the body: the input as AWS JSON (`JSON.stringify`, binary as base64, as the SDK's codec);
 * - errors: a DynamoDB error answer is turned into an exception by the client's own protocol
 *   (`ConditionalCheckFailedException` with `$metadata`, `message` and, when
 *   `ReturnValuesOnConditionCheckFailure` asked for it, `Item`); only an answer that is not JSON
 *   becomes an `AwsRequestError` named `Http<status>`;
 * - retries: the client's retry strategy, with the SDK's classification. So the non-idempotent
 *   updates are retried after a 500/502/503/504, a throttling error or no answer, as the SDK did;
 *   the command record's conditions are what make a replayed write safe.
 *
 * The output is the parsed JSON with binary attributes decoded (as the SDK's), and a `$metadata`
 * with the status, request id, attempts and total retry delay.
 */
import {
  BatchGetItem$,
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItem$,
  GetItemCommand,
  type GetItemCommandInput,
  type GetItemCommandOutput,
  UpdateItem$,
  UpdateItemCommand,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import {
  type AwsJsonAnswer,
  type AwsJsonEndpoint,
  AwsRequestError,
  createAwsJsonCall,
} from './aws-json-call';
import { sdkExceptionOf } from './sdk-exception';

/** Endpoint as the SDK's resolver answers it. */
interface ResolvedEndpoint {
  url: URL;
  headers?: Record<string, string[]>;
  properties?: { authSchemes?: { signingName?: string; signingRegion?: string }[] };
}

/** An endpoint parameter's source, as a command class lists it (`getEndpointParameterInstructions`). */
type Instruction =
  | { type: 'builtInParams' | 'clientContextParams'; name: string }
  | { type: 'contextParams'; name: string }
  | { type: 'staticContextParams'; value: unknown }
  | { type: 'operationContextParams'; get(input: unknown): unknown };

/** An `endpoint` as the client's config holds it (EndpointV1, or a URL string or object). */
type ConfiguredEndpoint =
  | string
  | {
      url?: URL;
      protocol?: string;
      hostname?: string;
      port?: number;
      path?: string;
      headers?: Record<string, string | string[]>;
    };

/** The parts of the DynamoDB client's resolved config the endpoint parameters come from. */
interface EndpointConfig {
  [key: string]: unknown;
  endpointProvider(params: Record<string, unknown>, context?: object): ResolvedEndpoint;
  endpoint?: () => Promise<ConfiguredEndpoint>;
  isCustomEndpoint?: boolean;
  ignoreConfiguredEndpointUrls?: boolean;
  serviceConfiguredEndpoint?: () => Promise<string | undefined>;
  credentials?: () => Promise<{ accountId?: string; AccountId?: string } | undefined>;
  clientContextParams?: Record<string, unknown>;
}

/**
 * The endpoint the SDK's endpoint middleware would use for `input`: the client's own endpoint
 * provider (its rules) with the parameters the command class names, resolved as the SDK resolves
 * them (@smithy/core's `getEndpointFromInstructions` and `createConfigValueProvider`). Written
 * out because the function bundles leave only `@aws-sdk/*` to the Lambda runtime: importing
 * @smithy/core's endpoint module would bundle a second copy of it and of the shared-config loader
 * it pulls in (+28 KB in the send function). test/aws/direct-dynamodb.test.ts compares the result
 * with the requests the SDK itself makes, for each kind of configuration.
 */
async function sdkEndpointOf(
  config: EndpointConfig,
  instructions: Record<string, Instruction>,
  input: Record<string, unknown>,
): Promise<ResolvedEndpoint> {
  let endpoint = config.endpoint;
  let isCustomEndpoint = config.isCustomEndpoint === true;
  if (!isCustomEndpoint && !config.ignoreConfiguredEndpointUrls) {
    // AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL or the shared config file's `services` section.
    const configured = await config.serviceConfiguredEndpoint?.();
    if (configured) {
      const url = new URL(configured);
      endpoint = async () => ({
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
      });
      isCustomEndpoint = true;
    }
  }
  const configValue = async (name: string, param: string, clientContext: boolean) => {
    if (name === 'accountId' || param === 'AccountId') {
      const identity = await config.credentials?.();
      return identity?.accountId ?? identity?.AccountId;
    }
    if (name === 'endpoint' || param === 'endpoint') {
      if (!isCustomEndpoint) return undefined;
      const value = await endpoint?.();
      if (value && typeof value === 'object') {
        if (value.url) return value.url.href;
        if (value.hostname) {
          return `${value.protocol}//${value.hostname}${value.port ? `:${value.port}` : ''}${value.path}`;
        }
      }
      return value;
    }
    const value =
      (clientContext ? config.clientContextParams?.[name] : undefined) ?? config[name] ?? config[param];
    return typeof value === 'function' ? await (value as () => unknown)() : value;
  };
  const params: Record<string, unknown> = {};
  for (const [param, instruction] of Object.entries(instructions)) {
    if (instruction.type === 'staticContextParams') params[param] = instruction.value;
    else if (instruction.type === 'contextParams') params[param] = input[instruction.name];
    else if (instruction.type === 'operationContextParams') params[param] = instruction.get(input);
    else
      params[param] = await configValue(instruction.name, param, instruction.type === 'clientContextParams');
  }
  const resolved = config.endpointProvider(params, {});
  const custom = isCustomEndpoint ? await endpoint?.() : undefined;
  if (custom && typeof custom === 'object' && custom.headers) {
    resolved.headers ??= {};
    for (const [name, value] of Object.entries(custom.headers)) {
      resolved.headers[name] = Array.isArray(value) ? value : [value];
    }
  }
  return resolved;
}

const OPERATIONS = {
  BatchGetItem: { schema: BatchGetItem$, instructions: BatchGetItemCommand },
  GetItem: { schema: GetItem$, instructions: GetItemCommand },
  UpdateItem: { schema: UpdateItem$, instructions: UpdateItemCommand },
} as const;
type Operation = keyof typeof OPERATIONS;
/** The fields of an input the endpoint depends on (the table, or a batch's tables). */
type TableInput = { TableName?: string | undefined; RequestItems?: Record<string, unknown> | undefined };

/** Binary values as the wire has them (base64), as the SDK's serializer writes them. */
function binaryAsBase64(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

/** The SDK's output has `B`/`BS` as bytes: decode them in place, at any depth of an attribute map. */
function decodeBinary(value: unknown): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) decodeBinary(item);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const inner = record[key];
    if (key === 'B' && typeof inner === 'string') record[key] = new Uint8Array(Buffer.from(inner, 'base64'));
    else if (key === 'BS' && Array.isArray(inner)) {
      record[key] = inner.map((b) => new Uint8Array(Buffer.from(String(b), 'base64')));
    } else decodeBinary(inner);
  }
}

/**
 * `getItem`, `updateItem` and `batchGetItem` on `client`'s configuration without the SDK's
 * middleware stack; same inputs, outputs and errors as `client.send(new GetItemCommand(...))`,
 * `UpdateItemCommand` and `BatchGetItemCommand`.
 *
 * @example
 * const ddb = createDirectDynamoDb(new DynamoDBClient({}));
 * const { Item } = await ddb.getItem({ TableName: 'idempotency', Key: { id: { S: 'command#app#1' } }, ConsistentRead: true });
 */
export function createDirectDynamoDb(client: DynamoDBClient) {
  const call = createAwsJsonCall(client, { signingName: 'dynamodb', targetPrefix: 'DynamoDB_20120810' });
  const endpoints = new Map<string, Promise<AwsJsonEndpoint>>();

  function endpointOf(operation: Operation, input: TableInput): Promise<AwsJsonEndpoint> {
    // What the operations' endpoint parameters read of an input: its table, or its tables.
    const key = `${operation}\n${input.TableName ?? Object.keys(input.RequestItems ?? {}).join('\n')}`;
    let endpoint = endpoints.get(key);
    if (!endpoint) {
      endpoint = sdkEndpointOf(
        client.config as unknown as EndpointConfig,
        OPERATIONS[operation].instructions.getEndpointParameterInstructions() as Record<string, Instruction>,
        input as Record<string, unknown>,
      ).then(({ url, headers, properties }) => {
        const scheme = properties?.authSchemes?.[0];
        return {
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          host: url.host,
          // The SDK's AWS JSON protocol ends the path with a slash (an endpoint with a path too).
          path: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
          query: Object.fromEntries(url.searchParams),
          headers: Object.fromEntries(
            Object.entries(headers ?? {}).map(([name, values]) => [name, values.join(', ')]),
          ),
          ...(scheme?.signingName ? { signingName: scheme.signingName } : {}),
          ...(scheme?.signingRegion ? { signingRegion: scheme.signingRegion } : {}),
        };
      });
      // A failed resolution (credentials not yet available) is tried again on the next call.
      endpoint.catch(() => endpoints.delete(key));
      endpoints.set(key, endpoint);
    }
    return endpoint;
  }

  /** DynamoDB's error answer as the SDK's exception; anything that is not JSON by its status. */
  function errorOf(operation: Operation) {
    return async (answer: AwsJsonAnswer): Promise<Error> =>
      (await sdkExceptionOf(client, OPERATIONS[operation].schema, answer)) ??
      new AwsRequestError(
        `Http${answer.statusCode}`,
        `DynamoDB answered ${answer.statusCode}: ${answer.text.slice(0, 200)}`,
        answer.statusCode,
        { metadata: { httpStatusCode: answer.statusCode, requestId: answer.headers['x-amzn-requestid'] } },
      );
  }

  async function send<Output>(operation: Operation, input: TableInput): Promise<Output> {
    const endpoint = await endpointOf(operation, input);
    const answer = await call(endpoint, operation, JSON.stringify(input, binaryAsBase64), {
      toError: errorOf(operation),
    });
    const output = answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {};
    // Only answers that can hold a binary value pay for the walk of their attribute maps.
    if (answer.text.includes('"B')) {
      decodeBinary(output.Item);
      decodeBinary(output.Attributes);
      decodeBinary(output.Responses);
      decodeBinary(output.UnprocessedKeys);
      decodeBinary(
        (output.ItemCollectionMetrics as { ItemCollectionKey?: unknown } | undefined)?.ItemCollectionKey,
      );
    }
    output.$metadata = {
      httpStatusCode: answer.statusCode,
      requestId: answer.headers['x-amzn-requestid'],
      attempts: answer.$metadata.attempts,
      totalRetryDelay: answer.$metadata.totalRetryDelay,
    };
    return output as Output;
  }

  return {
    batchGetItem: (input: BatchGetItemCommandInput) => send<BatchGetItemCommandOutput>('BatchGetItem', input),
    getItem: (input: GetItemCommandInput) => send<GetItemCommandOutput>('GetItem', input),
    updateItem: (input: UpdateItemCommandInput) => send<UpdateItemCommandOutput>('UpdateItem', input),
  };
}

export type DirectDynamoDb = ReturnType<typeof createDirectDynamoDb>;
