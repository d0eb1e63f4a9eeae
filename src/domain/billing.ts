import { enqueueJob } from '../infra/jobs.js';
import { startGrace } from './arrears.js';
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

/** Schedules the charge for the period starting at `next`. */
export function scheduleBilling(tx: Tx, phoneNumberId: string, next: Date) {
  return enqueueJob(
    tx,
    'bill-number',
    { organizationId: tx.tenant.organizationId, phoneNumberId },
    { runAt: next, uniqueKey: `bill:${phoneNumberId}:${next.toISOString()}` },
  );
}

/**
 * Bills one month in advance for the period starting at `period` and schedules the next charge. At most once
 * per number and period, whoever calls it how often. A charge is owed whatever the balance: one the balance
 * does not cover posts all the same and starts the number's grace period (see arrears.ts).
 */
export async function chargeMonth(tx: Tx, number: { id: string; e164: string; monthlyPriceCents: number }, period: Date, graceMs: number) {
  const next = addMonth(period);
  const moved = await moveMoney(tx, {
    amountCents: -number.monthlyPriceCents,
    kind: 'MONTHLY_CHARGE',
    description: `Monthly charge for ${number.e164}, ${centsToDecimal(number.monthlyPriceCents)}`,
    phoneNumberId: number.id,
    dedupeKey: `monthly:${number.id}:${period.toISOString()}`,
    allowNegative: true,
  });
  if (moved && moved.balanceCents < 0) await startGrace(tx, number, graceMs);
  await scheduleBilling(tx, number.id, next);
  return next;
}
