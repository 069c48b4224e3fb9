/**
 * The built-in Sinch stand-in: an HTTP server on loopback that answers like the Conversation API
 * and the Sinch token endpoint, and posts signed delivery reports back like Sinch does. `npm
 * start` runs it when there are no Sinch credentials; the tests use the same server.
 *
 * - `POST /oauth2/token`: checks HTTP Basic `keyId:keySecret` and `grant_type=client_credentials`,
 *   issues bearer tokens (`expires_in` configurable).
 * - `POST /v1/projects/{projectId}/messages:send`: checks the bearer token is one it issued and
 *   not expired, validates the body as Sinch does (400 `INVALID_ARGUMENT` with the field), issues
 *   a `message_id`, and then posts MESSAGE_DELIVERY callbacks (QUEUED_ON_CHANNEL, DELIVERED, READ)
 *   to the app's webhook, signed with the app's secret, `correlation_id` and `metadata` echoed.
 * - Outcomes are scripted by recipient (`recipient-scripts.ts`, for people) or per request
 *   (`script`, `scriptFor`, `scriptToken`, for tests).
 * - Webhook and app administration (`webhooks-admin.ts`, as `admin`): webhooks created or
 *   updated there are where delivery reports go with `deliverToRegisteredWebhooks()`, signed with
 *   the secret registered there, as Sinch does; a send with `callback_url` gets its reports at that
 *   URL signed with the app's `callback_settings.secret_for_overridden_callback_urls`.
 * - `routes`: extra handlers tried first (tests mount their own webhooks admin API there).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import en from 'zod/v4/locales/en.js';
import { signSinchCallback } from '../../functions/sinch/signature';
import { type DeliveredSend, messageDeliveryCallback, sinchLikeId } from './delivery-reports';
import { type RecipientScript, recipientScriptOf } from './recipient-scripts';
import { SendMessageRequestSchema } from './send-message-request';
import { type SinchWebhooksRoutes, sinchWebhooksRoutes } from './webhooks-admin';

const englishMessages = en().localeError;

/**
 * The first field Sinch would refuse in a `messages:send` body, as a `google.rpc` field violation,
 * checked with Sinch's `SendMessageRequest` model (`send-message-request.ts`).
 */
function fieldViolationOf(body: unknown): { field: string; description: string } | undefined {
  const parsed = SendMessageRequestSchema.safeParse(body, { error: englishMessages });
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return { field: issue?.path.join('.') || '(body)', description: issue?.message ?? 'invalid request' };
}

/** How the stand-in answers one request. */
export type SinchAnswer =
  | { kind: 'ok'; delayMs?: number }
  /** Answer with this status and Sinch's error body (400, 403, 404, 429, 500, 503, ...). */
  | { kind: 'status'; status: number; delayMs?: number; headers?: Record<string, string> }
  /** 401 with `WWW-Authenticate: Bearer error="invalid_token"...`; the token used is revoked. */
  | { kind: 'expired'; delayMs?: number }
  /** Accept the message (it counts as sent), then destroy the connection without answering. */
  | { kind: 'drop'; delayMs?: number }
  /** Accept the message (it counts as sent) and answer this 2xx status with this exact body (odd answers). */
  | { kind: 'accept_with'; status: number; body: string; delayMs?: number };

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
  /** Accepts, answering `status` (2xx) with `body` verbatim: empty, not JSON, no message_id... */
  acceptWith: (status: number, body: string): SinchAnswer => ({ kind: 'accept_with', status, body }),
};

/** One request the stand-in received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON body, when it was JSON. */
  json?: unknown;
  /** For messages:send: what the stand-in did. */
  outcome?: 'accepted' | 'rejected' | 'dropped';
  /** For messages:send: the HTTP status answered (absent when dropped). */
  status?: number;
  messageId?: string;
  /** Epoch ms when the whole request had arrived. */
  receivedAt: number;
  /**
   * For messages:send: the caller closed the connection before the answer was written (it timed
   * out or aborted). An accepted message still counts as sent, as at Sinch, which finishes a
   * request it has read whether or not anyone waits for the answer.
   */
  clientGaveUp?: boolean;
}

