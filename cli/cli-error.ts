import { didYouMean } from '../infra/did-you-mean';

/**
 * CLI failures as values with a kind, each with the exit code scripts can rely on (docs/cli.md):
 * 0 success, 1 the operation failed, 2 wrong usage or missing configuration,
 * 3 nothing arrived in time, 130 interrupted (Ctrl-C).
 */
export type CliErrorKind = 'failed' | 'usage' | 'timeout' | 'interrupted';

export const EXIT_CODES: Readonly<Record<CliErrorKind | 'ok', number>> = {
  ok: 0,
  failed: 1,
  usage: 2,
  timeout: 3,
  // 128 + SIGINT, what shells report for a program stopped by Ctrl-C.
  interrupted: 130,
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

/**
 * Shorthand for a usage/configuration error.
 *
 * @example
 * throw usageError('give --to or --contact, not both');
 */
export function usageError(message: string): CliError {
  return new CliError('usage', message);
}

/**
 * A usage error for a value outside a fixed list, with the list and a "did you mean".
 *
 * @example
 * throw unknownValueError('channel', 'WHATSAP', SEND_CHANNELS); // unknown channel "WHATSAP" (did you mean WHATSAPP?) ...
 */
export function unknownValueError(what: string, value: string, allowed: readonly string[]): CliError {
  const hint = didYouMean(value, allowed);
  return usageError(
    `unknown ${what} "${value}"${hint ? ` (did you mean ${hint}?)` : ''}; one of: ${allowed.join(', ')}`,
  );
}
