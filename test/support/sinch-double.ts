/**
 * THE Sinch API double: an HTTP server on loopback that answers like the Conversation API and
 * the Sinch token endpoint, scriptable per request.
 *
 * - `POST /oauth2/token`: checks HTTP Basic `keyId:keySecret` and `grant_type=client_credentials`,
 *   issues bearer tokens (`expires_in` configurable), counts fetches; `scriptToken(...)` makes it
 *   answer 429 (or anything else) first.
 * - `POST /v1/projects/{projectId}/messages:send`: checks the bearer token is one it issued and
 *   not expired, validates the body shape, issues a `message_id`; `script(...)` /
 *   `scriptFor(correlationId, ...)` make it answer 400/401-expired/403/404/429/5xx, slowly, or
 *   drop the connection after accepting.
 * - `routes`: extra handlers tried first (the webhooks admin API mounts here).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendMessageRequestProblem } from '../../local/sinch/send-message-request';

/** How the double answers one request. */
export type SinchAnswer =
  | { kind: 'ok'; delayMs?: number }
  /** Answer with this status and Sinch's error body (400, 403, 404, 429, 500, 503, ...). */
  | { kind: 'status'; status: number; delayMs?: number; headers?: Record<string, string> }
  /** 401 with `WWW-Authenticate: Bearer error="invalid_token"...`; the token used is revoked. */
  | { kind: 'expired'; delayMs?: number }
  /** Accept the message (it counts as sent), then destroy the connection without answering. */
  | { kind: 'drop'; delayMs?: number };

/** Shorthands for scripts. */
export const answers = {
  ok: (delayMs?: number): SinchAnswer => ({ kind: 'ok', ...(delayMs ? { delayMs } : {}) }),
  status: (status: number, headers?: Record<string, string>): SinchAnswer => ({
    kind: 'status',
    status,
    ...(headers ? { headers } : {}),
  }),
  expired: (): SinchAnswer => ({ kind: 'expired' }),
  drop: (delayMs?: number): SinchAnswer => ({ kind: 'drop', ...(delayMs ? { delayMs } : {}) }),
  slow: (delayMs: number): SinchAnswer => ({ kind: 'ok', delayMs }),
};

/** One request the double received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON body, when it was JSON. */
  json?: unknown;
  /** For messages:send: what the double did. */
  outcome?: 'accepted' | 'rejected' | 'dropped';
  messageId?: string;
}

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, body: string) => boolean;

export interface SinchDoubleOptions {
  projectId?: string;
  keyId?: string;
  keySecret?: string;
  /** Lifetime of issued tokens (`expires_in`), default 3600. */
  tokenLifetimeSeconds?: number;
  /** Latency of every messages:send answer, default 0. */
  latencyMs?: number;
  /** Extra route handlers, tried first; return true when handled. */
  routes?: ExtraRoute[];
  port?: number;
}

export interface SinchDouble {
  /** API base URL (what `SINCH_API_URL` should be). */
  apiUrl: string;
  /** Token endpoint (what `SINCH_AUTH_URL` should be). */
  authUrl: string;
  projectId: string;
  keyId: string;
  keySecret: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** messages:send requests only. */
  sends(): RecordedRequest[];
  /** Successful token fetches so far. */
  tokenFetches(): number;
  /** Highest number of messages:send requests in progress at once. */
  maxInFlight(): number;
  /** Answers for the next messages:send requests that no `scriptFor` entry matched, in order. */
  script(...next: SinchAnswer[]): void;
  /** Answers for the next messages:send requests with this `correlation_id`, in order. */
  scriptFor(correlationId: string, ...next: SinchAnswer[]): void;
  /** Answers for the next token requests (e.g. `answers.status(429)`), in order. */
  scriptToken(...next: SinchAnswer[]): void;
  /** Default latency of messages:send answers. */
  latencyMs: number;
  /** Revokes every token issued so far (the next call with one gets 401 invalid_token). */
  expireAllTokens(): void;
  /** Forgets requests, counters and scripts. */
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A Sinch-looking id (26 chars of Crockford base32, like the ULIDs Sinch issues). */
function ulidLike(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return `01${[...randomBytes(24)].map((b) => alphabet[b % 32]).join('')}`;
}

function sinchError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  const statusName: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL',
    503: 'UNAVAILABLE',
  };
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(
    JSON.stringify({
      error: { code: status, message, status: statusName[status] ?? 'UNKNOWN', details: [] },
    }),
  );
}

/**
 * @example
 * const sinch = await startSinchDouble({ latencyMs: 50 });
 * process.env.SINCH_API_URL = sinch.apiUrl;
 * process.env.SINCH_AUTH_URL = sinch.authUrl;
 * sinch.scriptFor('order-42', answers.status(429), answers.ok());
 */
