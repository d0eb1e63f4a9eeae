import type { PhoneNumber } from '../generated/prisma/client.js';
import { type CarrierGateway, CarrierRejection } from '../infra/carrier/gateway.js';
import { lockRow, type TenantDb, tenantId, tenantSql } from '../infra/tenant-scope.js';
import { addMonth, scheduleBilling } from './billing.js';
import { recordEvents, type recordStatusChanges } from './events.js';
import { checkBucket } from './inventory-alerts.js';
import { moveMoney } from './ledger.js';
import { inTransaction, type Tx } from './transactions.js';

type NumberOrderStatus = 'COMPLETED' | 'FAILED' | 'PARTIALLY_FAILED';
type StatusChange = Parameters<typeof recordStatusChanges>[1][number];

/**
 * Settles an order once none of its numbers is pending; returns its new status, or null. The order row is
 * locked first, so two activations finishing together can't both miss the last one: the statement after
 * the lock sees every item the other committed. Counting the items and settling is that one statement.
 */
async function settleOrder(tx: Tx, numberOrderId: string | null): Promise<NumberOrderStatus | null> {
  if (!numberOrderId) return null;
  await lockRow(tx, 'NumberOrder', numberOrderId);
  const now = new Date();
  const [settled] = await tenantSql(tx).query<Array<{ status: NumberOrderStatus }>>`
    UPDATE "NumberOrder" AS o SET status = s.status::"NumberOrderStatus", "completedAt" = ${now}, "updatedAt" = ${now}
    FROM (
      SELECT CASE WHEN count(*) FILTER (WHERE status = 'ACTIVE') = count(*) THEN 'COMPLETED'
                  WHEN count(*) FILTER (WHERE status = 'ACTIVE') = 0 THEN 'FAILED'
                  ELSE 'PARTIALLY_FAILED' END AS status
      FROM "NumberOrderItem"
      WHERE "numberOrderId" = ${numberOrderId}::uuid AND "organizationId" = ${tenantId}
      HAVING count(*) FILTER (WHERE status = 'PENDING') = 0
    ) AS s
    WHERE o.id = ${numberOrderId}::uuid AND o."organizationId" = ${tenantId} AND o.status = 'PENDING'
    RETURNING s.status`;
  return settled?.status ?? null;
}

/** A number's status change, then (when it settled the order) the order's: ids, and so feed positions, in that order. */
async function recordSettlement(tx: Tx, change: StatusChange, numberOrderId: string | null, settled: NumberOrderStatus | null) {
  const { organizationId } = tx.tenant;
  await recordEvents(tx, [
    { organizationId, type: 'NUMBER_STATUS_CHANGED' as const, subjectId: change.phoneNumberId, payload: change },
    ...(settled && numberOrderId
      ? [
          {
            organizationId,
            type: 'NUMBER_ORDER_UPDATED' as const,
            subjectId: numberOrderId,
            payload: { numberOrderId, previousStatus: 'PENDING', newStatus: settled },
          },
        ]
      : []),
  ]);
}

/** What activation reads of a number: not the whole row. */
const activationFields = {
  id: true,
  e164: true,
  status: true,
  numberOrderId: true,
  countryCode: true,
  areaCode: true,
  monthlyPriceCents: true,
} as const;
type ActivatingNumber = Pick<PhoneNumber, keyof typeof activationFields>;

async function markActive(db: TenantDb, number: ActivatingNumber) {
  await inTransaction(db, async (tx) => {
    const activatedAt = new Date();
    const nextBillingAt = addMonth(activatedAt);
    // Conditional on PENDING: a second run of the same job changes nothing.
    const flipped = await tx.phoneNumber.updateMany({ where: { id: number.id, status: 'PENDING' }, data: { status: 'ACTIVE', activatedAt, nextBillingAt } });
    if (!flipped.count) return;
    await tx.numberOrderItem.updateMany({ where: { phoneNumberId: number.id }, data: { status: 'ACTIVE' } });
    // The first month was paid with the order; it starts now, and the next is billed at nextBillingAt.
    await scheduleBilling(tx, number.id, nextBillingAt);
    const settled = await settleOrder(tx, number.numberOrderId);
    await recordSettlement(tx, { phoneNumberId: number.id, e164: number.e164, previousStatus: 'PENDING', newStatus: 'ACTIVE' }, number.numberOrderId, settled);
    await checkBucket(tx, number.countryCode, number.areaCode);
  });
}

/** Activation failed for good: FAILED, what the order took for the number (activation and first month) refunded once, stock returned. */
export async function failActivation(db: TenantDb, phoneNumberId: string, reason: string) {
  await inTransaction(db, async (tx) => {
    const [number] = await tx.phoneNumber.updateManyAndReturn({ where: { id: phoneNumberId, status: 'PENDING' }, data: { status: 'FAILED' } });
    if (!number) return;
    await tx.numberOrderItem.updateMany({ where: { phoneNumberId }, data: { status: 'FAILED', failureReason: reason.slice(0, 500) } });
    await moveMoney(tx, {
      amountCents: number.activationPriceCents + number.monthlyPriceCents,
      kind: 'ACTIVATION_REFUND',
      description: `Refund: activation of ${number.e164} failed (activation and first month)`,
      phoneNumberId,
      numberOrderId: number.numberOrderId ?? undefined,
      dedupeKey: `refund:${phoneNumberId}`,
    });
    if (number.inventoryNumberId) {
      await tx.inventoryNumber.updateMany({ where: { id: number.inventoryNumberId, state: 'ASSIGNED' }, data: { state: 'AVAILABLE' } });
    }
    const settled = await settleOrder(tx, number.numberOrderId);
    await recordSettlement(tx, { phoneNumberId, e164: number.e164, previousStatus: 'PENDING', newStatus: 'FAILED' }, number.numberOrderId, settled);
  });
}

/** The activation job. Transient carrier errors throw, so the job retries with backoff. */
export async function activateNumber(db: TenantDb, carrier: CarrierGateway, phoneNumberId: string) {
  const number = await db.phoneNumber.findUnique({ where: { id: phoneNumberId }, select: activationFields });
  if (number?.status !== 'PENDING') return;
  try {
    await carrier.activateNumber(number.e164);
  } catch (error) {
    if (error instanceof CarrierRejection) return failActivation(db, phoneNumberId, error.message);
    throw error;
  }
  await markActive(db, number);
}
