/**
 * A small Conversation API client: OAuth2 bearer tokens (cached, shared, refreshed once on
 * "token expired"), keep-alive HTTP with timeouts, and one error classification. It never
 * retries anything else: retry policy belongs to the caller (SQS visibility, CloudFormation).
 *
 * Why not `@sinch/sdk-core`: it retries internally and hides the status and headers this bridge
 * classifies on, and it is large for a Lambda bundle.
 */

import {
  DEFAULT_TIMEOUTS,
  type HttpResponse,
  type HttpTimeouts,
  sendHttp,
  TransportError,
} from '../http/transport';
import { classifyStatus, parseRetryAfter, parseSinchErrorBody, SinchError } from './errors';
import type { SendMessageRequest, SendMessageResult } from './messages';
import { type CredentialsProvider, headerValue, type SinchCredentials, SinchTokenProvider } from './oauth';

export type SinchRegion = 'eu' | 'us' | 'br';

export interface SinchClientOptions {
  /** Region of the project's apps; gives the default API URL. */
  region?: SinchRegion | string | undefined;
  /** Overrides the API base URL (e.g. a loopback double); default `https://{region}.conversation.api.sinch.com`. */
  apiUrl?: string | undefined;
  projectId: string;
  /** Token endpoint; default `https://auth.sinch.com/oauth2/token`. */
  authUrl?: string | undefined;
  /** Access key, or where to get it. Ignored when `tokenProvider` is given. */
  credentials?: CredentialsProvider | SinchCredentials | undefined;
  /** Share one token cache between clients (one per container is the point). */
  tokenProvider?: SinchTokenProvider | undefined;
  timeouts?: Partial<HttpTimeouts> | undefined;
  /** Called after each token fetch (metrics). */
  onTokenFetched?: (() => void) | undefined;
}

/**
 * The default API URL of a region.
 *
 * @example
 * conversationApiUrl('eu'); // 'https://eu.conversation.api.sinch.com'
 */
export function conversationApiUrl(region: string): string {
  return `https://${region}.conversation.api.sinch.com`;
}

/**
 * @example
 * const sinch = new SinchClient({ region: 'eu', projectId, credentials: { keyId, keySecret } });
 * const { message_id } = await sinch.sendMessage({ app_id, recipient, message: { text_message: { text: 'Hi' } } });
 * const webhooks = await sinch.request<{ webhooks: unknown[] }>('GET', sinch.projectPath(`/apps/${appId}/webhooks`));
 */
export class SinchClient {
  readonly projectId: string;
  readonly apiUrl: string;
  readonly tokens: SinchTokenProvider;
  readonly #timeouts: HttpTimeouts;

  constructor(options: SinchClientOptions) {
    if (!options.projectId) throw new Error('SinchClient: projectId is required');
    if (!options.apiUrl && !options.region) throw new Error('SinchClient: region or apiUrl is required');
    this.projectId = options.projectId;
    this.apiUrl = (options.apiUrl ?? conversationApiUrl(options.region!)).replace(/\/+$/, '');
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    if (options.tokenProvider) {
      this.tokens = options.tokenProvider;
    } else {
      if (!options.credentials) throw new Error('SinchClient: credentials or tokenProvider is required');
      this.tokens = new SinchTokenProvider({
        authUrl: options.authUrl,
        credentials: options.credentials,
        timeouts: this.#timeouts,
        onTokenFetched: options.onTokenFetched,
      });
    }
  }

  /**
   * The path of a project resource.
   *
   * @example
   * sinch.projectPath('/webhooks'); // '/v1/projects/<projectId>/webhooks'
   */
  projectPath(suffix: string): string {
    return `/v1/projects/${encodeURIComponent(this.projectId)}${suffix}`;
  }

