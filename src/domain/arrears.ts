import type { PhoneNumberStatus } from '../generated/prisma/enums.js';
import { enqueueJob } from '../infra/jobs.js';
import { type TenantDb, tenantId, tenantSql } from '../infra/tenant-scope.js';
import { recordStatusChanges } from './events.js';
import { inTransaction, type Tx } from './transactions.js';

// Arrears: a monthly charge is owed whatever the balance, so one the balance does not cover still posts and
// leaves the balance below zero. The number charged then has a grace period (graceEndsAt); if the balance is
// still below zero when it ends, the number is SUSPENDED. Any credit that brings the balance back to zero or
// above settles the arrears in that same transaction: grace periods end and suspended numbers are ACTIVE again.
// Every step runs with the organization's row locked (the balance UPDATE, or FOR UPDATE here), so a credit and
// a suspension can't pass each other.

type Unpaid = { id: string; e164: string };

/** Starts the number's grace period unless one is running; schedules the suspension check at its end. */
export async function startGrace(tx: Tx, number: Unpaid, graceMs: number) {
  const proposed = new Date(Date.now() + graceMs);
  const [row] = await tenantSql(tx).query<Array<{ graceEndsAt: Date }>>`
    UPDATE "PhoneNumber" SET "graceEndsAt" = COALESCE("graceEndsAt", ${proposed}), "updatedAt" = now()
    WHERE id = ${number.id}::uuid AND "organizationId" = ${tenantId}
    RETURNING "graceEndsAt"`;
  if (!row) return;
  const graceEndsAt = new Date(row.graceEndsAt);
  await enqueueJob(
    tx,
    'suspend-unpaid-number',
    { organizationId: tx.tenant.organizationId, phoneNumberId: number.id },
    { runAt: graceEndsAt, uniqueKey: `suspend:${number.id}:${graceEndsAt.toISOString()}` },
  );
}

/** The grace period's end: suspends the number if the balance is still below zero, else its arrears were paid. */
export async function suspendUnpaidNumber(db: TenantDb, phoneNumberId: string) {
  await inTransaction(db, async (tx) => {
    const [account] = await tenantSql(tx).query<Array<{ balanceCents: number }>>`
      SELECT "balanceCents" FROM "Organization" WHERE id = ${tenantId} FOR UPDATE`;
    if (!account) return;
    if (account.balanceCents >= 0) {
      await tx.phoneNumber.updateMany({ where: { id: phoneNumberId, graceEndsAt: { not: null } }, data: { graceEndsAt: null } });
      return;
    }
    const [suspended] = await tx.phoneNumber.updateManyAndReturn({
      where: { id: phoneNumberId, status: 'ACTIVE', graceEndsAt: { lte: new Date() } },
      data: { status: 'SUSPENDED' },
      select: { id: true, e164: true },
    });
    if (suspended) {
      await recordStatusChanges(tx, [{ phoneNumberId: suspended.id, e164: suspended.e164, previousStatus: 'ACTIVE', newStatus: 'SUSPENDED' }]);
    }
  });
}

/** The arrears are paid (the caller's credit took the balance back to zero or above): unpaid numbers are settled. */
export async function settleArrears(tx: Tx) {
  const settled = await tenantSql(tx).query<Array<{ id: string; e164: string; previousStatus: PhoneNumberStatus }>>`
    WITH unpaid AS (
      SELECT id, status FROM "PhoneNumber" WHERE "organizationId" = ${tenantId} AND "graceEndsAt" IS NOT NULL FOR UPDATE
    )
    UPDATE "PhoneNumber" AS n
    SET "graceEndsAt" = NULL, status = CASE WHEN unpaid.status = 'SUSPENDED' THEN 'ACTIVE'::"PhoneNumberStatus" ELSE n.status END, "updatedAt" = now()
    FROM unpaid WHERE n.id = unpaid.id
    RETURNING n.id, n.e164, unpaid.status::text AS "previousStatus"`;
  await recordStatusChanges(
    tx,
    settled
      .filter((number) => number.previousStatus === 'SUSPENDED')
      .map((number) => ({ phoneNumberId: number.id, e164: number.e164, previousStatus: 'SUSPENDED' as const, newStatus: 'ACTIVE' as const })),
  );
}