export async function startSinchDouble(options: SinchDoubleOptions = {}): Promise<SinchDouble> {
  const projectId = options.projectId ?? 'project-double';
  const keyId = options.keyId ?? 'key-id-double';
  const keySecret = options.keySecret ?? 'key-secret-double';
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const tokens = new Map<string, number>();
  const state = {
    requests: [] as RecordedRequest[],
    tokenFetches: 0,
    inFlight: 0,
    maxInFlight: 0,
    queue: [] as SinchAnswer[],
    byCorrelation: new Map<string, SinchAnswer[]>(),
    tokenQueue: [] as SinchAnswer[],
    latencyMs: options.latencyMs ?? 0,
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const scripted = state.tokenQueue.shift();
    if (scripted?.delayMs) await sleep(scripted.delayMs);
    if (scripted?.kind === 'drop') return void req.socket.destroy();
    if (scripted?.kind === 'status') {
      // The real token endpoint sends no Retry-After on 429.
      res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
      return void res.end(JSON.stringify({ error: 'rate_limited' }));
    }
    const expected = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'invalid_client' }));
    }
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'unsupported_grant_type' }));
    }
    const token = `tok-${randomUUID()}`;
    tokens.set(token, Date.now() + lifetime * 1000);
    state.tokenFetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: lifetime, scope: '' }));
  };

  const bearerOf = (req: IncomingMessage): string | undefined => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match?.[1];
  };

  const handleSend = async (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => {
    const token = bearerOf(req);
    const validUntil = token ? tokens.get(token) : undefined;
    if (!token || validUntil === undefined || validUntil < Date.now()) {
      recorded.outcome = 'rejected';
      return sinchError(res, 401, 'Invalid or expired token', {
        'www-authenticate': 'Bearer error="invalid_token", error_description="token expired"',
      });
    }
    const correlationId = (recorded.json as { correlation_id?: unknown } | undefined)?.correlation_id;
    const perId = typeof correlationId === 'string' ? state.byCorrelation.get(correlationId) : undefined;
    const answer: SinchAnswer = (perId?.length ? perId.shift() : state.queue.shift()) ?? { kind: 'ok' };
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      await sleep(answer.delayMs ?? state.latencyMs);
    } finally {
      state.inFlight--;
    }
    switch (answer.kind) {
      case 'expired':
        tokens.delete(token);
        recorded.outcome = 'rejected';
        return sinchError(res, 401, 'Invalid or expired token', {
          'www-authenticate': 'Bearer error="invalid_token", error_description="token expired"',
        });
      case 'status':
        recorded.outcome = 'rejected';
        return sinchError(res, answer.status, `scripted ${answer.status}`, answer.headers);
      default: {
        const problem = sendMessageRequestProblem(recorded.json);
        if (problem) {
          recorded.outcome = 'rejected';
          return sinchError(res, 400, `invalid request: ${problem}`);
        }
        recorded.messageId = ulidLike();
        if (answer.kind === 'drop') {
          recorded.outcome = 'dropped';
          return void req.socket.destroy();
        }
        recorded.outcome = 'accepted';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message_id: recorded.messageId, accepted_time: new Date().toISOString() }));
      }
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      for (const route of options.routes ?? []) {
        if (route(req, res, body)) return;
      }
      const path = new URL(req.url ?? '/', 'http://double').pathname;
      const recorded: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body };
      try {
        recorded.json = JSON.parse(body);
      } catch {
        // form bodies (token endpoint) and empty bodies are not JSON
      }
      state.requests.push(recorded);
      const run = async () => {
        if (path === '/oauth2/token' && req.method === 'POST') return handleToken(req, res, body);
        const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
        if (send && req.method === 'POST') {
          if (decodeURIComponent(send[1]!) !== projectId) return sinchError(res, 404, 'project not found');
          return handleSend(req, res, recorded);
        }
        return sinchError(res, 404, `no route ${req.method} ${path}`);
      };
      run().catch((error: unknown) => sinchError(res, 500, String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    apiUrl: base,
    authUrl: `${base}/oauth2/token`,
    projectId,
    keyId,
    keySecret,
    get requests() {
      return state.requests;
    },
    sends: () => state.requests.filter((r) => r.path.endsWith('/messages:send')),
    tokenFetches: () => state.tokenFetches,
    maxInFlight: () => state.maxInFlight,
    script: (...next) => {
      state.queue.push(...next);
    },
    scriptFor: (correlationId, ...next) => {
      state.byCorrelation.set(correlationId, [...(state.byCorrelation.get(correlationId) ?? []), ...next]);
    },
    scriptToken: (...next) => {
      state.tokenQueue.push(...next);
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(value: number) {
      state.latencyMs = value;
    },
    expireAllTokens: () => tokens.clear(),
    reset: () => {
      state.requests = [];
      state.tokenFetches = 0;
      state.maxInFlight = 0;
      state.queue = [];
      state.byCorrelation.clear();
      state.tokenQueue = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
