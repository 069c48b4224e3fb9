import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_SCHEMAS, renderJsonSchema } from '../functions/events/published-schemas';

const dir = join(import.meta.dirname, '..', 'schemas');

describe('published JSON Schemas', () => {
  it.each(PUBLISHED_SCHEMAS.map((s) => [`${s.name} v${s.version}`, s] as const))(
    '%s in schemas/ matches its zod source (run `npm run schemas` when this fails)',
    (_label, entry) => {
      const { file, json } = renderJsonSchema(entry);
      expect(readFileSync(join(dir, file), 'utf8')).toBe(json);
    },
  );

  it('schemas/ holds no file without a zod source', () => {
    const expected = PUBLISHED_SCHEMAS.map((s) => renderJsonSchema(s).file).sort();
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(expected);
  });
});
