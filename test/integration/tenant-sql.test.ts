import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { Prisma } from '../../src/generated/prisma/client.js';
import { skipReason } from '../helpers/database.js';
import { activeNumberRow, globalId } from '../helpers/owned-objects.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Tenant scope is proven on the SQL the API actually sends: every statement a tenant's
// request runs against a tenant-owned table must carry that tenant's organizationId,
// nested relation loads (connection of a number, items of an order, counts) included.

/** Models whose rows belong to one organization; the rest are listed in `allowed` below. */
const notTenantOwned = new Set(['Organization', 'InventoryNumber', 'Job']);
const tenantTables = new Set<string>(Object.values(Prisma.ModelName).filter((model) => !notTenantOwned.has(model)));

type Statement = { sql: string; params: string };

type Reference = { table: string; name: string };

/** Each reference to a table in a statement, by the name its columns are qualified with there (an alias, or the table's). */
function referencesOf(sql: string): Reference[] {
  return [...sql.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO)\s+(?:"public"\.)?"(\w+)"(?:\s+AS\s+"(\w+)")?/gi)].map((match) => ({
    table: match[1]!,
    name: match[2] ?? match[1]!,
  }));
}

function tablesOf(sql: string): string[] {
  return [...new Set(referencesOf(sql).map((reference) => reference.table))];
}

/**
 * The references whose rows are held to one organization: by a parameter (`"t0"."organizationId" = $1`, `IN (…)`),
 * or, for a relation joined into its parent's statement, by equality with one that is
 * (`"t0"."organizationId" = "t1"."organizationId"`).
 */
function scopedNames(sql: string): Set<string> {
  const scoped = new Set<string>();
  for (const { name } of referencesOf(sql)) {
    if (new RegExp(`"${name}"\\."organizationId"\\s*(=\\s*\\$\\d|IN\\s*\\()`).test(sql)) scoped.add(name);
  }
  const joins = [...sql.matchAll(/"(\w+)"\."organizationId"\s*=\s*"(\w+)"\."organizationId"/g)].map((match) => [match[1]!, match[2]!] as const);
  // A derived table of one scoped reference's rows, `(SELECT "t2".* FROM … AS "t2" WHERE (…)) AS "t3"`, is scoped as it is.
  for (const match of sql.matchAll(/\(SELECT "(\w+)"\.\* FROM "public"\."\w+" AS "\1" WHERE \([^()]*\)(?: \/\*[^*]*\*\/)?\) AS "(\w+)"/g)) {
    joins.push([match[1]!, match[2]!]);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [left, right] of joins) {
      for (const [from, to] of [
        [left, right],
        [right, left],
      ] as const) {
        if (scoped.has(from) && !scoped.has(to)) {
          scoped.add(to);
          grew = true;
        }
      }
    }
  }
  return scoped;
}

const feedHubRead = /^SELECT [^;]+ FROM "public"\."Event" AS "(\w+)" WHERE "\1"\."sequence" > \$1 ORDER BY "\1"\."sequence" ASC LIMIT \$2$/;

/**
 * Statements that may touch a table without an organizationId condition, and why:
 * - authentication finds the key by the hash of the secret (nobody's tenant yet), with its organization's
 *   environment, and then records its last use by the id it just found;
 * - the stock (InventoryNumber) has no owner: it is scoped by environment (sandboxId), which the unit tests pin;
 * - the caller's Organization row is read and updated by its primary key;
 * - the outbox relay and job runner (Event sequencing, Job), and the feed hub reading what the relay numbered, work for every tenant;
 *   the relay's numbering statement also hands each event to its own organization's webhook endpoints (joined on organizationId).
 */
const relayNumbering = /^\s*WITH top AS \(SELECT COALESCE\(MAX\(sequence\), 0\) AS value FROM "Event"\)/;
const relayFanOut = new Set(['WebhookDelivery', 'WebhookEndpoint', 'PhoneNumber']);

