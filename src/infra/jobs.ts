import { randomUUID } from 'node:crypto';
import { isJobKind, type JobKind, type JobPayloads, type JobQueue, MalformedJobPayload, parseJobPayload, queueOf } from '../domain/job-kinds.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { FailureStreak } from './failure-streak.js';
import type { Logger } from './logger.js';
import { isTenantClient, platformSql, type TenantClient } from './tenant-scope.js';

// Durable jobs in PostgreSQL. Claimed with FOR UPDATE SKIP LOCKED, so several
// instances share the work and each job runs once at a time; a job whose
// runner died is reclaimed once its lease runs out. Handlers must therefore be
// idempotent: they re-check state in their own transaction.

type JobInfo = { id: string; attempts: number; maxAttempts: number };
type JobDefinition<P> = {
  run: (payload: P, job: JobInfo) => Promise<void>;
  /** Called once when the last attempt has failed, so the domain can settle (e.g. refund). */
  onFailed?: (payload: P, error: string) => Promise<void>;
};
/** One handler for every job kind: a kind without a handler, or a handler for no kind, does not compile. */
export type JobHandlers = { [K in JobKind]: JobDefinition<JobPayloads[K]> };

type TransactionClient = Pick<PrismaClient, '$executeRaw'> | TenantClient;

export type EnqueueOptions = { runAt?: Date; uniqueKey?: string; maxAttempts?: number };

/**
 * Adds a job inside the caller's transaction, so it exists iff the change that needs it commits.
 * With a uniqueKey, a second enqueue of the same key is a no-op.
 */
export async function enqueueJob<K extends JobKind>(tx: TransactionClient, kind: K, payload: JobPayloads[K], options: EnqueueOptions = {}) {
  await enqueueJobs(tx, kind, [{ payload, options }]);
}

// Seven bind parameters a row: PostgreSQL takes at most 65,535 in one statement, so a long list goes in several.
const jobsPerInsert = 5_000;

/** Several jobs of one kind in one INSERT per 5,000 (one round trip each), with enqueueJob's semantics for each. */
export async function enqueueJobs<K extends JobKind>(
  tx: TransactionClient,
  kind: K,
  jobs: ReadonlyArray<{ payload: JobPayloads[K]; options?: EnqueueOptions }>,
) {
  if (!jobs.length) return;
  // A tenant-scoped client refuses raw SQL; the queue is platform data, so its insert goes through platformSql.
  const execute = isTenantClient(tx) ? platformSql(tx).execute : tx.$executeRaw.bind(tx);
  const now = new Date();
  const rows = jobs.map(
    ({ payload, options = {} }) =>
      Prisma.sql`(${randomUUID()}::uuid, ${kind}, ${queueOf(kind)}, ${JSON.stringify(payload)}::jsonb, 'PENDING', ${options.runAt ?? now}, 0,
            ${options.maxAttempts ?? 5}, ${options.uniqueKey ?? null}, now(), now())`,
  );
  for (let start = 0; start < rows.length; start += jobsPerInsert) {
    await execute`
      INSERT INTO "Job" (id, kind, queue, payload, status, "runAt", attempts, "maxAttempts", "uniqueKey", "createdAt", "updatedAt")
      VALUES ${Prisma.join(rows.slice(start, start + jobsPerInsert))}
      ON CONFLICT ("uniqueKey") DO NOTHING`;
  }
}

export type JobRunnerOptions = {
  /** The queue this runner claims from (domain/job-kinds.ts queueOf). */
  queue: JobQueue;
  pollIntervalMs: number;
  leaseMs: number;
  batchSize: number;
  /** Delay before retry n (1-based): base · 2^(n-1), capped. */
  backoffBaseMs: number;
  backoffMaxMs: number;
};

const defaultJobRunnerOptions: JobRunnerOptions = {
  queue: 'default',
  pollIntervalMs: 500,
  leaseMs: 60_000,
  batchSize: 10,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
};

/** As read back from the database: kind and payload are checked before a handler sees them. */
type ClaimedJob = JobInfo & { kind: string; payload: unknown };

/** A claimed job bound to its handler and its checked payload. */
type BoundJob = { run: () => Promise<void>; onFailed: (error: string) => Promise<void> };

function bindJob<K extends JobKind>(handlers: JobHandlers, kind: K, job: ClaimedJob): BoundJob {
  const definition = handlers[kind];
  const payload = parseJobPayload(kind, job.payload);
  return {
    run: () => definition.run(payload, job),
    onFailed: async (error) => {
      await definition.onFailed?.(payload, error);
    },
  };
}

