/**
 * API Gateway HTTP API (payload format 2.0) events for tests, built by the same
 * `toApiGatewayV2Event` the local bridge serves requests with: lower-cased headers,
 * `rawPath`/`routeKey`/`pathParameters`, a `requestContext` with `http` and `timeEpoch`, and the
 * body base64-encoded (`isBase64Encoded`) for every content type API Gateway does not treat as text.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { toApiGatewayV2Event } from '../../local/api-gateway';

export { isTextContentType } from '../../local/api-gateway';

export const WEBHOOK_ROUTE_KEY = 'POST /webhooks/{appId}';

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
  const body =
    request.body === undefined
      ? Buffer.alloc(0)
      : typeof request.body === 'string'
        ? Buffer.from(request.body, 'utf8')
        : request.body;
  // The headers a request through a real API Gateway endpoint carries, unless the test sets them.
  const headers: Record<string, string> = {
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'user-agent': 'Sinch-Conversation-Webhook/1.0',
    'x-forwarded-for': '203.0.113.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    'x-amzn-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  if (body.length > 0) headers['content-length'] = String(body.length);

  const webhook = /^\/webhooks\/([^/?]+)$/.exec(request.path);
  const routeKey = request.routeKey ?? (webhook && method === 'POST' ? WEBHOOK_ROUTE_KEY : '$default');
  const pathParameters =
    webhook && routeKey === WEBHOOK_ROUTE_KEY ? { appId: decodeURIComponent(webhook[1]!) } : undefined;
  return toApiGatewayV2Event(
    {
      method,
      url: request.path,
      rawHeaders: Object.entries(headers).flat(),
      socket: { remoteAddress: headers['x-forwarded-for'] },
    },
    body,
    { routeKey, ...(pathParameters ? { pathParameters } : {}) },
  );
}
