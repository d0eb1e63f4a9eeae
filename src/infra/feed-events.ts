import type { BusEvent } from './event-bus.js';

// An outbox row as the feed hands it out. Shared by the feed hub (live delivery) and the schema (resume and
// the events query), which read events straight from the table; the relay only numbers them.

/** An event row as Prisma returns it: `sequence` is null until the outbox relay has numbered the event. */
type EventRow = { sequence: bigint | null; organizationId: string; type: string; subjectId: string; payload: unknown; createdAt: Date };

/**
 * The row's feed position. Feed readers select on `sequence > cursor`, so every row they get is numbered;
 * an unnumbered one would mean a query that forgot that condition, and must not reach a subscriber.
 */
export function feedSequence(row: Pick<EventRow, 'sequence' | 'subjectId' | 'type'>): bigint {
  if (row.sequence === null) throw new Error(`${row.type} event for ${row.subjectId} has no feed sequence yet; feed reads must select numbered events`);
  return row.sequence;
}

export function toBusEvent(row: EventRow): BusEvent {
  return {
    sequence: feedSequence(row).toString(),
    organizationId: row.organizationId,
    type: row.type,
    subjectId: row.subjectId,
    payload: row.payload,
    createdAt: row.createdAt.toISOString(),
  };
}
