import type { PrismaClient } from '../generated/prisma/client.js';
import type { EventBus } from './event-bus.js';
import { FailureStreak } from './failure-streak.js';
import type { Logger } from './logger.js';

// Gives committed events their feed position (`sequence`) and announces them.
// Event ids come from a sequence at insert time, so they can commit out of
// order; `sequence` is assigned later, under one advisory lock, to whatever is
// committed and not yet numbered. Every event a reader can see therefore has a
// lower sequence than any event it can't see yet: resuming from a cursor never
// skips one. Only the relay run that numbers events announces them (the bus
// carries the highest sequence; hubs read the events from this table).

const relayLock = 727_274_001;
const batchSize = 500;

/** A row the relay has just numbered. */
type NumberedRow = { sequence: bigint; organizationId: string; type: string; subjectId: string; payload: unknown; createdAt: Date };

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly failures: FailureStreak;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: EventBus,
    logger: Logger,
    private readonly pollMs: number,
  ) {
    this.failures = new FailureStreak(logger, 'outbox relay');
  }

  start() {
    this.stopped = false;
    this.nudge();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Something committed events: number and publish them now rather than at the next poll. */
  nudge() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.nudge();
      } else {
        this.timer = setTimeout(() => this.nudge(), this.pollMs);
      }
    });
  }

  /** Never rejects: a failing database only delays numbering until the next poll. */
  private async drain() {
    try {
      while (!this.stopped && (await this.flush()) === batchSize);
      this.failures.succeeded();
    } catch (error) {
      if (!this.stopped) this.failures.failed(error);
    }
  }

  /** Numbers and publishes one batch; returns how many events it numbered. */
  async flush(): Promise<number> {
    const rows = await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(${relayLock})::text`;
      return tx.$queryRaw<NumberedRow[]>`
        WITH top AS (SELECT COALESCE(MAX(sequence), 0) AS value FROM "Event"),
        pending AS (
          SELECT id, row_number() OVER (ORDER BY id) AS position
          FROM "Event" WHERE sequence IS NULL ORDER BY id LIMIT ${batchSize}
        )
        UPDATE "Event" AS e SET sequence = top.value + pending.position
        FROM pending, top WHERE e.id = pending.id
        RETURNING e.sequence, e."organizationId", e.type::text AS type, e."subjectId", e.payload, e."createdAt"`;
    });
    // bigint: Math.max would throw.
    let top = 0n;
    for (const row of rows) if (row.sequence > top) top = row.sequence;
    if (rows.length) this.bus.announce(top);
    return rows.length;
  }
}
