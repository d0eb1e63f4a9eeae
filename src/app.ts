import path from 'node:path';
import type { Config } from './config.js';
import { sandboxes } from './domain/sandbox.js';
import type { WebhookTransport } from './domain/webhook-deliveries.js';
import { KeyRevocations } from './http/key-revocations.js';
import { createMetrics } from './http/metrics.js';
import { type ApiServer, createApiServer } from './http/server.js';
import type { CarrierGateway } from './infra/carrier/gateway.js';
import { SandboxCarrier } from './infra/carrier/sandbox.js';
import { SimulatedCarrier } from './infra/carrier/simulated.js';
import { type Database, openConfiguredDatabase } from './infra/database.js';
import { deploymentId } from './infra/deployment.js';
import { type DocumentStorage, LocalDocumentStorage } from './infra/document-storage.js';
import { createEventBus, type EventBus, feedChannel } from './infra/event-bus.js';
import { FeedHub } from './infra/feed-hub.js';
import { JobRunner } from './infra/jobs.js';
import type { Logger } from './infra/logger.js';
import { applyMigrations } from './infra/migrate.js';
import { OutboxRelay } from './infra/outbox-relay.js';
import { MemoryCostBucket, RedisCostBucket } from './infra/rate-limit.js';
import { tenantScope } from './infra/tenant-scope.js';
import { httpWebhookTransport, webhookDestinationCheck } from './infra/webhook-transport.js';
import { jobHandlers, scheduleRecurringJobs } from './job-handlers.js';
import { webhookDispatcher } from './webhook-dispatch.js';

export type App = {
  db: Database;
  api: ApiServer;
  jobs: JobRunner;
  /** The runner of the "webhooks" queue: deliveries, in their own slots. */
  webhookJobs: JobRunner;
  carrier: CarrierGateway;
  bus: EventBus;
  feed: FeedHub;
  url: string;
  /**
   * Graceful stop: no new requests or jobs; requests already received and running jobs get until shortly
   * before `deadline` (epoch ms; default: now + SHUTDOWN_GRACE_MS), then unfinished jobs are handed back
   * and what is left of the requests is cut; then the feed, bus and database are closed.
   */
  stop: (deadline?: number) => Promise<void>;
};

/** Time kept back before the deadline for handing jobs back and closing connections. */
const closingReserveMs = (graceMs: number) => Math.min(1_000, Math.floor(graceMs / 4));

