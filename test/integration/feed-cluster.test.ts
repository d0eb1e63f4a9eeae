import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { backend, skipReason } from '../helpers/database.js';
import { eventually, feedListening, OrderNumbers, pickAvailable, quietFor } from '../helpers/lifecycle.js';
import { type RedisServer, redisServerSkipReason, startRedisServer } from '../helpers/redis-server.js';
import { startTestServer, type Tenant, type TestServer } from '../helpers/server.js';
import { subscribeWs, wsClient } from '../helpers/subscriptions.js';

// Several API instances on one PostgreSQL and one Redis, as behind a load balancer.

const redisUrl = process.env.TEST_REDIS_URL;
const why =
  skipReason ?? (backend !== 'postgres' ? 'instances share a PostgreSQL server (PGlite is one process)' : !redisUrl ? 'TEST_REDIS_URL is not set' : null);
if (why && backend === 'postgres') console.warn(`[skip] feed cluster tests: ${why}`);

const flips = `subscription F($after: String) { phoneNumberStatusChanged(after: $after) { eventId previousStatus newStatus phoneNumber { e164 status } } }`;

const flipKey = (r: Record<string, unknown>) => {
  const flip = r.phoneNumberStatusChanged as { newStatus: string; phoneNumber: { e164: string } };
  return `${flip.phoneNumber.e164}:${flip.newStatus}`;
};

describe.skipIf(why)('event feed across instances', () => {
  let a: TestServer;
  let b: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    a = await startTestServer({ REDIS_URL: redisUrl!, FEED_CATCH_UP_MS: '60000' });
    b = await startTestServer({ REDIS_URL: redisUrl!, FEED_CATCH_UP_MS: '60000' }, a);
    await seedInventory(a.db.prisma, { count: 1000 });
    tenant = await a.createTenant();
  });

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('a subscriber on instance B gets each flip of an order placed on instance A exactly once', async () => {
    const listening = b.app.feed.listenerCount();
    const client = wsClient(b.url, tenant.keys.READ_ONLY);
    const sub = subscribeWs(client, flips);
    await feedListening(b, listening + 1);
    const stock = await pickAvailable(a, 3);
    const order = await a.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: stock.map((s) => s.e164), idempotencyKey: 'cluster-1' } });
    expect(order.data?.orderPhoneNumbers.errors).toEqual([]);
    // The bus is the only way B hears of A's events here (B's outbox catch-up is set to a minute).
    const received = await sub.waitFor(6, 20_000);
    // No flip may arrive twice: an absence, watched for a while.
    await quietFor(1_000);
    expect(sub.received).toHaveLength(6);
    const expected = stock.flatMap((s) => [`${s.e164}:PENDING`, `${s.e164}:ACTIVE`]).sort();
    expect(received.map(flipKey).sort()).toEqual(expected);
    const jobs = await a.db.prisma.job.findMany({ where: { kind: 'activate-number', status: 'SUCCEEDED' } });
    expect(jobs).toHaveLength(3);
    await sub.close();
    await client.dispose();
  });
});

describe.skipIf(why ?? redisServerSkipReason)('event feed when Redis goes away', () => {
  let redis: RedisServer;
  let a: TestServer;
  let b: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    // Our own redis-server: never stop the machine's shared one.
    redis = await startRedisServer();
    a = await startTestServer({ REDIS_URL: redis.url, FEED_CATCH_UP_MS: '500' });
    b = await startTestServer({ REDIS_URL: redis.url, FEED_CATCH_UP_MS: '500' }, a);
    await seedInventory(a.db.prisma, { count: 1000 });
    tenant = await a.createTenant();
    await eventually(
      async () => (await fetch(`${b.url}/readyz`)).json() as Promise<{ eventBus: string }>,
      (r) => r.eventBus === 'up',
      10_000,
    );
  });

  afterAll(async () => {
    await redis?.stop();
    await b?.stop();
    await a?.stop();
  });

  it('queries and orders keep working, readiness reports the outage, and subscribers get every event', async () => {
    const listening = b.app.feed.listenerCount();
    const client = wsClient(b.url, tenant.keys.READ_ONLY);
    const live = subscribeWs(client, flips);
    await feedListening(b, listening + 1);
    const [before] = await pickAvailable(a, 1);
    await a.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [before.e164], idempotencyKey: 'before-outage' } });
    const firstTwo = await live.waitFor(2);
    const cursor = (firstTwo[1]!.phoneNumberStatusChanged as { eventId: string }).eventId;

    await redis.kill();
    const readiness = await eventually(
      async () => (await fetch(`${b.url}/readyz`)).json() as Promise<{ status: string; eventBus: string; feed: string }>,
      (r) => r.eventBus === 'down',
      10_000,
    );
    expect(readiness).toMatchObject({ status: 'degraded', eventBus: 'down' });
    expect(readiness.feed).toMatch(/event bus unreachable/);

    const stock = await pickAvailable(a, 2);
    const order = await a.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: stock.map((s) => s.e164), idempotencyKey: 'during-outage' } });
    expect(order.status).toBe(200);
    expect(order.data?.orderPhoneNumbers.errors).toEqual([]);
    const listed = await b.graphql(tenant.keys.READ_ONLY, `{ phoneNumbers(first: 10) { totalCount } }`);
    expect((listed.data as { phoneNumbers: { totalCount: number } }).phoneNumbers.totalCount).toBe(3);

    // The live subscriber on B still gets them (from the outbox), once each.
    const all = await live.waitFor(6, 20_000);
    expect(all.slice(2).map(flipKey).sort()).toEqual(stock.flatMap((s) => [`${s.e164}:PENDING`, `${s.e164}:ACTIVE`]).sort());
    // And a subscriber that resumes with its cursor gets exactly what it missed.
    const resumed = subscribeWs(wsClient(b.url, tenant.keys.READ_ONLY), flips, { after: cursor });
    const missed = await resumed.waitFor(4, 20_000);
    expect(missed.map(flipKey).sort()).toEqual(stock.flatMap((s) => [`${s.e164}:PENDING`, `${s.e164}:ACTIVE`]).sort());
    // Nothing may arrive twice: an absence, watched for a while.
    await quietFor(800);
    expect(resumed.received).toHaveLength(4);
    expect(live.received).toHaveLength(6);
    await resumed.close();
    await live.close();
    await client.dispose();
  });
});