/** One delivery report the stand-in posted (or tried to). */
export interface PostedDeliveryReport {
  appId: string;
  messageId: string;
  correlationId?: string | undefined;
  status: string;
  url: string;
  /** HTTP status of the last attempt; absent when the webhook could not be reached. */
  answer?: number;
  attempts: number;
}

/** Where delivery reports go: the app's webhook and the secret to sign them with. */
export interface CallbackTarget {
  /** Webhook URL for an app; `undefined`: the app has no webhook, no reports are posted. */
  url(appId: string): string | undefined;
  /** Signing secret for an app; `undefined`: reports are posted unsigned. */
  secret(appId: string): string | undefined;
  /**
   * The app's `secret_for_overridden_callback_urls`, for reports of a send with `callback_url`
   * (which go to that URL); `undefined`: posted unsigned. @default - the stand-in's apps API
   */
  callbackUrlSecret?(appId: string): string | undefined;
}

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, body: string) => boolean;

export interface SinchStandInOptions {
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
  /** Where delivery reports go; absent: none are posted (set later with `deliverTo`). */
  callbacks?: CallbackTarget;
  /**
   * Pause before each delivery report of a message, in order (the last repeats); default
   * `[200, 300, 500]`: queued, delivered and read within a second, like a fast channel.
   */
  reportDelaysMs?: number[];
}

export interface SinchStandIn {
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
  /** Delivery reports posted so far, in order. */
  deliveryReports(): PostedDeliveryReport[];
  /** Resolves once every delivery report scheduled so far has been posted (or given up). */
  reportsSettled(): Promise<void>;
  /** Starts (or redirects) delivery reports. */
  deliverTo(target: CallbackTarget | undefined): void;
  /**
   * Sends delivery reports where Sinch would: each app's webhook registered at this stand-in
   * (subscribed to MESSAGE_DELIVERY), signed with its registered secret.
   */
  deliverToRegisteredWebhooks(): void;
  /** The webhook and app administration this stand-in serves. */
  admin: SinchWebhooksRoutes;
  /** Successful token fetches so far. */
  tokenFetches(): number;
  /**
   * messages:send requests answered 2xx so far: what `sends()` filtered on `accepted` counts,
   * without copying and filtering every request recorded (cheap enough to ask every few ms).
   */
  acceptedSends(): number;
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

/** gRPC status names Sinch puts in `error.status`, by HTTP status. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * The Conversation API's error body: `{"error": {"code", "message", "status", "details"}}`, with
 * `details` holding a `google.rpc.BadRequest` for invalid arguments, as Sinch answers.
 *
 * @example
 * sinchErrorBody(400, 'Invalid argument', [{ field: 'app_id', description: 'required' }]);
 */
export function sinchErrorBody(
  status: number,
  message: string,
  fieldViolations: Array<{ field: string; description: string }> = [],
) {
  return {
    error: {
      code: status,
      message,
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
      details:
        fieldViolations.length > 0
          ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', field_violations: fieldViolations }]
          : [],
    },
  };
}

function sinchError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  fieldViolations: Array<{ field: string; description: string }> = [],
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(sinchErrorBody(status, message, fieldViolations)));
}

/** Default message of a scripted error answer, worded like Sinch's. */
const SCRIPTED_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Invalid argument (scripted by the local Sinch stand-in)',
  403: 'The project does not have access to this resource (scripted by the local Sinch stand-in)',
  404: 'The requested resource was not found (scripted by the local Sinch stand-in)',
  429: 'Too many requests (scripted by the local Sinch stand-in)',
  500: 'Internal error (scripted by the local Sinch stand-in)',
  503: 'Service unavailable (scripted by the local Sinch stand-in)',
};

