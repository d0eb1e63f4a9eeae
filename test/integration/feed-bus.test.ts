import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { backend, skipReason } from '../helpers/database.js';
import { eventually, feedListening, OrderNumbers, OrderStatus, pickAvailable, quietFor, until } from '../helpers/lifecycle.js';
import { type RedisServer, redisServerSkipReason, startRedisServer } from '../helpers/redis-server.js';
import { startTestServer, type Tenant, type TestServer } from '../helpers/server.js';
import { subscribeWs, wsClient } from '../helpers/subscriptions.js';

// The Redis side of the live feed, on a redis-server of the test's own (killed,
// restarted and locked down here). Instances must really be subscribed when
// /readyz says so, and only their own deployment's outbox may move their feed.

const why = skipReason ?? redisServerSkipReason;
const clusterWhy = why ?? (backend !== 'postgres' ? 'instances share a PostgreSQL server (PGlite is one process)' : null);
if (clusterWhy && backend === 'postgres') console.warn(`[skip] feed bus cluster tests: ${clusterWhy}`);

const allEvents = `subscription All($after: String) { events(after: $after) { eventId type } }`;
const storedPage = `query Stored($after: String) { events(after: $after, first: 100) { edges { node { eventId type } } hasNextPage } }`;

type Readiness = { status: string; eventBus: string };
const readiness = async (server: TestServer) => (await fetch(`${server.url}/readyz`)).json() as Promise<Readiness>;
const busUp = (server: TestServer) =>
  eventually(
    () => readiness(server),
    (r) => r.eventBus === 'up',
    15_000,
  );

/** Every stored event of the caller's organization after `after`, in feed order. */
async function storedEvents(server: TestServer, key: string, after: string | null) {
  const events: Array<{ eventId: string; type: string }> = [];
  let cursor = after;
  for (;;) {
    const page = await server.graphql(key, storedPage, { after: cursor });
    const connection = (page.data as { events: { edges: Array<{ node: { eventId: string; type: string } }>; hasNextPage: boolean } }).events;
    events.push(...connection.edges.map((edge) => edge.node));
    if (!connection.hasNextPage) return events;
    cursor = events.at(-1)!.eventId;
  }
}

/** Orders `count` numbers and waits until the order is settled and its events are all stored. */
async function orderAndSettle(server: TestServer, tenant: Tenant, count: number, idempotencyKey: string) {
  const stock = await pickAvailable(server, count);
  const order = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: stock.map((s) => s.e164), idempotencyKey } });
  expect(order.data?.orderPhoneNumbers.errors).toEqual([]);
  const id = order.data!.orderPhoneNumbers.numberOrder!.id;
  await eventually(
    () => server.graphql(tenant.keys.READ_ONLY, OrderStatus, { id }),
    (r) => (r.data?.node as { status?: string } | null)?.status === 'COMPLETED',
  );
  // Events are numbered by the relay after commit: wait until the stored feed stops growing.
  let previous = -1;
  await eventually(
    async () => (await storedEvents(server, tenant.keys.READ_ONLY, null)).length,
    (length) => {
      const stable = length === previous;
      previous = length;
      return stable;
    },
  );
}

/**
 * Subscribes (from the last stored event, or without a cursor: from the hub's
 * position), lets `act` run, and checks the subscriber got exactly the events
 * stored meanwhile, once each and in order.
 */
async function expectExactlyOwnEvents(server: TestServer, tenant: Tenant, act: () => Promise<void>, from: 'cursor' | 'hub position' = 'cursor') {
  const after = (await storedEvents(server, tenant.keys.READ_ONLY, null)).at(-1)?.eventId ?? null;
  const listening = server.app.feed.listenerCount();
  const client = wsClient(server.url, tenant.keys.READ_ONLY);
  const live = subscribeWs(client, allEvents, from === 'cursor' ? { after } : {});
  await feedListening(server, listening + 1);
  await act();
  const stored = await storedEvents(server, tenant.keys.READ_ONLY, after);
  expect(stored.length).toBeGreaterThan(0);
  await live.waitFor(stored.length, 15_000);
  // Nothing more may follow (no repeat, nothing forged): an absence, watched for a while.
  await quietFor(800);
  expect(live.errors).toEqual([]);
  expect(live.received.map((r) => (r.events as { eventId: string }).eventId)).toEqual(stored.map((e) => e.eventId));
  await live.close();
  await client.dispose();
}