function allowedWithoutTenantCondition(statement: Statement, { table, name }: Reference): boolean {
  const { sql } = statement;
  if (relayNumbering.test(sql) && relayFanOut.has(table)) return true;
  if (table === 'ApiKey') return /"secretHash" = \$\d/.test(sql) || /^UPDATE "public"\."ApiKey" SET "lastUsedAt"/.test(sql);
  if (table === 'InventoryNumber' || table === 'Job') return true;
  if (table === 'Organization' && /"secretHash" = \$\d/.test(sql) && /FROM "public"\."ApiKey"/.test(sql)) return true;
  if (table === 'Organization') return new RegExp(`"${name}"\\."id" (=|IN)`).test(sql) || /\bid\s*=\s*\$\d/.test(sql);
  if (table === 'Event') {
    const numbering =
      /\bsequence\b/i.test(sql) && !new RegExp(`"${name}"\\."organizationId"`).test(sql) && /^\s*(UPDATE|WITH|SELECT nextval|SELECT pg_)/i.test(sql);
    // The feed hub's read of newly numbered events for every tenant (pages of 500; the API's are far smaller), which
    // a mutation's after-commit nudge to the relay starts while the mutation's statements are still being captured.
    return numbering || (feedHubRead.test(sql) && /^\["\d+","500"\]$/.test(statement.params));
  }
  return false;
}

/** Why a statement fails the tenant rule, or null when it carries the condition (or is allowed). */
function violation(statement: Statement, organizationId: string): string | null {
  const scoped = scopedNames(statement.sql);
  const references = referencesOf(statement.sql);
  for (const reference of references) {
    const { table, name } = reference;
    if (allowedWithoutTenantCondition(statement, reference)) continue;
    if (!tenantTables.has(table)) return `unclassified table ${table}`;
    // Raw SQL in the domain names its columns bare.
    const bare = /(^|[^.])"?organizationId"?\s*(=|IN\b)/;
    const inserted = new RegExp(`INSERT INTO (?:"public"\\.)?"${table}" \\([^)]*"organizationId"`);
    if (!scoped.has(name) && !(references.length === 1 && bare.test(statement.sql)) && !inserted.test(statement.sql)) {
      return `no organizationId condition on ${table} (${name})`;
    }
    // A relation load under no parent rows matches `organizationId IN (NULL)`: nothing at all.
    const matchesNothing = new RegExp(`"${name}"\\."organizationId" IN \\(NULL\\)`).test(statement.sql);
    if (!statement.params.includes(organizationId) && !matchesNothing) return `organizationId parameter is not the caller's (${organizationId})`;
  }
  return null;
}

type Fixture = {
  phoneIds: string[];
  e164s: string[];
  connectionIds: string[];
  connectionNames: string[];
  orderId: string;
  reservationId: string;
  portingOrderId: string;
  ledgerId: string;
};

