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
