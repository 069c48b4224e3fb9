/**
 * Builds API Gateway HTTP API (payload format 2.0) events the way AWS builds them for a Lambda
 * proxy integration: lower-cased headers, `rawPath`/`routeKey`/`pathParameters`, a
 * `requestContext` with `http` and `timeEpoch`, and the body base64-encoded (`isBase64Encoded`)
 * for every content type API Gateway does not treat as text.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const WEBHOOK_ROUTE_KEY = 'POST /webhooks/{appId}';

/**
 * Whether HTTP API passes a body of this content type as text. Everything else (including a
 * request with no content type) arrives base64-encoded.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript'
  );
}

export interface ApiGatewayRequest {
  method?: string;
  /** Full path, e.g. `/webhooks/01H...`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Route the path matched; defaults to the webhook route when the path fits it, else `$default`. */
  routeKey?: string;
}

/**
 * @example
 * const event = apiGatewayEvent({ path: `/webhooks/${appId}`, headers: { 'content-type': 'application/json', ...signed }, body });
 */
export function apiGatewayEvent(request: ApiGatewayRequest): APIGatewayProxyEventV2 {
  const method = request.method ?? 'POST';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const bytes =
    request.body === undefined
      ? undefined
      : typeof request.body === 'string'
        ? Buffer.from(request.body, 'utf8')
        : request.body;
  headers.host ??= 'abc123.execute-api.eu-west-1.amazonaws.com';
  headers['user-agent'] ??= 'Sinch-Conversation-Webhook/1.0';
  headers['x-forwarded-for'] ??= '203.0.113.10';
  headers['x-forwarded-port'] ??= '443';
  headers['x-forwarded-proto'] ??= 'https';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  if (bytes) headers['content-length'] = String(bytes.length);

  const webhook = /^\/webhooks\/([^/]+)$/.exec(request.path);
  const routeKey = request.routeKey ?? (webhook && method === 'POST' ? WEBHOOK_ROUTE_KEY : '$default');
  const asText = isTextContentType(headers['content-type']);
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: headers.host,
      domainPrefix: headers.host.split('.')[0]!,
      http: {
        method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: headers['x-forwarded-for'],
        userAgent: headers['user-agent'],
      },
      requestId: randomUUID().slice(0, 18),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(webhook && routeKey === WEBHOOK_ROUTE_KEY
      ? { pathParameters: { appId: decodeURIComponent(webhook[1]!) } }
      : {}),
    ...(bytes
      ? { body: asText ? bytes.toString('utf8') : bytes.toString('base64'), isBase64Encoded: !asText }
      : { isBase64Encoded: false }),
  };
}
