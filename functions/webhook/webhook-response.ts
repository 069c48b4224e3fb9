/**
 * The one place where a webhook outcome becomes an HTTP answer (docs/webhook.md, "Answers").
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Every reason the webhook does not answer 200. */
export type WebhookRejectionKind =
  | 'route_not_found'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'missing_signature'
  | 'unsupported_algorithm'
  | 'timestamp_out_of_range'
  | 'invalid_signature'
  | 'unknown_app'
  | 'app_mismatch'
  | 'invalid_json'
  | 'secrets_unavailable'
  | 'secrets_misconfigured'
  | 'enqueue_failed'
  | 'misconfigured';

// Every 401 shares one answer: which check failed is for our logs and metrics, not for a
// caller probing app ids or clocks.
const UNAUTHORIZED = { status: 401, error: 'invalid or missing signature' } as const;

export const WEBHOOK_ANSWERS: Readonly<Record<WebhookRejectionKind, { status: number; error: string }>> = {
  route_not_found: { status: 404, error: 'not found' },
  method_not_allowed: { status: 405, error: 'method not allowed' },
  body_too_large: { status: 413, error: 'body too large' },
  missing_signature: UNAUTHORIZED,
  unsupported_algorithm: UNAUTHORIZED,
  timestamp_out_of_range: UNAUTHORIZED,
  invalid_signature: UNAUTHORIZED,
  unknown_app: UNAUTHORIZED,
  app_mismatch: { status: 403, error: 'app_id does not match the webhook path' },
  invalid_json: { status: 400, error: 'body is not a JSON object' },
  // 5xx: Sinch retries, and nothing was enqueued.
  secrets_unavailable: { status: 503, error: 'temporarily unavailable' },
  secrets_misconfigured: { status: 500, error: 'webhook misconfigured' },
  enqueue_failed: { status: 503, error: 'temporarily unavailable' },
  misconfigured: { status: 500, error: 'webhook misconfigured' },
};

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The HTTP answer to a rejection.
 *
 * @example
 * rejectionResponse('app_mismatch'); // { statusCode: 403, body: '{"error":"app_id does not match the webhook path"}', ... }
 */
export function rejectionResponse(kind: WebhookRejectionKind): APIGatewayProxyStructuredResultV2 {
  const { status, error } = WEBHOOK_ANSWERS[kind];
  return {
    statusCode: status,
    headers: kind === 'method_not_allowed' ? { ...JSON_HEADERS, allow: 'POST' } : JSON_HEADERS,
    body: JSON.stringify({ error }),
  };
}

/** The answer once the event is on the queue. The body names the event id, useful when tracing a retry. */
export function acceptedResponse(eventId: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: JSON_HEADERS, body: JSON.stringify({ id: eventId }) };
}
