import { describe, expect } from 'vitest';
import { subscriptionGroupsOf } from '../../src/http/subscription-groups.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { eventually, feedListening, quietFor } from '../helpers/lifecycle.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';
import { type Collected, subscribeSse, subscribeWs, wsClient } from '../helpers/subscriptions.js';

// Subscription events are executed once per group of identical subscriptions (document,
// variables, organization, role, key mode) and the result is shared (http/subscription-groups.ts).
// These tests check that every subscriber still gets exactly its own events: never another
// tenant's or another group's, the subset its filter selects, in order, and from its cursor on.

const flips = `subscription Flips($after: String, $filter: PhoneNumberStatusChangedFilter) {
  phoneNumberStatusChanged(after: $after, filter: $filter) { eventId previousStatus newStatus phoneNumber { id e164 status } }
}`;
const typedEvents = `subscription Typed($types: [EventType!]) {
  events(types: $types) { eventId type ... on PhoneNumberStatusChangedEvent { phoneNumber { e164 } } }
}`;
const release = `mutation R($id: ID!) { releasePhoneNumber(input: { id: $id }) { phoneNumber { status } errors { code } } }`;

type Flip = { eventId: string; previousStatus: string | null; newStatus: string; phoneNumber: { id: string; e164: string; status: string } };
const flipsOf = (sub: Collected) => sub.received.map((r) => r.phoneNumberStatusChanged as Flip);

const it = serverTest({ FEED_MAX_SUBSCRIPTIONS_PER_CONNECTION: '50' }, { tenants: ['a', 'b', 'c', 'd'] });

/** `count` ACTIVE numbers of the tenant, with their global IDs. */
async function ownedNumbers(server: TestServer, tenant: Tenant, count: number) {
  const e164s = await insertOwnedNumbers(server.db.prisma, tenant.organizationId, count);
  const rows = await server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId, e164: { in: e164s } } });
  return e164s.map((e164) => {
    const row = rows.find((r) => r.e164 === e164)!;
    return { e164, id: encodeGlobalId('PhoneNumber', row.id) };
  });
}

async function releaseAll(server: TestServer, tenant: Tenant, numbers: Array<{ id: string }>) {
  const results = await Promise.all(numbers.map((n) => server.graphql(tenant.keys.MEMBER, release, { id: n.id })));
  for (const result of results) expect(result.data).toMatchObject({ releasePhoneNumber: { phoneNumber: { status: 'RELEASED' }, errors: [] } });
}

/** The tenant's `count` status-change events after `after`, as the outbox holds them once the relay numbered them: what a subscriber must get. */
async function storedFlips(server: TestServer, tenant: Tenant, after: bigint, count: number) {
  const rows = await eventually(
    () =>
      server.db.prisma.event.findMany({
        where: { organizationId: tenant.organizationId, type: 'NUMBER_STATUS_CHANGED', sequence: { gt: after } },
        orderBy: { sequence: 'asc' },
      }),
    (found) => found.length >= count,
  );
  return rows.map((row) => ({ eventId: String(row.sequence), subjectId: row.subjectId, newStatus: (row.payload as { newStatus: string }).newStatus }));
}

const feedTop = async (server: TestServer) => (await server.db.prisma.event.aggregate({ _max: { sequence: true } }))._max.sequence ?? 0n;

