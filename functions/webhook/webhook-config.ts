/**
 * The webhook's environment (docs/webhook.md, "Configuration"),
 * read and checked once per container.
 */
import * as z from 'zod/mini';
import { parseEnvironment } from '../environment';
import { DEFAULT_TOLERANCE_SECONDS } from '../sinch/signature';

const seconds = (fallback: number) =>
  z._default(z.coerce.number().check(z.gte(0), z.refine(Number.isInteger, 'an integer')), fallback);

const nonEmpty = z.string().check(z.minLength(1));

const WebhookEnvSchema = z.object({
  SINCH_REGION: z.enum(['eu', 'us', 'br']),
  SINCH_PROJECT_ID: nonEmpty,
  EVENTS_QUEUE_URL: nonEmpty,
  ROUTER_QUEUE_URL: z.optional(nonEmpty),
  WEBHOOK_SECRETS_ID: nonEmpty,
  SIGNATURE_TOLERANCE_SECONDS: seconds(DEFAULT_TOLERANCE_SECONDS),
  SECRETS_MAX_AGE_SECONDS: seconds(300),
  UNKNOWN_APP_REFRESH_SECONDS: seconds(60),
  SECRETS_MAX_STALE_SECONDS: seconds(3600),
});

export interface WebhookConfig {
  region: string;
  projectId: string;
  eventsQueueUrl: string;
  /** When set, events go to the event router's queue instead of the events queue (docs/router.md). */
  routerQueueUrl?: string | undefined;
  secretsId: string;
  toleranceSeconds: number;
  secretsMaxAgeSeconds: number;
  unknownAppRefreshSeconds: number;
  /** How long the last good secrets serve while Secrets Manager fails. */
  secretsMaxStaleSeconds: number;
}

export type WebhookConfigResult =
  | { ok: true; config: WebhookConfig }
  | { ok: false; kind: 'misconfigured' /** variable names only */; problems: string[] };

/**
 * @example
 * const read = readWebhookConfig(process.env);
 * if (!read.ok) logger.error('bad environment', { problems: read.problems });
 */
export function readWebhookConfig(env: Readonly<Record<string, string | undefined>>): WebhookConfigResult {
  const parsed = parseEnvironment(WebhookEnvSchema, env);
  if (!parsed.ok) return { ok: false, kind: 'misconfigured', problems: parsed.problems };
  const e = parsed.data;
  return {
    ok: true,
    config: {
      region: e.SINCH_REGION,
      projectId: e.SINCH_PROJECT_ID,
      eventsQueueUrl: e.EVENTS_QUEUE_URL,
      routerQueueUrl: e.ROUTER_QUEUE_URL,
      secretsId: e.WEBHOOK_SECRETS_ID,
      toleranceSeconds: e.SIGNATURE_TOLERANCE_SECONDS,
      secretsMaxAgeSeconds: e.SECRETS_MAX_AGE_SECONDS,
      unknownAppRefreshSeconds: e.UNKNOWN_APP_REFRESH_SECONDS,
      secretsMaxStaleSeconds: e.SECRETS_MAX_STALE_SECONDS,
    },
  };
}
