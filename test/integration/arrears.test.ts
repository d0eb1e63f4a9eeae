import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { balanceOf, eventually, expectLedgerReconciles, OrderNumbers, pickAvailable } from '../helpers/lifecycle.js';
import { AdjustBalance, operatorCall, operatorKey } from '../helpers/operator.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Money rules after purchase: a monthly charge is owed whatever the balance; one the balance does not cover
// starts the number's grace period, at whose end it is SUSPENDED; a credit that clears the arrears (the
// balance back at zero or above) reactivates it. Top-ups, orders and billing racing keep the ledger equal
// to the balance.

const itShortGrace = serverTest({ BILLING_GRACE_SECONDS: '1' });
const itLongGrace = serverTest({ BILLING_GRACE_SECONDS: '3600' });

const NumberState = `query N($id: ID!) { node(id: $id) { ... on PhoneNumber { status graceEndsAt nextBillingAt } } }`;
type NumberStateData = { node: { status: string; graceEndsAt: string | null } | null };
const StatusFlips = `query F {
  events(types: [NUMBER_STATUS_CHANGED], first: 100) {
    edges { node { ... on PhoneNumberStatusChangedEvent { previousStatus newStatus phoneNumber { e164 } } } }
  }
}`;

/** Orders one number and waits for it to be ACTIVE. */
async function activeNumber(server: TestServer, tenant: Tenant, row: { e164: string }, key: string) {
  const ordered = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [row.e164], idempotencyKey: key } });
  expect(ordered.data?.orderPhoneNumbers.errors).toEqual([]);
  return eventually(
    () => server.db.prisma.phoneNumber.findFirst({ where: { organizationId: tenant.organizationId, e164: row.e164 } }),
    (number) => number?.status === 'ACTIVE',
  ).then((number) => number!);
}

/** Brings the number's next billing date, and the job waiting for it, to now. */
async function billNow(server: TestServer, phoneNumberId: string) {
  const period = new Date(Date.now() - 1_000);
  await server.db.prisma.phoneNumber.update({ where: { id: phoneNumberId }, data: { nextBillingAt: period } });
  const moved = await server.db.prisma.job.updateMany({
    where: { kind: 'bill-number', status: 'PENDING', payload: { path: ['phoneNumberId'], equals: phoneNumberId } },
    data: { runAt: period },
  });
  expect(moved.count).toBe(1);
}

const monthlyCharges = (server: TestServer, phoneNumberId: string) =>
  server.db.prisma.ledgerEntry.findMany({ where: { phoneNumberId, kind: 'MONTHLY_CHARGE' } });

async function credit(server: TestServer, op: string, tenant: Tenant, amountCents: number, idempotencyKey: string) {
  const response = await operatorCall(server, op, AdjustBalance, {
    input: {
      organizationId: encodeGlobalId('Organization', tenant.organizationId),
      amountCents,
      reason: 'Card payment',
      externalReference: idempotencyKey,
      idempotencyKey,
    },
  });
  expect(response.data?.adjustBalance.errors).toEqual([]);
  return response;
}

async function flips(server: TestServer, tenant: Tenant, e164: string) {
  const response = await server.graphql(tenant.keys.READ_ONLY, StatusFlips);
  const nodes = (response.data as { events: { edges: Array<{ node: { previousStatus: string; newStatus: string; phoneNumber: { e164: string } } }> } }).events
    .edges;
  return nodes.filter((edge) => edge.node.phoneNumber.e164 === e164).map((edge) => `${edge.node.previousStatus}->${edge.node.newStatus}`);
}

/** The number's flips once the feed has `count` of them: the outbox relay numbers an event moments after its commit. */
function feedShows(server: TestServer, tenant: Tenant, e164: string, count: number) {
  return eventually(
    () => flips(server, tenant, e164),
    (seen) => seen.length >= count,
  );
}

