import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/infra/database.js';
import { applyMigrations } from '../../src/infra/migrate.js';

export type Backend = 'pglite' | 'postgres';

export const backend: Backend = process.env.TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
const postgresUrl = process.env.TEST_DATABASE_URL;

/** Why this backend can't run here, or null when it can. Tests print it and skip. */
export const skipReason: string | null = backend === 'postgres' && !postgresUrl ? 'TEST_DATABASE_URL is not set: PostgreSQL integration tests skipped' : null;
if (skipReason) console.warn(`[skip] ${skipReason}`);

function withDatabaseName(url: string, name: string) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export type TestDatabase = Database & { url?: string; drop: () => Promise<void> };

/** A fresh, migrated database: in-memory PGlite, or a new database on the PostgreSQL server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const db = await openDatabase({ kind: 'pglite' });
    await applyMigrations(db.adapterFactory);
    // The app closes the database when it stops; dropping an in-memory one is closing it, once.
    return { ...db, drop: () => db.close().catch(() => {}) };
  }
  const name = `numbers_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabaseName(postgresUrl!, name);
  const db = await openDatabase({ kind: 'postgres', url, poolSize: 20 });
  await applyMigrations(db.adapterFactory);
  return {
    ...db,
    url,
    drop: async () => {
      await db.close().catch(() => {});
      const cleanup = new pg.Client({ connectionString: postgresUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
