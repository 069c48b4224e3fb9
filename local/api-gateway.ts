import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { createLambdaContext, type LambdaHandler, type LocalFunction } from './lambda-context';

/**
 * A local stand-in for an API Gateway HTTP API with a Lambda proxy integration, payload format
 * 2.0. No library emulates HTTP APIs' payload 2.0 faithfully (serverless-offline and SAM local
 * bring whole frameworks, or Docker), and the webhook's signature check depends on the exact
 * details: the raw body bytes, base64 for non-text content types, lower-cased and comma-joined
 * headers. So this file builds the event the way the service documents it.
 */

/**
 * The routes the stack integrates with the webhook function (infra/constructs/ingress.ts): other
 * methods on the webhook path reach the function too, which answers them 405.
 */
export const WEBHOOK_ROUTES = ['POST /webhooks/{appId}', 'ANY /webhooks/{appId}'] as const;

/** HTTP APIs refuse bodies over 10 MB before invoking anything. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Content types API Gateway passes as text; every other body (and one without a content type)
 * arrives base64-encoded.
 *
 * @example
 * isTextContentType('application/json; charset=utf-8'); // true
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml|javascript)$/.test(type) ||
    type === 'application/x-javascript'
  );
}

/** A parsed route key: `$default`, or a method (`ANY` included) and a path template. */
interface Route {
  key: string;
  method: string;
  segments: string[];
}

function parseRoute(key: string): Route {
  if (key === '$default') return { key, method: 'ANY', segments: [] };
  const [method, path] = key.split(' ');
  if (!method || !path?.startsWith('/')) throw new Error(`invalid route key "${key}"`);
  return { key, method: method.toUpperCase(), segments: path.split('/').slice(1) };
}

/** Path parameters when `path` matches the route, else `undefined`. */
function matchRoute(route: Route, method: string, path: string): Record<string, string> | undefined {
  if (route.key === '$default') return {};
  if (route.method !== 'ANY' && route.method !== method) return undefined;
  const parts = path.split('/').slice(1);
  const params: Record<string, string> = {};
  for (const [i, segment] of route.segments.entries()) {
    const greedy = /^\{(\w+)\+\}$/.exec(segment);
    if (greedy) {
      if (i >= parts.length || parts.slice(i).join('/') === '') return undefined;
      params[greedy[1]!] = decodeURIComponent(parts.slice(i).join('/'));
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    const variable = /^\{(\w+)\}$/.exec(segment);
    if (variable) {
      if (part === '') return undefined;
      params[variable[1]!] = decodeURIComponent(part);
    } else if (segment !== part) {
      return undefined;
    }
  }
  return parts.length === route.segments.length ? params : undefined;
}

/** API Gateway's selection order: literal paths before variables before greedy, `$default` last. */
function bySpecificity(a: Route, b: Route): number {
  const score = (r: Route) =>
    r.key === '$default'
      ? -1e6
      : r.segments.reduce((s, seg) => s + (seg.endsWith('+}') ? 0 : seg.startsWith('{') ? 1 : 2), 0) * 10 +
        (r.method === 'ANY' ? 0 : 1);
  return score(b) - score(a);
}

/** The request facts `toApiGatewayV2Event` needs; an `IncomingMessage` has them all. */
export interface HttpRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  /** Raw header list `[name, value, name, value, ...]`, as `IncomingMessage.rawHeaders`. */
  rawHeaders: string[];
  socket?: { remoteAddress?: string | undefined } | undefined;
}

/** Route key and path parameters of the matched route. */
export interface MatchedRoute {
  routeKey: string;
  pathParameters?: Record<string, string>;
}

/**
 * Builds the payload 2.0 event API Gateway hands a Lambda proxy integration: lower-cased header
 * names with duplicates joined by commas, cookies split out, query parameters joined by commas,
 * the body as text for text/JSON/XML/JavaScript content types and base64 otherwise.
 *
 * @example
 * const event = toApiGatewayV2Event(req, body, { routeKey: 'ANY /webhooks/{appId}', pathParameters: { appId } });
 */
