import { enqueueJob } from '../infra/jobs.js';
import { moveMoney } from './ledger.js';
import { centsToDecimal } from './money.js';
import { addMonth, type Tx } from './transactions.js';

/**
 * Bills one month in advance for the period starting at `period` and schedules
 * the next charge. At most once per number and period, whoever calls it how often.
 */
export async function chargeMonth(tx: Tx, number: { id: string; e164: string; monthlyPriceCents: number }, period: Date) {
  const next = addMonth(period);
  await moveMoney(tx, {
    amountCents: -number.monthlyPriceCents,
    kind: 'MONTHLY_CHARGE',
    description: `Monthly charge for ${number.e164}, ${centsToDecimal(number.monthlyPriceCents)}`,
    phoneNumberId: number.id,
    dedupeKey: `monthly:${number.id}:${period.toISOString()}`,
    // Recurring charges may take the balance below zero; they are owed either way.
    allowNegative: true,
  });
  await enqueueJob(
    tx,
    'bill-number',
    { organizationId: tx.tenant.organizationId, phoneNumberId: number.id },
    { runAt: next, uniqueKey: `bill:${number.id}:${next.toISOString()}` },
  );
  return next;
}
