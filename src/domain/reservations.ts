import { enqueueJob } from '../infra/jobs.js';
import type { TenantDb } from '../infra/tenant-scope.js';
import { DomainError, invalidInput, notFound } from './errors.js';
import { recordEvent } from './events.js';
import { checkNumberList, claimStock, takeableStock } from './number-selection.js';
import { inTransaction, type Tx } from './transactions.js';

export const reservationTtl = { defaultSeconds: 15 * 60, minSeconds: 60, maxSeconds: 24 * 60 * 60 };

export async function reserveNumbers(db: TenantDb, input: { phoneNumbers: string[]; ttlSeconds?: number | null }) {
  const phoneNumbers = checkNumberList(input.phoneNumbers);
  const ttl = input.ttlSeconds ?? reservationTtl.defaultSeconds;
  if (!Number.isInteger(ttl) || ttl < reservationTtl.minSeconds || ttl > reservationTtl.maxSeconds) {
    throw invalidInput(['input', 'ttlSeconds'], `ttlSeconds must be between ${reservationTtl.minSeconds} and ${reservationTtl.maxSeconds}`);
  }
  const { organizationId } = db.tenant;
  return inTransaction(db, async (tx) => {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    const reservation = await tx.reservation.create({ data: { organizationId, expiresAt } });
    const held = await claimStock(tx, phoneNumbers, takeableStock(phoneNumbers, now), {
      state: 'RESERVED',
      reservationId: reservation.id,
      reservedUntil: expiresAt,
    });
    await tx.reservationItem.createMany({
      data: held.map((row) => ({ organizationId, reservationId: reservation.id, inventoryNumberId: row.id, e164: row.e164 })),
    });
    await recordEvent(tx, 'RESERVATION_CREATED', reservation.id, { reservationId: reservation.id, phoneNumbers, expiresAt });
    await enqueueJob(
      tx,
      'expire-reservation',
      { organizationId, reservationId: reservation.id },
      { runAt: expiresAt, uniqueKey: `expire-reservation:${reservation.id}` },
    );
    return reservation;
  });
}

/** Puts back in stock whatever this reservation still holds. */
export async function releaseHeldStock(tx: Tx, reservationId: string) {
  await tx.inventoryNumber.updateMany({
    where: { reservationId, state: 'RESERVED' },
    data: { state: 'AVAILABLE', reservationId: null, reservedUntil: null },
  });
}

export async function cancelReservation(db: TenantDb, reservationId: string) {
  return inTransaction(db, async (tx) => {
    const [cancelled] = await tx.reservation.updateManyAndReturn({ where: { id: reservationId, status: 'ACTIVE' }, data: { status: 'CANCELLED' } });
    if (!cancelled) {
      const existing = await tx.reservation.findUnique({ where: { id: reservationId } });
      if (!existing) throw notFound(['input', 'id'], 'Reservation');
      throw new DomainError('RESERVATION_NOT_ACTIVE', `Reservation is ${existing.status.toLowerCase()}, not active`, ['input', 'id']);
    }
    await releaseHeldStock(tx, reservationId);
    await recordEvent(tx, 'RESERVATION_CANCELLED', reservationId, { reservationId });
    return cancelled;
  });
}

/** The expiry job: idempotent, and a no-op for reservations already converted or cancelled. */
export async function expireReservation(db: TenantDb, reservationId: string) {
  await inTransaction(db, async (tx) => {
    const [expired] = await tx.reservation.updateManyAndReturn({
      where: { id: reservationId, status: 'ACTIVE', expiresAt: { lte: new Date() } },
      data: { status: 'EXPIRED' },
    });
    if (!expired) {
      const pending = await tx.reservation.findFirst({ where: { id: reservationId, status: 'ACTIVE' }, select: { expiresAt: true } });
      // Woken early (clocks differ by a hair): fail so the job runs again shortly.
      if (pending) throw new Error(`Reservation ${reservationId} is not due until ${pending.expiresAt.toISOString()}`);
      return;
    }
    const items = await tx.reservationItem.findMany({ where: { reservationId }, select: { e164: true } });
    await releaseHeldStock(tx, reservationId);
    await recordEvent(tx, 'RESERVATION_EXPIRED', reservationId, {
      reservationId,
      phoneNumbers: items.map((item) => item.e164),
      expiredAt: expired.expiresAt,
    });
  });
}