/** A tenant's rows of every kind, written directly so each nested field has something to load. */
async function populate(server: TestServer, tenant: Tenant, label: string): Promise<Fixture> {
  const prisma = server.db.prisma;
  const organizationId = tenant.organizationId;
  const connectionNames = [`${label}-conn-east`, `${label}-conn-west`];
  const connectionIds = [];
  for (const name of connectionNames) connectionIds.push((await prisma.connection.create({ data: { organizationId, name } })).id);
  const reservation = await prisma.reservation.create({ data: { organizationId, expiresAt: new Date(Date.now() + 3_600_000) } });
  const order = await prisma.numberOrder.create({
    data: {
      organizationId,
      reservationId: reservation.id,
      idempotencyKey: `${label}-order`,
      requestHash: 'x',
      activationTotalCents: 200,
      monthlyTotalCents: 300,
      status: 'COMPLETED',
    },
  });
  const phoneIds: string[] = [];
  const e164s: string[] = [];
  for (let i = 0; i < 4; i += 1) {
    const e164 = `+1737${String(Math.floor(1_000_000 + Math.random() * 8_999_999))}`;
    const phone = await prisma.phoneNumber.create({
      data: activeNumberRow(organizationId, e164, { connectionId: connectionIds[i % 2] ?? null, numberOrderId: i < 2 ? order.id : null }),
    });
    phoneIds.push(phone.id);
    e164s.push(e164);
  }
  for (const [i, phoneId] of phoneIds.slice(0, 2).entries()) {
    await prisma.numberOrderItem.create({
      data: {
        organizationId,
        numberOrderId: order.id,
        phoneNumberId: phoneId,
        e164: e164s[i]!,
        activationPriceCents: 100,
        monthlyPriceCents: 150,
        status: 'ACTIVE',
      },
    });
    await prisma.reservationItem.create({ data: { organizationId, reservationId: reservation.id, inventoryNumberId: randomUUID(), e164: e164s[i]! } });
  }
  const porting = await prisma.portingOrder.create({ data: { organizationId, countryCode: 'US', numberType: 'LOCAL', status: 'SUBMITTED' } });
  await prisma.portingOrderNumber.create({
    data: { organizationId, portingOrderId: porting.id, e164: `+1512${String(Math.floor(3_000_000 + Math.random() * 999_999))}` },
  });
  await prisma.portingDocument.create({
    data: {
      organizationId,
      portingOrderId: porting.id,
      kind: 'LOA',
      filename: `${label}.pdf`,
      contentType: 'application/pdf',
      sizeBytes: 10,
      sha256: 'x',
      storageKey: `${label}/loa`,
    },
  });
  await prisma.portingOrderTransition.create({ data: { organizationId, portingOrderId: porting.id, toStatus: 'SUBMITTED' } });
  await prisma.portingComment.create({ data: { organizationId, portingOrderId: porting.id, author: 'carrier', body: `${label} comment` } });
  const ledger = await prisma.ledgerEntry.create({
    data: {
      organizationId,
      kind: 'ACTIVATION_CHARGE',
      amountCents: -100,
      balanceAfterCents: 99_900,
      description: `${label} charge`,
      numberOrderId: order.id,
      phoneNumberId: phoneIds[0],
    },
  });
  for (const [type, subjectId] of [
    ['NUMBER_STATUS_CHANGED', phoneIds[0]],
    ['NUMBER_ORDER_UPDATED', order.id],
    ['RESERVATION_EXPIRED', reservation.id],
  ] as const) {
    await prisma.$executeRaw`INSERT INTO "Event" ("organizationId", type, "subjectId", payload, sequence)
      SELECT ${organizationId}::uuid, ${type}::"EventType", ${subjectId}, '{"newStatus":"ACTIVE"}'::jsonb, COALESCE(MAX(sequence), 0) + 1 FROM "Event"`;
  }
  return { phoneIds, e164s, connectionIds, connectionNames, orderId: order.id, reservationId: reservation.id, portingOrderId: porting.id, ledgerId: ledger.id };
}

const phoneFields = `id e164 status connection { id name phoneNumberCount }`;
const orderFields = `id status
  items { e164 status activationPrice { amountCents } monthlyPrice { formatted } phoneNumber { ${phoneFields} } } reservation { id status phoneNumbers }`;
const portingFields = `id status allowedFocWindows { startsAt } phoneNumbers { e164 fastPortable }
  documents { id filename } history { toStatus } comments { author body }`;