/** The first channel identity the message goes to (the priority order's channel first). */
function firstRecipient(request: Record<string, unknown>): DeliveredSend['channelIdentity'] {
  const recipient = request.recipient as
    | { identified_by?: { channel_identities?: Array<{ channel: string; identity: string }> } }
    | undefined;
  const identities = recipient?.identified_by?.channel_identities ?? [];
  const priority = (request.channel_priority_order as string[] | undefined)?.[0];
  const chosen = identities.find((i) => i.channel === priority) ?? identities[0];
  return chosen ? { channel: chosen.channel, identity: chosen.identity } : undefined;
}

/**
 * @example
 * const sinch = await startSinchStandIn({ projectId: 'p' });
 * process.env.SINCH_API_URL = sinch.apiUrl;
 * process.env.SINCH_AUTH_URL = sinch.authUrl;
 * sinch.deliverTo({ url: (appId) => `${webhookBase}/webhooks/${appId}`, secret: (appId) => secrets[appId] });
 * sinch.scriptFor('order-42', answers.status(429), answers.ok());
 */
export async function startSinchStandIn(options: SinchStandInOptions = {}): Promise<SinchStandIn> {
  const projectId = options.projectId ?? 'project-double';
  const keyId = options.keyId ?? 'key-id-double';
  const keySecret = options.keySecret ?? 'key-secret-double';
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const reportDelays = options.reportDelaysMs?.length ? options.reportDelaysMs : [200, 300, 500];
  const tokens = new Map<string, number>();
  const admin = sinchWebhooksRoutes({ projectId });
  const state = {
    requests: [] as RecordedRequest[],
    tokenFetches: 0,
    acceptedSends: 0,
    inFlight: 0,
    maxInFlight: 0,
    queue: [] as SinchAnswer[],
    byCorrelation: new Map<string, SinchAnswer[]>(),
    tokenQueue: [] as SinchAnswer[],
    latencyMs: options.latencyMs ?? 0,
    callbacks: options.callbacks,
    reports: [] as PostedDeliveryReport[],
    pendingReports: new Set<Promise<void>>(),
    /**
     * Accepted sends whose reports fell due while no report target was set, oldest first, with
     * when each report falls due (epoch ms); dropped once their last report is due.
     */
    parked: [] as Array<{
      send: DeliveredSend & { callbackUrl?: string | undefined };
      script: RecipientScript;
      dueAt: number[];
    }>,
    /** Correlation ids already rate-limited once (recipient script `firstAttemptOnly`). */
    limitedOnce: new Set<string>(),
    closed: false,
    /** Cuts the delivery reports being posted when the stand-in closes. */
    closing: new AbortController(),
    /** Ends each pause between delivery reports now (close() calls them all). */
    pauses: new Set<() => void>(),
  };
  // A set of pending pauses, not an 'abort' listener per pause: Node's EventTarget looks for a
  // duplicate among all the listeners on each add, and with reports spread over a second after
  // each send, thousands wait at once in a benchmark (9% of the stand-in's CPU).
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (state.closed) return resolve();
      const end = () => {
        clearTimeout(timer);
        state.pauses.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      state.pauses.add(end);
    });

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

  /** Posts one report, retrying non-2xx answers with backoff as Sinch does (bounded here). */
  const postReport = async (
    send: DeliveredSend & { callbackUrl?: string | undefined },
    change: Parameters<typeof messageDeliveryCallback>[1],
  ) => {
    const target = state.callbacks;
    const url = send.callbackUrl ?? target?.url(send.appId);
    if (!target || !url) return;
    const body = JSON.stringify(messageDeliveryCallback(send, change));
    const record: PostedDeliveryReport = {
      appId: send.appId,
      messageId: send.messageId,
      correlationId: send.correlationId,
      status: change.status,
      url,
      attempts: 0,
    };
    state.reports.push(record);
    const secret = send.callbackUrl
      ? (target.callbackUrlSecret ?? appCallbackUrlSecret)(send.appId)
      : target.secret(send.appId);
    for (let attempt = 1; attempt <= 5 && !state.closed; attempt++) {
      record.attempts = attempt;
      try {
        const answer = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(secret ? signSinchCallback({ secret, body }) : {}),
          },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(10_000), state.closing.signal]),
        });
        await answer.arrayBuffer();
        record.answer = answer.status;
        if (answer.ok) return;
      } catch {
        delete record.answer;
      }
      await pause(250 * 2 ** attempt);
    }
  };

  const appCallbackUrlSecret = (appId: string) =>
    admin.apps.get(appId)?.callback_settings.secret_for_overridden_callback_urls;
  /** The app's webhook that gets delivery reports, as Sinch picks it: subscribed to MESSAGE_DELIVERY. */
  const reportWebhookOf = (appId: string) =>
    admin.ofApp(appId).find((hook) => hook.triggers.includes('MESSAGE_DELIVERY'));

  type ReportedSend = DeliveredSend & { callbackUrl?: string | undefined };
  const delayBefore = (i: number) => reportDelays[Math.min(i, reportDelays.length - 1)]!;

  /** Posts a send's reports from report `from` on, the first after `firstDelayMs`. */
  const runReports = (send: ReportedSend, script: RecipientScript, from: number, firstDelayMs: number) => {
    const run = (async () => {
      for (let i = from; i < script.reports.length; i++) {
        await pause(i === from ? firstDelayMs : delayBefore(i));
        if (state.closed) return;
        const status = script.reports[i]!;
        await postReport(send, { status, reason: status === 'FAILED' ? script.failure : undefined });
      }
    })();
    state.pendingReports.add(run);
    void run.finally(() => state.pendingReports.delete(run));
  };

  const scheduleReports = (send: ReportedSend, script: RecipientScript) => {
    if (script.reports.length === 0) return;
    if (state.callbacks) return runReports(send, script, 0, delayBefore(0));
    // No target: each report would find none and post nothing, unless `deliverTo` sets one before
    // it is due. So the send is only noted, with when each report falls due, and `deliverTo`
    // starts the reports still to come. Running the pauses anyway cost about a quarter of the
    // stand-in's CPU per send in the send benchmark, which has no webhook.
    let due = Date.now();
    const dueAt = script.reports.map((_, i) => (due += delayBefore(i)));
    state.parked.push({ send, script, dueAt });
    while (state.parked.length > 0 && state.parked[0]!.dueAt.at(-1)! < Date.now()) state.parked.shift();
  };

  /** A report target was set: the noted sends' reports not yet due go out as they fall due. */
  const startParkedReports = () => {
    const now = Date.now();
    for (const { send, script, dueAt } of state.parked.splice(0)) {
      const next = dueAt.findIndex((at) => at >= now);
      if (next !== -1) runReports(send, script, next, dueAt[next]! - now);
    }
  };

  const handleSend = async (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => {
    res.on('close', () => {
      if (!res.writableFinished && recorded.outcome !== 'dropped') recorded.clientGaveUp = true;
    });
    const answer = (status: number) => {
      recorded.status = status;
      recorded.outcome = status < 300 ? 'accepted' : 'rejected';
      if (status < 300) state.acceptedSends++;
    };
    const token = bearerOf(req);
    const validUntil = token ? tokens.get(token) : undefined;
    if (!token || validUntil === undefined || validUntil < Date.now()) {
      answer(401);
      return sinchError(res, 401, 'Invalid or expired token', {
        'www-authenticate': 'Bearer error="invalid_token", error_description="token expired"',
      });
    }
    const request = (recorded.json ?? {}) as Record<string, unknown>;
    const correlationId = typeof request.correlation_id === 'string' ? request.correlation_id : undefined;
    const perId = correlationId ? state.byCorrelation.get(correlationId) : undefined;
    const scripted: SinchAnswer | undefined = perId?.length ? perId.shift() : state.queue.shift();
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      await sleep(scripted?.delayMs ?? state.latencyMs);
    } finally {
      state.inFlight--;
    }
    if (scripted?.kind === 'expired') {
      tokens.delete(token);
      answer(401);
      return sinchError(res, 401, 'Invalid or expired token', {
        'www-authenticate': 'Bearer error="invalid_token", error_description="token expired"',
      });
    }
    if (scripted?.kind === 'status') {
      answer(scripted.status);
      return sinchError(
        res,
        scripted.status,
        SCRIPTED_MESSAGES[scripted.status] ?? `scripted ${scripted.status}`,
        scripted.headers,
      );
    }
    // Sinch checks the request before anything else happens to it.
    const invalid = fieldViolationOf(recorded.json);
    if (invalid) {
      answer(400);
      return sinchError(res, 400, `Invalid argument: ${invalid.field}: ${invalid.description}`, {}, [
        invalid,
      ]);
    }
    const recipient = firstRecipient(request);
    const script = recipient ? recipientScriptOf(recipient.identity) : recipientScriptOf('');
    if (!scripted && script.send !== 'accept') {
      const key = `${correlationId ?? recorded.body}`;
      const limitNow = !script.send.firstAttemptOnly || !state.limitedOnce.has(key);
      if (limitNow) {
        if (script.send.firstAttemptOnly) state.limitedOnce.add(key);
        answer(script.send.status);
        return sinchError(res, script.send.status, SCRIPTED_MESSAGES[script.send.status] ?? 'scripted');
      }
    }
    recorded.messageId = sinchLikeId();
    if (scripted?.kind === 'drop') {
      recorded.outcome = 'dropped';
      req.socket.destroy();
    } else if (scripted?.kind === 'accept_with') {
      answer(scripted.status);
      res.writeHead(scripted.status, scripted.body ? { 'content-type': 'application/json' } : {});
      res.end(scripted.body);
    } else {
      answer(200);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message_id: recorded.messageId, accepted_time: new Date().toISOString() }));
    }
    // A dropped answer still sent the message: its reports follow, as they would at Sinch.
    const contact = (request.recipient as { contact_id?: string } | undefined)?.contact_id;
    scheduleReports(
      {
        projectId,
        appId: String(request.app_id),
        messageId: recorded.messageId,
        correlationId,
        messageMetadata: typeof request.message_metadata === 'string' ? request.message_metadata : undefined,
        channelIdentity: recipient,
        contactId: contact,
        callbackUrl: typeof request.callback_url === 'string' ? request.callback_url : undefined,
      },
      script,
    );
  };

  const routes = [...(options.routes ?? []), admin.route];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      for (const route of routes) {
        if (route(req, res, body)) return;
      }
      const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        receivedAt: Date.now(),
      };
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
          if (decodeURIComponent(send[1]!) !== projectId) {
            recorded.status = 404;
            recorded.outcome = 'rejected';
            return sinchError(res, 404, 'Project not found');
          }
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
    deliveryReports: () => [...state.reports],
    reportsSettled: async () => {
      for (;;) {
        // Noted sends settle when their last report would have been due (a target set before
        // then still gets the rest of their reports).
        let lastDue = 0;
        for (const { dueAt } of state.parked) lastDue = Math.max(lastDue, dueAt.at(-1)!);
        if (lastDue >= Date.now() && !state.closed) await pause(lastDue - Date.now() + 1);
        else if (state.pendingReports.size > 0) await Promise.allSettled([...state.pendingReports]);
        else return;
      }
    },
    deliverTo: (target) => {
      state.callbacks = target;
      if (target) startParkedReports();
    },
    deliverToRegisteredWebhooks: () => {
      state.callbacks = {
        url: (appId) => reportWebhookOf(appId)?.target,
        secret: (appId) => reportWebhookOf(appId)?.secret || undefined,
        callbackUrlSecret: appCallbackUrlSecret,
      };
      startParkedReports();
    },
    admin,
    tokenFetches: () => state.tokenFetches,
    acceptedSends: () => state.acceptedSends,
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
      state.acceptedSends = 0;
      state.maxInFlight = 0;
      state.queue = [];
      state.byCorrelation.clear();
      state.tokenQueue = [];
      state.reports = [];
      state.limitedOnce.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        state.closed = true;
        state.closing.abort();
        for (const end of state.pauses) end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
