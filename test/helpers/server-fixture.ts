import { type TestAPI, test } from 'vitest';
import type { CarrierGateway } from '../../src/infra/carrier/gateway.js';
import { startTestServer, type Tenant, type TestServer } from './server.js';

type TenantOptions = Parameters<TestServer['createTenant']>[0];
type FileFixture<T> = [(context: { server: TestServer }, use: (value: T) => Promise<void>) => Promise<void>, { scope: 'file' }];

/**
 * `it` with file-scoped fixtures: `server`, a real server on a fresh database (in-memory PGlite, or a new
 * database on TEST_DATABASE_URL's server), and one tenant per name in `tenants` (with the options given, if any). The server
 * starts before the file's first test and stops, its database dropped, after the file's last. Suites that
 * can't run on this backend keep `describe.skipIf(reason)`: when every test of the file is skipped, nothing
 * starts.
 *
 * Each call is its own fixture set with its own server: a file whose suites need differently configured
 * servers takes one `it` per configuration. Extend the result only with test-scoped fixtures: a file-scoped
 * one on an extended chain gets its own file context, and with it a second server.
 */
export function serverTest<const Name extends string = never>(
  env: Record<string, string> = {},
  options: { tenants?: readonly Name[] | Record<Name, TenantOptions>; carrier?: CarrierGateway } = {},
): TestAPI<{ server: TestServer } & Record<Name, Tenant>> {
  const server: FileFixture<TestServer> = [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its destructured first parameter
    async ({}, use) => {
      const started = await startTestServer(env, undefined, { carrier: options.carrier });
      try {
        await use(started);
      } finally {
        await started.stop();
      }
    },
    { scope: 'file' },
  ];
  const tenants: Array<[string, TenantOptions]> = Array.isArray(options.tenants)
    ? options.tenants.map((name) => [name, {}])
    : Object.entries<TenantOptions>(options.tenants ?? {});
  const tenant = (settings: TenantOptions): FileFixture<Tenant> => [async ({ server }, use) => use(await server.createTenant(settings)), { scope: 'file' }];
  const fixtures = Object.fromEntries([['server', server], ...tenants.map(([name, settings]) => [name, tenant(settings)])]);
  const it = test.extend(fixtures) as unknown as TestAPI<{ server: TestServer } & Record<Name, Tenant>>;
  // Started in a hook, so a slow start counts against hookTimeout and not against the first test's testTimeout.
  it.beforeAll(async ({ server }) => void server);
  return it;
}
