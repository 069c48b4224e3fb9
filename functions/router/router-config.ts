/**
 * The router function's own environment. Each step reads its own variables (see `steps.ts`).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseEnvironment } from '../environment';

const RouterEnvSchema = z.object({
  EVENTS_QUEUE_URL: z.string().check(z.minLength(1)),
});

export interface RouterConfig {
  eventsQueueUrl: string;
}

/**
 * @example
 * const read = readRouterConfig(process.env);
 * if (!read.ok) throw new Error(read.problems.join('; '));
 */
export function readRouterConfig(
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; config: RouterConfig } | { ok: false; problems: string[] } {
  const parsed = parseEnvironment(RouterEnvSchema, env, { localeError: en().localeError });
  if (!parsed.ok) return parsed;
  return { ok: true, config: { eventsQueueUrl: parsed.data.EVENTS_QUEUE_URL } };
}

/**
 * Where a producer (webhook, send function, lifecycle sweep) puts an event: the router queue
 * when the stack has one, else the events queue itself.
 *
 * @example
 * const url = eventTargetQueueUrl(process.env); // ROUTER_QUEUE_URL ?? EVENTS_QUEUE_URL
 */
export function eventTargetQueueUrl(env: {
  ROUTER_QUEUE_URL?: string | undefined;
  EVENTS_QUEUE_URL?: string | undefined;
}): string | undefined {
  return env.ROUTER_QUEUE_URL || env.EVENTS_QUEUE_URL || undefined;
}
