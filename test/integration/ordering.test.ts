import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { formatMoney } from '../../src/domain/money.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { balanceOf, eventually, expectLedgerReconciles, OrderNumbers, OrderStatus, pickAvailable, ReserveNumbers } from '../helpers/lifecycle.js';
import { serverTest } from '../helpers/server-fixture.js';

const it = serverTest();

describe.skipIf(skipReason)('reserving and ordering numbers', () => {
  it.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 4000 });
  });

  it('reserve, then order from the reservation: charged exactly, activated, billed, reconciled', async ({ server }) => {
    const tenant = await server.createTenant({ balanceCents: 10_000 });
    const stock = await pickAvailable(server, 2);
    const e164s = stock.map((row) => row.e164);
    const activation = stock.reduce((sum, row) => sum + row.activationPriceCents, 0);
    const monthly = stock.reduce((sum, row) => sum + row.monthlyPriceCents, 0);

    const reserved = await server.graphql(tenant.keys.MEMBER, ReserveNumbers, { input: { phoneNumbers: e164s, ttlSeconds: 600 } });
    expect(reserved.data?.reservePhoneNumbers.errors).toEqual([]);
    const reservation = reserved.data!.reservePhoneNumbers.reservation!;
    expect(reservation).toMatchObject({ status: 'ACTIVE', phoneNumbers: e164s });

    const ordered = await server.graphql(tenant.keys.MEMBER, OrderNumbers, {
      input: { phoneNumbers: e164s, reservationId: reservation.id, idempotencyKey: 'first-order' },
    });
    expect(ordered.data?.orderPhoneNumbers.errors).toEqual([]);
    const order = ordered.data!.orderPhoneNumbers.numberOrder!;
    expect(order).toMatchObject({ status: 'PENDING', activationTotal: { amountCents: activation }, monthlyTotal: { amountCents: monthly } });
    // The order's own debit, not the balance: the activation job may already have charged the first month.
    const charge = await server.db.prisma.ledgerEntry.findFirstOrThrow({ where: { organizationId: tenant.organizationId, kind: 'ACTIVATION_CHARGE' } });
    expect(charge).toMatchObject({ amountCents: -activation, balanceAfterCents: 10_000 - activation });

    const settled = await eventually(
      () => server.graphql(tenant.keys.READ_ONLY, OrderStatus, { id: order.id }),
      (response) => (response.data?.node as { status?: string } | null)?.status === 'COMPLETED',
    );
    const items = (settled.data!.node as { items: Array<{ status: string; phoneNumber: { status: string; activatedAt: string; nextBillingAt: string } }> })
      .items;
    for (const item of items) {
      expect(item.status).toBe('ACTIVE');
      expect(item.phoneNumber.status).toBe('ACTIVE');
      const activatedAt = new Date(item.phoneNumber.activatedAt);
      const nextBilling = new Date(item.phoneNumber.nextBillingAt);
      expect(nextBilling.getUTCMonth()).toBe((activatedAt.getUTCMonth() + 1) % 12);
    }
    // Activation charged at order time, first month charged at activation.
    expect(await balanceOf(server, tenant.organizationId)).toBe(10_000 - activation - monthly);
    await expectLedgerReconciles(server, tenant.organizationId, 10_000);
    const reservationRow = await server.db.prisma.reservation.findFirstOrThrow({ where: { organizationId: tenant.organizationId } });
    expect(reservationRow.status).toBe('CONVERTED');
    const events = await server.db.prisma.event.findMany({ where: { organizationId: tenant.organizationId }, orderBy: { id: 'asc' } });
    const flips = events.filter((event) => event.type === 'NUMBER_STATUS_CHANGED').map((event) => (event.payload as { newStatus: string }).newStatus);
    expect(flips.sort()).toEqual(['ACTIVE', 'ACTIVE', 'PENDING', 'PENDING']);
    expect(events.filter((event) => event.type === 'NUMBER_ORDER_UPDATED').map((event) => (event.payload as { newStatus: string }).newStatus)).toEqual([
      'PENDING',
      'COMPLETED',
    ]);
  });

  it('20 concurrent orders for one number from two tenants: one wins, one debit', async ({ server }) => {
    const [target] = await pickAvailable(server, 1);
    const tenants = [await server.createTenant({ balanceCents: 5_000 }), await server.createTenant({ balanceCents: 5_000 })];
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.graphql(tenants[i % 2]!.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [target.e164], idempotencyKey: `race-${i}` } }),
      ),
    );
    const won = responses.filter((r) => r.data?.orderPhoneNumbers.numberOrder);
    const lost = responses.filter((r) => r.data?.orderPhoneNumbers.errors.length);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const response of lost) {
      expect(response.data!.orderPhoneNumbers.errors[0]).toMatchObject({
        code: 'NUMBER_NOT_AVAILABLE',
        field: ['input', 'phoneNumbers'],
        phoneNumbers: [target.e164],
      });
    }
    const debits = await server.db.prisma.ledgerEntry.findMany({
      where: { organizationId: { in: tenants.map((t) => t.organizationId) }, kind: 'ACTIVATION_CHARGE' },
    });
    expect(debits).toHaveLength(1);
    expect(debits[0]!.amountCents).toBe(-target.activationPriceCents);
    const owners = await server.db.prisma.phoneNumber.findMany({ where: { e164: target.e164 } });
    expect(owners).toHaveLength(1);
    const loser = tenants.find((t) => t.organizationId !== owners[0]!.organizationId)!;
    expect(await balanceOf(server, loser.organizationId)).toBe(5_000);
    expect(await server.db.prisma.ledgerEntry.count({ where: { organizationId: loser.organizationId } })).toBe(0);
    for (const tenant of tenants) await expectLedgerReconciles(server, tenant.organizationId, 5_000);
  });

  it('the same idempotency key sent 10 times at once: one order, one debit, ten identical answers', async ({ server }) => {
    const tenant = await server.createTenant({ balanceCents: 5_000 });
    const stock = await pickAvailable(server, 2);
    const input = { phoneNumbers: stock.map((row) => row.e164), idempotencyKey: 'retry-storm-1' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => server.graphql(tenant.keys.MEMBER, OrderNumbers, { input })));
    const orders = responses.map((r) => r.data?.orderPhoneNumbers.numberOrder);
    for (const order of orders) {
      expect(order).toBeTruthy();
      expect({ ...order, status: undefined, items: undefined }).toEqual({ ...orders[0], status: undefined, items: undefined });
      expect(order!.items.map((item) => item.e164)).toEqual(orders[0]!.items.map((item) => item.e164));
    }
    expect(responses.filter((r) => r.data?.orderPhoneNumbers.replayed === false)).toHaveLength(1);
    expect(await server.db.prisma.numberOrder.count({ where: { organizationId: tenant.organizationId } })).toBe(1);
    expect(await server.db.prisma.ledgerEntry.count({ where: { organizationId: tenant.organizationId, kind: 'ACTIVATION_CHARGE' } })).toBe(1);

    const reused = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { ...input, phoneNumbers: [input.phoneNumbers[0]!] } });
    expect(reused.data?.orderPhoneNumbers).toMatchObject({
      numberOrder: null,
      errors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] }],
    });
    expect(await server.db.prisma.numberOrder.count({ where: { organizationId: tenant.organizationId } })).toBe(1);
  });

  it('a reservation by A blocks B from reserving and ordering; after expiry B can order', async ({ server }) => {
    const a = await server.createTenant();
    const b = await server.createTenant();
    const [target] = await pickAvailable(server, 1);
    const held = await server.graphql(a.keys.MEMBER, ReserveNumbers, { input: { phoneNumbers: [target.e164], ttlSeconds: 60 } });
    const reservationId = held.data!.reservePhoneNumbers.reservation!.id;

    const bReserve = await server.graphql(b.keys.MEMBER, ReserveNumbers, { input: { phoneNumbers: [target.e164] } });
    expect(bReserve.data?.reservePhoneNumbers.errors[0]).toMatchObject({ code: 'NUMBER_NOT_AVAILABLE', phoneNumbers: [target.e164] });
    const bOrder = await server.graphql(b.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [target.e164], idempotencyKey: 'b-1' } });
    expect(bOrder.data?.orderPhoneNumbers.errors[0]).toMatchObject({ code: 'NUMBER_NOT_AVAILABLE' });
    const bWithAsReservation = await server.graphql(b.keys.MEMBER, OrderNumbers, {
      input: { phoneNumbers: [target.e164], idempotencyKey: 'b-2', reservationId },
    });
    expect(bWithAsReservation.data?.orderPhoneNumbers.errors[0]).toMatchObject({ code: 'RESERVATION_NOT_ACTIVE', field: ['input', 'reservationId'] });

    // Time passes: the hold runs out (moved back in the database rather than waiting a minute).
    const past = new Date(Date.now() - 1000);
    await server.db.prisma.reservation.updateMany({ where: { organizationId: a.organizationId }, data: { expiresAt: past } });
    await server.db.prisma.inventoryNumber.updateMany({ where: { e164: target.e164 }, data: { reservedUntil: past } });
    await server.db.prisma.job.updateMany({ where: { uniqueKey: { startsWith: 'expire-reservation:' }, status: 'PENDING' }, data: { runAt: past } });

    const expired = await eventually(
      () => server.db.prisma.reservation.findFirstOrThrow({ where: { organizationId: a.organizationId } }),
      (reservation) => reservation.status === 'EXPIRED',
    );
    expect(expired.status).toBe('EXPIRED');
    expect(await server.db.prisma.event.count({ where: { organizationId: a.organizationId, type: 'RESERVATION_EXPIRED' } })).toBe(1);
    const bAfter = await server.graphql(b.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [target.e164], idempotencyKey: 'b-3' } });
    expect(bAfter.data?.orderPhoneNumbers.errors).toEqual([]);
    const aLate = await server.graphql(a.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [target.e164], idempotencyKey: 'a-late', reservationId } });
    expect(aLate.data?.orderPhoneNumbers.errors[0]).toMatchObject({ code: 'RESERVATION_NOT_ACTIVE' });
  });

  it("another tenant's reservation id and a made-up one get the same typed refusal; nothing is written", async ({ server }) => {
    const a = await server.createTenant();
    const b = await server.createTenant({ balanceCents: 5_000 });
    const [held, free] = await pickAvailable(server, 2);
    const reserved = await server.graphql(a.keys.MEMBER, ReserveNumbers, { input: { phoneNumbers: [held.e164], ttlSeconds: 600 } });
    const theirs = reserved.data!.reservePhoneNumbers.reservation!.id;
    const madeUp = encodeGlobalId('Reservation', randomUUID());
    const answers = [];
    for (const [key, reservationId] of [
      ['x-1', theirs],
      ['x-2', madeUp],
    ]) {
      const response = await server.graphql(b.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [free.e164], idempotencyKey: key!, reservationId } });
      expect(response.errors, reservationId).toBeUndefined();
      answers.push(response.data?.orderPhoneNumbers);
    }
    expect(answers[0]).toEqual({
      replayed: false,
      numberOrder: null,
      errors: [{ code: 'RESERVATION_NOT_ACTIVE', field: ['input', 'reservationId'], message: expect.any(String) }],
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(await balanceOf(server, b.organizationId)).toBe(5_000);
    expect(await server.db.prisma.numberOrder.count({ where: { organizationId: b.organizationId } })).toBe(0);
    expect(await server.db.prisma.ledgerEntry.count({ where: { organizationId: b.organizationId } })).toBe(0);
    expect((await server.db.prisma.inventoryNumber.findUniqueOrThrow({ where: { id: free.id } })).state).toBe('AVAILABLE');
    expect((await server.db.prisma.reservation.findFirstOrThrow({ where: { organizationId: a.organizationId } })).status).toBe('ACTIVE');
  });

  it('an empty reservationId is refused naming it, not taken for "no reservation": nothing charged', async ({ server }) => {
    const tenant = await server.createTenant({ balanceCents: 5_000 });
    const [target] = await pickAvailable(server, 1, { activationPriceCents: { gt: 0 } });
    const response = await server.graphql(tenant.keys.MEMBER, OrderNumbers, {
      input: { phoneNumbers: [target.e164], idempotencyKey: 'empty-reservation', reservationId: '' },
    });
    const refusal = response.errors?.[0]?.extensions ?? response.data?.orderPhoneNumbers.errors[0];
    expect(refusal).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'reservationId'] });
    expect(await balanceOf(server, tenant.organizationId)).toBe(5_000);
    expect(await server.db.prisma.numberOrder.count({ where: { organizationId: tenant.organizationId } })).toBe(0);
    expect((await server.db.prisma.inventoryNumber.findUniqueOrThrow({ where: { id: target.id } })).state).toBe('AVAILABLE');
  });

  it('a balance that covers 2 of 3 numbers: nothing ordered, balance unchanged', async ({ server }) => {
    const stock = await pickAvailable(server, 3, { activationPriceCents: { gt: 0 } });
    const purchase = (row: (typeof stock)[number]) => row.activationPriceCents + row.monthlyPriceCents;
    const total = stock.reduce((sum, row) => sum + purchase(row), 0);
    const tenant = await server.createTenant({ balanceCents: total - purchase(stock[2]!) });
    const before = await balanceOf(server, tenant.organizationId);
    const response = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: stock.map((r) => r.e164), idempotencyKey: 'too-much' } });
    expect(response.data?.orderPhoneNumbers).toMatchObject({ numberOrder: null, errors: [{ code: 'BALANCE_INSUFFICIENT' }] });
    // The refusal quotes the whole purchase: activation and first month.
    expect(response.data!.orderPhoneNumbers.errors[0]!.message).toContain(`does not cover ${formatMoney({ amountCents: total, currency: 'USD' })}`);
    expect(await balanceOf(server, tenant.organizationId)).toBe(before);
    expect(await server.db.prisma.phoneNumber.count({ where: { organizationId: tenant.organizationId } })).toBe(0);
    expect(await server.db.prisma.numberOrder.count({ where: { organizationId: tenant.organizationId } })).toBe(0);
    expect(await server.db.prisma.ledgerEntry.count({ where: { organizationId: tenant.organizationId } })).toBe(0);
    expect(await server.db.prisma.inventoryNumber.count({ where: { e164: { in: stock.map((r) => r.e164) }, state: 'AVAILABLE' } })).toBe(3);
    // The same key works once the request is one the balance covers.
    const retry = await server.graphql(tenant.keys.MEMBER, OrderNumbers, {
      input: { phoneNumbers: stock.slice(0, 2).map((r) => r.e164), idempotencyKey: 'too-much' },
    });
    expect(retry.data?.orderPhoneNumbers.errors).toEqual([]);
  });

  it('KYC gates ordering for tenants that are not verified', async ({ server }) => {
    const [target] = await pickAvailable(server, 1);
    for (const [kycStatus, code] of [
      ['NOT_SUBMITTED', 'KYC_NOT_SUBMITTED'],
      ['PENDING', 'KYC_PENDING'],
      ['DECLINED', 'KYC_DECLINED'],
    ] as const) {
      const tenant = await server.createTenant({ kycStatus });
      const response = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [target.e164], idempotencyKey: 'kyc' } });
      expect(response.data?.orderPhoneNumbers).toMatchObject({ numberOrder: null, errors: [{ code }] });
      expect(await balanceOf(server, tenant.organizationId)).toBe(100_000);
    }
    expect((await server.db.prisma.inventoryNumber.findUniqueOrThrow({ where: { id: target.id } })).state).toBe('AVAILABLE');
  });
});
