import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { type CopyOut, copyOnPool } from './copy-out.js';
import type { Logger } from './logger.js';
import { withArrayLiteralParams } from './pglite-arrays.js';

export type Database = {
  prisma: PrismaClient;
  /**
   * The live feed's client (outbox relay, feed hub, subscription executions): on PostgreSQL a small pool
   * of its own, so a burst of writes holding every request connection can't hold up event delivery.
   * On PGlite (one connection) the same client as `prisma`.
   */
  feedPrisma: PrismaClient;
  /** For migrations (no statement timeout). */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgres';
  /** Number of SQL statements sent since start; tests use it to bound queries per request. */
  statementCount: () => number;
  /** Observe every statement Prisma sends (tests read plans of the exact SQL served). */
  onStatement: (listener: (statement: { sql: string; params: string }) => void) => () => void;
  /**
   * All the output of `COPY (select) TO STDOUT WITH (options)`, read at the database's pace (bulk reads: the export).
   * Counted as a statement. Only through `tenantCopy` for tenant data.
   */
  copyOut: CopyOut;
  close: () => Promise<void>;
};

type PostgresTimeouts = {
  /** PostgreSQL cancels a statement that runs longer (SQLSTATE 57014). */
  statementMs: number;
  /** Waiting for a pooled connection, or for a new one to connect, gives up after this. */
  connectMs: number;
};

// If the server stops answering altogether (frozen, network partition) its own statement timeout can't
// fire; the driver gives up this much later instead, so the server's cancellation normally wins.
const readTimeoutMarginMs = 1_000;

export type DatabaseOptions =
  /** Without `timeouts` nothing times out (scripts, tests); the app always passes its configured ones. */
  | { kind: 'postgres'; url: string; poolSize?: number; feedPoolSize?: number; timeouts?: PostgresTimeouts; logger?: Pick<Logger, 'warn'> }
  /** `dataDir` undefined means in-memory. */
  | { kind: 'pglite'; dataDir?: string };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let statements = 0;
  const listeners = new Set<(statement: { sql: string; params: string }) => void>();
  const countStatement = (event: { query: string; params: string }) => {
    statements += 1;
    for (const listener of listeners) listener({ sql: event.query, params: event.params });
  };
  const onStatement: Database['onStatement'] = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  if (options.kind === 'postgres') {
    const { timeouts } = options;
    const connection = { connectionString: options.url, connectionTimeoutMillis: timeouts?.connectMs, keepAlive: true };
    const statementTimeouts = timeouts && { statement_timeout: timeouts.statementMs, query_timeout: timeouts.statementMs + readTimeoutMarginMs };
    const logError = (message: string) => (error: Error) => options.logger?.warn({ err: error }, message);
    // The app's pool, shared by Prisma and COPY (the export), so both draw on one DATABASE_POOL_SIZE and the same timeouts.
    const clientOn = (max: number) => {
      const pool = new pg.Pool({ ...connection, max, ...statementTimeouts });
      // Our own listener, for the pool's whole life: Prisma's adapter listens on an external pool only while it is
      // connected, and an idle connection that fails with nobody listening (a restart, a dropped database) would
      // crash the process.
      pool.on('error', logError('idle database connection failed'));
      const client = new PrismaClient({
        adapter: new PrismaPg(pool, { onConnectionError: logError('database connection failed') }),
        log: [{ emit: 'event', level: 'query' }],
      });
      client.$on('query', countStatement);
      return { pool, client };
    };
    const { pool, client: prisma } = clientOn(options.poolSize ?? 10);
    const feed = clientOn(options.feedPoolSize ?? 3);
    // Migrations get their own pool without the statement timeout: building an index may rightly take minutes.
    const adapterFactory = new PrismaPg({ ...connection, max: 2 });
    return {
      prisma,
      feedPrisma: feed.client,
      adapterFactory,
      kind: 'postgres',
      statementCount: () => statements,
      onStatement,
      copyOut: (select, copyOptions) => {
        const statement = `COPY (${select}) TO STDOUT WITH (${copyOptions})`;
        countStatement({ query: statement, params: '[]' });
        return copyOnPool(pool, statement);
      },
      close: async () => {
        await Promise.all([prisma.$disconnect(), feed.client.$disconnect()]);
        await Promise.all([pool.end(), feed.pool.end()]);
      },
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await pglite.waitReady;
  withArrayLiteralParams(pglite);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', countStatement);
  return {
    prisma,
    feedPrisma: prisma,
    adapterFactory,
    kind: 'pglite',
    statementCount: () => statements,
    onStatement,
    // PGlite has no COPY TO STDOUT stream; '/dev/blob' hands back the whole output of the statement.
    copyOut: async (select, copyOptions) => {
      const statement = `COPY (${select}) TO '/dev/blob' WITH (${copyOptions})`;
      countStatement({ query: statement, params: '[]' });
      const { blob } = await pglite.query(statement);
      return blob ? [Buffer.from(await blob.arrayBuffer())] : [];
    },
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/** The database the configuration names: PostgreSQL at DATABASE_URL with its pool and timeouts, else PGlite under DATA_DIR. */
export async function openConfiguredDatabase(config: Pick<Config, 'databaseUrl' | 'database' | 'dataDir'>, logger?: Logger): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({
        kind: 'postgres',
        url: config.databaseUrl,
        poolSize: config.database.poolSize,
        feedPoolSize: config.database.feedPoolSize,
        timeouts: { statementMs: config.database.statementTimeoutMs, connectMs: config.database.connectTimeoutMs },
        logger,
      })
    : openDatabase({ kind: 'pglite', dataDir: path.join(config.dataDir, 'pglite') });
}
