import path from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type Database } from './infra/database.js';
import type { Logger } from './infra/logger.js';
import { applyMigrations } from './infra/migrate.js';
import { createApiServer, type ApiServer } from './http/server.js';
import { jobHandlers } from './domain/job-handlers.js';
import type { CarrierGateway } from './infra/carrier/gateway.js';
import { SimulatedCarrier } from './infra/carrier/simulated.js';
import { JobRunner } from './infra/jobs.js';

export type App = { db: Database; api: ApiServer; jobs: JobRunner; carrier: CarrierGateway; url: string; stop: () => Promise<void> };

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({ kind: 'postgres', url: config.databaseUrl })
    : openDatabase({ kind: 'pglite', dataDir: path.join(config.dataDir, 'pglite') });
}

/** Migrates, optionally seeds, and serves. `db` may be given (tests pass an in-memory one). */
export async function startApp(options: {
  config: Config;
  logger: Logger;
  db?: Database;
  carrier?: CarrierGateway;
  onSeeded?: (db: Database) => Promise<Record<string, string> | undefined>;
}): Promise<App> {
  const { config, logger } = options;
  const db = options.db ?? (await openConfiguredDatabase(config));
  const applied = await applyMigrations(db.adapterFactory);
  if (applied.length) logger.info({ applied }, 'applied database migrations');
  const graphiqlHeaders = options.onSeeded ? await options.onSeeded(db) : undefined;
  const carrier = options.carrier ?? new SimulatedCarrier(config.carrier);
  const jobs = new JobRunner(db.prisma, jobHandlers(db.prisma, carrier), logger, {
    pollIntervalMs: config.jobPollMs,
    leaseMs: config.jobLeaseMs,
    batchSize: 10,
    backoffBaseMs: config.jobBackoffMs,
    backoffMaxMs: 300_000,
  });
  if (config.runJobs) jobs.start();
  const services = { nudgeJobs: () => jobs.nudge(), quarantineDays: config.quarantineDays };
  const api = createApiServer({ config, db, logger, services, graphiqlHeaders });
  const url = await api.listen(config.port);
  logger.info({ url: `${url}/graphql`, database: db.kind }, 'Numbers API listening');
  return {
    db,
    api,
    jobs,
    carrier,
    url,
    stop: async () => {
      await api.close();
      await jobs.stop();
      await db.close();
    },
  };
}
