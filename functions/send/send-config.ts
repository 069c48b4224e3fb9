/**
 * The send function's environment (docs/sending.md, "Configuration"), read and checked once
 * per container.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseEnvironment } from '../environment';
import { conversationApiUrl } from '../sinch/client';
import { DEFAULT_AUTH_URL } from '../sinch/oauth';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff';

const int = (min: number, fallback: number) =>
  z._default(
    z.coerce.number().check(z.refine(Number.isInteger, 'expected an integer'), z.gte(min)),
    fallback,
  );
const nonEmpty = () => z.string().check(z.minLength(1));

const SendEnvSchema = z.object({
  SINCH_REGION: z.enum(['eu', 'us', 'br']),
  SINCH_PROJECT_ID: nonEmpty(),
  EVENTS_QUEUE_URL: nonEmpty(),
  ROUTER_QUEUE_URL: z.optional(nonEmpty()),
  SINCH_CREDENTIALS_ID: nonEmpty(),
  SINCH_API_URL: z.optional(z.url()),
  SINCH_AUTH_URL: z.optional(z.url()),
  OUTBOUND_DLQ_URL: nonEmpty(),
  IDEMPOTENCY_TABLE: nonEmpty(),
  /** The suppression list: commands to opted-out recipients are refused. Unset: none are. */
  SUPPRESSION_TABLE: z.optional(nonEmpty()),
  MAX_ATTEMPTS: int(1, DEFAULT_RETRY_POLICY.maxAttempts),
  RETRY_BASE_SECONDS: int(0, DEFAULT_RETRY_POLICY.baseSeconds),
  RETRY_MAX_SECONDS: int(0, DEFAULT_RETRY_POLICY.capSeconds),
  SINCH_CONNECT_TIMEOUT_MS: int(1, 3_000),
  SINCH_TIMEOUT_MS: int(1, 10_000),
  SEND_RATE_PER_SECOND: z.optional(z.coerce.number().check(z.positive())),
  SEND_RATE_BURST: int(1, 1),
  // SQS keeps a message up to 14 days: a completed send is remembered at least that long.
  IDEMPOTENCY_TTL_SECONDS: int(1, 14 * 24 * 3600),
  CREDENTIALS_MAX_AGE_SECONDS: int(0, 300),
  PROJECT_HOLD_SECONDS: int(0, 60),
});

export interface SendConfig {
  region: string;
  projectId: string;
  eventsQueueUrl: string;
  /** When set, outcome events go to the event router's queue instead of the events queue. */
  routerQueueUrl?: string | undefined;
  credentialsId: string;
  apiUrl: string;
  authUrl: string;
  dlqUrl: string;
  idempotencyTable: string;
  suppressionTable?: string | undefined;
  retry: RetryPolicy;
  timeouts: { connectMs: number; totalMs: number };
  /** Per app, per container; undefined = no limit. */
  rateLimit?: { perSecond: number; burst: number } | undefined;
  idempotencyTtlSeconds: number;
  credentialsMaxAgeSeconds: number;
  /** How long a container holds the project's commands after Sinch refused the project. */
  projectHoldSeconds: number;
}

export type SendConfigResult = { ok: true; config: SendConfig } | { ok: false; problems: string[] };

/**
 * @example
 * const read = readSendConfig(process.env);
 * if (!read.ok) throw new Error(`bad environment: ${read.problems.join('; ')}`);
 */
export function readSendConfig(env: Readonly<Record<string, string | undefined>>): SendConfigResult {
  const parsed = parseEnvironment(SendEnvSchema, env, { localeError: en().localeError });
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      region: e.SINCH_REGION,
      projectId: e.SINCH_PROJECT_ID,
      eventsQueueUrl: e.EVENTS_QUEUE_URL,
      routerQueueUrl: e.ROUTER_QUEUE_URL,
      credentialsId: e.SINCH_CREDENTIALS_ID,
      apiUrl: e.SINCH_API_URL ?? conversationApiUrl(e.SINCH_REGION),
      authUrl: e.SINCH_AUTH_URL ?? DEFAULT_AUTH_URL,
      dlqUrl: e.OUTBOUND_DLQ_URL,
      idempotencyTable: e.IDEMPOTENCY_TABLE,
      suppressionTable: e.SUPPRESSION_TABLE,
      retry: {
        maxAttempts: e.MAX_ATTEMPTS,
        baseSeconds: e.RETRY_BASE_SECONDS,
        capSeconds: e.RETRY_MAX_SECONDS,
      },
      timeouts: { connectMs: e.SINCH_CONNECT_TIMEOUT_MS, totalMs: e.SINCH_TIMEOUT_MS },
      rateLimit:
        e.SEND_RATE_PER_SECOND === undefined
          ? undefined
          : { perSecond: e.SEND_RATE_PER_SECOND, burst: e.SEND_RATE_BURST },
      idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
      credentialsMaxAgeSeconds: e.CREDENTIALS_MAX_AGE_SECONDS,
      projectHoldSeconds: e.PROJECT_HOLD_SECONDS,
    },
  };
}
