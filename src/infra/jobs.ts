import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from './logger.js';

// Durable jobs in PostgreSQL. Claimed with FOR UPDATE SKIP LOCKED, so several
// instances share the work and each job runs once at a time; a job whose
// runner died is reclaimed once its lease runs out. Handlers must therefore be
// idempotent: they re-check state in their own transaction.

export type JobKind = string;
export type JobHandler = (payload: Record<string, unknown>, job: { id: string; attempts: number; maxAttempts: number }) => Promise<void>;
export type JobDefinition = {
  run: JobHandler;
  /** Called once when the last attempt has failed, so the domain can settle (e.g. refund). */
  onFailed?: (payload: Record<string, unknown>, error: string) => Promise<void>;
  maxAttempts?: number;
};

type TransactionClient = Pick<PrismaClient, '$executeRaw'> | Prisma.TransactionClient;

export type EnqueueOptions = { runAt?: Date; uniqueKey?: string; maxAttempts?: number };

/**
 * Adds a job inside the caller's transaction, so it exists iff the change that needs it commits.
 * With a uniqueKey, a second enqueue of the same key is a no-op.
 */
export async function enqueueJob(tx: TransactionClient, kind: JobKind, payload: Record<string, unknown>, options: EnqueueOptions = {}) {
  const runAt = options.runAt ?? new Date();
  await (tx as PrismaClient).$executeRaw`
    INSERT INTO "Job" (id, kind, payload, status, "runAt", attempts, "maxAttempts", "uniqueKey", "createdAt", "updatedAt")
    VALUES (${randomUUID()}::uuid, ${kind}, ${JSON.stringify(payload)}::jsonb, 'PENDING', ${runAt}, 0, ${options.maxAttempts ?? 5},
            ${options.uniqueKey ?? null}, now(), now())
    ON CONFLICT ("uniqueKey") DO NOTHING`;
}

export type JobRunnerOptions = {
  pollIntervalMs: number;
  leaseMs: number;
  batchSize: number;
  /** Delay before retry n (1-based): base · 2^(n-1), capped. */
  backoffBaseMs: number;
  backoffMaxMs: number;
};

export const defaultJobRunnerOptions: JobRunnerOptions = {
  pollIntervalMs: 500,
  leaseMs: 60_000,
  batchSize: 10,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
};

type ClaimedJob = { id: string; kind: string; payload: Record<string, unknown>; attempts: number; maxAttempts: number };

export class JobRunner {
  readonly workerId = `worker-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = true;
  private rerun = false;
  /** Jobs running now; a slow one holds a slot, not the whole runner. */
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly handlers: Record<JobKind, JobDefinition>,
    private readonly logger: Logger,
    private readonly options: JobRunnerOptions = defaultJobRunnerOptions,
    /** Called after each job attempt, e.g. to publish the events it committed. */
    private readonly afterJob: () => void = () => {},
  ) {}

  start() {
    this.stopped = false;
    this.schedule(0);
  }

  /** Run a poll soon (e.g. right after this process enqueued work). */
  nudge() {
    if (this.stopped) return;
    if (this.polling) this.rerun = true;
    else this.schedule(0);
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.running);
  }

  private schedule(delay: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delay);
  }

  private async poll() {
    if (this.polling || this.stopped) return;
    this.polling = true;
    let full = false;
    try {
      const capacity = this.options.batchSize - this.running.size;
      if (capacity > 0) {
        const jobs = await this.claim(capacity);
        full = jobs.length === capacity;
        for (const job of jobs) {
          const run: Promise<void> = this.execute(job).finally(() => {
            this.running.delete(run);
            this.afterJob();
            this.nudge();
          });
          this.running.add(run);
        }
      }
    } catch (error) {
      if (!this.stopped) this.logger.error({ err: error }, 'job poll failed');
    } finally {
      this.polling = false;
    }
    const again = (full && this.running.size < this.options.batchSize) || this.rerun;
    this.rerun = false;
    this.schedule(again ? 0 : this.options.pollIntervalMs);
  }

  /** Claims due jobs, and jobs whose runner's lease ran out (it crashed or was killed). Times are the database's. */
  async claim(limit = this.options.batchSize): Promise<ClaimedJob[]> {
    return this.prisma.$queryRaw<ClaimedJob[]>`
      UPDATE "Job" SET status = 'RUNNING', "lockedBy" = ${this.workerId}, "lockedAt" = now(), attempts = attempts + 1, "updatedAt" = now()
      WHERE id IN (
        SELECT id FROM "Job"
        WHERE (status = 'PENDING' AND "runAt" <= now())
           OR (status = 'RUNNING' AND "lockedAt" < now() - (${this.options.leaseMs} * interval '1 millisecond'))
        ORDER BY "runAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kind, payload, attempts, "maxAttempts"`;
  }

  /** Keeps a running job's lease fresh, so a long carrier call is not taken over by another worker. */
  private heartbeat(jobId: string) {
    const timer = setInterval(() => {
      this.prisma.$executeRaw`UPDATE "Job" SET "lockedAt" = now() WHERE id = ${jobId}::uuid AND "lockedBy" = ${this.workerId} AND status = 'RUNNING'`.catch(
        (error) => this.logger.warn({ err: error, jobId }, 'job lease renewal failed'),
      );
    }, Math.max(50, Math.floor(this.options.leaseMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }

  private async execute(job: ClaimedJob) {
    const definition = this.handlers[job.kind];
    const stopHeartbeat = this.heartbeat(job.id);
    try {
      if (!definition) throw new Error(`No handler for job kind "${job.kind}"`);
      await definition.run(job.payload, job);
      await this.prisma.$executeRaw`
        UPDATE "Job" SET status = 'SUCCEEDED', "lockedBy" = NULL, "lastError" = NULL, "updatedAt" = now()
        WHERE id = ${job.id}::uuid AND "lockedBy" = ${this.workerId}`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (job.attempts < job.maxAttempts) {
        const delay = Math.min(this.options.backoffBaseMs * 2 ** (job.attempts - 1), this.options.backoffMaxMs);
        this.logger.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed; will retry');
        await this.prisma.$executeRaw`
          UPDATE "Job" SET status = 'PENDING', "lockedBy" = NULL, "lastError" = ${message},
            "runAt" = now() + (${delay} * interval '1 millisecond'), "updatedAt" = now()
          WHERE id = ${job.id}::uuid AND "lockedBy" = ${this.workerId}`;
        return;
      }
      this.logger.error({ jobId: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed for good');
      try {
        await definition?.onFailed?.(job.payload, message);
      } catch (settleError) {
        // Leave it RUNNING: the lease expires and the whole failure is settled again.
        this.logger.error({ jobId: job.id, err: settleError }, 'settling a failed job failed');
        return;
      }
      await this.prisma.$executeRaw`
        UPDATE "Job" SET status = 'FAILED', "lockedBy" = NULL, "lastError" = ${message}, "updatedAt" = now()
        WHERE id = ${job.id}::uuid AND "lockedBy" = ${this.workerId}`;
    } finally {
      stopHeartbeat();
    }
  }
}
