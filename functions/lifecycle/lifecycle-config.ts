/**
 * The lifecycle's environment, shared by its router step and its sweep function.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseEnvironment } from '../environment';

const int = (min: number, fallback: number) =>
  z._default(
    z.coerce.number().check(z.refine(Number.isInteger, 'expected an integer'), z.gte(min)),
    fallback,
  );
const nonEmpty = () => z.string().check(z.minLength(1));

/** 24 hours: no confirming delivery report by then publishes `outbound.unconfirmed`. */
export const DEFAULT_DELIVERY_TIMEOUT_SECONDS = 86_400;
/** Partitions per day of the sweep index: spreads its writes well past 10,000 sends/s. */
export const DEFAULT_SWEEP_SHARDS = 16;

const LifecycleEnvSchema = z.object({
  SINCH_REGION: z.enum(['eu', 'us', 'br']),
  SINCH_PROJECT_ID: nonEmpty(),
  /** The idempotency table: the command records live there. */
  IDEMPOTENCY_TABLE: nonEmpty(),
  DELIVERY_TIMEOUT_SECONDS: int(1, DEFAULT_DELIVERY_TIMEOUT_SECONDS),
  SWEEP_SHARDS: int(1, DEFAULT_SWEEP_SHARDS),
  /** Days before today the sweep still looks at (a sweep that was down that long catches up). */
  SWEEP_LOOKBACK_DAYS: int(0, 3),
  /** When set, the reports without a correlation id are matched by message id through this index. */
  LIFECYCLE_MESSAGE_ID_INDEX: z.optional(nonEmpty()),
  /** Where the sweep publishes: the router queue when set, else the events queue. */
  ROUTER_QUEUE_URL: z.optional(nonEmpty()),
  EVENTS_QUEUE_URL: z.optional(nonEmpty()),
});

export interface LifecycleConfig {
  region: string;
  projectId: string;
  tableName: string;
  deliveryTimeoutSeconds: number;
  sweepShards: number;
  sweepLookbackDays: number;
  matchByMessageId: boolean;
  publishQueueUrl?: string | undefined;
}

/**
 * @example
 * const read = readLifecycleConfig(process.env);
 * if (read.ok) console.log(read.config.deliveryTimeoutSeconds); // 86400
 */
export function readLifecycleConfig(
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; config: LifecycleConfig } | { ok: false; problems: string[] } {
  const parsed = parseEnvironment(LifecycleEnvSchema, env, { localeError: en().localeError });
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      region: e.SINCH_REGION,
      projectId: e.SINCH_PROJECT_ID,
      tableName: e.IDEMPOTENCY_TABLE,
      deliveryTimeoutSeconds: e.DELIVERY_TIMEOUT_SECONDS,
      sweepShards: e.SWEEP_SHARDS,
      sweepLookbackDays: e.SWEEP_LOOKBACK_DAYS,
      matchByMessageId: e.LIFECYCLE_MESSAGE_ID_INDEX !== undefined,
      publishQueueUrl: e.ROUTER_QUEUE_URL ?? e.EVENTS_QUEUE_URL,
    },
  };
}
