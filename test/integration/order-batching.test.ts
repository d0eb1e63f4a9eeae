import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { skipReason } from '../helpers/database.js';
import { balanceOf, eventually, expectLedgerReconciles, OrderNumbers, OrderStatus, pickAvailable, ReserveNumbers } from '../helpers/lifecycle.js';
import type { TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Ordering writes its rows in few statements: the order after the stock claim, the debit and its ledger entry
// in one statement that also returns the KYC status, a retry answered from the key's unique index or from the
// refusal its numbers get. These pin what that must not change.

const it = serverTest();

const orderCompleted = (server: TestServer, key: string, id: string) =>
  eventually(
    () => server.graphql(key, OrderStatus, { id }),
    (response) => (response.data?.node as { status?: string } | null)?.status === 'COMPLETED',
  );

describe.skipIf(skipReason)('ordering in few statements stays exact', () => {
  it.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 2000 });
  });

  it('concurrent orders from one tenant for overlapping numbers: each number sold once, each sale debited once', async ({ server }) => {
    const opening = 1_000_000;
    const tenant = await server.createTenant({ balanceCents: opening });
    const stock = await pickAvailable(server, 6);
    const price = new Map(stock.map((row) => [row.e164, row.activationPriceCents]));
    // Twelve orders of two numbers each, every number wanted by four of them.
    const wanted = Array.from({ length: 12 }, (_, i) => [stock[i % 6]!.e164, stock[(i + 1 + (i % 2)) % 6]!.e164]);
    const responses = await Promise.all(
      wanted.map((phoneNumbers, i) => server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers, idempotencyKey: `overlap-${i}` } })),
    );
    const placed = responses.flatMap((r) => (r.data?.orderPhoneNumbers.numberOrder ? [r.data.orderPhoneNumbers.numberOrder] : []));
    for (const response of responses) {
      const payload = response.data?.orderPhoneNumbers;
      expect(response.errors).toBeUndefined();
      if (!payload?.numberOrder) expect(payload?.errors[0]).toMatchObject({ code: 'NUMBER_NOT_AVAILABLE' });
    }
    expect(placed.length).toBeGreaterThan(0);
    const sold = placed.flatMap((order) => order.items.map((item) => item.e164));
    expect(new Set(sold).size).toBe(sold.length);
    const owned = await server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId }, select: { e164: true } });
    expect(owned.map((row) => row.e164).sort()).toEqual([...sold].sort());

    for (const order of placed) await orderCompleted(server, tenant.keys.READ_ONLY, order.id);
    // Every movement here is a debit, so the balance only falls: sorted by the balance each left, the entries
    // are in commit order, and each must start from the balance the previous one left (no lost or doubled update).
    const entries = await server.db.prisma.ledgerEntry.findMany({ where: { organizationId: tenant.organizationId }, orderBy: { balanceAfterCents: 'desc' } });
    let running = opening;
    for (const entry of entries) {
      expect(entry.amountCents).toBeLessThan(0);
      running += entry.amountCents;
      expect(entry.balanceAfterCents).toBe(running);
    }
    const charges = entries.filter((entry) => entry.kind === 'ACTIVATION_CHARGE');
    expect(charges).toHaveLength(placed.length);
    const debited = sold.reduce((sum, e164) => sum + price.get(e164)!, 0);
    expect(charges.reduce((sum, entry) => sum + entry.amountCents, 0)).toBe(-debited);
    // The first month is paid with each order: one entry per order, for its numbers' monthly prices.
    const firstMonths = entries.filter((entry) => entry.kind === 'MONTHLY_CHARGE');
    expect(new Set(firstMonths.map((entry) => entry.numberOrderId)).size).toBe(placed.length);
    expect(new Set(charges.map((entry) => entry.numberOrderId))).toEqual(new Set(firstMonths.map((entry) => entry.numberOrderId)));
    const monthly = new Map(stock.map((row) => [row.e164, row.monthlyPriceCents]));
    expect(firstMonths.reduce((sum, entry) => sum + entry.amountCents, 0)).toBe(-sold.reduce((sum, e164) => sum + monthly.get(e164)!, 0));
    await expectLedgerReconciles(server, tenant.organizationId, opening);
  });

  it('a balance exactly the purchase (activation and first month) is spent to zero; a cent less refuses and writes nothing', async ({ server }) => {
    const stock = await pickAvailable(server, 3, { monthlyPriceCents: { gt: 0 } });
    const pair = stock.slice(0, 2);
    const activation = pair.reduce((sum, row) => sum + row.activationPriceCents, 0);
    const monthly = pair.reduce((sum, row) => sum + row.monthlyPriceCents, 0);
    const total = activation + monthly;

    const short = await server.createTenant({ balanceCents: total - 1 });
    const refused = await server.graphql(short.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: pair.map((row) => row.e164), idempotencyKey: 'short' } });
    expect(refused.data?.orderPhoneNumbers).toMatchObject({ numberOrder: null, errors: [{ code: 'BALANCE_INSUFFICIENT' }] });
    expect(await balanceOf(server, short.organizationId)).toBe(total - 1);
    expect(await server.db.prisma.numberOrder.count({ where: { organizationId: short.organizationId } })).toBe(0);
    expect(await server.db.prisma.ledgerEntry.count({ where: { organizationId: short.organizationId } })).toBe(0);
    const stillFree = await server.db.prisma.inventoryNumber.count({ where: { e164: { in: pair.map((row) => row.e164) }, state: 'AVAILABLE' } });
    expect(stillFree).toBe(2);

    // Not verified and short of money: the KYC gate answers, as it did when it was read first.
    const unverified = await server.createTenant({ balanceCents: 0, kycStatus: 'PENDING' });
    const gated = await server.graphql(unverified.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [stock[2]!.e164], idempotencyKey: 'gated' } });
    expect(gated.data?.orderPhoneNumbers.errors).toMatchObject([{ code: 'KYC_PENDING' }]);
    // Not verified with money enough: refused too, the debit it had made rolled back.
    const rich = await server.createTenant({ balanceCents: 1_000_000, kycStatus: 'DECLINED' });
    const declined = await server.graphql(rich.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [stock[2]!.e164], idempotencyKey: 'declined' } });
    expect(declined.data?.orderPhoneNumbers.errors).toMatchObject([{ code: 'KYC_DECLINED' }]);
    expect(await balanceOf(server, rich.organizationId)).toBe(1_000_000);
    expect(await server.db.prisma.inventoryNumber.count({ where: { e164: stock[2]!.e164, state: 'AVAILABLE' } })).toBe(1);

    const exact = await server.createTenant({ balanceCents: total });
    const ordered = await server.graphql(exact.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: pair.map((row) => row.e164), idempotencyKey: 'exact' } });
    expect(ordered.data?.orderPhoneNumbers.errors).toEqual([]);
    const entries = await server.db.prisma.ledgerEntry.findMany({ where: { organizationId: exact.organizationId }, orderBy: { balanceAfterCents: 'desc' } });
    expect(entries).toMatchObject([
      { kind: 'ACTIVATION_CHARGE', amountCents: -activation, balanceAfterCents: monthly },
      { kind: 'MONTHLY_CHARGE', amountCents: -monthly, balanceAfterCents: 0 },
    ]);
    // Activation charges nothing more: the first month was paid at purchase.
    await orderCompleted(server, exact.keys.READ_ONLY, ordered.data!.orderPhoneNumbers.numberOrder!.id);
    expect(await balanceOf(server, exact.organizationId)).toBe(0);
    await expectLedgerReconciles(server, exact.organizationId, total);
  });

  it('a retry returns the same order, before and after activation, with and without a reservation; nothing more is charged', async ({ server }) => {
    const opening = 100_000;
    const tenant = await server.createTenant({ balanceCents: opening });
    const stock = await pickAvailable(server, 3);
    const plainInput = { phoneNumbers: [stock[0]!.e164], idempotencyKey: 'plain' };
    const first = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: plainInput });
    const order = first.data!.orderPhoneNumbers.numberOrder!;
    expect(first.data?.orderPhoneNumbers.replayed).toBe(false);
    const early = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: plainInput });
    expect(early.data?.orderPhoneNumbers).toMatchObject({ replayed: true, numberOrder: { id: order.id }, errors: [] });
    await orderCompleted(server, tenant.keys.READ_ONLY, order.id);
    const late = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: plainInput });
    expect(late.data?.orderPhoneNumbers).toMatchObject({ replayed: true, numberOrder: { id: order.id, status: 'COMPLETED' }, errors: [] });

    const reserved = await server.graphql(tenant.keys.MEMBER, ReserveNumbers, {
      input: { phoneNumbers: stock.slice(1).map((row) => row.e164), ttlSeconds: 600 },
    });
    const reservationId = reserved.data!.reservePhoneNumbers.reservation!.id;
    const heldInput = { phoneNumbers: stock.slice(1).map((row) => row.e164), reservationId, idempotencyKey: 'held' };
    const converted = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: heldInput });
    expect(converted.data?.orderPhoneNumbers.errors).toEqual([]);
    // The reservation is converted now, so the retry's own checks would refuse it: the key answers first.
    const again = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: heldInput });
    expect(again.data?.orderPhoneNumbers).toMatchObject({ replayed: true, numberOrder: { id: converted.data!.orderPhoneNumbers.numberOrder!.id }, errors: [] });
    const reused = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { ...heldInput, reservationId: null } });
    expect(reused.data?.orderPhoneNumbers.errors).toMatchObject([{ code: 'IDEMPOTENCY_KEY_REUSED' }]);

    expect(await server.db.prisma.numberOrder.count({ where: { organizationId: tenant.organizationId } })).toBe(2);
    expect(await server.db.prisma.ledgerEntry.count({ where: { organizationId: tenant.organizationId, kind: 'ACTIVATION_CHARGE' } })).toBe(2);
    await orderCompleted(server, tenant.keys.READ_ONLY, converted.data!.orderPhoneNumbers.numberOrder!.id);
    const activation = stock.reduce((sum, row) => sum + row.activationPriceCents, 0);
    const monthly = stock.reduce((sum, row) => sum + row.monthlyPriceCents, 0);
    expect(await balanceOf(server, tenant.organizationId)).toBe(opening - activation - monthly);
    await expectLedgerReconciles(server, tenant.organizationId, opening);
  });
});