describe.skipIf(skipReason)('shared execution of subscription events', () => {
  it('two tenants and two roles with one document: each subscriber gets its own tenant’s events, each executed once per group', async ({ server, a, b }) => {
    const groups = subscriptionGroupsOf(server.app.feed);
    const start = await feedTop(server);
    const clients = [
      wsClient(server.url, a.keys.READ_ONLY),
      wsClient(server.url, a.keys.MEMBER),
      wsClient(server.url, b.keys.READ_ONLY),
      wsClient(server.url, b.keys.MEMBER),
    ];
    // Three subscribers per (tenant, role) group over WebSocket, and one more per tenant over SSE (joining its READ_ONLY group).
    const subs = {
      aReadOnly: [0, 1, 2].map(() => subscribeWs(clients[0]!, flips)),
      aMember: [0, 1, 2].map(() => subscribeWs(clients[1]!, flips)),
      bReadOnly: [0, 1, 2].map(() => subscribeWs(clients[2]!, flips)),
      bMember: [0, 1, 2].map(() => subscribeWs(clients[3]!, flips)),
      aSse: subscribeSse(server.url, a.keys.READ_ONLY, flips),
      bSse: subscribeSse(server.url, b.keys.READ_ONLY, flips),
    };
    expect(await subs.aSse.status).toBe(200);
    expect(await subs.bSse.status).toBe(200);
    await feedListening(server, 7, a.organizationId);
    await feedListening(server, 7, b.organizationId);
    // The 12 live WebSocket subscribers are broadcast to; the SSE ones read their own streams.
    expect(groups.stats()).toMatchObject({ groups: 4, members: 14, broadcast: 12 });
    const executionsBefore = groups.stats().executions;

    const aNumbers = await ownedNumbers(server, a, 3);
    const bNumbers = await ownedNumbers(server, b, 2);
    await Promise.all([releaseAll(server, a, aNumbers), releaseAll(server, b, bNumbers)]);
    const aExpected = await storedFlips(server, a, start, 3);
    const bExpected = await storedFlips(server, b, start, 2);
    expect(aExpected.map((e) => e.newStatus)).toEqual(['RELEASED', 'RELEASED', 'RELEASED']);
    expect(bExpected.map((e) => e.newStatus)).toEqual(['RELEASED', 'RELEASED']);

    const check = async (sub: Collected, expected: typeof aExpected, numbers: Array<{ e164: string; id: string }>) => {
      const got = (await sub.waitFor(expected.length)).map((r) => r.phoneNumberStatusChanged as Flip);
      expect(got.map((f) => f.eventId)).toEqual(expected.map((e) => e.eventId));
      expect(got.map((f) => f.phoneNumber.e164).sort()).toEqual(numbers.map((n) => n.e164).sort());
      for (const flip of got) expect(flip).toMatchObject({ previousStatus: 'ACTIVE', newStatus: 'RELEASED', phoneNumber: { status: 'RELEASED' } });
    };
    for (const sub of [...subs.aReadOnly, ...subs.aMember, subs.aSse]) await check(sub, aExpected, aNumbers);
    for (const sub of [...subs.bReadOnly, ...subs.bMember, subs.bSse]) await check(sub, bExpected, bNumbers);
    // Nothing else may follow (another tenant's flips, a repeat): an absence, watched for a while.
    await quietFor(300);
    for (const sub of [...subs.aReadOnly, ...subs.aMember, subs.aSse]) {
      expect(sub.received).toHaveLength(3);
      expect(sub.errors).toEqual([]);
    }
    for (const sub of [...subs.bReadOnly, ...subs.bMember, subs.bSse]) {
      expect(sub.received).toHaveLength(2);
      expect(sub.errors).toEqual([]);
    }
    // 14 subscribers received 36 results; each event was executed once per group: 3 × 2 groups of A, 2 × 2 of B.
    expect(groups.stats().executions - executionsBefore).toBe(10);

    await Promise.all([
      ...Object.values(subs)
        .flat()
        .map((sub) => sub.close()),
    ]);
    await Promise.all(clients.map((client) => client.dispose()));
    await eventually(
      async () => groups.stats(),
      (stats) => stats.groups === 0 && stats.members === 0,
      10_000,
    );
  });

  it('different variables in one tenant are different groups: each subscriber gets the subset its filter selects', async ({ server, c }) => {
    const groups = subscriptionGroupsOf(server.app.feed);
    const start = await feedTop(server);
    const numbers = await ownedNumbers(server, c, 3);
    const client = wsClient(server.url, c.keys.READ_ONLY);
    const twice = (query: string, variables: Record<string, unknown> = {}) => [subscribeWs(client, query, variables), subscribeWs(client, query, variables)];
    const all = twice(flips);
    const onlyFirst = twice(flips, { filter: { phoneNumberId: numbers[0]!.id } });
    const onlyPending = twice(flips, { filter: { statuses: ['PENDING'] } });
    const statusEvents = twice(typedEvents, { types: ['NUMBER_STATUS_CHANGED'] });
    const configured = twice(typedEvents, { types: ['NUMBER_CONFIGURED'] });
    await feedListening(server, 10, c.organizationId);
    expect(groups.stats()).toMatchObject({ groups: 5, members: 10 });

    await releaseAll(server, c, numbers);
    const expected = await storedFlips(server, c, start, 3);
    expect(expected).toHaveLength(3);
    for (const sub of all) expect(flipsOf({ ...sub, received: await sub.waitFor(3) }).map((f) => f.eventId)).toEqual(expected.map((e) => e.eventId));
    const firstFlip = expected.find((e) => encodeGlobalId('PhoneNumber', e.subjectId) === numbers[0]!.id)!;
    for (const sub of onlyFirst) expect(flipsOf({ ...sub, received: await sub.waitFor(1) }).map((f) => f.eventId)).toEqual([firstFlip.eventId]);
    for (const sub of statusEvents) {
      const got = (await sub.waitFor(3)).map((r) => r.events as { eventId: string; type: string; phoneNumber: { e164: string } });
      expect(got.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
      expect(got.map((e) => e.phoneNumber.e164).sort()).toEqual(numbers.map((n) => n.e164).sort());
    }
    // A later event each of the others wants, proving they are live: a label (NUMBER_CONFIGURED).
    const configure = `mutation C($input: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $input) { errors { code } } }`;
    const [spare] = await ownedNumbers(server, c, 1);
    await server.graphql(c.keys.MEMBER, configure, { input: { id: spare!.id, label: 'shared' } });
    for (const sub of configured) expect((await sub.waitFor(1)).map((r) => (r.events as { type: string }).type)).toEqual(['NUMBER_CONFIGURED']);
    // No PENDING flip happened, and nothing else may arrive: an absence, watched for a while.
    await quietFor(300);
    for (const sub of onlyPending) expect(sub.received).toEqual([]);
    for (const sub of all) expect(sub.received).toHaveLength(3);
    for (const sub of onlyFirst) expect(sub.received).toHaveLength(1);
    for (const sub of statusEvents) expect(sub.received).toHaveLength(3);
    for (const sub of configured) expect(sub.received).toHaveLength(1);
    for (const sub of [...all, ...onlyFirst, ...onlyPending, ...statusEvents, ...configured]) expect(sub.errors).toEqual([]);
    await client.dispose();
  });

  it('a subscriber added mid-burst with a cursor gets exactly the events after it, in order, with the same content as a live one', async ({ server, d }) => {
    const start = await feedTop(server);
    const numbers = await ownedNumbers(server, d, 40);
    const client = wsClient(server.url, d.keys.READ_ONLY);
    const early = subscribeWs(client, flips);
    await feedListening(server, 1, d.organizationId);

    await releaseAll(server, d, numbers.slice(0, 10));
    const seen = await early.waitFor(5);
    const cursor = flipsOf({ ...early, received: seen })[4]!.eventId;
    // Joins while the burst goes on: the first 10 are committed, 30 more are being released concurrently.
    const rest = releaseAll(server, d, numbers.slice(10));
    const late = subscribeWs(client, flips, { after: cursor });
    await rest;
    const expected = await storedFlips(server, d, start, 40);
    expect(expected).toHaveLength(40);
    const earlyFlips = flipsOf({ ...early, received: await early.waitFor(40) });
    expect(earlyFlips.map((f) => f.eventId)).toEqual(expected.map((e) => e.eventId));
    const after = expected.filter((e) => BigInt(e.eventId) > BigInt(cursor));
    expect(after).toHaveLength(35);
    const lateFlips = flipsOf({ ...late, received: await late.waitFor(35) });
    expect(lateFlips.map((f) => f.eventId)).toEqual(after.map((e) => e.eventId));
    // The same events carry the same content for both.
    expect(lateFlips).toEqual(earlyFlips.slice(5));
    await quietFor(300);
    expect(early.received).toHaveLength(40);
    expect(late.received).toHaveLength(35);
    expect([...early.errors, ...late.errors]).toEqual([]);
    await client.dispose();
  });
});