  /**
   * `messages:send`. Any 2xx resolves, whatever its body: Sinch took the message, so it must
   * never be sent again (`oddAnswer` says what was unexpected about the body). Anything else
   * throws `SinchError` (`rejected` or `retryable`). `signal` ends the call (no request starts
   * after it fired).
   *
   * @example
   * const { messageId } = await sinch.sendMessage(toSendMessageRequest(command), { signal });
   */
  async sendMessage(
    request: SendMessageRequest,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<SendMessageResult> {
    const res = await this.#exchange('POST', this.projectPath('/messages:send'), request, options.signal);
    return readSendAnswer(res);
  }

  /**
   * Any Conversation API call, with the same token handling and error classification as
   * `sendMessage`. `path` is absolute from the API root (see `projectPath`). An empty answer
   * body resolves to `undefined`.
   *
   * @example
   * await sinch.request('DELETE', sinch.projectPath(`/webhooks/${webhookId}`));
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    return parseAnswer<T>(await this.#exchange(method, path, body, options.signal));
  }

  /** One call: token, request, and the one refresh on "token expired"; resolves on any 2xx. */
  async #exchange(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const url = new URL(`${this.apiUrl}${path.startsWith('/') ? path : `/${path}`}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let refreshed = false;
    for (;;) {
      const token = await this.tokens.getToken(signal);
      const res = await this.#send(url, method, token, payload, signal);
      const verdict = classifyStatus(res.status, headerValue(res.headers['www-authenticate']));
      if (verdict === 'ok') return res;
      if (verdict === 'token_expired' && !refreshed) {
        refreshed = true;
        this.tokens.invalidate(token);
        continue;
      }
      const detail = parseSinchErrorBody(res.body);
      throw new SinchError({
        kind: verdict === 'rejected' ? 'rejected' : 'retryable',
        reason: verdict === 'token_expired' ? 'token_expired_twice' : `http_${res.status}`,
        status: res.status,
        code: detail.code,
        message: detail.message ?? `Sinch answered ${res.status}`,
        retryAfterSeconds: parseRetryAfter(headerValue(res.headers['retry-after'])),
      });
    }
  }

  async #send(
    url: URL,
    method: string,
    token: string,
    payload: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    try {
      return await sendHttp(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: payload,
        },
        this.#timeouts,
        signal,
      );
    } catch (error) {
      // No answer: Sinch may or may not have accepted the request. Retryable; the idempotency
      // layer of the caller decides whether a retry risks a duplicate.
      const kind = error instanceof TransportError ? error.kind : 'network';
      throw new SinchError({
        kind: 'retryable',
        reason: kind,
        message: `no answer from Sinch: ${(error as Error).message}`,
        cause: error,
      });
    }
  }
}

/**
 * Reads a 2xx answer of messages:send leniently: the documented `{message_id, accepted_time}`,
 * or whatever came (empty, not JSON, no `message_id`), which is still an acceptance.
 */
function readSendAnswer(res: HttpResponse): SendMessageResult {
  let parsed: unknown;
  if (res.body.trim()) {
    try {
      parsed = JSON.parse(res.body);
    } catch {
      return { status: res.status, oddAnswer: 'body_not_json' };
    }
  } else {
    return { status: res.status, oddAnswer: 'empty_body' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { status: res.status, oddAnswer: 'body_not_an_object' };
  }
  const { message_id: messageId, accepted_time: acceptedTime } = parsed as Record<string, unknown>;
  return {
    status: res.status,
    ...(typeof messageId === 'string' && messageId ? { messageId } : { oddAnswer: 'no_message_id' }),
    ...(typeof acceptedTime === 'string' && acceptedTime ? { acceptedTime } : {}),
  };
}

function parseAnswer<T>(res: HttpResponse): T {
  if (!res.body.trim()) return undefined as T;
  try {
    return JSON.parse(res.body) as T;
  } catch (cause) {
    throw new SinchError({
      kind: 'rejected',
      reason: 'malformed_answer',
      status: res.status,
      message: `Sinch answered ${res.status} with a body that is not JSON`,
      cause,
    });
  }
}