// Longest wait between polls while the database is failing (the first retries come sooner).
const maxFailureBackoffMs = 5_000;

// Every write the runner makes about a job (succeeded, retry later, failed, lease renewal, hand back) may
// fail when the database does; that is logged and otherwise ignored. A job whose outcome could not be
// recorded stays RUNNING under this worker's lease, and is taken over (and, handlers being idempotent,
// settled again) once the lease runs out: no failure of the database can end the process or lose a job.

export class JobRunner {
  readonly workerId = `worker-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = true;
  private rerun = false;
  /** Jobs running now; a slow one holds a slot, not the whole runner. */
  private readonly running = new Map<string, Promise<void>>();
  /** Jobs given back at shutdown while their handler still ran: whatever it ends with is no longer ours to record. */
  private readonly handedBack = new Set<string>();
  private readonly pollFailures: FailureStreak;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly handlers: JobHandlers,
    private readonly logger: Logger,
    private readonly options: JobRunnerOptions = defaultJobRunnerOptions,
    /** Called after each job attempt, e.g. to publish the events it committed. */
    private readonly afterJob: () => void = () => {},
  ) {
    this.pollFailures = new FailureStreak(logger, 'job poll');
  }

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

  /**
   * Claims nothing more, lets running jobs finish until `deadline` (epoch ms), then hands the rest back:
   * PENDING again, unlocked, the attempt not counted, so another worker runs them at once instead of
   * waiting for the lease to run out.
   */
  async stop(deadline = Number.POSITIVE_INFINITY) {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => {
      if (Number.isFinite(deadline)) timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([Promise.all(this.running.values()), timeUp]);
    clearTimeout(timer);
    const unfinished = [...this.running.keys()];
    if (!unfinished.length) return;
    for (const id of unfinished) this.handedBack.add(id);
    try {
      const released = await this.prisma.$executeRaw`
        UPDATE "Job" SET status = 'PENDING', "lockedBy" = NULL, "lockedAt" = NULL, attempts = GREATEST(attempts - 1, 0),
          "runAt" = now(), "updatedAt" = now()
        WHERE id = ANY(${unfinished}::uuid[]) AND "lockedBy" = ${this.workerId} AND status = 'RUNNING'`;
      this.logger.info({ jobs: unfinished.length, released }, 'shutdown: handed unfinished jobs back');
    } catch (error) {
      this.logger.warn({ err: error, jobs: unfinished }, 'shutdown: could not hand jobs back; they will be taken over when their lease runs out');
    }
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
        this.pollFailures.succeeded();
        full = jobs.length === capacity;
        for (const job of jobs) this.launch(job);
      }
    } catch (error) {
      if (!this.stopped) this.pollFailures.failed(error);
    } finally {
      this.polling = false;
    }
    const again = (full && this.running.size < this.options.batchSize) || this.rerun;
    this.rerun = false;
    const failures = this.pollFailures.count;
    const backoff = failures ? Math.min(this.options.pollIntervalMs * 2 ** Math.min(failures, 16), maxFailureBackoffMs) : 0;
    this.schedule(again && !failures ? 0 : Math.max(this.options.pollIntervalMs, backoff));
  }

  private launch(job: ClaimedJob) {
    const run = this.execute(job)
      .catch((error) => this.logger.error({ err: error, jobId: job.id }, 'job runner error'))
      .finally(() => {
        this.running.delete(job.id);
        this.handedBack.delete(job.id);
        this.afterJob();
        this.nudge();
      });
    this.running.set(job.id, run);
  }

  /** When this runner last looked for jobs whose runner's lease ran out (epoch ms). */
  private lastTakeoverCheck = 0;

  /**
   * Claims jobs whose runner's lease ran out (it crashed or was killed), then due jobs; times are the database's.
   * Each is an index scan that stops at `limit`: one OR of the two conditions would be a bitmap scan over every
   * index entry of both statuses, dead ones included, growing with the queue (milliseconds per claim at a hundred
   * thousand webhook jobs). A lease runs for seconds, so expired ones are looked for a few times per lease only.
   */
  async claim(limit = this.options.batchSize): Promise<ClaimedJob[]> {
    const { leaseMs } = this.options;
    const expired: ClaimedJob[] = [];
    if (Date.now() - this.lastTakeoverCheck >= Math.min(leaseMs / 4, 5_000)) {
      this.lastTakeoverCheck = Date.now();
      expired.push(...(await this.claimWhere(Prisma.sql`status = 'RUNNING' AND "lockedAt" < now() - (${leaseMs} * interval '1 millisecond')`, limit)));
    }
    if (expired.length >= limit) return expired;
    return [...expired, ...(await this.claimWhere(Prisma.sql`status = 'PENDING' AND "runAt" <= now()`, limit - expired.length))];
  }

  private claimWhere(condition: Prisma.Sql, limit: number) {
    return this.prisma.$queryRaw<ClaimedJob[]>`
      UPDATE "Job" SET status = 'RUNNING', "lockedBy" = ${this.workerId}, "lockedAt" = now(), attempts = attempts + 1, "updatedAt" = now()
      WHERE id IN (
        SELECT id FROM "Job" WHERE queue = ${this.options.queue} AND ${condition} ORDER BY "runAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kind, payload, attempts, "maxAttempts"`;
  }

