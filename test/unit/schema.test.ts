import { readFileSync } from 'node:fs';
import { validateSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema, schema } from '../../src/schema/index.js';

describe('schema', () => {
  it('is a valid GraphQL schema', () => {
    expect(validateSchema(schema)).toEqual([]);
  });

  it('matches the committed schema.graphql (run `npm run schema:print` after changing the API)', () => {
    expect(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')).toBe(printedSchema());
  });
});
