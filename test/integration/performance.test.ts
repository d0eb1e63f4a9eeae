import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { graphql } from '../../src/generated/graphql/index.js';
import { backend, skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { startTestServer, type Tenant, type TestServer } from '../helpers/server.js';

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

describe.skipIf(skipReason)('performance by construction', () => {
  let server: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    // Background pollers off, so the statement counts below are the request's own.
    server = await startTestServer({ RUN_JOBS: 'false', OUTBOX_POLL_MS: '60000', FEED_CATCH_UP_MS: '60000' });
    await seedInventory(server.db.prisma);
    tenant = await server.createTenant();
    const other = await server.createTenant();
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  async function statementsFor(first: number) {
    const before = server.db.statementCount();
    const response = await server.graphql(tenant.keys.READ_ONLY, NumbersWithNesting, { first });
    expect(response.errors).toBeUndefined();
    expect(response.data!.phoneNumbers.edges).toHaveLength(first);
    expect(response.data!.phoneNumbers.totalCount).toBe(10_000);
    return server.db.statementCount() - before;
  }

  it('phoneNumbers(first: 50) with nested fields runs a bounded number of statements, independent of page size', async () => {
    const forFifty = await statementsFor(50);
    const forFive = await statementsFor(5);
    console.log(`statements per request: first 50 → ${forFifty}, first 5 → ${forFive}`);
    // API key lookup + page (with its nested connection and counts) + totalCount.
    expect(forFifty).toBeGreaterThanOrEqual(3);
    expect(forFifty).toBeLessThanOrEqual(5);
    expect(forFifty).toBe(forFive);
  });

  describe.skipIf(backend !== 'postgres')('query plans on PostgreSQL', () => {
    async function planOf(run: () => Promise<unknown>, table: string) {
      const captured: Array<{ sql: string; params: string }> = [];
      const stop = server.db.onStatement((statement) => captured.push(statement));
      await run();
      stop();
      const page = captured.find((s) => s.sql.includes(`FROM "public"."${table}"`) && /LIMIT|FETCH/i.test(s.sql) && !/COUNT\(/i.test(s.sql));
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

    it('the default phoneNumbers order is served from an index, not a sequential scan', async () => {
      const plan = await planOf(() => server.graphql(tenant.keys.READ_ONLY, NumbersWithNesting, { first: 50 }), 'PhoneNumber');
      expect(plan).toMatch(/Index (Only )?Scan/);
      expect(plan).not.toMatch(/Seq Scan on "PhoneNumber"/);
    });

    it('availablePhoneNumbers by country and area code is served from an index', async () => {
      const plan = await planOf(() => server.graphql(tenant.keys.READ_ONLY, AustinNumbers), 'InventoryNumber');
      expect(plan).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
      expect(plan).not.toMatch(/Seq Scan on "InventoryNumber"/);
    });
  });
});
