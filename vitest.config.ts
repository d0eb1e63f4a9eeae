import { defineConfig } from 'vitest/config';

// Integration tests run twice: on in-memory PGlite, and on a real PostgreSQL
// server when TEST_DATABASE_URL is set (CI always sets it).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'pglite', include: ['test/integration/**/*.test.ts'], env: { TEST_BACKEND: 'pglite' }, testTimeout: 60_000, hookTimeout: 120_000 } },
      { test: { name: 'postgres', include: ['test/integration/**/*.test.ts'], env: { TEST_BACKEND: 'postgres' }, testTimeout: 60_000, hookTimeout: 120_000 } },
    ],
  },
});
