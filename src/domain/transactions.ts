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
