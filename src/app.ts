import path from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type Database } from './infra/database.js';
import type { Logger } from './infra/logger.js';
import { applyMigrations } from './infra/migrate.js';
import { createApiServer, type ApiServer } from './http/server.js';

export type App = { db: Database; api: ApiServer; url: string; stop: () => Promise<void> };

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
  onSeeded?: (db: Database) => Promise<Record<string, string> | undefined>;
}): Promise<App> {
  const { config, logger } = options;
  const db = options.db ?? (await openConfiguredDatabase(config));
  const applied = await applyMigrations(db.adapterFactory);
  if (applied.length) logger.info({ applied }, 'applied database migrations');
  const graphiqlHeaders = options.onSeeded ? await options.onSeeded(db) : undefined;
  const api = createApiServer({ config, db, logger, graphiqlHeaders });
  const url = await api.listen(config.port);
  logger.info({ url: `${url}/graphql`, database: db.kind }, 'Numbers API listening');
  return {
    db,
    api,
    url,
    stop: async () => {
      await api.close();
      await db.close();
    },
  };
}
