import { printedSchema } from '../schema/index.js';
import { printedOperatorSchema } from '../schema/operator/index.js';
import { writeOrCheck } from './generated-file.js';

// Writes schema.graphql (the tenant API, /graphql) and operator-schema.graphql (the operator API,
// /operator/graphql), the committed SDL that clients read; with --check, fails instead when either is stale.
writeOrCheck(new URL('../../schema.graphql', import.meta.url), printedSchema(), 'schema.graphql', 'npm run schema:print');
writeOrCheck(new URL('../../operator-schema.graphql', import.meta.url), printedOperatorSchema(), 'operator-schema.graphql', 'npm run schema:print');
