/**
 * The metrics the bridge's functions emit (Powertools EMF) that the stack alarms on, in one place:
 * names and dimensions here must match what `functions/webhook` and `functions/send` count.
 */
import type { WebhookRejectionKind } from '../../functions/webhook/webhook-response';

/** CloudWatch namespace of the bridge's own metrics. */
export const METRICS_NAMESPACE = 'SinchConversationBridge';

/** Webhook rejections that are signature failures (all answered 401), as the webhook function counts them. */
export const SIGNATURE_REJECTION_REASONS = [
  'missing_signature',
  'unsupported_algorithm',
  'timestamp_out_of_range',
  'invalid_signature',
  'unknown_app',
] as const satisfies readonly WebhookRejectionKind[];

/** HTTP statuses the send function reports on `SendRejected` (Sinch 4xx that are not retried). */
export const SEND_REJECTED_STATUSES = ['400', '403', '404', '409', '413', '422', 'none'] as const;

/** Service names, which Powertools puts on every metric as the `service` dimension. */
export const SERVICE_NAMES = {
  webhook: 'sinch-bridge-webhook',
  send: 'sinch-bridge-send',
  router: 'sinch-bridge-router',
  media: 'sinch-bridge-media',
  lifecycle: 'sinch-bridge-lifecycle',
} as const;
