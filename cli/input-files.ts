import { readFileSync } from 'node:fs';
import { usageError } from './cli-error';

/**
 * Reads a file, or stdin for "-", as text; a usage error naming the file otherwise.
 *
 * @example
 * const text = readTextFile('-', 'command file');
 */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/**
 * The text itself, once it is known to be JSON; a usage error naming it otherwise.
 *
 * @example
 * jsonText(readTextFile(path, 'callback file'), `callback file ${path}`);
 */
export function jsonText(text: string, what: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    throw usageError(`${what} is not JSON: ${(error as Error).message}`);
  }
  return text;
}
