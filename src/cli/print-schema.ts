import { printedSchema } from '../schema/index.js';
import { writeOrCheck } from './generated-file.js';

// Writes schema.graphql, the committed SDL that clients read; with --check,
// fails instead when the committed file is stale.
writeOrCheck(new URL('../../schema.graphql', import.meta.url), printedSchema(), 'schema.graphql', 'npm run schema:print');
