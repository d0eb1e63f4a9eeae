import type { Logger } from 'pino';
import { type TestAPI, test } from 'vitest';
import type { CarrierGateway } from '../../src/infra/carrier/gateway.js';
import { startTestServer, type Tenant, type TestServer } from './server.js';

type Env = Record<string, string>;
type TenantOptions = Parameters<TestServer['createTenant']>[0];
type FileFixture<T> = [(context: { server: TestServer }, use: (value: T) => Promise<void>) => Promise<void>, { scope: 'file' }];

/**
 * `it` with file-scoped fixtures: `server`, a real server on a fresh database (in-memory PGlite, or a new
 * database on TEST_DATABASE_URL's server); one tenant on it per name in `tenants` (with the options given, if
 * any); and one more server, on a fresh database of its own, per name in `servers`. The servers start before
 * the file's first test and stop, their databases dropped, after the file's last. Suites that can't run on
 * this backend keep `describe.skipIf(reason)`: when every test of the file is skipped, nothing starts.
 *
 * Each call is its own fixture set with its own servers: a file whose suites need differently configured
 * servers takes one `it` per configuration. Extend the result only with test-scoped fixtures: a file-scoped
 * one on an extended chain gets its own file context, and with it a second server.
 */
export function serverTest<const Name extends string = never, const Server extends string = never>(
  env: Env = {},
  options: { tenants?: readonly Name[] | Record<Name, TenantOptions>; servers?: Record<Server, Env>; carrier?: CarrierGateway; logger?: Logger } = {},
): TestAPI<{ server: TestServer } & Record<Name, Tenant> & Record<Server, TestServer>> {
  const serverOn = (settings: Env, parts: { carrier?: CarrierGateway; logger?: Logger } = {}): FileFixture<TestServer> => [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its destructured first parameter
    async ({}, use) => {
      const started = await startTestServer(settings, undefined, parts);
      try {
        await use(started);
      } finally {
        await started.stop();
      }
    },
    { scope: 'file' },
  ];
  const tenant = (settings: TenantOptions): FileFixture<Tenant> => [async ({ server }, use) => use(await server.createTenant(settings)), { scope: 'file' }];
  const named = (options.tenants ?? []) as readonly string[] | Record<string, TenantOptions>;
  const tenants: Array<[string, TenantOptions]> = Array.isArray(named) ? named.map((name) => [name, {}]) : Object.entries(named);
  const fixtures = Object.fromEntries([
    ['server', serverOn(env, { carrier: options.carrier, logger: options.logger })],
    ...tenants.map(([name, settings]) => [name, tenant(settings)]),
    ...Object.entries<Env>(options.servers ?? {}).map(([name, settings]) => [name, serverOn(settings)]),
  ]);
  const it = test.extend(fixtures) as unknown as TestAPI<{ server: TestServer }>;
  // Started in a hook, so a slow start counts against hookTimeout and not against the first test's testTimeout.
  it.beforeAll(async ({ server }) => void server);
  return it as unknown as TestAPI<{ server: TestServer } & Record<Name, Tenant> & Record<Server, TestServer>>;
}
