import { attemptJobMaxAttempts } from '../domain/webhook-endpoints.js';
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
type NumberedRow = { sequence: bigint; organizationId: string; type: string; subjectId: string; payload: unknown; createdAt: Date; webhookJobs: number };

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
    /** The batch made webhook deliveries: wake their runner. */
    private readonly onWebhookJobs: () => void = () => {},
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

  /**
   * Numbers and publishes one batch; returns how many events it numbered. In the same statement, each event
   * becomes a delivery (and its first attempt's job) for every enabled webhook endpoint of its organization
   * that wants it: numbered and handed to webhooks at once, or neither. Test events are delivered by
   * sendTestWebhookEvent itself, to the one endpoint they name.
   */
  async flush(): Promise<number> {
    const rows = await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(${relayLock})::text`;
      return tx.$queryRaw<NumberedRow[]>`
        WITH top AS (SELECT COALESCE(MAX(sequence), 0) AS value FROM "Event"),
        pending AS (
          SELECT id, row_number() OVER (ORDER BY id) AS position
          FROM "Event" WHERE sequence IS NULL ORDER BY id LIMIT ${batchSize}
        ),
        numbered AS (
          UPDATE "Event" AS e SET sequence = top.value + pending.position
          FROM pending, top WHERE e.id = pending.id
          RETURNING e.id, e.sequence, e."organizationId", e.type, e."subjectId", e.payload, e."createdAt"
        ),
        deliveries AS (
          INSERT INTO "WebhookDelivery" (id, "organizationId", "endpointId", "eventId", status, "nextAttemptAt", "createdAt", "updatedAt")
          SELECT gen_random_uuid(), n."organizationId", w.id, n.id, 'PENDING', now(), now(), now()
          FROM numbered n
          JOIN "WebhookEndpoint" w ON w."organizationId" = n."organizationId" AND w.status = 'ENABLED'
          WHERE n.type <> 'WEBHOOK_TEST'
            AND (cardinality(w."eventTypes") = 0 OR n.type = ANY(w."eventTypes"))
            AND (w."connectionId" IS NULL OR (n.type IN ('NUMBER_STATUS_CHANGED', 'NUMBER_CONFIGURED') AND EXISTS (
              SELECT 1 FROM "PhoneNumber" p
              WHERE p."organizationId" = n."organizationId" AND p.id::text = n."subjectId" AND p."connectionId" = w."connectionId")))
          ORDER BY n.sequence
          ON CONFLICT ("endpointId", "eventId") DO NOTHING
          RETURNING id, "organizationId", "endpointId"
        ),
        jobs AS (
          INSERT INTO "Job" (id, kind, queue, payload, status, "runAt", attempts, "maxAttempts", "uniqueKey", "createdAt", "updatedAt")
          SELECT gen_random_uuid(), 'deliver-webhook', 'webhooks',
            jsonb_build_object('organizationId', d."organizationId", 'endpointId', d."endpointId", 'deliveryId', d.id, 'attempt', 1),
            'PENDING', now(), 0, ${attemptJobMaxAttempts}, 'webhook:' || d.id || ':1', now(), now()
          FROM deliveries d
          RETURNING id
        )
        SELECT n.sequence, n."organizationId", n.type::text AS type, n."subjectId", n.payload, n."createdAt",
          (SELECT count(*) FROM jobs)::int AS "webhookJobs"
        FROM numbered n`;
    });
    if (rows.some((row) => row.webhookJobs > 0)) this.onWebhookJobs();
    // bigint: Math.max would throw.
    let top = 0n;
    for (const row of rows) if (row.sequence > top) top = row.sequence;
    if (rows.length) this.bus.announce(top);
    return rows.length;
  }
}
