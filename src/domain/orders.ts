import { createHash } from 'node:crypto';
import type { NumberOrder } from '../generated/prisma/client.js';
import type { KycStatus } from '../generated/prisma/enums.js';
import { enqueueJobs } from '../infra/jobs.js';
import type { TenantDb } from '../infra/tenant-scope.js';
import { DomainError } from './errors.js';
import { recordEvents } from './events.js';
import { checkIdempotencyKey } from './input-rules.js';
import { moveMoney } from './ledger.js';
import { centsToDecimal } from './money.js';
import { checkNumberList, claimStock, takeableStock } from './number-selection.js';
import { releaseHeldStock } from './reservations.js';
import { createRows, createRowsAndReturn, inTransaction } from './transactions.js';

export type OrderInput = { phoneNumbers: string[]; reservationId?: string | null; idempotencyKey: string };

const suspended = new DomainError('ACCOUNT_SUSPENDED', 'The organization is suspended: it can read and export, but not order numbers', null);

const kycRefusals: Partial<Record<KycStatus, DomainError>> = {
  NOT_SUBMITTED: new DomainError('KYC_NOT_SUBMITTED', 'Submit KYC documents before ordering numbers', null),
  SUBMITTED: new DomainError('KYC_PENDING', 'KYC was submitted and awaits review; ordering opens once it is verified', null),
  PENDING: new DomainError('KYC_PENDING', 'KYC review is still in progress; ordering opens once it is verified', null),
  DECLINED: new DomainError('KYC_DECLINED', 'KYC was declined; contact support to order numbers', null),
};

function requestFingerprint(input: OrderInput) {
  return createHash('sha256')
    .update(JSON.stringify({ phoneNumbers: [...input.phoneNumbers].sort(), reservationId: input.reservationId ?? null }))
    .digest('hex');
}

function replay(existing: NumberOrder, fingerprint: string): NumberOrder {
  if (existing.requestHash !== fingerprint) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used for a different order', ['input', 'idempotencyKey']);
  }
  return existing;
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/**
 * Places an order: KYC gate, numbers claimed, activation total and first month debited (two ledger
 * entries), numbers created PENDING, events and activation jobs, all in one transaction. The same
 * idempotency key returns the same order and charges nothing more.
 */
