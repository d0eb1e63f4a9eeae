import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { graphql } from '../../src/generated/graphql/index.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

const PhoneNumbersPage = graphql(`
  query PhoneNumbersPage($first: Int, $after: String, $last: Int, $before: String, $filter: PhoneNumberFilter, $orderBy: PhoneNumberOrder) {
    phoneNumbers(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id e164 status label tags createdAt monthlyPrice { amountCents currency formatted } connection { id name } } }
    }
  }
`);

const AvailableNumbers = graphql(`
  query AvailableNumbers($filter: AvailablePhoneNumberFilter!, $first: Int, $after: String) {
    availablePhoneNumbers(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node { e164 countryCode areaCode locality region numberType capabilities activationPrice { amountCents } monthlyPrice { amountCents formatted } }
      }
    }
  }
`);

const Viewer = graphql(`
  query Viewer {
    viewer { role kycStatus inventoryAlertThreshold balance { amountCents currency formatted } organization { id name slug } apiKey { id role displayPrefix } }
  }
`);

const NodeLookup = graphql(`
  query NodeLookup($id: ID!) {
    node(id: $id) { id __typename ... on PhoneNumber { e164 } ... on Connection { name } ... on LedgerEntry { description } }
  }
`);

const NodesLookup = graphql(`
  query NodesLookup($ids: [ID!]!) {
    nodes(ids: $ids) { id }
  }
`);

const PhoneNumberByE164 = graphql(`
  query PhoneNumberByE164($e164: E164!) {
    phoneNumber(e164: $e164) { id e164 }
  }
`);

const ConnectionsAndLedger = graphql(`
  query ConnectionsAndLedger {
    connections(first: 10) { totalCount edges { node { id name phoneNumberCount } } }
    ledger(first: 10) { totalCount edges { node { id kind description amount { amountCents } balanceAfter { amountCents } } } }
  }
`);

const it = serverTest({}, { tenants: { acme: { name: 'Acme' }, globex: { name: 'Globex' } } });

