import { readFileSync, writeFileSync } from 'node:fs';
import { printedSchema } from '../schema/index.js';

// Writes schema.graphql, the committed SDL that clients read; with --check,
// fails instead when the committed file is stale.
const file = new URL('../../schema.graphql', import.meta.url);
const current = printedSchema();
if (process.argv.includes('--check')) {
  const committed = (() => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  })();
  if (committed !== current) {
    console.error('schema.graphql is stale: run `npm run schema:print` and commit it.');
    process.exit(1);
  }
  console.log('schema.graphql is current.');
} else {
  writeFileSync(file, current);
  console.log('Wrote schema.graphql');
}
