/**
 * What the webhook decides about one request, before anything is enqueued: route, size,
 * signature, app, body. Plain functions over plain values (no Lambda, no SQS), so the handler,
 * the benchmark and the fault-injection tests share exactly this logic.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type HeaderBag, readSignatureHeaders, verifySinchSignature } from '../sinch/signature';
import { type EventQueueMessage, toEventQueueMessage } from './event-queue-message';
import { type ConversationCloudEvent, normalizeCallback } from './normalize-callback';
import type { WebhookRejectionKind } from './webhook-response';
import type { WebhookSecretStore } from './webhook-secrets';

/** 256 KiB: Sinch callbacks are far smaller; anything bigger is refused before any work. */
export const MAX_BODY_BYTES = 256 * 1024;

/** One webhook request, independent of how it arrived. */
export interface WebhookRequest {
  method: string;
  /** The app id of the `/webhooks/{appId}` route; absent when the path is another route. */
  appId: string | undefined;
  headers: HeaderBag;
  /** The raw body bytes, exactly as Sinch sent them. */
  body: Buffer;
  /** When the request arrived (epoch milliseconds). */
  receivedAt: number;
}

export interface WebhookSettings {
  region: string;
  projectId: string;
  toleranceSeconds: number;
  maxBodyBytes?: number;
}

export type WebhookDecision =
  | {
      outcome: 'enqueue';
      appId: string;
      event: ConversationCloudEvent;
      message: EventQueueMessage;
      /** Set when the secrets used were the last good ones while Secrets Manager failed. */
      staleSecrets?: { ageSeconds: number };
    }
  | {
      outcome: 'reject';
      kind: WebhookRejectionKind;
      appId?: string | undefined;
      /** For the log line only; never secrets, signatures or content. */
      cause?: unknown;
    };

const ROUTE = /(?:^|\/)webhooks\/([^/]+)\/?$/;

/**
 * Reads an API Gateway HTTP API (payload 2.0) event. Base64 bodies are decoded: API Gateway
 * encodes every content type that is not text-like, and the signature covers the raw bytes.
 *
 * @example
 * const request = fromApiGatewayEvent(event); // { method: 'POST', appId: '01H...', body: <Buffer>, ... }
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): WebhookRequest {
  const fromPath = ROUTE.exec(event.rawPath ?? '')?.[1];
  let appId = event.pathParameters?.appId;
  if (appId === undefined && fromPath !== undefined) {
    try {
      appId = decodeURIComponent(fromPath);
    } catch {
      appId = fromPath;
    }
  }
  const raw = event.body ?? '';
  return {
    method: event.requestContext?.http?.method ?? 'POST',
    appId: appId || undefined,
    headers: event.headers ?? {},
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
    // Our clock, not requestContext.timeEpoch: replayed or hand-built events must not skew the window.
    receivedAt: Date.now(),
  };
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides one webhook request: either the event to enqueue, or a rejection kind (mapped to a
 * status by `rejectionResponse`). Cheap checks come first, so forged or stale requests never
 * cost a secret lookup, and the body is parsed only after its signature holds.
 *
 * @example
 * const decision = await decideWebhookRequest(fromApiGatewayEvent(event), { settings, secrets });
 * if (decision.outcome === 'enqueue') await sqs.send(new SendMessageCommand({ QueueUrl, ...decision.message }));
 */
export async function decideWebhookRequest(
  request: WebhookRequest,
  deps: { settings: WebhookSettings; secrets: WebhookSecretStore },
): Promise<WebhookDecision> {
  const { settings } = deps;
  const appId = request.appId;
  if (appId === undefined) return { outcome: 'reject', kind: 'route_not_found' };
  if (request.method.toUpperCase() !== 'POST')
    return { outcome: 'reject', kind: 'method_not_allowed', appId };
  if (request.body.length > (settings.maxBodyBytes ?? MAX_BODY_BYTES)) {
    return { outcome: 'reject', kind: 'body_too_large', appId };
  }

  const nowSeconds = request.receivedAt / 1000;
  const headers = readSignatureHeaders(request.headers, nowSeconds, settings.toleranceSeconds);
  if (!headers.ok) return { outcome: 'reject', kind: headers.kind, appId };

  const lookup = await deps.secrets.secretsFor(appId);
  if (!lookup.ok) return { outcome: 'reject', kind: lookup.kind, appId, cause: lookup.cause };
  if (lookup.secrets.length === 0) return { outcome: 'reject', kind: 'unknown_app', appId };

  const verify = (secrets: readonly string[]) =>
    verifySinchSignature({
      headers: request.headers,
      body: request.body,
      secrets,
      nowSeconds,
      toleranceSeconds: settings.toleranceSeconds,
    });
  let verified = verify(lookup.secrets);
  if (!verified.ok && verified.kind === 'invalid_signature' && deps.secrets.refreshedSecretsFor) {
    // A warm container may hold secrets from before a rotation: fetch once more (rate-limited,
    // shared with the unknown-app refresh) before answering 401.
    const again = await deps.secrets.refreshedSecretsFor(appId);
    if (again?.ok && again.secrets.join('\u0000') !== lookup.secrets.join('\u0000')) {
      verified = verify(again.secrets);
    }
  }
  if (!verified.ok) return { outcome: 'reject', kind: verified.kind, appId };

  const callback = parseObject(request.body);
  if (!callback) return { outcome: 'reject', kind: 'invalid_json', appId };
  // Contact notifications are project-wide and carry an empty app_id: only a different,
  // non-empty app_id is a mismatch.
  const bodyAppId = callback.app_id;
  if (bodyAppId !== undefined && bodyAppId !== '' && bodyAppId !== appId) {
    return { outcome: 'reject', kind: 'app_mismatch', appId };
  }

  const event = normalizeCallback(callback, {
    region: settings.region,
    projectId: settings.projectId,
    appId,
    rawBody: request.body,
    receivedAt: new Date(request.receivedAt).toISOString(),
  });
  return {
    outcome: 'enqueue',
    appId,
    event,
    message: toEventQueueMessage(event),
    ...(lookup.stale ? { staleSecrets: lookup.stale } : {}),
  };
}
