/** The tests' name for the stand-in's webhook and app administration (`local/sinch/webhooks-admin.ts`). */
export {
  type SinchWebhooksRoutes,
  type StoredWebhook,
  sinchWebhooksRoutes,
} from '../../local/sinch/webhooks-admin';
