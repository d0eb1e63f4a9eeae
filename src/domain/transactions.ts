import { type TenantDb, type TenantTx, tenantTransaction } from '../infra/tenant-scope.js';

/** The scoped transaction client domain code works with (branded: it carries its tenant). */
export type Tx = TenantTx;

// Generous waits: under a burst, transactions queue for row locks (PostgreSQL)
// or for the single connection (PGlite) rather than failing.
const transactionOptions = { maxWait: 20_000, timeout: 30_000 } as const;

/**
 * Runs `work` in one transaction on the tenant-scoped client: all of it commits, or none. After a commit
 * the client's afterCommit hook wakes the job runner and outbox relay, so no caller has to remember to.
 */
export function inTransaction<T>(db: TenantDb, work: (tx: Tx) => Promise<T>): Promise<T> {
  return tenantTransaction(db, work, transactionOptions);
}

// Prisma 7 plans every createMany / createManyAndReturn afresh (its query-plan cache skips them, since
// the plan depends on the number of rows): about 1 ms of CPU in its WebAssembly compiler, each time. A
// create's plan is cached after its first use. So a row or two go in as one create each (a statement per
// row, nothing compiled), more rows as one createMany. BENCHMARKS.md (orders) has the figures.
const mostRowsCreatedOneByOne = 2;

/** Inserts `rows` in order (inside the caller's transaction), by creates for a few rows or one createMany for more. */
export async function createRows<Data>(rows: Data[], one: (data: Data) => Promise<unknown>, many: (data: Data[]) => Promise<unknown>) {
  if (rows.length > mostRowsCreatedOneByOne) return void (await many(rows));
  for (const row of rows) await one(row);
}

/** `createRows`, returning the rows created, in the order given. */
export async function createRowsAndReturn<Data, Row>(rows: Data[], one: (data: Data) => Promise<Row>, many: (data: Data[]) => Promise<Row[]>) {
  if (rows.length > mostRowsCreatedOneByOne) return many(rows);
  const created: Row[] = [];
  for (const row of rows) created.push(await one(row));
  return created;
}
