import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Integration tests run twice: on in-memory PGlite, and on a real PostgreSQL
// server when TEST_DATABASE_URL is set (CI always sets it).
export default defineConfig({
  // graphql ships CJS and ESM builds; Vite would hand tests the ESM one while the
  // libraries (loaded by Node) get CJS, and graphql-js refuses to mix them.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'pglite', include: ['test/integration/**/*.test.ts'], env: { TEST_BACKEND: 'pglite' }, testTimeout: 60_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        test: { name: 'postgres', include: ['test/integration/**/*.test.ts'], env: { TEST_BACKEND: 'postgres' }, testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
});
