import { describe, expect } from 'vitest';
import { skipReason } from '../helpers/database.js';
import { until } from '../helpers/lifecycle.js';
import { activeNumberRow, globalId } from '../helpers/owned-objects.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Statements per request, counted on the SQL the API sends (never timed): a page and its
// nested single relations, `nodes` of mixed types and event subjects are loaded in a
// bounded number of statements, whatever the page size, and a row is read with the
// columns the query asks for.

type Statement = { sql: string; params: string };

// Background pollers off: the statements captured are the request's own.
const it = serverTest({ RUN_JOBS: 'false', OUTBOX_POLL_MS: '60000', FEED_CATCH_UP_MS: '60000' }, { tenants: ['tenant'] });

type Fixture = { phoneIds: string[]; connectionId: string; orderId: string; reservationId: string };

async function populate(server: TestServer, tenant: Tenant, numbers: number): Promise<Fixture> {
  const prisma = server.db.prisma;
  const organizationId = tenant.organizationId;
  const connectionId = (await prisma.connection.create({ data: { organizationId, name: 'counted' } })).id;
  const reservation = await prisma.reservation.create({ data: { organizationId, expiresAt: new Date(Date.now() + 3_600_000) } });
  const phoneIds: string[] = [];
  for (let order = 0; order < 3; order += 1) {
    const numberOrder = await prisma.numberOrder.create({
      data: {
        organizationId,
        reservationId: order === 0 ? reservation.id : null,
        idempotencyKey: `counted-${order}`,
        requestHash: 'x',
        activationTotalCents: 200,
        monthlyTotalCents: 300,
        status: 'COMPLETED',
      },
    });
    for (let i = 0; i < numbers / 3; i += 1) {
      const e164 = `+1737${String(2_000_000 + order * 100_000 + i)}`;
      const phone = await prisma.phoneNumber.create({
        data: activeNumberRow(organizationId, e164, { connectionId: i % 2 ? connectionId : null, numberOrderId: numberOrder.id }),
      });
      phoneIds.push(phone.id);
      await prisma.numberOrderItem.create({
        data: {
          organizationId,
          numberOrderId: numberOrder.id,
          phoneNumberId: phone.id,
          e164,
          activationPriceCents: 100,
          monthlyPriceCents: 150,
          status: 'ACTIVE',
        },
      });
    }
  }
  const orderId = (await prisma.numberOrder.findFirstOrThrow({ where: { organizationId, idempotencyKey: 'counted-0' } })).id;
  for (const [type, subjectId] of [
    ['NUMBER_STATUS_CHANGED', phoneIds[0]],
    ['NUMBER_STATUS_CHANGED', phoneIds[1]],
    ['NUMBER_STATUS_CHANGED', phoneIds[2]],
    ['NUMBER_ORDER_UPDATED', orderId],
    ['RESERVATION_EXPIRED', reservation.id],
  ] as const) {
    await prisma.$executeRaw`INSERT INTO "Event" ("organizationId", type, "subjectId", payload, sequence)
      SELECT ${organizationId}::uuid, ${type}::"EventType", ${subjectId}, '{"newStatus":"ACTIVE"}'::jsonb, COALESCE(MAX(sequence), 0) + 1 FROM "Event"`;
  }
  return { phoneIds, connectionId, orderId, reservationId: reservation.id };
}

async function captureOnce(server: TestServer, tenant: Tenant, query: string, variables?: Record<string, unknown>) {
  const statements: Statement[] = [];
  const stop = server.db.onStatement((statement) => statements.push(statement));
  try {
    const result = await server.graphql(tenant.keys.READ_ONLY, query, variables);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return { data: result.data as Record<string, unknown>, statements };
  } finally {
    stop();
  }
}

/**
 * The request's statements, sent twice: a query runs interpreted the first time and compiled from
 * the second (http/compiled-queries.ts); both must answer the same with the same statements.
 */
