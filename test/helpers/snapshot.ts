import type { PrismaClient } from '../../src/generated/prisma/client.js';

// What "nothing was written" means, read straight from the database: the row
// count of every table (found in the catalog, so a new table is counted without
// being listed here), every organization's balance and the sum of its ledger.

export type DatabaseSnapshot = {
  rows: Record<string, number>;
  balances: Record<string, number>;
  ledgerSums: Record<string, number>;
};

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function tables(prisma: PrismaClient, column?: string): Promise<string[]> {
  const rows = column
    ? await prisma.$queryRawUnsafe<Array<{ name: string }>>(
        `SELECT table_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = $1 ORDER BY table_name`,
        column,
      )
    : await prisma.$queryRawUnsafe<Array<{ name: string }>>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  return rows.map((row) => row.name);
}

export async function snapshotDatabase(prisma: PrismaClient): Promise<DatabaseSnapshot> {
  const rows: Record<string, number> = {};
  for (const table of await tables(prisma)) {
    const [row] = await prisma.$queryRawUnsafe<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM ${quoted(table)}`);
    if (!row) throw new Error(`count(*) of ${table} returned no row`);
    rows[table] = row.count;
  }
  const balances: Record<string, number> = {};
  for (const org of await prisma.$queryRawUnsafe<Array<{ id: string; balance: number }>>(
    `SELECT id::text AS id, "balanceCents" AS balance FROM "Organization" ORDER BY id`,
  )) {
    balances[org.id] = org.balance;
  }
  const ledgerSums: Record<string, number> = {};
  for (const sum of await prisma.$queryRawUnsafe<Array<{ id: string; total: number }>>(
    `SELECT "organizationId"::text AS id, sum("amountCents")::int AS total FROM "LedgerEntry" GROUP BY "organizationId" ORDER BY 1`,
  )) {
    ledgerSums[sum.id] = sum.total;
  }
  return { rows, balances, ledgerSums };
}

/**
 * Every row one organization owns, in every table with an organizationId (and its
 * own Organization row), as text: for asserting another tenant changed none of them.
 * `ignore` drops columns that move for reasons of their own (e.g. an API key's lastUsedAt).
 */
export async function tenantRows(prisma: PrismaClient, organizationId: string, ignore: string[] = []): Promise<Record<string, unknown[]>> {
  const owned: Record<string, unknown[]> = {};
  const strip = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([column]) => !ignore.includes(column)));
  owned.Organization = (await prisma.$queryRawUnsafe<Array<Record<string, unknown>>>(`SELECT * FROM "Organization" WHERE id = $1::uuid`, organizationId)).map(
    strip,
  );
  for (const table of await tables(prisma, 'organizationId')) {
    const rows = await prisma.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT * FROM ${quoted(table)} WHERE "organizationId" = $1::uuid ORDER BY id`,
      organizationId,
    );
    owned[table] = rows.map(strip);
  }
  return JSON.parse(JSON.stringify(owned, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))) as Record<string, unknown[]>;
}

/** Waits until the database stops changing (background jobs done), then returns the snapshot. */
export async function settledSnapshot(prisma: PrismaClient, quietMs = 300, timeoutMs = 20_000): Promise<DatabaseSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let last = await snapshotDatabase(prisma);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const next = await snapshotDatabase(prisma);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    if (Date.now() > deadline) throw new Error('database did not settle');
    last = next;
  }
}
