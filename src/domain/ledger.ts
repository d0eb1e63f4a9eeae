import { randomUUID } from 'node:crypto';
import type { KycStatus, LedgerEntryKind, OrganizationStatus } from '../generated/prisma/enums.js';
import { tenantId, tenantSql } from '../infra/tenant-scope.js';
import { settleArrears } from './arrears.js';
import { DomainError } from './errors.js';
import { formatMoney } from './money.js';
import type { Tx } from './transactions.js';

export type Movement = {
  /** Signed: negative debits, positive credits. */
  amountCents: number;
  kind: LedgerEntryKind;
  description: string;
  numberOrderId?: string;
  phoneNumberId?: string;
  /** A movement with a key happens at most once, however often it is attempted. */
  dedupeKey?: string;
  /**
   * The key was made from a row this transaction created, so no earlier movement can carry it: the lookup
   * is skipped (the key's unique index still refuses a second entry).
   */
  keyIsNew?: boolean;
  /** Recurring charges may take the balance below zero; a purchase may not. */
  allowNegative?: boolean;
  /**
   * A debit that must leave room for another one in the same transaction: the least balance it needs
   * (default: its own amount). A purchase's first movement names the whole purchase, so a refusal quotes it.
   */
  coverCents?: number;
  /** An operator's reference for a manual movement (a payment id, a ticket). */
  externalReference?: string;
};

/** What a movement leaves on the balance; `kycStatus` so a purchase can check its gate without reading the row again. */
export type MovedBalance = { balanceCents: number; currency: string; kycStatus: KycStatus; status: OrganizationStatus };

type MovementRow = { deduped: boolean; balanceCents: number | null; currency: string | null; kycStatus: KycStatus | null; status: OrganizationStatus | null };

/**
 * Moves money on the caller's balance and writes its ledger entry, in the
 * caller's transaction, as one statement: the dedupe check, a conditional UPDATE
 * of the balance (so concurrent debits can't overdraw it) and the entry, which
 * records the balance that UPDATE returned. Returns null when the dedupe key was used.
 */
export async function moveMoney(tx: Tx, movement: Movement): Promise<MovedBalance | null> {
  if (!Number.isSafeInteger(movement.amountCents)) throw new Error('Money amounts are integer cents');
  const dedupeKey = movement.dedupeKey ?? null;
  const checkKey = dedupeKey !== null && !movement.keyIsNew;
  // The least balance the movement needs; null: none (credits, and charges that may take it below zero).
  const required = movement.amountCents < 0 && !movement.allowNegative ? (movement.coverCents ?? -movement.amountCents) : null;
  const now = new Date();
  const [row] = await tenantSql(tx).query<MovementRow[]>`
    WITH seen AS (
      SELECT 1 FROM "LedgerEntry" WHERE ${checkKey} AND "dedupeKey" = ${dedupeKey} AND "organizationId" = ${tenantId}
    ), moved AS (
      UPDATE "Organization" SET "balanceCents" = "balanceCents" + ${movement.amountCents}, "updatedAt" = ${now}
      WHERE id = ${tenantId} AND NOT EXISTS (SELECT 1 FROM seen) AND "balanceCents" >= COALESCE(${required}::int, "balanceCents")
      RETURNING "balanceCents", currency, "kycStatus", status
    ), entry AS (
      INSERT INTO "LedgerEntry"
        (id, "organizationId", kind, "amountCents", "balanceAfterCents", currency, description, "numberOrderId", "phoneNumberId", "dedupeKey",
         "externalReference", "createdAt")
      SELECT ${randomUUID()}::uuid, ${tenantId}, ${movement.kind}::text::"LedgerEntryKind", ${movement.amountCents}, moved."balanceCents", moved.currency,
        ${movement.description}, ${movement.numberOrderId ?? null}::uuid, ${movement.phoneNumberId ?? null}::uuid, ${dedupeKey},
        ${movement.externalReference ?? null}, ${now}
      FROM moved
    )
    SELECT EXISTS (SELECT 1 FROM seen) AS deduped, moved."balanceCents", moved.currency, moved."kycStatus"::text AS "kycStatus", moved.status::text AS status
    FROM (SELECT 1) AS one LEFT JOIN moved ON true`;
  if (row?.deduped) return null;
  if (row?.balanceCents == null || row.currency == null || row.kycStatus == null || row.status == null) {
    const current = await tx.organization.findFirstOrThrow({ select: { balanceCents: true, currency: true } });
    const balance = formatMoney({ amountCents: current.balanceCents, currency: current.currency });
    const requiredCents = movement.coverCents ?? -movement.amountCents;
    const required = formatMoney({ amountCents: requiredCents, currency: current.currency });
    throw new DomainError('BALANCE_INSUFFICIENT', `Balance ${balance} does not cover ${required}`, ['input'], {
      requiredCents,
      balanceCents: current.balanceCents,
    });
  }
  // A credit that brings the balance back from below zero pays the arrears, whatever made it (a top-up, a refund).
  if (movement.amountCents > 0 && row.balanceCents >= 0 && row.balanceCents - movement.amountCents < 0) await settleArrears(tx);
  return { balanceCents: row.balanceCents, currency: row.currency, kycStatus: row.kycStatus, status: row.status };
}