function readQueries(
  a: Fixture,
  apiKeyId: string,
  organizationId: string,
  b: Fixture,
): Array<{ name: string; query: string; variables?: Record<string, unknown> }> {
  // Aliases where types share a field name with a different type.
  const nodeSelection = `
    ... on PhoneNumber { ${phoneFields} }
    ... on Connection { id name phoneNumberCount }
    ... on NumberOrder { id orderStatus: status ${orderFields.replace(/^id status\s+/, '')} }
    ... on Reservation { id reserved: phoneNumbers }
    ... on PortingOrder { id portingStatus: status ${portingFields.replace(/^id status\s+/, '').replace(' phoneNumbers {', ' portingNumbers: phoneNumbers {')} }
    ... on LedgerEntry { id description phoneNumber { ${phoneFields} } }
    ... on ApiKey { id name }
    ... on Organization { id name balance { amountCents } }`;
  // Within the cost limit for a list of nodes.
  const briefNodeSelection = `
    ... on PhoneNumber { e164 connection { name phoneNumberCount } }
    ... on Connection { name phoneNumberCount }
    ... on NumberOrder { reservation { id } items { phoneNumber { e164 } } }
    ... on PortingOrder { documents { filename } comments { body } }
    ... on LedgerEntry { phoneNumber { e164 } }`;
  const ownIds = [
    globalId('PhoneNumber', a.phoneIds[0]!),
    globalId('Connection', a.connectionIds[0]!),
    globalId('NumberOrder', a.orderId),
    globalId('Reservation', a.reservationId),
    globalId('PortingOrder', a.portingOrderId),
    globalId('LedgerEntry', a.ledgerId),
    globalId('ApiKey', apiKeyId),
    globalId('Organization', organizationId),
  ];
  const foreignIds = [
    globalId('PhoneNumber', b.phoneIds[0]!),
    globalId('Connection', b.connectionIds[0]!),
    globalId('NumberOrder', b.orderId),
    globalId('Reservation', b.reservationId),
    globalId('PortingOrder', b.portingOrderId),
    globalId('LedgerEntry', b.ledgerId),
  ];
  return [
    { name: 'phoneNumbers', query: `{ phoneNumbers(first: 50) { totalCount edges { node { ${phoneFields} } } } }` },
    {
      name: 'phoneNumbers by connection',
      query: `query($c: ID!) { phoneNumbers(first: 10, filter: { connectionId: $c }) { totalCount edges { node { ${phoneFields} } } } }`,
      variables: { c: globalId('Connection', a.connectionIds[1]!) },
    },
    { name: 'phoneNumber(e164)', query: `query($e: E164!) { phoneNumber(e164: $e) { ${phoneFields} } }`, variables: { e: a.e164s[0] } },
    { name: 'connections', query: `{ connections(first: 50) { totalCount edges { node { id name phoneNumberCount } } } }` },
    { name: 'numberOrders', query: `{ numberOrders(first: 5) { totalCount edges { node { ${orderFields} } } } }` },
    { name: 'reservations', query: `{ reservations(first: 10) { totalCount edges { node { id status phoneNumbers } } } }` },
    { name: 'portingOrders', query: `{ portingOrders(first: 5) { totalCount edges { node { ${portingFields} } } } }` },
    { name: 'ledger', query: `{ ledger(first: 10) { totalCount edges { node { id amount { amountCents } phoneNumber { ${phoneFields} } } } } }` },
    {
      name: 'viewer',
      query: `{ viewer { role balance { amountCents } kycStatus inventoryAlertThreshold organization { id name slug } apiKey { id name role lastUsedAt } } }`,
    },
    { name: 'inventoryAlerts', query: `{ inventoryAlerts(includeHealthy: true) { threshold alerts { countryCode areaCodePrefix availableCount } } }` },
    {
      name: 'events',
      query: `{ events(first: 5) { edges { node { eventId type
        ... on PhoneNumberStatusChangedEvent { phoneNumber { ${phoneFields} } }
        ... on NumberOrderUpdatedEvent { numberOrder { ${orderFields} } }
        ... on ReservationExpiredEvent { reservation { id phoneNumbers } } } } } }`,
    },
    ...ownIds.map((id, i) => ({ name: `node(own #${i})`, query: `query($id: ID!) { node(id: $id) { id ${nodeSelection} } }`, variables: { id } })),
    ...foreignIds.map((id, i) => ({ name: `node(foreign #${i})`, query: `query($id: ID!) { node(id: $id) { id ${nodeSelection} } }`, variables: { id } })),
    { name: 'nodes(own)', query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ${briefNodeSelection} } }`, variables: { ids: ownIds } },
    { name: 'nodes(foreign)', query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ${briefNodeSelection} } }`, variables: { ids: foreignIds } },
  ];
}

// Background pollers off: the statements captured are the requests' own.
const it = serverTest(
  { RUN_JOBS: 'false', OUTBOX_POLL_MS: '60000', FEED_CATCH_UP_MS: '60000' },
  { tenants: { tenantA: { name: 'Tenant A' }, tenantB: { name: 'Tenant B' } } },
);

async function capture<T>(server: TestServer, run: () => Promise<T>): Promise<{ result: T; statements: Statement[] }> {
  const statements: Statement[] = [];
  const stop = server.db.onStatement((statement) => statements.push(statement));
  try {
    return { result: await run(), statements };
  } finally {
    stop();
  }
}