export function toApiGatewayV2Event(
  req: HttpRequestLike,
  body: Buffer,
  route: MatchedRoute = { routeKey: '$default' },
  now: Date = new Date(),
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const rawQueryString = (req.url ?? '').includes('?') ? (req.url ?? '').split('?').slice(1).join('?') : '';
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const host = headers.host ?? 'localhost';
  const domainName = host.replace(/:\d+$/, '');
  const method = (req.method ?? 'GET').toUpperCase();
  const hasBody = body.length > 0;
  const asText = isTextContentType(headers['content-type']);
  const requestId = `${randomBytes(10).toString('base64').replace(/=+$/, '')}=`;

  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0]!,
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: (req.socket?.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(route.pathParameters && Object.keys(route.pathParameters).length > 0
      ? { pathParameters: route.pathParameters }
      : {}),
    ...(hasBody ? { body: asText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !asText,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` format: `25/Nov/2026:06:36:44 +0000`. */
function formatRequestTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(
    d.getUTCMinutes(),
  )}:${p(d.getUTCSeconds())} +0000`;
}

/** An HTTP answer: what API Gateway makes of a Lambda result. */
export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Interprets a payload 2.0 Lambda result the way API Gateway does: a result with `statusCode`
 * is taken as is (base64 bodies decoded); any other value is a 200 JSON body.
 *
 * @example
 * fromApiGatewayV2Result({ statusCode: 401, body: '{"error":"invalid signature"}' }).statusCode; // 401
 */
export function fromApiGatewayV2Result(result: APIGatewayProxyResultV2<unknown>): HttpAnswer {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const structured = result as Exclude<APIGatewayProxyResultV2, string>;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const raw = structured.body ?? '';
    return {
      statusCode: structured.statusCode ?? 200,
      headers,
      cookies: structured.cookies ?? [],
      body: structured.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
    };
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(typeof result === 'string' ? result : JSON.stringify(result ?? null), 'utf8'),
  };
}

/** Options of the local HTTP API. */
export interface ApiGatewayServerOptions {
  /** Route keys integrated with the handler (default: the webhook's). Others answer 404. */
  routes?: readonly string[];
  /** The function's identity in the invocation `context`. */
  function?: LocalFunction;
  /** Told about every invocation that threw (API Gateway answers 500 then). */
  onError?: (error: unknown) => void;
  /**
   * Pages the local bridge serves itself beside the API (its console and event feed), tried
   * before the route table; return true when handled. A deployed HTTP API has none of these.
   */
  localRoutes?: ReadonlyArray<(req: IncomingMessage, res: ServerResponse) => boolean>;
}

/**
 * An HTTP server (not yet listening) that behaves like an HTTP API stage in front of one Lambda
 * function: it matches routes, builds the payload 2.0 event, invokes the handler with a fresh
 * `context` and turns the result into the HTTP answer. Unmatched routes answer
 * `404 {"message":"Not Found"}`, a throwing handler `500 {"message":"Internal Server Error"}`, as
 * API Gateway does.
 *
 * @example
 * const server = createApiGatewayServer(handler, { function: { functionName: 'webhook' } });
 * server.listen(3000);
 */
export function createApiGatewayServer(
  handler: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2<unknown>>,
  options: ApiGatewayServerOptions = {},
): Server {
  const routes = (options.routes ?? WEBHOOK_ROUTES).map(parseRoute).sort(bySpecificity);
  const fn = options.function ?? { functionName: 'local-function' };

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    for (const route of options.localRoutes ?? []) if (route(req, res)) return;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const requestId = `${randomBytes(10).toString('base64').replace(/=+$/, '')}=`;
      const answer = (a: HttpAnswer) => {
        const headers: Record<string, string | string[]> = { ...a.headers, 'apigw-requestid': requestId };
        if (a.cookies.length > 0) headers['set-cookie'] = a.cookies;
        headers['content-length'] = String(a.body.length);
        res.writeHead(a.statusCode, headers);
        res.end(a.body);
      };
      const message = (statusCode: number, text: string) =>
        answer({
          statusCode,
          headers: { 'content-type': 'application/json' },
          cookies: [],
          body: Buffer.from(JSON.stringify({ message: text })),
        });
      if (tooLarge) return message(413, 'Request Entity Too Large');

      const method = (req.method ?? 'GET').toUpperCase();
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      let matched: MatchedRoute | undefined;
      for (const route of routes) {
        const pathParameters = matchRoute(route, method, path);
        if (pathParameters) {
          matched = { routeKey: route.key, pathParameters };
          break;
        }
      }
      if (!matched) return message(404, 'Not Found');

      const event = toApiGatewayV2Event(req, Buffer.concat(chunks), matched);
      event.requestContext.requestId = requestId;
      handler(event, createLambdaContext(fn)).then(
        (result) => answer(fromApiGatewayV2Result(result)),
        (error: unknown) => {
          options.onError?.(error);
          message(500, 'Internal Server Error');
        },
      );
    });
  });
}

/** A listening local HTTP API. */
export interface LocalApiGateway {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts {@link createApiGatewayServer} on loopback (`port` 0 picks a free one).
 *
 * @example
 * const api = await startApiGatewayServer(handler, { port: 0 });
 * await fetch(`${api.url}/webhooks/${appId}`, { method: 'POST', headers, body });
 */
export async function startApiGatewayServer(
  handler: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2<unknown>>,
  options: ApiGatewayServerOptions & { port?: number; host?: string } = {},
): Promise<LocalApiGateway> {
  const server = createApiGatewayServer(handler, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
