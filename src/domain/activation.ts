import type { PhoneNumber } from '../generated/prisma/client.js';
import { type CarrierGateway, CarrierRejection } from '../infra/carrier/gateway.js';
import { lockRow, type TenantDb } from '../infra/tenant-scope.js';
import { addMonth, chargeMonth } from './billing.js';
import { recordEvent, recordStatusChanges } from './events.js';
import { checkBucket } from './inventory-alerts.js';
import { moveMoney } from './ledger.js';
import { inTransaction, type Tx } from './transactions.js';

/**
 * Settles an order once none of its numbers is pending. The order row is locked
 * first, so two activations finishing together can't both miss the last one.
 */
async function settleOrder(tx: Tx, numberOrderId: string | null) {
  if (!numberOrderId) return;
  await lockRow(tx, 'NumberOrder', numberOrderId);
  const items = await tx.numberOrderItem.findMany({ where: { numberOrderId }, select: { status: true } });
  if (items.some((item) => item.status === 'PENDING')) return;
  const active = items.filter((item) => item.status === 'ACTIVE').length;
  const newStatus = active === items.length ? 'COMPLETED' : active === 0 ? 'FAILED' : 'PARTIALLY_FAILED';
  const settled = await tx.numberOrder.updateMany({ where: { id: numberOrderId, status: 'PENDING' }, data: { status: newStatus, completedAt: new Date() } });
  if (settled.count) {
    await recordEvent(tx, 'NUMBER_ORDER_UPDATED', numberOrderId, { numberOrderId, previousStatus: 'PENDING', newStatus });
  }
}

async function markActive(db: TenantDb, number: PhoneNumber) {
  await inTransaction(db, async (tx) => {
    const activatedAt = new Date();
    const nextBillingAt = addMonth(activatedAt);
    // Conditional on PENDING: a second run of the same job changes nothing.
    const flipped = await tx.phoneNumber.updateMany({ where: { id: number.id, status: 'PENDING' }, data: { status: 'ACTIVE', activatedAt, nextBillingAt } });
    if (!flipped.count) return;
    await tx.numberOrderItem.updateMany({ where: { phoneNumberId: number.id }, data: { status: 'ACTIVE' } });
    // Billed in advance: the first month now, then every nextBillingAt.
    await chargeMonth(tx, number, activatedAt);
    await recordStatusChanges(tx, [{ phoneNumberId: number.id, e164: number.e164, previousStatus: 'PENDING', newStatus: 'ACTIVE' }]);
    await settleOrder(tx, number.numberOrderId);
    await checkBucket(tx, number.countryCode, number.areaCode);
  });
}

/** Activation failed for good: FAILED, activation price refunded once, stock returned. */
export async function failActivation(db: TenantDb, phoneNumberId: string, reason: string) {
  await inTransaction(db, async (tx) => {
    const [number] = await tx.phoneNumber.updateManyAndReturn({ where: { id: phoneNumberId, status: 'PENDING' }, data: { status: 'FAILED' } });
    if (!number) return;
    await tx.numberOrderItem.updateMany({ where: { phoneNumberId }, data: { status: 'FAILED', failureReason: reason.slice(0, 500) } });
    await moveMoney(tx, {
      amountCents: number.activationPriceCents,
      kind: 'ACTIVATION_REFUND',
      description: `Refund: activation of ${number.e164} failed`,
      phoneNumberId,
      numberOrderId: number.numberOrderId ?? undefined,
      dedupeKey: `refund:${phoneNumberId}`,
    });
    if (number.inventoryNumberId) {
      await tx.inventoryNumber.updateMany({ where: { id: number.inventoryNumberId, state: 'ASSIGNED' }, data: { state: 'AVAILABLE' } });
    }
    await recordStatusChanges(tx, [{ phoneNumberId, e164: number.e164, previousStatus: 'PENDING', newStatus: 'FAILED' }]);
    await settleOrder(tx, number.numberOrderId);
  });
}

/** The activation job. Transient carrier errors throw, so the job retries with backoff. */
export async function activateNumber(db: TenantDb, carrier: CarrierGateway, phoneNumberId: string) {
  const number = await db.phoneNumber.findUnique({ where: { id: phoneNumberId } });
  if (number?.status !== 'PENDING') return;
  try {
    await carrier.activateNumber(number.e164);
  } catch (error) {
    if (error instanceof CarrierRejection) return failActivation(db, phoneNumberId, error.message);
    throw error;
  }
  await markActive(db, number);
}
