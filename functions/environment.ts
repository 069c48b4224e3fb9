import type * as z from 'zod/mini';

/**
 * Checks a function's environment against its schema. Empty variables count as unset, so
 * `FOO=` in a .env file means "use the default". Problems name the variable, never its value.
 *
 * @example
 * const read = parseEnvironment(WebhookEnvSchema, process.env);
 * if (!read.ok) logger.error('bad environment', { problems: read.problems });
 */
export function parseEnvironment<T>(
  schema: z.ZodMiniType<T>,
  env: Readonly<Record<string, string | undefined>>,
  options: { localeError?: z.core.$ZodErrorMap } = {},
): { ok: true; data: T } | { ok: false; problems: string[] } {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(defined, options.localeError ? { error: options.localeError } : undefined);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  }
  return { ok: true, data: parsed.data };
}

/**
 * The configuration a queue-fed function read, or the reason it cannot run: the problems are
 * logged once (variable names only, as `parseEnvironment` gives them) and thrown, so the whole
 * batch stays on its queue until the deployment is fixed instead of being lost or dead-lettered.
 *
 * @example
 * const config = configOrThrow(readSendConfig(process.env), 'send function', logger);
 */
export function configOrThrow<T>(
  read: { ok: true; config: T } | { ok: false; problems: string[] },
  what: string,
  logger: { error(message: string, extra: { problems: string[] }): void },
): T {
  if (read.ok) return read.config;
  logger.error(`${what} misconfigured`, { problems: read.problems });
  throw new Error(`${what} misconfigured: ${read.problems.join('; ')}`);
}