describe.skipIf(skipReason)('tenant scope on the SQL sent', () => {
  let a: Fixture;
  let b: Fixture;

  it.beforeAll(async ({ server, tenantA, tenantB }) => {
    a = await populate(server, tenantA, 'alpha');
    b = await populate(server, tenantB, 'bravo');
  }, 120_000);

  it("every statement of every read carries the caller's organizationId on each tenant-owned table, nested loads included", async ({ server, tenantA }) => {
    const apiKeyId = (await server.db.prisma.apiKey.findFirstOrThrow({ where: { organizationId: tenantA.organizationId, role: 'READ_ONLY' } })).id;
    const problems: string[] = [];
    let checked = 0;
    const touched = new Set<string>();
    for (const { name, query, variables } of readQueries(a, apiKeyId, tenantA.organizationId, b)) {
      const { result, statements } = await capture(server, () => server.graphql(tenantA.keys.READ_ONLY, query, variables));
      expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
      // Nothing of tenant B's comes back, whatever the path.
      const body = JSON.stringify(result.data);
      for (const secret of [...b.connectionNames, 'bravo', ...b.e164s]) expect(body, name).not.toContain(secret);
      for (const statement of statements) {
        for (const table of tablesOf(statement.sql)) touched.add(table);
        const problem = violation(statement, tenantA.organizationId);
        checked += 1;
        if (problem) problems.push(`${name}: ${problem}\n  ${statement.sql}\n  params ${statement.params}`);
      }
    }
    expect(problems, problems.join('\n\n')).toEqual([]);
    // The queries did reach every relation this test is about.
    for (const table of [
      'PhoneNumber',
      'Connection',
      'NumberOrder',
      'NumberOrderItem',
      'Reservation',
      'ReservationItem',
      'PortingOrder',
      'PortingOrderNumber',
      'PortingDocument',
      'PortingOrderTransition',
      'PortingComment',
      'LedgerEntry',
      'ApiKey',
      'Organization',
      'Event',
    ]) {
      expect(touched, table).toContain(table);
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('mutations that write and re-read nested rows carry the condition too', async ({ server, tenantA }) => {
    const mutations = [
      { query: `mutation { createConnection(input: { name: "alpha-new" }) { connection { id name phoneNumberCount } errors { code } } }` },
      {
        query: `mutation($id: ID!, $c: ID!) {
          configurePhoneNumber(input: { id: $id, connectionId: $c, label: "x" }) { phoneNumber { ${phoneFields} } errors { code message } } }`,
        variables: { id: globalId('PhoneNumber', a.phoneIds[3]!), c: globalId('Connection', a.connectionIds[0]!) },
      },
      {
        query: `mutation($id: ID!, $c: ID!) {
          configurePhoneNumber(input: { id: $id, connectionId: $c }) { phoneNumber { ${phoneFields} } errors { code message } } }`,
        variables: { id: globalId('PhoneNumber', a.phoneIds[2]!), c: globalId('Connection', b.connectionIds[0]!) },
      },
      { query: `mutation { createApiKey(input: { name: "alpha-extra", role: READ_ONLY }) { apiKey { id name } errors { code } } }` },
    ];
    const problems: string[] = [];
    for (const { query, variables } of mutations) {
      const { result, statements } = await capture(server, () => server.graphql(tenantA.keys.ADMIN, query, variables));
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      expect(JSON.stringify(result.data)).not.toContain('bravo');
      for (const statement of statements) {
        const problem = violation(statement, tenantA.organizationId);
        if (problem) problems.push(`${problem}\n  ${statement.sql}\n  params ${statement.params}`);
      }
    }
    expect(problems, problems.join('\n\n')).toEqual([]);
  });

  it("the database refuses a link from one tenant's row to another tenant's row", async ({ server }) => {
    const prisma = server.db.prisma;
    const links = [
      () => prisma.$executeRaw`UPDATE "PhoneNumber" SET "connectionId" = ${b.connectionIds[0]}::uuid WHERE id = ${a.phoneIds[1]}::uuid`,
      () => prisma.$executeRaw`UPDATE "NumberOrderItem" SET "phoneNumberId" = ${b.phoneIds[0]}::uuid WHERE "numberOrderId" = ${a.orderId}::uuid`,
      () => prisma.$executeRaw`UPDATE "NumberOrder" SET "reservationId" = ${b.reservationId}::uuid WHERE id = ${a.orderId}::uuid`,
      () => prisma.$executeRaw`UPDATE "LedgerEntry" SET "phoneNumberId" = ${b.phoneIds[0]}::uuid WHERE id = ${a.ledgerId}::uuid`,
      () => prisma.$executeRaw`UPDATE "PortingComment" SET "portingOrderId" = ${b.portingOrderId}::uuid WHERE "portingOrderId" = ${a.portingOrderId}::uuid`,
    ];
    for (const link of links) await expect(link()).rejects.toThrow(/foreign key/i);
  });

  it('a cross-tenant link planted past the constraints still reads as nothing through nested fields', async ({ server, tenantA, tenantB }) => {
    const prisma = server.db.prisma;
    // Constraints off for this one transaction (as a bad migration or manual fix could leave data).
    await prisma.$transaction([
      prisma.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`),
      prisma.$executeRaw`UPDATE "PhoneNumber" SET "connectionId" = ${b.connectionIds[0]}::uuid WHERE id = ${a.phoneIds[1]}::uuid`,
      prisma.$executeRaw`UPDATE "NumberOrderItem" SET "phoneNumberId" = ${b.phoneIds[0]}::uuid WHERE "phoneNumberId" = ${a.phoneIds[1]}::uuid`,
      prisma.$executeRaw`UPDATE "NumberOrder" SET "reservationId" = ${b.reservationId}::uuid WHERE id = ${a.orderId}::uuid`,
      prisma.$executeRaw`UPDATE "LedgerEntry" SET "phoneNumberId" = ${b.phoneIds[0]}::uuid WHERE id = ${a.ledgerId}::uuid`,
    ]);
    try {
      const planted = await server.graphql(
        tenantA.keys.READ_ONLY,
        `query($p: ID!, $o: ID!, $l: ID!) {
          phoneNumbers(first: 50) { edges { node { id connection { id name phoneNumberCount } } } }
          phone: node(id: $p) { ... on PhoneNumber { connection { id name } } }
          order: node(id: $o) { ... on NumberOrder { reservation { id phoneNumbers } items { e164 phoneNumber { id e164 } } } }
          entry: node(id: $l) { ... on LedgerEntry { phoneNumber { id e164 } } }
        }`,
        { p: globalId('PhoneNumber', a.phoneIds[1]!), o: globalId('NumberOrder', a.orderId), l: globalId('LedgerEntry', a.ledgerId) },
      );
      expect(planted.errors).toBeUndefined();
      const body = JSON.stringify(planted.data);
      for (const secret of [...b.connectionNames, ...b.e164s, b.connectionIds[0], b.reservationId]) expect(body).not.toContain(secret);
      const data = planted.data as { phone: { connection: unknown }; order: { reservation: unknown }; entry: { phoneNumber: unknown } };
      expect(data.phone.connection).toBeNull();
      expect(data.order.reservation).toBeNull();
      expect(data.entry.phoneNumber).toBeNull();
      // B's connection counts only B's numbers.
      const counted = await server.graphql(tenantB.keys.READ_ONLY, `query($id: ID!) { node(id: $id) { ... on Connection { phoneNumberCount } } }`, {
        id: globalId('Connection', b.connectionIds[0]!),
      });
      expect(counted.data).toEqual({ node: { phoneNumberCount: 2 } });
    } finally {
      await prisma.$transaction([
        prisma.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`),
        prisma.$executeRaw`UPDATE "PhoneNumber" SET "connectionId" = ${a.connectionIds[1]}::uuid WHERE id = ${a.phoneIds[1]}::uuid`,
        prisma.$executeRaw`UPDATE "NumberOrderItem" SET "phoneNumberId" = ${a.phoneIds[1]}::uuid
          WHERE "phoneNumberId" = ${b.phoneIds[0]}::uuid AND "organizationId" = ${tenantA.organizationId}::uuid`,
        prisma.$executeRaw`UPDATE "NumberOrder" SET "reservationId" = ${a.reservationId}::uuid WHERE id = ${a.orderId}::uuid`,
        prisma.$executeRaw`UPDATE "LedgerEntry" SET "phoneNumberId" = ${a.phoneIds[0]}::uuid WHERE id = ${a.ledgerId}::uuid`,
      ]);
    }
  });
});
