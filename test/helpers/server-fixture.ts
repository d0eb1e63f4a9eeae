import { test } from 'vitest';
import type { CarrierGateway } from '../../src/infra/carrier/gateway.js';
import { startTestServer, type Tenant, type TestServer } from './server.js';

/**
 * `it` with a file-scoped `server` fixture: a real server on a fresh database (in-memory PGlite, or a new
 * database on TEST_DATABASE_URL's server), started when the first test or `it.beforeAll` of the file asks for
 * it and stopped, its database dropped, after the file's last test. Suites that can't run on this backend
 * keep `describe.skipIf(skipReason)`: a skipped test never asks, so nothing starts.
 *
 * Each call is its own fixture set with its own server: a file whose suites need differently configured
 * servers takes one `it` per configuration (never two chains that share a fixture: each would start one).
 */
export function serverTest(env: Record<string, string> = {}, parts: { carrier?: CarrierGateway } = {}) {
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its destructured first parameter
  return test.extend('server', { scope: 'file' }, async ({}, { onCleanup }): Promise<TestServer> => {
    const server = await startTestServer(env, undefined, parts);
    onCleanup(() => server.stop());
    return server;
  });
}

/**
 * A file-scoped tenant fixture on the file's server (default options), for
 * `serverTest().extend('acme', { scope: 'file' }, newTenant)`.
 */
export const newTenant = async ({ server }: { server: TestServer }): Promise<Tenant> => server.createTenant();