async function capture(server: TestServer, tenant: Tenant, query: string, variables?: Record<string, unknown>) {
  const first = await captureOnce(server, tenant, query, variables);
  const second = await captureOnce(server, tenant, query, variables);
  expect(second.data).toEqual(first.data);
  // As a multiset: on PostgreSQL, statements of sibling fields go out on several connections, in either order.
  const sqlOf = (capture: { statements: Statement[] }) => capture.statements.map((s) => s.sql).sort();
  expect(sqlOf(second)).toEqual(sqlOf(first));
  return second;
}

const isKeyLookup = (statement: Statement) => /FROM "public"\."ApiKey"/.test(statement.sql) && /"secretHash" = \$\d/.test(statement.sql);
/** The statements of the request other than authentication's key lookup. */
const pageStatements = (statements: Statement[]) => statements.filter((statement) => !isKeyLookup(statement));
const describeAll = (statements: Statement[]) => statements.map((s) => s.sql).join('\n');

describe.skipIf(skipReason)('statements per request', () => {
  let fixture: Fixture;

  it.beforeAll(async ({ server, tenant }) => {
    fixture = await populate(server, tenant, 30);
    // The first request of a key records its last use; keep that write out of the counts below.
    await server.graphql(tenant.keys.READ_ONLY, '{ viewer { role } }');
    await until(
      async () => (await server.db.prisma.apiKey.findFirstOrThrow({ where: { organizationId: tenant.organizationId, role: 'READ_ONLY' } })).lastUsedAt !== null,
      'the key records its first use',
    );
  }, 120_000);

  it('a phoneNumbers page reads only the columns asked for, with its connection, in a bounded number of statements', async ({ server, tenant }) => {
    const query = `query($first: Int!) { phoneNumbers(first: $first) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id e164 status monthlyPrice { formatted } connection { name } } } } }`;
    const counts: number[] = [];
    for (const first of [5, 25]) {
      const { data, statements } = await capture(server, tenant, query, { first });
      const page = data.phoneNumbers as { edges: Array<{ node: { connection: { name: string } | null } }> };
      expect(page.edges).toHaveLength(first);
      expect(page.edges.some((edge) => edge.node.connection?.name === 'counted')).toBe(true);
      expect(statements.filter(isKeyLookup)).toHaveLength(1);
      counts.push(pageStatements(statements).length);
      // The page's own statement names the columns it needs, not every column of PhoneNumber.
      const rows = statements.find((s) => /FROM "public"\."PhoneNumber"/.test(s.sql) && /LIMIT/i.test(s.sql) && !/COUNT\(/i.test(s.sql));
      expect(rows, describeAll(statements)).toBeDefined();
      expect(rows!.sql).not.toMatch(/"tfvStatus"|"cnamDisplayName"|"complianceProfileId"|"forwardingNumber"/);
      expect(rows!.sql).toMatch(/"monthlyPriceCents"/);
    }
    // Rows with their connections (joined), and the count; the same for any page size.
    expect(counts[0], `${counts}`).toBe(2);
    expect(counts[1]).toBe(counts[0]);
  });

  it('fields asked for through fragments are read, and each node holds what the row holds', async ({ server, tenant }) => {
    const query = `query { phoneNumbers(first: 30, orderBy: { field: E164, direction: ASC }) { edges { node { ...Row ... on PhoneNumber { tags } } } } }
      fragment Row on PhoneNumber { ...Prices e164 label capabilities connection { name } }
      fragment Prices on PhoneNumber { activationPrice { amountCents currency } monthlyPrice { amountCents } }`;
    const { data, statements } = await capture(server, tenant, query);
    const rows = await server.db.prisma.phoneNumber.findMany({
      where: { organizationId: tenant.organizationId },
      orderBy: { e164: 'asc' },
      include: { connection: true },
    });
    const nodes = (data.phoneNumbers as { edges: Array<{ node: unknown }> }).edges.map((edge) => edge.node);
    expect(nodes).toEqual(
      rows.map((row) => ({
        activationPrice: { amountCents: row.activationPriceCents, currency: row.currency },
        monthlyPrice: { amountCents: row.monthlyPriceCents },
        e164: row.e164,
        label: row.label,
        capabilities: row.capabilities,
        connection: row.connection && { name: row.connection.name },
        tags: row.tags,
      })),
    );
    const page = statements.find((s) => /FROM "public"\."PhoneNumber"/.test(s.sql) && /LIMIT/i.test(s.sql));
    expect(page?.sql, describeAll(statements)).not.toMatch(/"assignedTo"|"tfvStatus"/);
  });

  it('a numberOrders page with nested items, their numbers and the reservation is a bounded number of statements', async ({ server, tenant }) => {
    const query = `{ numberOrders(first: 3) { totalCount edges { node { id status
      items { e164 status activationPrice { amountCents } phoneNumber { e164 } } reservation { id status } } } } }`;
    const { data, statements } = await capture(server, tenant, query);
    const orders = (data.numberOrders as { edges: Array<{ node: { items: unknown[]; reservation: unknown } }> }).edges;
    expect(orders).toHaveLength(3);
    expect(orders.every((edge) => edge.node.items.length === 10)).toBe(true);
    expect(orders.filter((edge) => edge.node.reservation !== null)).toHaveLength(1);
    // Orders with their items, the items' orders (currency) and numbers and the reservation, all joined; then the count.
    expect(pageStatements(statements).length, describeAll(statements)).toBe(2);
  });

  it('a number loaded joined beneath an order item holds what the same number holds as a node of its own', async ({ server, tenant }) => {
    // Joined relations come back as JSON built in SQL: dates, enum lists, money and nulls must still arrive typed as elsewhere.
    const fields = 'id e164 status capabilities tags label numberType createdAt activatedAt releasedAt monthlyPrice { amountCents currency formatted }';
    const { data } = await capture(server, tenant, `{ numberOrders(first: 3) { edges { node { items { phoneNumber { ${fields} } } } } } }`);
    const nested = (data.numberOrders as { edges: Array<{ node: { items: Array<{ phoneNumber: { id: string } }> } }> }).edges.flatMap((edge) =>
      edge.node.items.map((item) => item.phoneNumber),
    );
    expect(nested).toHaveLength(30);
    const direct = await server.graphql(tenant.keys.READ_ONLY, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on PhoneNumber { ${fields} } } }`, {
      ids: nested.map((number) => number.id),
    });
    expect(direct.errors).toBeUndefined();
    expect((direct.data as { nodes: unknown[] }).nodes).toEqual(nested);
  });

  it('nodes(ids) of mixed types is one statement per type', async ({ server, tenant }) => {
    const ids = [
      ...fixture.phoneIds.slice(0, 5).map((id) => globalId('PhoneNumber', id)),
      globalId('Connection', fixture.connectionId),
      globalId('NumberOrder', fixture.orderId),
      globalId('Reservation', fixture.reservationId),
    ];
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { id
      ... on PhoneNumber { e164 } ... on Connection { name } ... on NumberOrder { orderStatus: status } ... on Reservation { reservationStatus: status } } }`;
    const { data, statements } = await capture(server, tenant, query, { ids });
    expect((data.nodes as unknown[]).every((node) => node !== null)).toBe(true);
    expect(pageStatements(statements).length, describeAll(statements)).toBe(4);
  });

  it('events with their subjects load the subjects in one statement per type, not one per event', async ({ server, tenant }) => {
    const query = `{ events(first: 10) { edges { node { eventId type
      ... on PhoneNumberStatusChangedEvent { phoneNumber { e164 } }
      ... on NumberOrderUpdatedEvent { numberOrder { status } }
      ... on ReservationExpiredEvent { reservation { status } } } } } }`;
    const { data, statements } = await capture(server, tenant, query);
    expect((data.events as { edges: unknown[] }).edges).toHaveLength(5);
    // The page of events, then the three phone numbers, the order and the reservation: one statement per subject type.
    expect(pageStatements(statements).length, describeAll(statements)).toBe(4);
  });
});
