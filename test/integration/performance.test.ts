import pg from 'pg';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { graphql } from '../../src/generated/graphql/index.js';
import { backend, skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { until } from '../helpers/lifecycle.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Performance is asserted by counting statements and reading plans, never by timing.

const NumbersWithNesting = graphql(`
  query NumbersWithNesting($first: Int!) {
    phoneNumbers(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id e164 status tags monthlyPrice { formatted } activationPrice { amountCents } connection { id name phoneNumberCount } } }
    }
  }
`);

const AustinNumbers = graphql(`
  query AustinNumbers {
    availablePhoneNumbers(first: 50, filter: { countryCode: "US", areaCode: "512" }) {
      totalCount
      edges { node { e164 locality monthlyPrice { formatted } } }
    }
  }
`);

// Background pollers off, so the statement counts below are the request's own.
const it = serverTest({ RUN_JOBS: 'false', OUTBOX_POLL_MS: '60000', FEED_CATCH_UP_MS: '60000' }, { tenants: ['tenant', 'other'] });

async function statementsFor(server: TestServer, tenant: Tenant, first: number) {
  const before = server.db.statementCount();
  const response = await server.graphql(tenant.keys.READ_ONLY, NumbersWithNesting, { first });
  expect(response.errors).toBeUndefined();
  expect(response.data!.phoneNumbers.edges).toHaveLength(first);
  expect(response.data!.phoneNumbers.totalCount).toBe(10_000);
  return server.db.statementCount() - before;
}

async function planOf(server: TestServer, run: () => Promise<unknown>, table: string) {
  const captured: Array<{ sql: string; params: string }> = [];
  const stop = server.db.onStatement((statement) => captured.push(statement));
  await run();
  stop();
  // Not the totalCount statement; the page's may count too (a relation count joined into it).
  const page = captured.find((s) => s.sql.includes(`FROM "public"."${table}"`) && /LIMIT|FETCH/i.test(s.sql) && !/^SELECT COUNT\(/i.test(s.sql));
  expect(page, `no paged query on ${table} was captured`).toBeDefined();
  const client = new pg.Client({ connectionString: server.db.url });
  await client.connect();
  try {
    const result = await client.query(`EXPLAIN ${page!.sql}`, JSON.parse(page!.params));
    const plan = result.rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n');
    console.log(plan);
    return plan;
  } finally {
    await client.end();
  }
}

describe.skipIf(skipReason)('performance by construction', () => {
  it.beforeAll(async ({ server, tenant, other }) => {
    await seedInventory(server.db.prisma);
    const prisma = server.db.prisma;
    const connections = await Promise.all(
      ['East', 'West', 'North'].map((name) => prisma.connection.create({ data: { organizationId: tenant.organizationId, name } })),
    );
    for (const [index, connection] of connections.entries()) {
      await insertOwnedNumbers(prisma, tenant.organizationId, index === 0 ? 3334 : 3333, { connectionId: connection.id });
    }
    await insertOwnedNumbers(prisma, other.organizationId, 2000);
    if (backend === 'postgres') await prisma.$executeRawUnsafe('ANALYZE');
    // The first request of a key records its last use; keep that write out of the counts below.
    await server.graphql(tenant.keys.READ_ONLY, NumbersWithNesting, { first: 1 });
    await until(
      async () => (await prisma.apiKey.findFirstOrThrow({ where: { organizationId: tenant.organizationId, role: 'READ_ONLY' } })).lastUsedAt !== null,
      'the key records its first use',
    );
  }, 180_000);

  it('phoneNumbers(first: 50) with nested fields runs a bounded number of statements, independent of page size', async ({ server, tenant }) => {
    const forFifty = await statementsFor(server, tenant, 50);
    const forFive = await statementsFor(server, tenant, 5);
    console.log(`statements per request: first 50 → ${forFifty}, first 5 → ${forFive}`);
    // API key lookup + page (with its nested connection and counts) + totalCount.
    expect(forFifty).toBeGreaterThanOrEqual(3);
    expect(forFifty).toBeLessThanOrEqual(5);
    expect(forFifty).toBe(forFive);
  });

  describe.skipIf(backend !== 'postgres')('query plans on PostgreSQL', () => {
    it('the default phoneNumbers order is served from an index, not a sequential scan', async ({ server, tenant }) => {
      const plan = await planOf(server, () => server.graphql(tenant.keys.READ_ONLY, NumbersWithNesting, { first: 50 }), 'PhoneNumber');
      // The page's own rows (t0); a connection's phoneNumberCount, joined in, may count its numbers however it plans.
      expect(plan).toMatch(/Index (Only )?Scan( Backward)? using \S+ on "PhoneNumber" t0\b/);
      expect(plan).not.toMatch(/Seq Scan on "PhoneNumber" t0\b/);
    });

    it('availablePhoneNumbers by country and area code is served from an index', async ({ server, tenant }) => {
      const plan = await planOf(server, () => server.graphql(tenant.keys.READ_ONLY, AustinNumbers), 'InventoryNumber');
      expect(plan).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
      expect(plan).not.toMatch(/Seq Scan on "InventoryNumber"/);
    });
  });
});
