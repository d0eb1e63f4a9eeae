import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, skipReason, type TestDatabase } from '../helpers/database.js';
import { until } from '../helpers/lifecycle.js';

// An idle pooled connection that the server ends (a restart, a failover, an administrator) must be logged and
// replaced, never crash the process: node-postgres emits 'error' on the pool, which is fatal with no listener.
const runs = backend === 'postgres' && !skipReason;
if (backend === 'postgres' && skipReason) console.warn(`[skip] idle-connection: ${skipReason}`);

describe.skipIf(!runs)('idle database connections', () => {
  let db: TestDatabase;
  const warnings: string[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    db = await createTestDatabase();
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await db?.drop();
  });

  it('terminated by the server while idle: logged, and the next query gets a new connection', async () => {
    const { openDatabase } = await import('../../src/infra/database.js');
    const others = await backendPids(db.url ?? '');
    const app = await openDatabase({
      kind: 'postgres',
      url: db.url ?? '',
      poolSize: 3,
      logger: { warn: (_: unknown, message?: string) => void warnings.push(message ?? '') },
    });
    try {
      await Promise.all([1, 2, 3].map(() => app.prisma.$queryRaw`SELECT pg_sleep(0.05)::text`));
      // Only the pool under test: the test database's own connections stay.
      const ours = (await backendPids(db.url ?? '')).filter((pid) => !others.includes(pid));
      expect(ours.length).toBeGreaterThan(0);
      await withAdmin(db.url ?? '', (admin) => admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [ours]));
      // Every terminated connection reports its own failure, and only then has the pool dropped it: waiting for the
      // first alone let the next query meet one whose failure was still on its way (a flake seen in CI).
      const failures = () => warnings.filter((warning) => warning === 'idle database connection failed').length;
      await until(() => failures() >= ours.length, 'every idle connection failure to be logged', 10_000);
      const [row] = await app.prisma.$queryRaw<Array<{ one: number }>>`SELECT 1 AS one`;
      expect(row?.one).toBe(1);
      expect(uncaught).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

async function withAdmin<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

async function backendPids(url: string): Promise<number[]> {
  const result = await withAdmin(url, (admin) =>
    admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()'),
  );
  return result.rows.map((row) => row.pid);
}
