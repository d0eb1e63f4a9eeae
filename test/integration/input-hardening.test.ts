import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { eventually, until } from '../helpers/lifecycle.js';
import type { GraphqlResponse, Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';
import { subscribeWs, wsClient } from '../helpers/subscriptions.js';

// Issue 9, items 9, 10, 12, 22 and 23: bad text never reaches the database, user
// text is matched literally, and the feed's page tells where to resume.

const configure = `mutation C($input: ConfigurePhoneNumberInput!) {
  configurePhoneNumber(input: $input) { phoneNumber { label tags connection { id } } errors { code field message } }
}`;
const search = `query S($filter: PhoneNumberFilter) { phoneNumbers(first: 100, filter: $filter) { totalCount edges { node { label } } } }`;
const available = `query A($filter: AvailablePhoneNumberFilter!) { availablePhoneNumbers(first: 5, filter: $filter) { totalCount } }`;
const events = `query E($after: String, $types: [EventType!]) { events(first: 10, after: $after, types: $types) { endCursor hasNextPage edges { cursor } } }`;

type Refusal = { code?: string; field?: string[] | null };

/** A refusal as the API reports it: a top-level error with extensions, or the mutation payload's first error. */
function refusalOf(response: GraphqlResponse<unknown>): Refusal | undefined {
  const top = response.errors?.[0];
  if (top) return { code: top.extensions?.code, field: top.extensions?.field ?? null };
  const payload = Object.values((response.data ?? {}) as Record<string, { errors?: Refusal[] } | null>)[0];
  const first = payload?.errors?.[0];
  return first && { code: first.code, field: first.field };
}

const it = serverTest({}, { tenants: ['tenant'] });

describe.skipIf(skipReason)('input hardening', () => {
  let numberId: string;
  let numberRow: string;
  const counts = async (server: TestServer, tenant: Tenant) => {
    const p = server.db.prisma;
    const where = { organizationId: tenant.organizationId };
    return {
      events: await p.event.count({ where }),
      connections: await p.connection.count({ where }),
      apiKeys: await p.apiKey.count({ where }),
      portingOrders: await p.portingOrder.count({ where }),
      orders: await p.numberOrder.count({ where }),
      number: await p.phoneNumber.findUniqueOrThrow({
        where: { id: numberRow },
        select: { label: true, tags: true, customerReference: true, connectionId: true, assignedTo: true },
      }),
    };
  };

  it.beforeAll(async ({ server, tenant }) => {
    await seedInventory(server.db.prisma, { count: 3000 });
    await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 1, { label: 'plain', tags: ['keep'] });
    numberRow = (await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { organizationId: tenant.organizationId } })).id;
    numberId = encodeGlobalId('PhoneNumber', numberRow);
  });

  it('refuses NUL and other control characters in every kind of text input, naming the field, writing nothing', async ({ server, tenant }) => {
    const nul = 'a\u0000b';
    const somePortingOrder = encodeGlobalId('PortingOrder', randomUUID());
    const cases: Array<[string, string, Record<string, unknown>, string[], string?]> = [
      ['label', configure, { input: { id: numberId, label: nul } }, ['input', 'label']],
      ['customerReference', configure, { input: { id: numberId, customerReference: nul } }, ['input', 'customerReference']],
      ['tags', configure, { input: { id: numberId, tags: ['ok', nul] } }, ['input', 'tags']],
      ['assignedTo (escape)', configure, { input: { id: numberId, assignedTo: 'x\u001b[31m' } }, ['input', 'assignedTo']],
      ['complianceProfileId (DEL)', configure, { input: { id: numberId, complianceProfileId: 'cp\u007f' } }, ['input', 'complianceProfileId']],
      ['unpaired surrogate', configure, { input: { id: numberId, label: 'x\ud800y' } }, ['input', 'label']],
      [
        'connection name',
        `mutation($input: CreateConnectionInput!) { createConnection(input: $input) { errors { code field } } }`,
        { input: { name: nul } },
        ['input', 'name'],
      ],
      [
        'API key name',
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { errors { code field } } }`,
        { input: { name: nul, role: 'READ_ONLY' } },
        ['input', 'name'],
        'ADMIN',
      ],
      [
        'porting customerReference',
        `mutation($input: CreatePortingOrderInput!) { createPortingOrder(input: $input) { errors { code field } } }`,
        { input: { phoneNumbers: ['+15125550123'], customerReference: nul } },
        ['input', 'customerReference'],
      ],
      [
        'porting address',
        `mutation($input: UpdatePortingOrderInput!) { updatePortingOrder(input: $input) { errors { code field } } }`,
        { input: { id: somePortingOrder, serviceAddress: { street: nul, locality: 'Austin', postalCode: '78701', countryCode: 'US' } } },
        ['input', 'serviceAddress', 'street'],
      ],
      ['search', search, { filter: { search: nul } }, ['filter', 'search']],
      ['filter tag', search, { filter: { tags: [nul] } }, ['filter', 'tags']],
      ['locality', available, { filter: { countryCode: 'US', locality: nul } }, ['filter', 'locality']],
      ['region', available, { filter: { countryCode: 'US', region: nul } }, ['filter', 'region']],
      ['events cursor', events, { after: nul }, ['after']],
      ['connection id', configure, { input: { id: numberId, connectionId: nul } }, ['input', 'connectionId']],
      ['number id', configure, { input: { id: `${numberId}\u0000` } }, ['input', 'id']],
    ];
    const before = await counts(server, tenant);
    for (const [name, query, variables, field, role] of cases) {
      const response = await server.graphql(tenant.keys[(role ?? 'MEMBER') as 'MEMBER'], query, variables);
      expect(refusalOf(response), name).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(response), name).not.toContain('INTERNAL_SERVER_ERROR');
      expect(response.status, name).toBe(400);
    }
    expect(await counts(server, tenant)).toEqual(before);
  });

  it('checks inline literals as well as variables, in fragments too', async ({ server, tenant }) => {
    const inline = await server.graphql(tenant.keys.MEMBER, `{ phoneNumbers(first: 5, filter: { search: "x\\u0000" }) { totalCount } }`);
    expect(refusalOf(inline)).toEqual({ code: 'BAD_USER_INPUT', field: ['filter', 'search'] });
    const fragment = await server.graphql(
      tenant.keys.MEMBER,
      `query { ...F } fragment F on Query { availablePhoneNumbers(first: 1, filter: { countryCode: "US", locality: "\\u0000" }) { totalCount } }`,
    );
    expect(refusalOf(fragment)).toEqual({ code: 'BAD_USER_INPUT', field: ['filter', 'locality'] });
    const mutation = await server.graphql(
      tenant.keys.MEMBER,
      `mutation { configurePhoneNumber(input: { id: "${numberId}", label: "\\u0000" }) { errors { code field } } }`,
    );
    expect(refusalOf(mutation)).toEqual({ code: 'BAD_USER_INPUT', field: ['input', 'label'] });
    expect((await counts(server, tenant)).number.label).toBe('plain');
  });

  it('caps every string and list argument; tab, newline and unicode are fine', async ({ server, tenant }) => {
    const before = await counts(server, tenant);
    const huge = 'x'.repeat(1_000_000);
    const oversized: Array<[string, Record<string, unknown>, string[]]> = [
      [search, { filter: { tags: [huge] } }, ['filter', 'tags']],
      [search, { filter: { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) } }, ['filter', 'tags']],
      [configure, { input: { id: numberId, label: huge } }, ['input', 'label']],
      [
        `mutation($input: CreateConnectionInput!) { createConnection(input: $input) { errors { code field } } }`,
        { input: { name: 'n'.repeat(1001) } },
        ['input', 'name'],
      ],
      [
        `query($n: [E164!]!) { portabilityCheck(phoneNumbers: $n) { portable } }`,
        { n: Array.from({ length: 101 }, (_, i) => `+1512555${String(1000 + i)}`) },
        ['phoneNumbers'],
      ],
    ];
    for (const [query, variables, field] of oversized) {
      const response = await server.graphql(tenant.keys.MEMBER, query, variables);
      expect(refusalOf(response), field.join('.')).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    expect(await counts(server, tenant)).toEqual(before);

    const fine = await server.graphql(tenant.keys.MEMBER, configure, { input: { id: numberId, label: 'Zürich\tline 1\r\n☎️ 東京' } });
    expect(fine.errors).toBeUndefined();
    expect((fine.data as { configurePhoneNumber: { phoneNumber: { label: string } } }).configurePhoneNumber.phoneNumber.label).toBe('Zürich\tline 1\r\n☎️ 東京');
    await server.graphql(tenant.keys.MEMBER, configure, { input: { id: numberId, label: 'plain' } });
  });

  it('a variable of the wrong type or missing is refused with the argument path it stands for', async ({ server, tenant }) => {
    const before = await counts(server, tenant);
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      [configure, { input: { id: numberId, label: 5 } }, ['input', 'label']],
      [configure, { input: { id: numberId, tags: [1] } }, ['input', 'tags']],
      [configure, { input: { label: 'x' } }, ['input', 'id']],
      [search, { filter: { search: { nested: true } } }, ['filter', 'search']],
      [events, { types: ['NOT_A_TYPE'] }, ['types']],
      [`mutation($t: Int!) { setInventoryAlertThreshold(input: { threshold: $t }) { errors { code } } }`, { t: 2 ** 40 }, ['input', 'threshold']],
      [
        `mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { replayed } }`,
        { i: { phoneNumbers: ['5125550100'], idempotencyKey: 'k' } },
        ['input', 'phoneNumbers'],
      ],
    ];
    for (const [query, variables, field] of cases) {
      const response = await server.graphql(tenant.keys.ADMIN, query, variables);
      expect(response.status, JSON.stringify(variables)).toBe(400);
      expect(refusalOf(response), JSON.stringify(variables)).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    expect(await counts(server, tenant)).toEqual(before);
  });

  it('an empty ID is refused naming the field, never taken for "absent"', async ({ server, tenant }) => {
    const connection = await server.graphql(tenant.keys.MEMBER, `mutation { createConnection(input: { name: "main" }) { connection { id } } }`);
    const connectionId = (connection.data as { createConnection: { connection: { id: string } } }).createConnection.connection.id;
    const attached = await server.graphql(tenant.keys.MEMBER, configure, { input: { id: numberId, connectionId } });
    expect((attached.data as { configurePhoneNumber: { errors: unknown[] } }).configurePhoneNumber.errors).toEqual([]);
    const before = await counts(server, tenant);

    const detach = await server.graphql(tenant.keys.MEMBER, configure, { input: { id: numberId, connectionId: '' } });
    expect(refusalOf(detach)).toEqual({ code: 'BAD_USER_INPUT', field: ['input', 'connectionId'] });
    const filtered = await server.graphql(tenant.keys.MEMBER, search, { filter: { connectionId: '' } });
    expect(refusalOf(filtered)).toEqual({ code: 'BAD_USER_INPUT', field: ['filter', 'connectionId'] });
    const cursor = await server.graphql(tenant.keys.MEMBER, `{ phoneNumbers(first: 1, after: "") { totalCount } }`);
    expect(refusalOf(cursor)).toEqual({ code: 'INVALID_CURSOR', field: ['after'] });
    expect(await counts(server, tenant)).toEqual(before);
    expect(before.number.connectionId).not.toBeNull();
  });

  it('search text matches literally: % _ and \\ are not wildcards or escapes', async ({ server }) => {
    const owner = await server.createTenant();
    const labels = ['alpha', 'beta', '100% real', 'a_b', 'back\\slash', 'axb'];
    for (const label of labels) await insertOwnedNumbers(server.db.prisma, owner.organizationId, 1, { label });
    const labelsFound = async (text: string) => {
      const response = await server.graphql(owner.keys.READ_ONLY, search, { filter: { search: text } });
      expect(response.errors, text).toBeUndefined();
      return (response.data as { phoneNumbers: { edges: Array<{ node: { label: string } }> } }).phoneNumbers.edges.map((e) => e.node.label).sort();
    };
    expect(await labelsFound('%')).toEqual(['100% real']);
    expect(await labelsFound('_')).toEqual(['a_b']);
    expect(await labelsFound('a_b')).toEqual(['a_b']);
    expect(await labelsFound('\\')).toEqual(['back\\slash']);
    expect(await labelsFound('%real')).toEqual([]);
    expect(await labelsFound('ALPHA')).toEqual(['alpha']);
  });

  it('locality and region match exactly (ignoring case), wildcards included literally', async ({ server, tenant }) => {
    const total = async (filter: Record<string, unknown>) => {
      const response = await server.graphql(tenant.keys.READ_ONLY, available, { filter: { countryCode: 'US', ...filter } });
      expect(response.errors, JSON.stringify(filter)).toBeUndefined();
      return (response.data as { availablePhoneNumbers: { totalCount: number } }).availablePhoneNumbers.totalCount;
    };
    expect(await total({ locality: 'washington' })).toBeGreaterThan(0);
    expect(await total({ locality: '%' })).toBe(0);
    expect(await total({ locality: 'Washingt%' })).toBe(0);
    expect(await total({ locality: 'Washingto_' })).toBe(0);
    expect(await total({ locality: '\\' })).toBe(0);
    expect(await total({ region: '%' })).toBe(0);
  });

  it('refuses ";" in tags (the export separator), naming input.tags', async ({ server, tenant }) => {
    const before = await counts(server, tenant);
    const response = await server.graphql(tenant.keys.MEMBER, configure, { input: { id: numberId, tags: ['a;b', 'c'] } });
    expect(refusalOf(response)).toEqual({ code: 'BAD_USER_INPUT', field: ['input', 'tags'] });
    expect(await counts(server, tenant)).toEqual(before);
  });

  it('events: an empty page still says where to resume; an eventId beyond int64 is an INVALID_CURSOR', async ({ server }) => {
    const quiet = await server.createTenant();
    const page = async (variables: Record<string, unknown>) => {
      const response = await server.graphql(quiet.keys.READ_ONLY, events, variables);
      expect(response.errors).toBeUndefined();
      return (response.data as { events: { endCursor: string | null; hasNextPage: boolean; edges: Array<{ cursor: string }> } }).events;
    };
    // Nothing yet: the start of the feed.
    expect(await page({})).toEqual({ endCursor: '0', hasNextPage: false, edges: [] });
    expect(await page({ after: '12' })).toEqual({ endCursor: '12', hasNextPage: false, edges: [] });

    const [stock] = await server.db.prisma.inventoryNumber.findMany({ where: { state: 'AVAILABLE' }, take: 1 });
    await server.graphql(quiet.keys.MEMBER, `mutation($n: [E164!]!) { reservePhoneNumbers(input: { phoneNumbers: $n }) { errors { code } } }`, {
      n: [stock!.e164],
    });
    // The reservation's event reaches the feed once the outbox relay has numbered it.
    const first = await eventually(
      () => page({}),
      (p) => p.edges.length > 0,
      5_000,
    );
    const last = first.edges.at(-1)!.cursor;
    expect(first.endCursor).toBe(last);
    // Caught up: resume from where you are, not from null.
    expect(await page({ after: last })).toEqual({ endCursor: last, hasNextPage: false, edges: [] });
    // No event of these types yet: the current position, so polling skips what was already there.
    expect((await page({ types: ['INVENTORY_LOW'] })).endCursor).toBe(last);

    for (const after of ['9999999999999999999', '9223372036854775808']) {
      const response = await server.graphql(quiet.keys.READ_ONLY, events, { after });
      expect(refusalOf(response), after).toEqual({ code: 'INVALID_CURSOR', field: ['after'] });
    }
    expect((await page({ after: '9223372036854775807' })).endCursor).toBe('9223372036854775807');
  });

  it('over WebSocket: a subscription with bad text gets its own error, the socket and its other subscriptions live on', async ({ server, tenant }) => {
    const client = wsClient(server.url, tenant.keys.READ_ONLY);
    const good = subscribeWs(client, `subscription { events(after: "0") { eventId } }`);
    const bad = subscribeWs(client, `subscription($after: String) { events(after: $after) { eventId } }`, { after: 'x\u0000' });
    await until(() => bad.errors.length > 0, 'the subscription with bad text is refused', 2_000);
    expect(JSON.stringify(bad.errors)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(bad.errors)).toContain('"field":["after"]');
    expect(bad.received).toEqual([]);
    await good.waitFor(1);
    await good.close();
    await client.dispose();
  });
});