describe.skipIf(clusterWhy)('every instance’s Redis subscription', () => {
  let redis: RedisServer;
  let base: TestServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    base = await startTestServer({ REDIS_URL: redis.url });
    await busUp(base);
  });

  afterAll(async () => {
    await base?.stop();
    await redis?.stop();
  });

  it('is confirmed by Redis (PUBSUB NUMSUB) on each of 10 starts of two instances, once /readyz says up', async () => {
    const admin = redis.admin();
    for (let round = 0; round < 10; round++) {
      const instances = await Promise.all([startTestServer({ REDIS_URL: redis.url }, base), startTestServer({ REDIS_URL: redis.url }, base)]);
      try {
        await Promise.all(instances.map(busUp));
        const channels = (await admin.pubsub('CHANNELS', '*')) as string[];
        expect(channels).toHaveLength(1);
        // base and both new instances; a lost subscription never comes back, so this would time out.
        await eventually(
          async () => ((await admin.pubsub('NUMSUB', channels[0]!)) as [string, number])[1],
          (count) => count === 3,
          5_000,
        );
      } finally {
        await Promise.all(instances.map((instance) => instance.stop()));
      }
    }
  });

  it('is renewed on both instances after Redis restarts, and events cross between them through it', async () => {
    const a = await startTestServer({ REDIS_URL: redis.url, FEED_CATCH_UP_MS: '60000' }, base);
    // B neither runs jobs nor numbers events itself, and polls the outbox once a minute: only the bus can tell it of A's events.
    const b = await startTestServer({ REDIS_URL: redis.url, FEED_CATCH_UP_MS: '60000', OUTBOX_POLL_MS: '60000', RUN_JOBS: 'false' }, base);
    try {
      await Promise.all([a, b].map(busUp));
      await seedInventory(a.db.prisma, { count: 300 });
      const tenant = await a.createTenant();
      const listening = b.app.feed.listenerCount();
      const client = wsClient(b.url, tenant.keys.READ_ONLY);
      const live = subscribeWs(client, allEvents);
      await feedListening(b, listening + 1);
      const [first] = await pickAvailable(a, 1);
      await a.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [first.e164], idempotencyKey: 'before-restart' } });
      await live.waitFor(1, 10_000);

      await redis.restart();
      const admin = redis.admin();
      await Promise.all([a, b, base].map(busUp));
      const [channel] = (await admin.pubsub('CHANNELS', '*')) as string[];
      await eventually(
        async () => ((await admin.pubsub('NUMSUB', channel!)) as [string, number])[1],
        (count) => count === 3,
        10_000,
      );

      const seen = live.received.length;
      const [second] = await pickAvailable(a, 1);
      await a.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [second.e164], idempotencyKey: 'after-restart' } });
      // B's outbox poll is a minute away: an event within seconds came through the renewed subscription.
      await live.waitFor(seen + 1, 10_000);
      await live.close();
      await client.dispose();
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});

