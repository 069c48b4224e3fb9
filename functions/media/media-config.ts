/**
 * The media function's environment, read and checked once per container. Every variable and
 * its default is listed in docs/media.md.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseEnvironment } from '../environment';

/** 100 MiB: above what WhatsApp (100 MB documents) and MMS carriers deliver. */
export const DEFAULT_MEDIA_MAX_BYTES = 100 * 1024 * 1024;
/** Time for one copy, retries within the invocation included. */
export const DEFAULT_MEDIA_TIMEOUT_MS = 120_000;
export const DEFAULT_MEDIA_MAX_ATTEMPTS = 5;

const int = (min: number, fallback: number) =>
  z._default(
    z.coerce.number().check(z.refine(Number.isInteger, 'expected an integer'), z.gte(min)),
    fallback,
  );
const nonEmpty = () => z.string().check(z.minLength(1));

const MediaEnvSchema = z.object({
  MEDIA_BUCKET: nonEmpty(),
  EVENTS_QUEUE_URL: nonEmpty(),
  ROUTER_QUEUE_URL: z.optional(nonEmpty()),
  MEDIA_MAX_BYTES: int(1, DEFAULT_MEDIA_MAX_BYTES),
  MEDIA_TIMEOUT_MS: int(1, DEFAULT_MEDIA_TIMEOUT_MS),
  MEDIA_MAX_ATTEMPTS: int(1, DEFAULT_MEDIA_MAX_ATTEMPTS),
  MEDIA_RETRY_BASE_SECONDS: int(0, 5),
  MEDIA_RETRY_MAX_SECONDS: int(0, 300),
  /** `true` only in local mode: loopback sources and `http` are allowed. */
  MEDIA_ALLOW_LOOPBACK: z._default(z.enum(['true', 'false']), 'false'),
});

export interface MediaConfig {
  bucket: string;
  /** Where stored/failed events go: the router queue when there is one, else the events queue. */
  publishQueueUrl: string;
  maxBytes: number;
  timeoutMs: number;
  maxAttempts: number;
  retry: { baseSeconds: number; capSeconds: number };
  allowLoopback: boolean;
}

export type MediaConfigResult = { ok: true; config: MediaConfig } | { ok: false; problems: string[] };

/**
 * @example
 * const read = readMediaConfig(process.env);
 * if (!read.ok) throw new Error(`bad environment: ${read.problems.join('; ')}`);
 */
export function readMediaConfig(env: Readonly<Record<string, string | undefined>>): MediaConfigResult {
  const parsed = parseEnvironment(MediaEnvSchema, env, { localeError: en().localeError });
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      bucket: e.MEDIA_BUCKET,
      publishQueueUrl: e.ROUTER_QUEUE_URL ?? e.EVENTS_QUEUE_URL,
      maxBytes: e.MEDIA_MAX_BYTES,
      timeoutMs: e.MEDIA_TIMEOUT_MS,
      maxAttempts: e.MEDIA_MAX_ATTEMPTS,
      retry: { baseSeconds: e.MEDIA_RETRY_BASE_SECONDS, capSeconds: e.MEDIA_RETRY_MAX_SECONDS },
      allowLoopback: e.MEDIA_ALLOW_LOOPBACK === 'true',
    },
  };
}
