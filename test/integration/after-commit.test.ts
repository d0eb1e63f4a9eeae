import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { DomainError } from '../../src/domain/errors.js';
import { cancelReservation } from '../../src/domain/reservations.js';
import { inTransaction } from '../../src/domain/transactions.js';
import { SimulatedCarrier } from '../../src/infra/carrier/simulated.js';
import { tenantClient } from '../../src/infra/tenant-scope.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { pickAvailable, ReserveNumbers, until } from '../helpers/lifecycle.js';
import { serverTest } from '../helpers/server-fixture.js';
import { type Collected, subscribeWs, wsClient } from '../helpers/subscriptions.js';

// Events reach subscribers once the outbox relay numbers them. With the relay's and the feed's polls at their
// longest (a minute), only the after-commit nudge of the transaction that wrote an event can publish it within
// a wait, so each mutation below proves its transaction nudged. Before the hook, configurePhoneNumber,
// cancelReservation and createPortingOrder did not (their resolvers forgot to), and their events waited for the poll.

const it = serverTest({ OUTBOX_POLL_MS: '60000', FEED_CATCH_UP_MS: '60000' }, { tenants: { tenant: { balanceCents: 100_000 } } });

// Well inside the relay's poll: an event seen within it was published by a nudge, not by the poll.
const withinPoll = 15_000;

const everyEvent = `subscription All($after: String) {
  events(after: $after) { eventId type ... on OtherEvent { subjectId } ... on PortingOrderStatusChangedEvent { portingOrderId newStatus } }
}`;

type FeedEvent = { type: string; subjectId?: string; portingOrderId?: string; newStatus?: string };

function seen(feed: Collected, match: (event: FeedEvent) => boolean) {
  return feed.received.some((result) => match(result.events as FeedEvent));
}

/** Numbers the simulated carrier (the server's seed) says are portable. */
async function portableNumber(prefix: string) {
  const carrier = new SimulatedCarrier({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: 42 });
  for (let i = 0; i < 5000; i += 1) {
    const e164 = `${prefix}${String(3_000_000 + Math.floor(Math.random() * 6_000_000))}`;
    const [result] = await carrier.checkPortability([e164]);
    if (result?.portable) return e164;
  }
  throw new Error('no portable number found');
}