export async function placeOrder(db: TenantDb, input: OrderInput): Promise<{ order: NumberOrder; replayed: boolean }> {
  const { organizationId } = db.tenant;
  checkIdempotencyKey(input.idempotencyKey);
  const phoneNumbers = checkNumberList(input.phoneNumbers);
  const fingerprint = requestFingerprint(input);
  const where = { organizationId_idempotencyKey: { organizationId, idempotencyKey: input.idempotencyKey } };

  try {
    return await inTransaction(db, async (tx) => {
      const now = new Date();
      // Suspension, then the KYC gate, answer before any other refusal, yet cost no statement of their own: the
      // debit returns both statuses, and when an earlier step refuses, they are read before answering.
      const refuseUnverified = async (error: unknown) => {
        if (error instanceof DomainError) {
          const account = await tx.organization.findFirstOrThrow({ select: { kycStatus: true, status: true } });
          if (account.status === 'SUSPENDED') throw suspended;
          const refusal = kycRefusals[account.kycStatus];
          if (refusal) throw refusal;
        }
        throw error;
      };
      // Everything the caller can get wrong is checked before the order is written, through the
      // tenant-scoped client: another tenant's reservation and an unknown one look the same.
      let stock: Awaited<ReturnType<typeof claimStock>>;
      try {
        if (input.reservationId != null) {
          const reservation = await tx.reservation.findUnique({ where: { id: input.reservationId } });
          if (reservation?.status !== 'ACTIVE' || reservation.expiresAt <= now) {
            throw new DomainError('RESERVATION_NOT_ACTIVE', 'The reservation is not active (expired, cancelled, converted or unknown)', [
              'input',
              'reservationId',
            ]);
          }
        }
        stock = await claimStock(tx, phoneNumbers, takeableStock(phoneNumbers, now, input.reservationId ?? undefined), {
          state: 'ASSIGNED',
          reservationId: null,
          reservedUntil: null,
        });
      } catch (error) {
        return refuseUnverified(error);
      }
      const activationTotalCents = stock.reduce((sum, row) => sum + row.activationPriceCents, 0);
      const monthlyTotalCents = stock.reduce((sum, row) => sum + row.monthlyPriceCents, 0);
      // Same-key requests are serialised by the order's unique (organization, idempotency key) index: a second
      // one waits here on the first's insert and fails with a unique violation once the first commits (or, if it
      // wanted the same numbers, already found them taken above); either way it is answered with the first's order.
      const order = await tx.numberOrder.create({
        data: {
          organizationId,
          idempotencyKey: input.idempotencyKey,
          requestHash: fingerprint,
          activationTotalCents,
          monthlyTotalCents,
          reservationId: input.reservationId ?? null,
        },
      });
      const numbers = `${stock.length} number${stock.length === 1 ? '' : 's'}`;
      let moved: Awaited<ReturnType<typeof moveMoney>>;
      try {
        moved = await moveMoney(tx, {
          amountCents: -activationTotalCents,
          kind: 'ACTIVATION_CHARGE',
          description: `Activation of ${numbers} (order ${order.id.slice(0, 8)}), ${centsToDecimal(activationTotalCents)}`,
          numberOrderId: order.id,
          dedupeKey: `activation:${order.id}`,
          // Made from the order this transaction inserted: no earlier movement can carry it.
          keyIsNew: true,
          // The first month is paid at purchase too (below): the balance must cover both.
          coverCents: activationTotalCents + monthlyTotalCents,
        });
      } catch (error) {
        return refuseUnverified(error);
      }
      if (!moved) throw new Error(`The activation charge of order ${order.id} was already made`);
      if (moved.status === 'SUSPENDED') throw suspended;
      const refusal = kycRefusals[moved.kycStatus];
      if (refusal) throw refusal;
      if (monthlyTotalCents > 0) {
        // Covered: the activation debit required the whole purchase and holds the balance's row lock.
        await moveMoney(tx, {
          amountCents: -monthlyTotalCents,
          kind: 'MONTHLY_CHARGE',
          description: `First month of ${numbers} (order ${order.id.slice(0, 8)}), ${centsToDecimal(monthlyTotalCents)}`,
          numberOrderId: order.id,
          dedupeKey: `first-month:${order.id}`,
          keyIsNew: true,
        });
      }
      const numberSelect = { id: true, e164: true, activationPriceCents: true, monthlyPriceCents: true } as const;
      const created = await createRowsAndReturn(
        stock.map((row) => ({
          organizationId,
          inventoryNumberId: row.id,
          numberOrderId: order.id,
          e164: row.e164,
          countryCode: row.countryCode,
          areaCode: row.areaCode,
          region: row.region,
          locality: row.locality,
          numberType: row.numberType,
          capabilities: row.capabilities,
          provider: row.provider,
          activationPriceCents: row.activationPriceCents,
          monthlyPriceCents: row.monthlyPriceCents,
          currency: row.currency,
          status: 'PENDING' as const,
          orderedAt: now,
          tfvStatus: row.numberType === 'TOLL_FREE' ? ('NOT_SUBMITTED' as const) : null,
        })),
        (data) => tx.phoneNumber.create({ data, select: numberSelect }),
        (data) => tx.phoneNumber.createManyAndReturn({ data, select: numberSelect }),
      );
      await createRows(
        created.map((number) => ({
          organizationId,
          numberOrderId: order.id,
          phoneNumberId: number.id,
          e164: number.e164,
          activationPriceCents: number.activationPriceCents,
          monthlyPriceCents: number.monthlyPriceCents,
        })),
        (data) => tx.numberOrderItem.create({ data }),
        (data) => tx.numberOrderItem.createMany({ data }),
      );
      if (input.reservationId != null) {
        await tx.reservation.update({ where: { id: input.reservationId }, data: { status: 'CONVERTED' } });
        await releaseHeldStock(tx, input.reservationId);
      }
      // The numbers' status changes, then the order's (ids, and so feed positions, in this order).
      await recordEvents(tx, [
        ...created.map((n) => ({
          organizationId,
          type: 'NUMBER_STATUS_CHANGED' as const,
          subjectId: n.id,
          payload: { phoneNumberId: n.id, e164: n.e164, previousStatus: null, newStatus: 'PENDING' as const },
        })),
        {
          organizationId,
          type: 'NUMBER_ORDER_UPDATED' as const,
          subjectId: order.id,
          payload: { numberOrderId: order.id, previousStatus: null, newStatus: 'PENDING' },
        },
      ]);
      await enqueueJobs(
        tx,
        'activate-number',
        created.map((number) => ({
          payload: { organizationId, phoneNumberId: number.id },
          options: { uniqueKey: `activate:${number.id}`, maxAttempts: 6 },
        })),
      );
      return { order, replayed: false };
    });
  } catch (error) {
    // A key that placed an order is always answered with that order, whatever this attempt ran into
    // (the numbers or the reservation it took, the key's unique index).
    if (!isUniqueViolation(error) && !(error instanceof DomainError)) throw error;
    const winner = await db.numberOrder.findUnique({ where });
    if (!winner) throw error;
    return { order: replay(winner, fingerprint), replayed: true };
  }
}
