import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { eventually, feedListening, OrderNumbers, pickAvailable, quietFor } from '../helpers/lifecycle.js';
import { startTestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';
import { subscribeSse, subscribeWs, wsClient } from '../helpers/subscriptions.js';

const allEvents = `subscription All($after: String) {
  events(after: $after) {
    eventId type occurredAt
    ... on PhoneNumberStatusChangedEvent { previousStatus newStatus phoneNumber { id e164 status } }
    ... on NumberOrderUpdatedEvent { orderStatus: newStatus numberOrder { id } }
  }
}`;

const statusFlips = `subscription Flips($after: String, $filter: PhoneNumberStatusChangedFilter) {
  phoneNumberStatusChanged(after: $after, filter: $filter) { eventId previousStatus newStatus phoneNumber { id e164 status } }
}`;

const configure = `mutation C($input: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $input) { errors { code } } }`;

const eventIdOf = (result: Record<string, unknown>) => (Object.values(result)[0] as { eventId: string }).eventId;

const it = serverTest({ FEED_MAX_SUBSCRIPTIONS_PER_CONNECTION: '600' }, { tenants: ['a', 'b'] });

describe.skipIf(skipReason)('live event feed', () => {
  it.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 1000 });
  });

  it('refuses a WebSocket without a valid key with 4401, and SSE with HTTP 401', async ({ server }) => {
    let closedWith: number | undefined;
    const client = wsClient(server.url, `pn_test_${'x'.repeat(40)}`, (event) => (closedWith = event.code));
    const sub = subscribeWs(client, allEvents);
    await eventually(
      async () => closedWith,
      (code) => code !== undefined,
      5_000,
    );
    expect(closedWith).toBe(4401);
    await sub.close();
    const sse = subscribeSse(server.url, null, allEvents);
    expect(await sse.status).toBe(401);
  });

  it("a tenant subscribed to everything sees its own events and none of another tenant's (WebSocket and SSE)", async ({ server, a, b }) => {
    const listening = server.app.feed.listenerCount();
    const clientA = wsClient(server.url, a.keys.READ_ONLY);
    const clientB = wsClient(server.url, b.keys.READ_ONLY);
    const aWs = subscribeWs(clientA, allEvents);
    const bWs = subscribeWs(clientB, allEvents);
    const bSse = subscribeSse(server.url, b.keys.READ_ONLY, allEvents);
    expect(await bSse.status).toBe(200);
    await feedListening(server, listening + 3);

    const stock = await pickAvailable(server, 2);
    const order = await server.graphql(a.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: stock.map((s) => s.e164), idempotencyKey: 'feed-a' } });
    expect(order.data?.orderPhoneNumbers.errors).toEqual([]);
    // A's order: 2 × PENDING, order PENDING, 2 × ACTIVE, order COMPLETED (plus inventory/bucket events, if any).
    const aEvents = await aWs.waitFor(6);
    const types = aEvents.map((e) => (e.events as { type: string }).type);
    expect(types.filter((t) => t === 'NUMBER_STATUS_CHANGED')).toHaveLength(4);
    const active = aEvents
      .map((e) => e.events as { newStatus?: string; phoneNumber?: { e164: string; status: string } })
      .filter((e) => e.newStatus === 'ACTIVE');
    expect(active.map((e) => e.phoneNumber!.e164).sort()).toEqual(stock.map((s) => s.e164).sort());

    // B's own activity arrives on B's subscriptions, proving they are live, and it is all they see.
    const [bNumber] = await insertOwnedNumbers(server.db.prisma, b.organizationId, 1);
    const bRow = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164: bNumber, organizationId: b.organizationId } });
    await server.graphql(b.keys.MEMBER, configure, { input: { id: encodeGlobalId('PhoneNumber', bRow.id), label: 'b' } });
    await bWs.waitFor(1);
    await bSse.waitFor(1);
    // Nothing of A's may follow: an absence, watched for a while.
    await quietFor(300);
    for (const sub of [bWs, bSse]) {
      expect(sub.received.map((e) => (e.events as { type: string }).type)).toEqual(['NUMBER_CONFIGURED']);
      expect(sub.errors).toEqual([]);
    }
    await Promise.all([aWs.close(), bWs.close(), bSse.close()]);
    await clientA.dispose();
    await clientB.dispose();
  });

  it('disconnect, 100 events happen, reconnect with the last cursor: exactly those 100 in order, then live ones', async ({ server }) => {
    const tenant = await server.createTenant();
    const [e164] = await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 1);
    const number = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164, organizationId: tenant.organizationId } });
    const id = encodeGlobalId('PhoneNumber', number.id);
    const label = (i: number) => server.graphql(tenant.keys.MEMBER, configure, { input: { id, label: `v${i}` } });

    const client = wsClient(server.url, tenant.keys.READ_ONLY);
    const first = subscribeWs(client, allEvents);
    await feedListening(server, 1, tenant.organizationId);
    await label(0);
    const [seen] = await first.waitFor(1);
    const cursor = eventIdOf(seen!);
    await first.close();
    await client.dispose();

    for (let i = 1; i <= 100; i += 1) await label(i);
    // All 100 are committed and numbered by the outbox relay.
    await eventually(
      () => server.db.prisma.event.count({ where: { organizationId: tenant.organizationId, sequence: { gt: BigInt(cursor) } } }),
      (n) => n === 100,
    );

    const again = wsClient(server.url, tenant.keys.READ_ONLY);
    const resumed = subscribeWs(again, allEvents, { after: cursor });
    const replayed = await resumed.waitFor(100);
    const ids = replayed.map(eventIdOf).map(BigInt);
    expect(ids.every((value, i) => i === 0 || value > ids[i - 1]!)).toBe(true);
    expect(ids[0]).toBeGreaterThan(BigInt(cursor));
    expect(replayed.map((r) => (r.events as { type: string }).type).every((t) => t === 'NUMBER_CONFIGURED')).toBe(true);
    await label(101);
    const withLive = await resumed.waitFor(101);
    expect(BigInt(eventIdOf(withLive[100]!))).toBeGreaterThan(ids[99]!);
    // No repeat may follow: an absence, watched for a while.
    await quietFor(300);
    expect(resumed.received).toHaveLength(101);
    await resumed.close();
    await again.dispose();
  });

  it('events arriving during a replay are neither lost nor repeated', async ({ server }) => {
    const tenant = await server.createTenant();
    const numbers = await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 1);
    const row = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164: numbers[0], organizationId: tenant.organizationId } });
    const id = encodeGlobalId('PhoneNumber', row.id);
    for (let i = 0; i < 300; i += 1) await server.graphql(tenant.keys.MEMBER, configure, { input: { id, label: `before-${i}` } });
    const client = wsClient(server.url, tenant.keys.READ_ONLY);
    const sub = subscribeWs(client, allEvents, { after: '0' });
    const writes = (async () => {
      for (let i = 0; i < 30; i += 1) await server.graphql(tenant.keys.MEMBER, configure, { input: { id, label: `during-${i}` } });
    })();
    await writes;
    const all = await sub.waitFor(330, 30_000);
    const ids = all.map(eventIdOf);
    expect(new Set(ids).size).toBe(330);
    expect(ids.map(BigInt).every((value, i, list) => i === 0 || value > list[i - 1]!)).toBe(true);
    await sub.close();
    await client.dispose();
  });

  it('phoneNumberStatusChanged filters by number and status', async ({ server }) => {
    const tenant = await server.createTenant();
    const stock = await pickAvailable(server, 2);
    const client = wsClient(server.url, tenant.keys.READ_ONLY);
    const onlyActive = subscribeWs(client, statusFlips, { filter: { statuses: ['ACTIVE'] } });
    await feedListening(server, 1, tenant.organizationId);
    await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: stock.map((s) => s.e164), idempotencyKey: 'flips' } });
    const flips = await onlyActive.waitFor(2);
    for (const flip of flips)
      expect(flip.phoneNumberStatusChanged).toMatchObject({ previousStatus: 'PENDING', newStatus: 'ACTIVE', phoneNumber: { status: 'ACTIVE' } });
    // The PENDING flips must not follow: an absence, watched for a while.
    await quietFor(200);
    expect(onlyActive.received).toHaveLength(2);
    const target = (flips[0]!.phoneNumberStatusChanged as { phoneNumber: { id: string } }).phoneNumber.id;
    const replayOne = subscribeWs(client, statusFlips, { after: '0', filter: { phoneNumberId: target } });
    const history = await replayOne.waitFor(2);
    expect(history.map((h) => (h.phoneNumberStatusChanged as { newStatus: string }).newStatus)).toEqual(['PENDING', 'ACTIVE']);
    await onlyActive.close();
    await replayOne.close();
    await client.dispose();
  });

  it('listeners are released: 500 subscriptions opened and closed leave nothing registered', async ({ server, a }) => {
    // Earlier tests' subscriptions must all have been released by now.
    const before = await eventually(
      async () => server.app.feed.listenerCount(),
      (n) => n === 0,
      10_000,
    );
    const client = wsClient(server.url, a.keys.READ_ONLY);
    const subs = Array.from({ length: 500 }, () => subscribeWs(client, allEvents));
    await eventually(
      async () => server.app.feed.listenerCount(),
      (n) => n === before + 500,
      20_000,
    );
    await Promise.all(subs.map((sub) => sub.close()));
    await eventually(
      async () => server.app.feed.listenerCount(),
      (n) => n === before,
      10_000,
    );
    // And abrupt disconnects too.
    const other = wsClient(server.url, a.keys.READ_ONLY);
    Array.from({ length: 50 }, () => subscribeWs(other, allEvents));
    await eventually(
      async () => server.app.feed.listenerCount(),
      (n) => n === before + 50,
      10_000,
    );
    await other.dispose();
    await eventually(
      async () => server.app.feed.listenerCount(),
      (n) => n === before,
      10_000,
    );
    await client.dispose();
  });

  it('caps subscriptions per connection', async () => {
    const limited = await startTestServer({ FEED_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3' });
    try {
      const tenant = await limited.createTenant();
      const client = wsClient(limited.url, tenant.keys.READ_ONLY);
      const subs = Array.from({ length: 4 }, () => subscribeWs(client, allEvents));
      await eventually(
        async () => subs[3]!.errors.length,
        (n) => n > 0,
        5_000,
      );
      expect(JSON.stringify(subs[3]!.errors)).toMatch(/At most 3/);
      expect(subs.slice(0, 3).every((s) => s.errors.length === 0)).toBe(true);
      await client.dispose();
    } finally {
      await limited.stop();
    }
  });
});