/** Migrates, optionally seeds, and serves. `db` may be given (tests pass an in-memory one). */
export async function startApp(options: {
  config: Config;
  logger: Logger;
  db?: Database;
  carrier?: CarrierGateway;
  documents?: DocumentStorage;
  onSeeded?: (db: Database) => Promise<Record<string, string> | undefined>;
  /** Where webhook deliveries are POSTed; by default over HTTP, behind the address guard. */
  webhookTransport?: WebhookTransport;
}): Promise<App> {
  const { config, logger } = options;
  const db = options.db ?? (await openConfiguredDatabase(config, logger));
  const applied = await applyMigrations(db.adapterFactory);
  if (applied.length) logger.info({ applied }, 'applied database migrations');
  const graphiqlHeaders = options.onSeeded ? await options.onSeeded(db) : undefined;
  if (config.nodeEnv === 'production' && (await db.prisma.operatorKey.count({ where: { revokedAt: null } })) === 0) {
    logger.warn('No operator key exists, so no organization can be onboarded: create one with `npm run admin -- create-operator-key --name <your name>`');
  }
  const carrier = options.carrier ?? new SimulatedCarrier(config.carrier);
  // Sandboxes never reach the live carrier, whatever it is (domain/sandbox.ts).
  const carriers = { LIVE: carrier, TEST: new SandboxCarrier() };
  const redis = config.redisUrl && { url: config.redisUrl, channel: config.eventBusChannel ?? feedChannel(await deploymentId(db.prisma)) };
  const bus = createEventBus(logger, redis || undefined);
  const relay = new OutboxRelay(db.feedPrisma, bus, logger, config.feed.outboxPollMs, () => webhookJobs?.nudge());
  const feed = new FeedHub(db.feedPrisma, bus, logger, {
    pollMs: config.feed.catchUpPollMs,
    maxSubscriptionsPerTenant: config.feed.maxSubscriptionsPerTenant,
    bufferSize: config.feed.bufferSize,
  });
  await feed.start();
  relay.start();
  const revocations = new KeyRevocations(db.prisma, logger, config.feed.keyRecheckMs);
  revocations.start(feed);
  // Every committed tenant transaction (requests and jobs alike) wakes the job runner and the outbox relay,
  // so the jobs and events it wrote go out now rather than at the next poll. Nudges coalesce; they are cheap.
  let jobs: JobRunner | undefined;
  let webhookJobs: JobRunner | undefined;
  const tenants = tenantScope(db.prisma, {
    afterCommit: () => {
      jobs?.nudge();
      webhookJobs?.nudge();
      relay.nudge();
    },
  });
  const metrics = createMetrics();
  const transport = options.webhookTransport ?? httpWebhookTransport(config.webhooks);
  const handlers = jobHandlers(tenants, db.prisma, carriers, config, webhookDispatcher(transport, config.webhooks, metrics));
  const runnerOptions = { pollIntervalMs: config.jobPollMs, leaseMs: config.jobLeaseMs, backoffBaseMs: config.jobBackoffMs, backoffMaxMs: 300_000 };
  jobs = new JobRunner(db.prisma, handlers, logger, { ...runnerOptions, queue: 'default', batchSize: 10 }, () => relay.nudge());
  // A delivery commits an event only when it disables an endpoint, in a transaction whose commit nudges the relay.
  webhookJobs = new JobRunner(db.prisma, handlers, logger, { ...runnerOptions, queue: 'webhooks', batchSize: config.webhooks.concurrency });
  if (config.runJobs) {
    await scheduleRecurringJobs(db.prisma);
    jobs.start();
    webhookJobs.start();
  }
  const services = {
    // Subscription events execute on the feed's connections (subscription-groups.ts), scoped as any request is.
    feedTenants: tenantScope(db.feedPrisma, { afterCommit: () => relay.nudge() }),
    quarantineDays: config.quarantineDays,
    feed,
    revocations,
    carriers,
    sandboxes: sandboxes(db.prisma, tenants),
    documents: options.documents ?? new LocalDocumentStorage(path.join(config.dataDir, 'documents')),
    maxDocumentBytes: config.porting.maxDocumentBytes,
    webhooks: { checkDestination: webhookDestinationCheck(config.webhooks.address), secretOverlapMs: config.webhooks.secretOverlapMs },
  };
  const bucketLimits = { maximumAvailable: config.limits.bucketSize, restoreRate: config.limits.restoreRate };
  const costBucket = config.redisUrl ? new RedisCostBucket(config.redisUrl, bucketLimits, logger) : new MemoryCostBucket(bucketLimits);
  const api = createApiServer({ config, db, logger, services, tenants, bus, costBucket, graphiqlHeaders, metrics });
  const url = await api.listen(config.port);
  logger.info({ url: `${url}/graphql`, database: db.kind }, 'Numbers API listening');
  return {
    db,
    api,
    jobs,
    webhookJobs,
    carrier,
    bus,
    feed,
    url,
    stop: async (deadline = Date.now() + config.shutdownGraceMs) => {
      const drainUntil = deadline - closingReserveMs(Math.max(0, deadline - Date.now()));
      await Promise.all([api.close(drainUntil), jobs.stop(drainUntil), webhookJobs.stop(drainUntil)]);
      await relay.stop();
      revocations.stop();
      await feed.stop();
      await bus.close();
      await costBucket.close();
      await db.close();
    },
  };
}
