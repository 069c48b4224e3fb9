import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';

/**
 * Loads a CommonJS package's entry file with exact text replacements applied first: how the local
 * stand-ins fix a third-party server where it differs from the AWS service it stands in for, or
 * costs more than it needs to. Each `from` must occur exactly once in the file, so a new version
 * of the package fails loudly here instead of silently running unfixed; the error names `what`
 * and the start of the text that was not found. The module resolves its own `require`s from its
 * package, as if loaded normally.
 *
 * @example
 * const dynalite = loadPatchedModule('dynalite', [['var a = 1', 'var a = 2']], 'dynalite changed: cannot apply the fix for');
 */
export function loadPatchedModule<T>(
  packageName: string,
  patches: ReadonlyArray<readonly [from: string, to: string]>,
  what: string,
): T {
  const require = createRequire(import.meta.url);
  const file = require.resolve(packageName);
  let source = readFileSync(file, 'utf8');
  for (const [from, to] of patches) {
    if (source.split(from).length !== 2) throw new Error(`${what} "${from.slice(0, 40)}..."`);
    source = source.replace(from, to);
  }
  const mod = new Module(file) as Module & { _compile(code: string, filename: string): void };
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    dirname(file),
  );
  mod._compile(source, file);
  return mod.exports as T;
}