describe.skipIf(skipReason)('after commit, events go out at once', () => {
  let feed: Collected;
  let client: ReturnType<typeof wsClient> | undefined;

  it.beforeAll(async ({ server, tenant }) => {
    await seedInventory(server.db.prisma, { count: 1000 });
    // From the start of the tenant's feed: an event numbered before the subscription listens is replayed, not missed.
    client = wsClient(server.url, tenant.keys.READ_ONLY);
    feed = subscribeWs(client, everyEvent, { after: '0' });
  });

  it('reservePhoneNumbers', async ({ server, tenant }) => {
    const stock = await pickAvailable(server, 1);
    const reserved = await server.graphql(tenant.keys.MEMBER, ReserveNumbers, { input: { phoneNumbers: stock.map((row) => row.e164) } });
    const id = reserved.data?.reservePhoneNumbers.reservation?.id;
    expect(id).toBeDefined();
    await until(() => seen(feed, (event) => event.type === 'RESERVATION_CREATED'), 'RESERVATION_CREATED delivered', withinPoll);
  });

  it('configurePhoneNumber', async ({ server, tenant }) => {
    const [e164] = await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 1);
    const row = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164, organizationId: tenant.organizationId } });
    const configured = await server.graphql(
      tenant.keys.MEMBER,
      `mutation C($input: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $input) { errors { code } } }`,
      { input: { id: encodeGlobalId('PhoneNumber', row.id), label: 'after-commit' } },
    );
    expect(configured.errors).toBeUndefined();
    expect((configured.data as { configurePhoneNumber: { errors: unknown[] } }).configurePhoneNumber.errors).toEqual([]);
    await until(() => seen(feed, (event) => event.type === 'NUMBER_CONFIGURED' && event.subjectId === row.id), 'NUMBER_CONFIGURED delivered', withinPoll);
  });

  it('cancelReservation', async ({ server, tenant }) => {
    const stock = await pickAvailable(server, 1);
    const reserved = await server.graphql(tenant.keys.MEMBER, ReserveNumbers, { input: { phoneNumbers: stock.map((row) => row.e164) } });
    const id = reserved.data?.reservePhoneNumbers.reservation?.id;
    expect(id).toBeDefined();
    const cancelled = await server.graphql(
      tenant.keys.MEMBER,
      `mutation X($input: CancelReservationInput!) { cancelReservation(input: $input) { reservation { status } errors { code } } }`,
      { input: { id } },
    );
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data).toMatchObject({ cancelReservation: { reservation: { status: 'CANCELLED' }, errors: [] } });
    await until(() => seen(feed, (event) => event.type === 'RESERVATION_CANCELLED'), 'RESERVATION_CANCELLED delivered', withinPoll);
  });

  it('createPortingOrder', async ({ server, tenant }) => {
    const created = await server.graphql(
      tenant.keys.MEMBER,
      `mutation P($input: CreatePortingOrderInput!) { createPortingOrder(input: $input) { portingOrders { id } errors { code message } } }`,
      { input: { phoneNumbers: [await portableNumber('+1512')] } },
    );
    expect(created.errors).toBeUndefined();
    const result = (created.data as { createPortingOrder: { portingOrders: Array<{ id: string }>; errors: unknown[] } }).createPortingOrder;
    expect(result.errors).toEqual([]);
    const orderId = result.portingOrders[0]?.id;
    await until(
      () => seen(feed, (event) => event.type === 'PORTING_ORDER_STATUS_CHANGED' && event.portingOrderId === orderId && event.newStatus === 'DRAFT'),
      'PORTING_ORDER_STATUS_CHANGED (DRAFT) delivered',
      withinPoll,
    );
  });

  it.afterAll(async () => {
    await feed?.close();
    await client?.dispose();
  });
});

describe.skipIf(skipReason)('the after-commit hook', () => {
  it('runs once the transaction has committed, not while it is open', async ({ server, tenant }) => {
    const name = `hook-${randomUUID()}`;
    const calls: string[] = [];
    let visibleAtHook: Promise<unknown> | undefined;
    const db = tenantClient(
      server.db.prisma,
      { organizationId: tenant.organizationId, mode: null, environment: 'LIVE' },
      {
        afterCommit: () => {
          calls.push('afterCommit');
          // Read on the unscoped client, outside the transaction: it sees the row only if it has committed.
          visibleAtHook = server.db.prisma.connection.findFirst({ where: { name } });
        },
      },
    );
    await inTransaction(db, async (tx) => {
      await tx.connection.create({ data: { organizationId: tx.tenant.organizationId, name } });
      expect(calls).toEqual([]);
    });
    expect(calls).toEqual(['afterCommit']);
    expect(await visibleAtHook).toMatchObject({ name, organizationId: tenant.organizationId });
  });

  it('does not run when the transaction rolls back', async ({ server, tenant }) => {
    const name = `rolled-back-${randomUUID()}`;
    let calls = 0;
    const db = tenantClient(server.db.prisma, { organizationId: tenant.organizationId, mode: null, environment: 'LIVE' }, { afterCommit: () => (calls += 1) });
    await expect(
      inTransaction(db, async (tx) => {
        await tx.connection.create({ data: { organizationId: tx.tenant.organizationId, name } });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    // A domain rule refusing inside its transaction rolls back the same way.
    await expect(cancelReservation(db, randomUUID())).rejects.toBeInstanceOf(DomainError);
    expect(calls).toBe(0);
    expect(await server.db.prisma.connection.findFirst({ where: { name } })).toBeNull();
  });
});