describe.skipIf(skipReason)('queries', () => {
  let acmeNumbers: string[];
  let globexNumbers: string[];
  let globexConnectionId: string;
  let globexLedgerId: string;

  it.beforeAll(async ({ server, acme, globex }) => {
    await seedInventory(server.db.prisma, { count: 3000 });
    const prisma = server.db.prisma;
    const acmeConnection = await prisma.connection.create({ data: { organizationId: acme.organizationId, name: 'Main' } });
    const globexConnection = await prisma.connection.create({ data: { organizationId: globex.organizationId, name: 'Secret' } });
    globexConnectionId = globexConnection.id;
    acmeNumbers = await insertOwnedNumbers(prisma, acme.organizationId, 30, { connectionId: acmeConnection.id, tags: ['sales'] });
    await insertOwnedNumbers(prisma, acme.organizationId, 5, { status: 'RELEASED', label: 'Old, "quoted" line' });
    globexNumbers = await insertOwnedNumbers(prisma, globex.organizationId, 10, { connectionId: globexConnection.id, label: 'globex-secret' });
    const entry = await prisma.ledgerEntry.create({
      data: { organizationId: globex.organizationId, kind: 'TOP_UP', amountCents: 5000, balanceAfterCents: 5000, description: 'Globex top-up' },
    });
    globexLedgerId = entry.id;
  });

  describe('authentication', () => {
    it('refuses a request with no key with HTTP 401 UNAUTHENTICATED', async ({ server }) => {
      const response = await server.graphql(null, Viewer);
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('refuses a well-formed but unknown key and a malformed one', async ({ server }) => {
      for (const key of ['pn_live_' + 'x'.repeat(40), 'not-a-key']) {
        const response = await server.graphql(key, Viewer);
        expect(response.status).toBe(401);
        expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
    });

    it('accepts the key in x-api-key as well as Authorization', async ({ server, acme }) => {
      const response = await server.graphql(null, Viewer, undefined, { 'x-api-key': acme.keys.READ_ONLY });
      expect(response.status).toBe(200);
      expect(response.data?.viewer.role).toBe('READ_ONLY');
    });

    it('refuses a revoked key', async ({ server }) => {
      const tenant = await server.createTenant();
      expect((await server.graphql(tenant.keys.MEMBER, Viewer)).status).toBe(200);
      await server.db.prisma.apiKey.updateMany({ where: { organizationId: tenant.organizationId, role: 'MEMBER' }, data: { revokedAt: new Date() } });
      const response = await server.graphql(tenant.keys.MEMBER, Viewer);
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  it("viewer shows the caller's organization, balance and role", async ({ server, acme }) => {
    const response = await server.graphql(acme.keys.ADMIN, Viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data?.viewer).toMatchObject({
      role: 'ADMIN',
      kycStatus: 'VERIFIED',
      inventoryAlertThreshold: 3,
      balance: { amountCents: 100_000, currency: 'USD', formatted: '$1,000.00' },
      organization: { name: 'Acme', slug: acme.slug },
      apiKey: { role: 'ADMIN' },
    });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  describe('availablePhoneNumbers', () => {
    it('filters by country and area code, and pages with after', async ({ server, acme }) => {
      const sample = await server.db.prisma.inventoryNumber.findFirstOrThrow({ where: { countryCode: 'US', numberType: 'LOCAL' } });
      const filter = { countryCode: 'US', areaCode: sample.areaCode };
      const expected = await server.db.prisma.inventoryNumber.count({ where: { countryCode: 'US', areaCode: sample.areaCode, state: 'AVAILABLE' } });
      const seen: string[] = [];
      let after: string | null | undefined;
      for (;;) {
        const response = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, { filter, first: 7, after });
        expect(response.errors).toBeUndefined();
        const page = response.data!.availablePhoneNumbers;
        expect(page.totalCount).toBe(expected);
        for (const edge of page.edges) {
          expect(edge.node.countryCode).toBe('US');
          expect(edge.node.areaCode).toBe(sample.areaCode);
          seen.push(edge.node.e164);
        }
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(expected);
      expect(new Set(seen).size).toBe(expected);
      expect([...seen].sort()).toEqual(seen);
    });

    it('filters by number type, capabilities, locality and digits', async ({ server, acme }) => {
      const sample = await server.db.prisma.inventoryNumber.findFirstOrThrow({ where: { countryCode: 'GB', numberType: 'LOCAL', locality: { not: null } } });
      const byLocality = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, {
        filter: { countryCode: 'gb', locality: sample.locality!.toUpperCase(), numberType: 'LOCAL' },
        first: 100,
      });
      expect(byLocality.errors).toBeUndefined();
      expect(byLocality.data!.availablePhoneNumbers.edges.length).toBeGreaterThan(0);
      for (const { node } of byLocality.data!.availablePhoneNumbers.edges) {
        expect(node.locality).toBe(sample.locality);
        expect(node.numberType).toBe('LOCAL');
      }

      const tollFree = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, {
        filter: { countryCode: 'US', numberType: 'TOLL_FREE', capabilities: ['VOICE', 'SMS'] },
        first: 50,
      });
      expect(tollFree.data!.availablePhoneNumbers.edges.length).toBeGreaterThan(0);
      for (const { node } of tollFree.data!.availablePhoneNumbers.edges) {
        expect(node.numberType).toBe('TOLL_FREE');
        expect(node.capabilities).toEqual(expect.arrayContaining(['VOICE', 'SMS']));
      }

      const digits = sample.e164.slice(-4);
      const contains = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, { filter: { countryCode: 'GB', contains: digits }, first: 100 });
      const found = contains.data!.availablePhoneNumbers.edges.map((e) => e.node.e164);
      expect(found).toContain(sample.e164);
      for (const e164 of found) expect(e164).toContain(digits);
    });

    it('does not list numbers that are not available', async ({ server, acme }) => {
      const taken = await server.db.prisma.inventoryNumber.findFirstOrThrow({ where: { countryCode: 'DE' } });
      await server.db.prisma.inventoryNumber.update({ where: { id: taken.id }, data: { state: 'ASSIGNED' } });
      const response = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, { filter: { countryCode: 'DE', contains: taken.e164.slice(1) }, first: 10 });
      expect(response.data!.availablePhoneNumbers.edges).toEqual([]);
    });
  });

  describe('phoneNumbers', () => {
    it("pages forward and backward over the tenant's numbers without gaps or repeats", async ({ server, acme }) => {
      const forward: string[] = [];
      let after: string | null | undefined;
      let pages = 0;
      for (;;) {
        const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 8, after });
        expect(response.errors).toBeUndefined();
        const connection = response.data!.phoneNumbers;
        expect(connection.totalCount).toBe(35);
        forward.push(...connection.edges.map((e) => e.node.e164));
        pages += 1;
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(pages).toBe(5);
      expect(new Set(forward).size).toBe(35);

      const backward: string[] = [];
      let before: string | null | undefined;
      for (;;) {
        const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { last: 8, before });
        const connection = response.data!.phoneNumbers;
        backward.unshift(...connection.edges.map((e) => e.node.e164));
        if (!connection.pageInfo.hasPreviousPage) break;
        before = connection.pageInfo.startCursor;
      }
      expect(backward).toEqual(forward);
    });

    it('orders by E.164 ascending and by creation time descending by default', async ({ server, acme }) => {
      const byE164 = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100, orderBy: { field: 'E164', direction: 'ASC' } });
      const e164s = byE164.data!.phoneNumbers.edges.map((e) => e.node.e164);
      expect(e164s).toEqual([...e164s].sort());
      const byDefault = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100 });
      const created = byDefault.data!.phoneNumbers.edges.map((e) => Date.parse(e.node.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
    });

    it('filters by status, tags, search and connection', async ({ server, acme }) => {
      const released = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100, filter: { status: ['RELEASED'] } });
      expect(released.data!.phoneNumbers.totalCount).toBe(5);
      const tagged = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100, filter: { tags: ['sales'] } });
      expect(tagged.data!.phoneNumbers.totalCount).toBe(30);
      const searched = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100, filter: { search: 'quoted' } });
      expect(searched.data!.phoneNumbers.totalCount).toBe(5);
      const byDigits = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100, filter: { search: acmeNumbers[3]!.slice(-7) } });
      expect(byDigits.data!.phoneNumbers.edges.map((e) => e.node.e164)).toContain(acmeNumbers[3]);
      const first = tagged.data!.phoneNumbers.edges[0]!.node;
      const byConnection = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100, filter: { connectionId: first.connection!.id } });
      expect(byConnection.data!.phoneNumbers.totalCount).toBe(30);
    });

    it('finds one number by E.164', async ({ server, acme }) => {
      const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumberByE164, { e164: acmeNumbers[0]! });
      expect(response.data?.phoneNumber?.e164).toBe(acmeNumbers[0]);
    });
  });

  describe('tenant isolation', () => {
    it("never lists another tenant's numbers, with or without filters", async ({ server, acme, globex }) => {
      const filters = [
        undefined,
        { search: 'globex' },
        { countryCode: 'US' },
        { status: ['ACTIVE' as const] },
        { connectionId: encodeGlobalId('Connection', globexConnectionId) },
      ];
      for (const filter of filters) {
        const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 100, filter });
        expect(response.errors).toBeUndefined();
        const e164s = response.data!.phoneNumbers.edges.map((e) => e.node.e164);
        for (const number of globexNumbers) expect(e164s).not.toContain(number);
      }
      const globexView = await server.graphql(globex.keys.READ_ONLY, PhoneNumbersPage, { first: 100 });
      expect(globexView.data!.phoneNumbers.totalCount).toBe(10);
    });

    it("phoneNumber(e164:) for another tenant's number is null", async ({ server, acme }) => {
      const response = await server.graphql(acme.keys.ADMIN, PhoneNumberByE164, { e164: globexNumbers[0]! });
      expect(response.errors).toBeUndefined();
      expect(response.data?.phoneNumber).toBeNull();
    });

    it("node and nodes treat another tenant's objects exactly like missing ones", async ({ server, acme, globex }) => {
      const globexNumber = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { organizationId: globex.organizationId } });
      const foreignIds = [
        encodeGlobalId('PhoneNumber', globexNumber.id),
        encodeGlobalId('Connection', globexConnectionId),
        encodeGlobalId('LedgerEntry', globexLedgerId),
        encodeGlobalId('Organization', globex.organizationId),
      ];
      const missing = await server.graphql(acme.keys.ADMIN, NodeLookup, { id: encodeGlobalId('PhoneNumber', '00000000-0000-4000-8000-000000000000') });
      for (const id of foreignIds) {
        const response = await server.graphql(acme.keys.ADMIN, NodeLookup, { id });
        expect(response).toMatchObject({ status: missing.status, data: { node: null } });
        expect(response.errors).toEqual(missing.errors);
      }
      const many = await server.graphql(acme.keys.ADMIN, NodesLookup, { ids: foreignIds });
      expect(many.data?.nodes).toEqual([null, null, null, null]);
      const own = await server.graphql(globex.keys.ADMIN, NodeLookup, { id: foreignIds[0]! });
      expect(own.data?.node).toMatchObject({ __typename: 'PhoneNumber', e164: globexNumber.e164 });
    });

    it("connections and ledger show only the caller's own", async ({ server, acme, globex }) => {
      const response = await server.graphql(acme.keys.READ_ONLY, ConnectionsAndLedger);
      expect(response.errors).toBeUndefined();
      expect(response.data!.connections.edges.map((e) => e.node.name)).toEqual(['Main']);
      expect(response.data!.connections.edges[0]!.node.phoneNumberCount).toBe(30);
      expect(response.data!.ledger.totalCount).toBe(0);
      const globexView = await server.graphql(globex.keys.READ_ONLY, ConnectionsAndLedger);
      expect(globexView.data!.ledger.edges.map((e) => e.node.description)).toEqual(['Globex top-up']);
    });

    it("refuses another tenant's cursor", async ({ server, acme, globex }) => {
      const globexPage = await server.graphql(globex.keys.READ_ONLY, PhoneNumbersPage, { first: 2 });
      const cursor = globexPage.data!.phoneNumbers.pageInfo.endCursor;
      const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 2, after: cursor });
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CURSOR', field: ['after'] });
      expect(response.data).toBeNull();
    });
  });

  describe('bad input', () => {
    const expectServerStillServes = async (server: TestServer, acme: Tenant) => {
      const response = await server.graphql(acme.keys.READ_ONLY, Viewer);
      expect(response.status).toBe(200);
      expect(response.data?.viewer.role).toBe('READ_ONLY');
    };

    it('malformed GraphQL gets a syntax error, not a 500', async ({ server, acme }) => {
      const response = await server.graphql(acme.keys.READ_ONLY, '{ phoneNumbers(first: 5 { edges }');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.errors?.[0]?.message).toMatch(/Syntax Error/);
      await expectServerStillServes(server, acme);
    });

    it('a bad E.164 names the argument', async ({ server, acme }) => {
      for (const e164 of ['15125550100', '+0123456789', '+1 512 555 0100', '+1512']) {
        const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumberByE164, { e164 });
        expect(response.status).toBeLessThan(500);
        expect(response.errors?.[0]?.message).toMatch(/\$e164/);
        expect(response.errors?.[0]?.message).toMatch(/E\.164/);
      }
      await expectServerStillServes(server, acme);
    });

    it('an unknown country code names the field', async ({ server, acme }) => {
      const response = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, { filter: { countryCode: 'XX' } });
      expect(response.status).toBeLessThan(500);
      expect(response.errors?.[0]?.message).toMatch(/countryCode/);
      await expectServerStillServes(server, acme);
    });

    it('bad filter values name the field', async ({ server, acme }) => {
      const response = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, { filter: { countryCode: 'US', areaCode: '51a' } });
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['filter', 'areaCode'] });
      const contains = await server.graphql(acme.keys.READ_ONLY, AvailableNumbers, { filter: { countryCode: 'US', contains: "1' OR 1=1 --" } });
      expect(contains.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['filter', 'contains'] });
    });

    it('first: 500 and negative sizes are refused', async ({ server, acme }) => {
      for (const [args, field] of [
        [{ first: 500 }, 'first'],
        [{ last: 101 }, 'last'],
        [{ first: -1 }, 'first'],
      ] as const) {
        const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, args);
        expect(response.status).toBeLessThan(500);
        expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: [field] });
        expect(response.errors?.[0]?.message).toMatch(new RegExp(field));
      }
      await expectServerStillServes(server, acme);
    });

    it('a forged cursor is refused', async ({ server, acme }) => {
      const page = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 2 });
      const [body, signature] = page.data!.phoneNumbers.pageInfo.endCursor!.split('.');
      const tampered = Buffer.from(JSON.stringify(['2020-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
      for (const cursor of ['garbage', `${tampered}.${signature}`, `${body}.AAAA`, `${body}`]) {
        const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 2, after: cursor });
        expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CURSOR', field: ['after'] });
      }
      const before = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { last: 2, before: 'nope' });
      expect(before.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CURSOR', field: ['before'] });
      await expectServerStillServes(server, acme);
    });

    it('a cursor from a different ordering is refused', async ({ server, acme }) => {
      const page = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { first: 2 });
      const response = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, {
        first: 2,
        after: page.data!.phoneNumbers.pageInfo.endCursor,
        orderBy: { field: 'E164', direction: 'ASC' },
      });
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CURSOR', field: ['after'] });
    });

    it('a malformed global ID names the argument', async ({ server, acme }) => {
      for (const id of ['not-an-id', encodeGlobalId('PhoneNumber', 'DROP TABLE'), Buffer.from('PhoneNumber').toString('base64url')]) {
        const response = await server.graphql(acme.keys.READ_ONLY, NodeLookup, { id });
        expect(response.status).toBeLessThan(500);
        expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['id'] });
      }
      const badConnection = await server.graphql(acme.keys.READ_ONLY, PhoneNumbersPage, { filter: { connectionId: 'zzz' } });
      expect(badConnection.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['filter', 'connectionId'] });
      await expectServerStillServes(server, acme);
    });
  });
});
