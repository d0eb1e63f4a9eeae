import pg from 'pg';
import { describe, expect } from 'vitest';
import { CursorCodec } from '../../src/schema/pagination.js';
import { backend, skipReason } from '../helpers/database.js';
import type { TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Deep pages cost what page 1 costs only if PostgreSQL starts the index scan at the cursor.
// A seek PostgreSQL can only apply as a row filter reads and discards every row before the
// cursor, like OFFSET. For every ordering the API offers, in both directions, this reads
// the plan of the exact statement the API sends for a page after (before) a cursor in the
// middle of a 20,000-row list: the scan must be an index scan whose Index Cond bounds the
// leading sort key, and EXPLAIN ANALYZE must show it discarded next to nothing.

const plansSkipReason = skipReason ?? (backend !== 'postgres' ? 'query plans are PostgreSQL planner behaviour: run them in the postgres project' : null);
if (plansSkipReason) console.warn(`[skip] pagination plans: ${plansSkipReason}`);

const rows = 20_000;
const middle = rows / 2;
const pageSize = 50;
const cursorSecret = 'pagination-plans-cursor-secret';
const codec = new CursorCodec(cursorSecret);

// Background pollers off, so the statements captured are the request's own.
const it = serverTest(
  { RUN_JOBS: 'false', OUTBOX_POLL_MS: '60000', FEED_CATCH_UP_MS: '60000', CURSOR_SECRET: cursorSecret, SEED_DEMO_DATA: 'false' },
  { tenants: ['tenant', 'other'] },
);

type Direction = 'asc' | 'desc';
type List = {
  /** The GraphQL field, and the arguments it always takes. */
  field: string;
  fixedArgs?: string;
  table: string;
  /** The leading sort key's column; `id` breaks its ties. */
  column: string;
  kind: 'date' | 'string';
  /** Whether `id` follows the leading key (breaking its ties); the inventory's e164 is unique on its own. */
  tieBreaker: boolean;
  /** Orderings offered: the directions (and, for phoneNumbers, the orderBy argument for each). */
  orderings: Array<{ direction: Direction; orderBy?: string; scope: (organizationId: string) => string }>;
  /** Rows of the list other than the tenant's condition (the inventory is not a tenant's). */
  rowFilter?: string;
  tenantOwned: boolean;
};

const newestFirst = (list: string) => [{ direction: 'desc' as const, scope: (organizationId: string) => `${organizationId}:${list}` }];
const phoneOrderings = (field: 'CREATED_AT' | 'UPDATED_AT' | 'E164') =>
  (['asc', 'desc'] as const).map((direction) => ({
    direction,
    orderBy: `{ field: ${field}, direction: ${direction.toUpperCase()} }`,
    scope: (organizationId: string) => `${organizationId}:phoneNumbers:${field}:${direction}`,
  }));

const lists: List[] = [
  {
    field: 'phoneNumbers',
    table: 'PhoneNumber',
    column: 'createdAt',
    kind: 'date',
    orderings: phoneOrderings('CREATED_AT'),
    tieBreaker: true,
    tenantOwned: true,
  },
  {
    field: 'phoneNumbers',
    table: 'PhoneNumber',
    column: 'updatedAt',
    kind: 'date',
    orderings: phoneOrderings('UPDATED_AT'),
    tieBreaker: true,
    tenantOwned: true,
  },
  { field: 'phoneNumbers', table: 'PhoneNumber', column: 'e164', kind: 'string', orderings: phoneOrderings('E164'), tieBreaker: true, tenantOwned: true },
  // The status-filtered lists are paged by one resolver; the scope names the (empty) status filter.
  {
    field: 'reservations',
    table: 'Reservation',
    column: 'createdAt',
    kind: 'date',
    orderings: newestFirst('reservations:'),
    tieBreaker: true,
    tenantOwned: true,
  },
  {
    field: 'numberOrders',
    table: 'NumberOrder',
    column: 'createdAt',
    kind: 'date',
    orderings: newestFirst('numberOrders:'),
    tieBreaker: true,
    tenantOwned: true,
  },
  {
    field: 'portingOrders',
    table: 'PortingOrder',
    column: 'createdAt',
    kind: 'date',
    orderings: newestFirst('portingOrders:'),
    tieBreaker: true,
    tenantOwned: true,
  },
  { field: 'connections', table: 'Connection', column: 'createdAt', kind: 'date', orderings: newestFirst('connections'), tieBreaker: true, tenantOwned: true },
  { field: 'ledger', table: 'LedgerEntry', column: 'createdAt', kind: 'date', orderings: newestFirst('ledger'), tieBreaker: true, tenantOwned: true },
  {
    field: 'availablePhoneNumbers',
    fixedArgs: 'filter: { countryCode: "US", areaCode: "999" }',
    table: 'InventoryNumber',
    column: 'e164',
    kind: 'string',
    orderings: [{ direction: 'asc', scope: (organizationId) => `${organizationId}:availablePhoneNumbers` }],
    rowFilter: `"state" = 'AVAILABLE' AND "countryCode" = 'US' AND "areaCode" = '999'`,
    tieBreaker: false,
    tenantOwned: false,
  },
];

// Each table gets `rows` rows for each tenant (the inventory once): the sort keys in an order of their own
// (updatedAt and e164 are permutations of the insert order), so no ordering is the physical one.
const at = (expression: string) => `timestamptz '2026-01-01 00:00:00+00' + (${expression}) * interval '1 second'`;
const permuted = (g: string) => `((${g}::bigint * 7919) % 1000003)`;
const seeds: Array<(organizationId: string, salt: number) => string> = [
  (org, salt) => `INSERT INTO "PhoneNumber" (id, "organizationId", e164, "countryCode", "areaCode", "numberType", capabilities, provider,
      "activationPriceCents", "monthlyPriceCents", status, "createdAt", "updatedAt")
    SELECT gen_random_uuid(), '${org}', '+1' || (2000000000 + ${salt} * 1000003 + ${permuted('g')})::text, 'US', '737', 'LOCAL', '{VOICE}',
      'Bandwidth', 100, 150, 'ACTIVE', ${at('g')}, ${at(`${rows} + ${permuted('g')}`)}
    FROM generate_series(1, ${rows}) AS g`,
  (org) => `INSERT INTO "Reservation" (id, "organizationId", status, "expiresAt", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), '${org}', 'EXPIRED', ${at('g + 900')}, ${at('g')}, ${at('g')} FROM generate_series(1, ${rows}) AS g`,
  (org) => `INSERT INTO "NumberOrder" (id, "organizationId", "idempotencyKey", "requestHash", status, "activationTotalCents",
      "monthlyTotalCents", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), '${org}', 'order-' || g, 'x', 'COMPLETED', 100, 150, ${at('g')}, ${at('g')} FROM generate_series(1, ${rows}) AS g`,
  (org) => `INSERT INTO "PortingOrder" (id, "organizationId", status, "countryCode", "numberType", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), '${org}', 'DRAFT', 'US', 'LOCAL', ${at('g')}, ${at('g')} FROM generate_series(1, ${rows}) AS g`,
  (org) => `INSERT INTO "Connection" (id, "organizationId", name, "createdAt", "updatedAt")
    SELECT gen_random_uuid(), '${org}', 'connection-' || g, ${at('g')}, ${at('g')} FROM generate_series(1, ${rows}) AS g`,
  (org) => `INSERT INTO "LedgerEntry" (id, "organizationId", kind, "amountCents", "balanceAfterCents", description, "createdAt")
    SELECT gen_random_uuid(), '${org}', 'TOP_UP', 100, 100 * g, 'top-up ' || g, ${at('g')} FROM generate_series(1, ${rows}) AS g`,
  (org, salt) => `INSERT INTO "Event" ("organizationId", sequence, type, "subjectId", payload, "createdAt")
    SELECT '${org}', 1000000 + 2 * g + ${salt}, 'BALANCE_CHANGED', '${org}', '{}', ${at('g')} FROM generate_series(1, ${rows}) AS g`,
];
// The catalog in four area codes, `rows` numbers in the one the test pages through.
const inventorySeed = `INSERT INTO "InventoryNumber" (id, e164, "countryCode", "areaCode", "numberType", capabilities, provider,
    "activationPriceCents", "monthlyPriceCents", "updatedAt")
  SELECT gen_random_uuid(), '+1' || area || lpad(${permuted('g')}::text, 7, '0'), 'US', area, 'LOCAL', '{VOICE}', 'Bandwidth', 100, 150, now()
  FROM generate_series(1, ${rows}) AS g CROSS JOIN unnest(ARRAY['996', '997', '998', '999']) AS area`;

type Statement = { sql: string; params: string };
type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
};

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/** The page statement the API sends for `run`, and its EXPLAIN (ANALYZE, BUFFERS) plan. */
async function pagePlan(server: TestServer, table: string, run: () => Promise<void>) {
  const captured: Statement[] = [];
  const stop = server.db.onStatement((statement) => captured.push(statement));
  try {
    await run();
  } finally {
    stop();
  }
  const pages = captured.filter((s) => s.sql.includes(`FROM "public"."${table}"`) && /\bLIMIT\b/.test(s.sql) && !/COUNT\(/i.test(s.sql));
  expect(pages, `one paged statement on ${table}`).toHaveLength(1);
  const page = pages[0]!;
  const client = new pg.Client({ connectionString: server.db.url });
  await client.connect();
  try {
    const explain = async (format: string) =>
      (await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT ${format}) ${page.sql}`, JSON.parse(page.params))).rows.map((row) => row['QUERY PLAN']);
    const [json] = (await explain('JSON'))[0] as [{ Plan: PlanNode }];
    const text = (await explain('TEXT')).join('\n');
    return { sql: page.sql, plan: json.Plan, text };
  } finally {
    await client.end();
  }
}

/** The sort values of the row `middle` rows into the list, in the list's own order. */
async function middleRow(server: TestServer, list: List, organizationId: string): Promise<{ value: Date | string; id: string }> {
  const where = [list.tenantOwned ? `"organizationId" = '${organizationId}'` : null, list.rowFilter].filter(Boolean).join(' AND ') || 'true';
  const [row] = await server.db.prisma.$queryRawUnsafe<Array<{ value: Date | string; id: string }>>(
    `SELECT "${list.column}" AS value, id::text AS id FROM "${list.table}" WHERE ${where} ORDER BY "${list.column}", id OFFSET ${middle} LIMIT 1`,
  );
  if (!row) throw new Error(`no row ${middle} in ${list.table}`);
  return row;
}

/** Where `column`, named as PostgreSQL prints it in a plan, is compared with < <= > >=. */
const boundOn = (column: string) => new RegExp(`(^|[^\\w"])("${column}"|${column}) [<>]=? `);

function expectBoundedScan(name: string, table: string, column: string, plan: PlanNode, text: string, removedAllowance = pageSize) {
  const scans = nodesOf(plan).filter((node) => node['Relation Name'] === table);
  expect(scans, text).toHaveLength(1);
  const scan = scans[0]!;
  console.log(`${name}: ${scan['Node Type']}, Index Cond ${scan['Index Cond']}, rows removed by filter ${scan['Rows Removed by Filter'] ?? 0}`);
  expect(scan['Node Type'], text).toMatch(/^Index (Only )?Scan$/);
  // The seek bounds where the scan starts, not only which rows it keeps.
  expect(scan['Index Cond'] ?? '', text).toMatch(boundOn(column));
  // What it reads past the filter is the page (and the cursor's own row), not the rows before the cursor.
  expect(scan['Rows Removed by Filter'] ?? 0, text).toBeLessThanOrEqual(removedAllowance);
  expect(scan['Actual Rows'], text).toBeLessThanOrEqual(pageSize + 1);
  // The order comes from the index.
  expect(
    nodesOf(plan).map((node) => node['Node Type']),
    text,
  ).not.toContain('Sort');
}

describe.skipIf(plansSkipReason)('keyset pages seek an index at the cursor', () => {
  it.beforeAll(async ({ server, tenant, other }) => {
    const prisma = server.db.prisma;
    for (const [salt, organizationId] of [tenant.organizationId, other.organizationId].entries()) {
      for (const seed of seeds) await prisma.$executeRawUnsafe(seed(organizationId, salt));
    }
    await prisma.$executeRawUnsafe(inventorySeed);
    await prisma.$executeRawUnsafe('VACUUM ANALYZE');
  }, 180_000);

  it('every sort key is a NOT NULL column (a NULL never compares, so a seek would skip its rows)', async ({ server }) => {
    const keys = [...lists.map((list) => [list.table, list.column]), ...lists.map((list) => [list.table, 'id']), ['Event', 'sequence']];
    const nullable = await server.db.prisma.$queryRawUnsafe<Array<{ table_name: string; column_name: string; is_nullable: string }>>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const isNullable = new Map(nullable.map((c) => [`${c.table_name}.${c.column_name}`, c.is_nullable]));
    // Event.sequence is NULL until the relay numbers the event; the feed reads `sequence > x`, which leaves those out on purpose.
    expect(keys.map(([table, column]) => `${table}.${column}: ${isNullable.get(`${table}.${column}`)}`)).toEqual(
      keys.map(([table, column]) => `${table}.${column}: ${table === 'Event' && column === 'sequence' ? 'YES' : 'NO'}`),
    );
  });

  const cases = lists.flatMap((list) =>
    list.orderings.flatMap((ordering) =>
      (['first/after', 'last/before'] as const).map((walk) => ({
        list,
        ordering,
        walk,
        name: `${list.field} by ${list.column} ${ordering.direction}, ${walk}`,
      })),
    ),
  );

  it.for(cases)('$name: an index scan bounded by the cursor', async ({ list, ordering, walk }, { server, tenant }) => {
    const row = await middleRow(server, list, tenant.organizationId);
    const stored = row.value instanceof Date ? row.value.toISOString() : row.value;
    const cursor = codec.encode(ordering.scope(tenant.organizationId), list.tieBreaker ? [stored, row.id] : [stored]);
    const seek = walk === 'first/after' ? `first: ${pageSize}, after: $cursor` : `last: ${pageSize}, before: $cursor`;
    const args = [list.fixedArgs, ordering.orderBy ? `orderBy: ${ordering.orderBy}` : null, seek].filter(Boolean).join(', ');
    const document = `query Page($cursor: String!) { ${list.field}(${args}) { edges { cursor node { __typename } } } }`;
    const { plan, text, sql } = await pagePlan(server, list.table, async () => {
      const response = await server.graphql<Record<string, { edges: Array<{ cursor: string }> }>, { cursor: string }>(tenant.keys.READ_ONLY, document, {
        cursor,
      });
      expect(response.errors).toBeUndefined();
      expect(response.data?.[list.field]?.edges).toHaveLength(pageSize);
    });
    expectBoundedScan(`${list.field} by ${list.column} ${ordering.direction}, ${walk}`, list.table, list.column, plan, `${sql}\n${text}`);
  });

  it('events: the stored feed after an eventId is an index scan bounded by it', async ({ server, tenant }) => {
    const [row] = await server.db.prisma.$queryRawUnsafe<Array<{ sequence: string }>>(
      `SELECT sequence::text AS sequence FROM "Event" WHERE "organizationId" = $1::uuid ORDER BY sequence OFFSET ${middle} LIMIT 1`,
      tenant.organizationId,
    );
    const { plan, text, sql } = await pagePlan(server, 'Event', async () => {
      const response = await server.graphql<{ events: { edges: unknown[] } }, { after: string }>(
        tenant.keys.READ_ONLY,
        `query Feed($after: String) { events(after: $after, first: ${pageSize}) { edges { cursor } } }`,
        { after: row!.sequence },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data?.events.edges).toHaveLength(pageSize);
    });
    // PostgreSQL may walk the global sequence index (bounded by the cursor) and filter out the other tenant's events
    // in the same range: what that discards depends on how tenants' events interleave, not on how deep the page is.
    expectBoundedScan('events after an eventId', 'Event', 'sequence', plan, `${sql}\n${text}`, pageSize * 4);
  });
});
