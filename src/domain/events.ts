import type { EventType, PhoneNumberStatus } from '../generated/prisma/enums.js';
import { createRows, type Tx } from './transactions.js';

// The transactional outbox: events are rows written in the same transaction as
// the change they describe; the feed publishes them after commit.

export async function recordEvent(tx: Tx, type: EventType, subjectId: string, payload: Record<string, unknown>) {
  await tx.event.create({ data: { organizationId: tx.tenant.organizationId, type, subjectId, payload: payload as object } });
}

type EventRow = { organizationId: string; type: EventType; subjectId: string; payload: object };

/** Several events, in the order given. */
export function recordEvents(tx: Tx, events: EventRow[]) {
  return createRows(
    events,
    (data) => tx.event.create({ data }),
    (data) => tx.event.createMany({ data }),
  );
}

export async function recordStatusChanges(
  tx: Tx,
  changes: Array<{ phoneNumberId: string; e164: string; previousStatus: PhoneNumberStatus | null; newStatus: PhoneNumberStatus }>,
) {
  if (!changes.length) return;
  const { organizationId } = tx.tenant;
  await recordEvents(
    tx,
    changes.map((change) => ({ organizationId, type: 'NUMBER_STATUS_CHANGED' as const, subjectId: change.phoneNumberId, payload: change })),
  );
}
