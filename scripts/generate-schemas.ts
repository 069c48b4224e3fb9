/**
 * Writes the JSON Schemas of every published zod schema into `schemas/`.
 * Run `npm run schemas` after changing a schema; the test suite fails while `schemas/` is stale.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_SCHEMAS, renderJsonSchema } from '../functions/events/published-schemas';

const dir = join(import.meta.dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
const written = new Set<string>();
for (const entry of PUBLISHED_SCHEMAS) {
  const { file, json } = renderJsonSchema(entry);
  writeFileSync(join(dir, file), json);
  written.add(file);
}
for (const file of readdirSync(dir)) {
  if (file.endsWith('.json') && !written.has(file)) rmSync(join(dir, file));
}
console.log(`wrote ${written.size} schemas to ${dir}`);
