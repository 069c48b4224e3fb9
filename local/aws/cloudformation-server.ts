import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureRefused, verifySigV4 } from './sigv4-verify';

/*
 * CloudFormation has no local server. This stand-in answers `DescribeStacks` the way the AWS
 * SDK's client-cloudformation calls it: the AWS Query protocol (a SigV4-signed POST of
 * `Action=DescribeStacks&Version=2010-05-15&StackName=...` as application/x-www-form-urlencoded),
 * answered in CloudFormation's XML, with its errors (`ValidationError` "Stack with id X does not
 * exist", 400; `InvalidAction`; `SignatureDoesNotMatch`, 403; ...). It holds stacks given by a
 * test or a tool, so `sinch-bridge --stack <name>` can be pointed at a local bridge's resources
 * with `AWS_ENDPOINT_URL_CLOUDFORMATION`. Any other action is refused, not faked.
 */

const API_VERSION = '2010-05-15';
const XMLNS = `http://cloudformation.amazonaws.com/doc/${API_VERSION}/`;
const ACCOUNT_ID = '123456789012';

/** One stack as DescribeStacks shows it. */
export interface LocalStack {
  name: string;
  /** Output key to value (what `CfnOutput`s of the deployed stack hold). */
  outputs: Record<string, string>;
  /** Default `CREATE_COMPLETE`. */
  status?: string;
}

export interface LocalCloudFormationOptions {
  stacks?: LocalStack[];
  region?: string;
  /** Only requests signed with these credentials are answered (default local/local). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  port?: number;
}

export interface LocalCloudFormation {
  /** For `AWS_ENDPOINT_URL_CLOUDFORMATION` (or the client's `endpoint`). */
  endpoint: string;
  /** Adds or replaces a stack. */
  putStack(stack: LocalStack): void;
  /** Every request's action, in order (what a test can assert on). */
  calls(): string[];
  close(): Promise<void>;
}

class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

/**
 * Starts the stand-in on loopback.
 *
 * @example
 * const cfn = await startLocalCloudFormation({ stacks: [{ name: 'SinchBridge-eu', outputs: { EventsQueueUrl: url } }] });
 * // AWS_ENDPOINT_URL_CLOUDFORMATION=cfn.endpoint sinch-bridge --stack SinchBridge-eu doctor
 */
export async function startLocalCloudFormation(
  options: LocalCloudFormationOptions = {},
): Promise<LocalCloudFormation> {
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' };
  const stacks = new Map<string, LocalStack & { id: string; created: string }>();
  const calls: string[] = [];
  const putStack = (stack: LocalStack) => {
    const existing = stacks.get(stack.name);
    stacks.set(stack.name, {
      ...stack,
      id:
        existing?.id ?? `arn:aws:cloudformation:${region}:${ACCOUNT_ID}:stack/${stack.name}/${randomUUID()}`,
      created: existing?.created ?? new Date().toISOString(),
    });
  };
  for (const stack of options.stacks ?? []) putStack(stack);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      const body = Buffer.concat(chunks);
      try {
        const params = parseRequest(req, body, { region, credentials });
        const action = params.get('Action') ?? '';
        calls.push(action);
        if (action !== 'DescribeStacks') {
          throw new QueryError(
            400,
            'InvalidAction',
            `Could not find operation ${action} for version ${API_VERSION}`,
          );
        }
        const wanted = params.get('StackName');
        const found = wanted
          ? [...stacks.values()].filter((s) => s.name === wanted || s.id === wanted)
          : [...stacks.values()];
        if (wanted && found.length === 0) {
          throw new QueryError(400, 'ValidationError', `Stack with id ${wanted} does not exist`);
        }
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks>${found
            .map(stackXml)
            .join(
              '',
            )}</Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
        );
      } catch (error) {
        const e =
          error instanceof QueryError
            ? error
            : new QueryError(500, 'InternalFailure', String(error), 'Receiver');
        res.writeHead(e.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.type}</Type><Code>${e.code}</Code><Message>${escapeXml(
            e.message,
          )}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    putStack,
    calls: () => [...calls],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function stackXml(stack: LocalStack & { id: string; created: string }): string {
  const outputs = Object.entries(stack.outputs)
    .map(
      ([key, value]) =>
        `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`,
    )
    .join('');
  return `<member><StackId>${escapeXml(stack.id)}</StackId><StackName>${escapeXml(stack.name)}</StackName><CreationTime>${
    stack.created
  }</CreationTime><StackStatus>${stack.status ?? 'CREATE_COMPLETE'}</StackStatus><Outputs>${outputs}</Outputs></member>`;
}

/**
 * Checks what CloudFormation checks before it reads a query request (method, content type,
 * SigV4 signature with the `cloudformation` scope of this region, clock skew, API version) and
 * returns its parameters.
 */
function parseRequest(
  req: IncomingMessage,
  body: Buffer,
  expected: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
): URLSearchParams {
  if (req.method !== 'POST') throw new QueryError(405, 'MethodNotAllowed', 'Only POST is accepted');
  if (!/^application\/x-www-form-urlencoded\b/.test(String(req.headers['content-type'] ?? ''))) {
    throw new QueryError(400, 'MalformedQueryString', 'The body must be application/x-www-form-urlencoded');
  }
  try {
    verifySigV4(req, body, { ...expected, service: 'cloudformation' });
  } catch (error) {
    if (error instanceof SignatureRefused) throw new QueryError(error.status, error.code, error.message);
    throw error;
  }
  const params = new URLSearchParams(body.toString('utf8'));
  if (params.get('Version') !== API_VERSION) {
    throw new QueryError(400, 'InvalidParameterValue', `Version must be ${API_VERSION}`);
  }
  return params;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