describe.skipIf(skipReason)('arrears: grace period, suspension, reactivation', () => {
  itShortGrace.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 500 });
  });
  itLongGrace.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 500 });
  });

  itShortGrace('an unpaid charge: a grace period, then SUSPENDED on the feed; a credit that clears the arrears reactivates the number', async ({ server }) => {
    const op = await operatorKey(server);
    const [row, spare] = await pickAvailable(server, 2, { monthlyPriceCents: { gt: 1 } });
    const purchase = row.activationPriceCents + row.monthlyPriceCents;
    const tenant = await server.createTenant({ balanceCents: purchase });
    const number = await activeNumber(server, tenant, row, 'unpaid');
    const globalId = encodeGlobalId('PhoneNumber', number.id);
    expect(await balanceOf(server, tenant.organizationId)).toBe(0);

    await billNow(server, number.id);
    await eventually(
      () => monthlyCharges(server, number.id),
      (charges) => charges.length === 1,
    );
    // The charge posted although the balance could not cover it: the arrears are the balance below zero.
    expect(await balanceOf(server, tenant.organizationId)).toBe(-row.monthlyPriceCents);
    const inGrace = (await server.graphql(tenant.keys.READ_ONLY, NumberState, { id: globalId })).data as NumberStateData;
    expect(inGrace.node).toMatchObject({ status: 'ACTIVE' });
    expect(Date.parse(inGrace.node!.graceEndsAt!)).toBeGreaterThan(Date.now() - 5_000);

    await eventually(
      () => server.db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: number.id } }),
      (n) => n.status === 'SUSPENDED',
    );
    expect(await feedShows(server, tenant, row.e164, 3)).toEqual(['null->PENDING', 'PENDING->ACTIVE', 'ACTIVE->SUSPENDED']);
    // In arrears, nothing new can be bought.
    const refused = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [spare.e164], idempotencyKey: 'in-arrears' } });
    expect(refused.data?.orderPhoneNumbers.errors).toMatchObject([{ code: 'BALANCE_INSUFFICIENT' }]);

    // A credit short of the arrears changes nothing; the one that clears them reactivates the number.
    await credit(server, op, tenant, row.monthlyPriceCents - 1, 'partial');
    expect(await server.db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: number.id } })).toMatchObject({ status: 'SUSPENDED' });
    await credit(server, op, tenant, 1, 'rest');
    const settled = (await server.graphql(tenant.keys.READ_ONLY, NumberState, { id: globalId })).data as NumberStateData;
    expect(settled.node).toMatchObject({ status: 'ACTIVE', graceEndsAt: null });
    expect(await feedShows(server, tenant, row.e164, 4)).toEqual(['null->PENDING', 'PENDING->ACTIVE', 'ACTIVE->SUSPENDED', 'SUSPENDED->ACTIVE']);
    await expectLedgerReconciles(server, tenant.organizationId, purchase);

    // The next unpaid month starts a new grace period.
    await billNow(server, number.id);
    await eventually(
      () => monthlyCharges(server, number.id),
      (charges) => charges.length === 2,
    );
    await eventually(
      () => server.db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: number.id } }),
      (n) => n.status === 'SUSPENDED',
    );
  });

  itLongGrace('arrears paid within the grace period: never suspended, even when the suspension check runs', async ({ server }) => {
    const op = await operatorKey(server);
    const [row] = await pickAvailable(server, 1, { monthlyPriceCents: { gt: 0 } });
    const tenant = await server.createTenant({ balanceCents: row.activationPriceCents + row.monthlyPriceCents });
    const number = await activeNumber(server, tenant, row, 'paid-in-time');
    await billNow(server, number.id);
    const unpaid = await eventually(
      () => server.db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: number.id } }),
      (n) => n.graceEndsAt !== null,
    );
    expect(unpaid.graceEndsAt!.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    await credit(server, op, tenant, row.monthlyPriceCents, 'on-time');
    expect(await server.db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: number.id } })).toMatchObject({ status: 'ACTIVE', graceEndsAt: null });

    // The check scheduled for the end of the grace period, run now, finds the arrears paid.
    const check = { kind: 'suspend-unpaid-number', payload: { path: ['phoneNumberId'], equals: number.id } };
    expect((await server.db.prisma.job.updateMany({ where: check, data: { runAt: new Date() } })).count).toBe(1);
    await eventually(
      () => server.db.prisma.job.findFirstOrThrow({ where: check }),
      (job) => job.status === 'SUCCEEDED',
    );
    expect(await server.db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: number.id } })).toMatchObject({ status: 'ACTIVE', graceEndsAt: null });
    expect(await flips(server, tenant, row.e164)).toEqual(['null->PENDING', 'PENDING->ACTIVE']);
  });

  itLongGrace('top-ups (each sent twice), orders and monthly billing at once: each happens once and the ledger equals the balance', async ({ server }) => {
    const op = await operatorKey(server);
    const stock = await pickAvailable(server, 10, { monthlyPriceCents: { gt: 0 } });
    const held = stock.slice(0, 4);
    const opening = held.reduce((sum, row) => sum + row.activationPriceCents + row.monthlyPriceCents, 0);
    const tenant = await server.createTenant({ balanceCents: opening });
    const numbers = [];
    for (const [i, row] of held.entries()) numbers.push(await activeNumber(server, tenant, row, `held-${i}`));
    expect(await balanceOf(server, tenant.organizationId)).toBe(0);

    // Four numbers due now, six orders and eight credits (four keys, each twice), all at once.
    await Promise.all(numbers.map((number) => billNow(server, number.id)));
    const results = await Promise.all([
      ...[0, 1, 2, 3, 0, 1, 2, 3].map((i) =>
        operatorCall(server, op, AdjustBalance, {
          input: {
            organizationId: encodeGlobalId('Organization', tenant.organizationId),
            amountCents: 2_500,
            reason: 'Card payment',
            externalReference: `race-${i}`,
            idempotencyKey: `race-${i}`,
          },
        }),
      ),
      ...stock
        .slice(4)
        .map((row, i) => server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [row.e164], idempotencyKey: `race-order-${i}` } })),
    ]);
    for (const result of results.slice(0, 8)) expect((result as { data?: any }).data?.adjustBalance.errors).toEqual([]);
    for (const result of results.slice(8)) {
      const errors = (result as { data?: any }).data?.orderPhoneNumbers.errors;
      // An order that came before enough credit is refused whole; the others go through.
      if (errors.length) expect(errors).toMatchObject([{ code: 'BALANCE_INSUFFICIENT' }]);
    }
    await eventually(
      () =>
        server.db.prisma.job.count({
          where: { kind: { in: ['bill-number', 'activate-number'] }, status: { in: ['PENDING', 'RUNNING'] }, runAt: { lte: new Date() } },
        }),
      (n) => n === 0,
    );

    const entries = await server.db.prisma.ledgerEntry.findMany({ where: { organizationId: tenant.organizationId } });
    expect(entries.filter((entry) => entry.kind === 'TOP_UP')).toHaveLength(4);
    for (const number of numbers) expect(entries.filter((entry) => entry.phoneNumberId === number.id && entry.kind === 'MONTHLY_CHARGE')).toHaveLength(1);
    const orders = await server.db.prisma.numberOrder.findMany({ where: { organizationId: tenant.organizationId } });
    for (const order of orders) {
      expect(
        entries
          .filter((entry) => entry.numberOrderId === order.id)
          .map((entry) => entry.kind)
          .sort(),
      ).toEqual(['ACTIVATION_CHARGE', 'MONTHLY_CHARGE']);
    }
    await expectLedgerReconciles(server, tenant.organizationId, opening);
    // Whatever the interleaving, the credits left the balance at or above zero: no number is left unpaid.
    expect(await balanceOf(server, tenant.organizationId)).toBeGreaterThanOrEqual(0);
    expect(await server.db.prisma.phoneNumber.count({ where: { organizationId: tenant.organizationId, graceEndsAt: { not: null } } })).toBe(0);
  });
});