describe.skipIf(why)('/readyz and the Redis subscription', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('says the bus is down while Redis refuses the subscription, and up once it is confirmed', async () => {
    const admin = redis.admin();
    // A user that may run commands but may not use any channel: connecting works, SUBSCRIBE is refused (NOPERM).
    await admin.call('ACL', 'SETUSER', 'feedless', 'reset', 'on', '>secret', '~*', '+@all', 'resetchannels');
    const server = await startTestServer({ REDIS_URL: `redis://feedless:secret@127.0.0.1:${redis.port}` });
    try {
      // Redis logs each refused SUBSCRIBE: the server has tried, and been refused, once it has one.
      await until(async () => ((await admin.call('ACL', 'LOG')) as unknown[]).length > 0, 'Redis refuses the subscription', 10_000);
      expect(await readiness(server)).toMatchObject({ status: 'degraded', eventBus: 'down' });

      await admin.call('ACL', 'SETUSER', 'feedless', 'allchannels');
      await busUp(server);
      const channels = (await admin.pubsub('CHANNELS', '*')) as string[];
      expect(channels).toHaveLength(1);
      expect(((await admin.pubsub('NUMSUB', channels[0]!)) as [string, number])[1]).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(why)('/readyz and a Redis that stops answering', () => {
  let redis: RedisServer;
  let server: TestServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startTestServer({ REDIS_URL: redis.url });
    await busUp(server);
  });

  afterAll(async () => {
    redis?.thaw();
    await server?.stop();
    await redis?.stop();
  });

  it('says the bus is down while Redis is frozen (connections open, no answers), and up again once it answers', async () => {
    redis.freeze();
    try {
      expect(
        await eventually(
          () => readiness(server),
          (r) => r.eventBus === 'down',
          15_000,
        ),
      ).toMatchObject({ status: 'degraded' });
    } finally {
      redis.thaw();
    }
    await busUp(server);
    const channels = (await redis.admin().pubsub('CHANNELS', '*')) as string[];
    expect(((await redis.admin().pubsub('NUMSUB', channels[0]!)) as [string, number])[1]).toBe(1);
  });
});

describe.skipIf(why)('two deployments on one Redis', () => {
  let redis: RedisServer;
  let x: TestServer;
  let y: TestServer;
  let tenantX: Tenant;
  let tenantY: Tenant;
  let channelX: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    const admin = redis.admin();
    // Catch-up polling a minute away: what the bus does to a hub shows at once.
    x = await startTestServer({ REDIS_URL: redis.url, FEED_CATCH_UP_MS: '60000' });
    await busUp(x);
    channelX = ((await admin.pubsub('CHANNELS', '*')) as string[])[0]!;
    y = await startTestServer({ REDIS_URL: redis.url, FEED_CATCH_UP_MS: '60000' });
    await busUp(y);
    await seedInventory(x.db.prisma, { count: 300 });
    await seedInventory(y.db.prisma, { count: 300 });
    tenantX = await x.createTenant();
    tenantY = await y.createTenant();
  });

  afterAll(async () => {
    await y?.stop();
    await x?.stop();
    await redis?.stop();
  });

  it('use a channel each (derived from their databases)', async () => {
    const channels = (await redis.admin().pubsub('CHANNELS', '*')) as string[];
    expect(channels).toHaveLength(2);
    expect(channels).toContain(channelX);
  });

  it('a subscriber of one gets each of its own events exactly once while the other deployment runs further ahead', async () => {
    // Y's feed runs ahead of X's: a hub that took Y's sequences for its own would skip X's next events.
    await orderAndSettle(y, tenantY, 4, 'y-ahead');
    await expectExactlyOwnEvents(x, tenantX, async () => {
      await orderAndSettle(y, tenantY, 2, 'y-during');
      await orderAndSettle(x, tenantX, 2, 'x-own');
    });
  });

  it('forged, malformed and out-of-range messages on a deployment’s own channel deliver nothing and skip nothing', async () => {
    const admin = redis.admin();
    const top = BigInt((await storedEvents(x, tenantX.keys.READ_ONLY, null)).at(-1)!.eventId);
    const forged = [
      String(2n ** 62n),
      String(top + 2n),
      '99999999999999999999999',
      '-3',
      'not a sequence',
      '',
      JSON.stringify([
        {
          sequence: String(top + 1n),
          organizationId: tenantX.organizationId,
          type: 'NUMBER_STATUS_CHANGED',
          subjectId: 'forged',
          payload: { newStatus: 'ACTIVE' },
          createdAt: new Date().toISOString(),
        },
      ]),
      JSON.stringify([
        {
          sequence: '1000000',
          organizationId: tenantX.organizationId,
          type: 'INVENTORY_LOW',
          subjectId: 'forged',
          payload: {},
          createdAt: new Date().toISOString(),
        },
      ]),
    ];
    await expectExactlyOwnEvents(x, tenantX, async () => {
      for (const message of forged) await admin.publish(channelX, message);
      await orderAndSettle(x, tenantX, 2, 'x-after-forgery');
      for (const message of forged) await admin.publish(channelX, message);
    });
    // A subscription without a cursor starts at the hub's position: still X's own, so it hears X's next events.
    await expectExactlyOwnEvents(x, tenantX, () => orderAndSettle(x, tenantX, 1, 'x-later'), 'hub position');
    expect((await readiness(x)).eventBus).toBe('up');
  });
});
