import type { Prisma } from '../generated/prisma/client.js';
import { DomainError, invalidInput } from './errors.js';
import type { Tx } from './transactions.js';

const maxNumbersPerRequest = 100;

/** Checks a requested list of numbers: non-empty, bounded, no repeats. */
export function checkNumberList(phoneNumbers: string[], field = ['input', 'phoneNumbers']): string[] {
  if (phoneNumbers.length === 0) throw invalidInput(field, 'Give at least one phone number');
  if (phoneNumbers.length > maxNumbersPerRequest) throw invalidInput(field, `At most ${maxNumbersPerRequest} numbers per request`);
  const repeated = phoneNumbers.filter((n, i) => phoneNumbers.indexOf(n) !== i);
  if (repeated.length) throw invalidInput(field, `Numbers listed more than once: ${[...new Set(repeated)].join(', ')}`);
  return phoneNumbers;
}

function numbersNotAvailable(missing: string[]) {
  return new DomainError('NUMBER_NOT_AVAILABLE', `Not available: ${missing.join(', ')}`, ['input', 'phoneNumbers'], { phoneNumbers: missing });
}

/**
 * Stock rows the caller may take: free, held by an expired reservation, or
 * (when given) held by the caller's own active reservation.
 */
export function takeableStock(phoneNumbers: string[], now: Date, ownReservationId?: string): Prisma.InventoryNumberWhereInput {
  return {
    e164: { in: phoneNumbers },
    OR: [
      { state: 'AVAILABLE' },
      { state: 'RESERVED', reservedUntil: { lte: now } },
      ...(ownReservationId ? [{ state: 'RESERVED' as const, reservationId: ownReservationId }] : []),
    ],
  };
}

/**
 * Claims stock rows with one conditional UPDATE: rows another transaction
 * took first no longer match, so under any concurrency each number goes to one
 * claimant. All or nothing: a shortfall throws NUMBER_NOT_AVAILABLE.
 */
export async function claimStock(
  tx: Tx,
  phoneNumbers: string[],
  where: Prisma.InventoryNumberWhereInput,
  data: Prisma.InventoryNumberUpdateManyMutationInput & { reservationId?: string | null },
) {
  const claimed = await tx.inventoryNumber.updateManyAndReturn({ where, data });
  if (claimed.length !== phoneNumbers.length) {
    const got = new Set(claimed.map((row) => row.e164));
    throw numbersNotAvailable(phoneNumbers.filter((n) => !got.has(n)));
  }
  const order = new Map(phoneNumbers.map((n, i) => [n, i]));
  const position = (e164: string) => order.get(e164) ?? Number.MAX_SAFE_INTEGER;
  return claimed.sort((a, b) => position(a.e164) - position(b.e164));
}