  /** Keeps a running job's lease fresh, so a long carrier call is not taken over by another worker. */
  private heartbeat(jobId: string) {
    const timer = setInterval(
      () => {
        this.prisma.$executeRaw`UPDATE "Job" SET "lockedAt" = now() WHERE id = ${jobId}::uuid AND "lockedBy" = ${this.workerId} AND status = 'RUNNING'`.catch(
          (error) => this.logger.warn({ err: error, jobId }, 'job lease renewal failed'),
        );
      },
      Math.max(50, Math.floor(this.options.leaseMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Records a job's outcome; if the database can't take it, the job keeps its lease and is settled again after takeover. */
  private async record(job: ClaimedJob, outcome: string, write: () => Promise<unknown>) {
    try {
      await write();
    } catch (error) {
      this.logger.warn({ err: error, jobId: job.id, kind: job.kind, outcome }, 'could not record the job outcome; the job runs again once its lease expires');
    }
  }

  private async execute(job: ClaimedJob) {
    let bound: BoundJob | undefined;
    const stopHeartbeat = this.heartbeat(job.id);
    try {
      // An unknown kind is retried: during a rolling deploy another instance may know it.
      if (!isJobKind(job.kind)) throw new Error(`No handler for job kind "${job.kind}"`);
      bound = bindJob(this.handlers, job.kind, job);
      await bound.run();
      if (this.handedBack.has(job.id)) return;
      await this.record(
        job,
        'succeeded',
        () => this.prisma.$executeRaw`
        UPDATE "Job" SET status = 'SUCCEEDED', "lockedBy" = NULL, "lastError" = NULL, "updatedAt" = now()
        WHERE id = ${job.id}::uuid AND "lockedBy" = ${this.workerId}`,
      );
    } catch (error) {
      if (this.handedBack.has(job.id)) return;
      const message = error instanceof Error ? error.message : String(error);
      // A stored payload never changes, so retrying cannot help; and there is no payload to settle with.
      const malformed = error instanceof MalformedJobPayload;
      if (!malformed && job.attempts < job.maxAttempts) {
        const delay = Math.min(this.options.backoffBaseMs * 2 ** (job.attempts - 1), this.options.backoffMaxMs);
        this.logger.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed; will retry');
        await this.record(
          job,
          'retry',
          () => this.prisma.$executeRaw`
          UPDATE "Job" SET status = 'PENDING', "lockedBy" = NULL, "lastError" = ${message},
            "runAt" = now() + (${delay} * interval '1 millisecond'), "updatedAt" = now()
          WHERE id = ${job.id}::uuid AND "lockedBy" = ${this.workerId}`,
        );
        return;
      }
      this.logger.error({ jobId: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed for good');
      try {
        await bound?.onFailed(message);
      } catch (settleError) {
        // Leave it RUNNING: the lease expires and the whole failure is settled again.
        this.logger.error({ jobId: job.id, err: settleError }, 'settling a failed job failed');
        return;
      }
      await this.record(
        job,
        'failed',
        () => this.prisma.$executeRaw`
        UPDATE "Job" SET status = 'FAILED', "lockedBy" = NULL, "lastError" = ${message}, "updatedAt" = now()
        WHERE id = ${job.id}::uuid AND "lockedBy" = ${this.workerId}`,
      );
    } finally {
      stopHeartbeat();
    }
  }
}
