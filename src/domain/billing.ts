import { enqueueJob } from '../infra/jobs.js';
import { moveMoney } from './ledger.js';
import { centsToDecimal } from './money.js';
import type { Tx } from './transactions.js';

// A number is billed monthly, in advance, from its activation: each period starts one addMonth after the
// previous one, at the same time of day (so a day clamped to a short month stays clamped: 31 → 28 → 28).

/** Same day-of-month next month, clamped (Jan 31 → Feb 28/29), in UTC. */
export function addMonth(date: Date): Date {
  const next = new Date(date);
  const day = next.getUTCDate();
  next.setUTCDate(1);
  next.setUTCMonth(next.getUTCMonth() + 1);
  const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(day, lastDay));
  return next;
}

/**
 * Bills one month in advance for the period starting at `period` and schedules
 * the next charge. At most once per number and period, whoever calls it how often.
 */
export async function chargeMonth(
  tx: Tx,
  number: { id: string; e164: string; monthlyPriceCents: number },
  period: Date,
  /** periodIsNew: the caller knows no charge for this period can exist yet (it began in this transaction). */
  options: { periodIsNew?: boolean } = {},
) {
  const next = addMonth(period);
  await moveMoney(tx, {
    amountCents: -number.monthlyPriceCents,
    kind: 'MONTHLY_CHARGE',
    description: `Monthly charge for ${number.e164}, ${centsToDecimal(number.monthlyPriceCents)}`,
    phoneNumberId: number.id,
    dedupeKey: `monthly:${number.id}:${period.toISOString()}`,
    keyIsNew: options.periodIsNew,
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
