import type { LedgerEntryKind } from '../generated/prisma/enums.js';
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
};

/**
 * Moves money on the caller's balance and writes its ledger entry, in the
 * caller's transaction. The balance update is a single conditional UPDATE, so
 * concurrent debits can't overdraw it. Returns false when the dedupe key was used.
 */
export async function moveMoney(tx: Tx, movement: Movement): Promise<boolean> {
  if (!Number.isSafeInteger(movement.amountCents)) throw new Error('Money amounts are integer cents');
  if (movement.dedupeKey && !movement.keyIsNew && (await tx.ledgerEntry.findUnique({ where: { dedupeKey: movement.dedupeKey }, select: { id: true } }))) {
    return false;
  }
  const guard = movement.amountCents < 0 && !movement.allowNegative ? { balanceCents: { gte: -movement.amountCents } } : {};
  const [organization] = await tx.organization.updateManyAndReturn({
    where: guard,
    data: { balanceCents: { increment: movement.amountCents } },
    select: { balanceCents: true, currency: true },
  });
  if (!organization) {
    const current = await tx.organization.findFirstOrThrow({ select: { balanceCents: true, currency: true } });
    const balance = formatMoney({ amountCents: current.balanceCents, currency: current.currency });
    const required = formatMoney({ amountCents: -movement.amountCents, currency: current.currency });
    throw new DomainError('BALANCE_INSUFFICIENT', `Balance ${balance} does not cover ${required}`, ['input'], {
      requiredCents: -movement.amountCents,
      balanceCents: current.balanceCents,
    });
  }
  await tx.ledgerEntry.create({
    data: {
      organizationId: tx.tenant.organizationId,
      kind: movement.kind,
      amountCents: movement.amountCents,
      balanceAfterCents: organization.balanceCents,
      currency: organization.currency,
      description: movement.description,
      numberOrderId: movement.numberOrderId,
      phoneNumberId: movement.phoneNumberId,
      dedupeKey: movement.dedupeKey,
    },
  });
  return true;
}
