/**
 * CLI failures as values with a kind, each with the exit code scripts can rely on:
 * 0 success, 1 the operation failed, 2 wrong usage or missing configuration,
 * 3 nothing arrived in time (`tail --limit` with `--timeout`).
 */
export type CliErrorKind = 'failed' | 'usage' | 'timeout';

export const EXIT_CODES: Readonly<Record<CliErrorKind | 'ok', number>> = {
  ok: 0,
  failed: 1,
  usage: 2,
  timeout: 3,
};

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly kind: CliErrorKind;

  constructor(kind: CliErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** Shorthand for a usage/configuration error. */
export function usageError(message: string): CliError {
  return new CliError('usage', message);
}
