import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { inTransaction } from '../../src/domain/transactions.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { advisoryLock, lockRow, platformSql, type TenantDb, TenantScopeViolation, tenantClient, tenantId, tenantSql } from '../../src/infra/tenant-scope.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { serverTest } from '../helpers/server-fixture.js';

// The scoped client on a real database: raw SQL is refused at runtime too (the types already hide it), and the
// helpers that replace it run their statement on the client's connection, bound to its tenant.

const it = serverTest({}, { tenants: ['a', 'b'] });

const noHooks = { afterCommit: () => {} };
type RawClient = Pick<PrismaClient, '$queryRaw' | '$executeRaw' | '$queryRawUnsafe' | '$executeRawUnsafe'>;
const raw = (client: unknown) => client as RawClient;

describe.skipIf(skipReason)('the tenant-scoped client', () => {
  it('refuses raw SQL, on the client and in its transactions', async ({ server, a }) => {
    const db = tenantClient(server.db.prisma, { organizationId: a.organizationId, mode: 'LIVE', environment: 'LIVE' }, noHooks);
    await expect(raw(db).$queryRaw`SELECT id FROM "PhoneNumber"`).rejects.toBeInstanceOf(TenantScopeViolation);
    await expect(raw(db).$executeRaw`DELETE FROM "PhoneNumber"`).rejects.toBeInstanceOf(TenantScopeViolation);
    await expect(raw(db).$queryRawUnsafe('SELECT id FROM "PhoneNumber"')).rejects.toBeInstanceOf(TenantScopeViolation);
    await expect(raw(db).$executeRawUnsafe('DELETE FROM "PhoneNumber"')).rejects.toBeInstanceOf(TenantScopeViolation);
    await expect(inTransaction(db, (tx) => raw(tx).$queryRaw`SELECT id FROM "PhoneNumber"`)).rejects.toBeInstanceOf(TenantScopeViolation);
  });

  it('carries its tenant into its transactions', async ({ server, a }) => {
    const db = tenantClient(server.db.prisma, { organizationId: a.organizationId, mode: 'TEST', environment: 'TEST' }, noHooks);
    expect(db.tenant).toEqual({ organizationId: a.organizationId, mode: 'TEST', environment: 'TEST' });
    expect(await inTransaction(db, async (tx) => tx.tenant)).toBe(db.tenant);
  });

  it("tenantSql sees only the tenant's rows; the lock helpers and platform SQL run inside the transaction", async ({ server, a, b }) => {
    await insertOwnedNumbers(server.db.prisma, a.organizationId, 2);
    await insertOwnedNumbers(server.db.prisma, b.organizationId, 3);
    const count = async (db: TenantDb) => {
      const [row] = await tenantSql(db).query<Array<{ n: bigint }>>`SELECT COUNT(*) AS n FROM "PhoneNumber" WHERE "organizationId" = ${tenantId}`;
      return Number(row?.n);
    };
    const dbA = tenantClient(server.db.prisma, { organizationId: a.organizationId, mode: null, environment: 'LIVE' }, noHooks);
    const dbB = tenantClient(server.db.prisma, { organizationId: b.organizationId, mode: null, environment: 'LIVE' }, noHooks);
    const owned = async (organizationId: string) => server.db.prisma.phoneNumber.count({ where: { organizationId } });
    expect(await count(dbA)).toBe(await owned(a.organizationId));
    expect(await count(dbB)).toBe(await owned(b.organizationId));

    const order = await server.db.prisma.portingOrder.create({ data: { organizationId: a.organizationId, countryCode: 'US', numberType: 'LOCAL' } });
    const result = await inTransaction(dbA, async (tx) => {
      await advisoryLock(tx, `test:${randomUUID()}`);
      await lockRow(tx, 'PortingOrder', order.id);
      return platformSql(tx).query<Array<{ one: number }>>`SELECT 1 AS one`;
    });
    expect(result).toEqual([{ one: 1 }]);
    // Given another tenant's row id, the statement is bound to its own tenant and matches nothing.
    const foreign = await tenantSql(dbB).query<unknown[]>`SELECT id FROM "PortingOrder" WHERE id = ${order.id}::uuid AND "organizationId" = ${tenantId}`;
    expect(foreign).toEqual([]);
    await inTransaction(dbB, (tx) => lockRow(tx, 'PortingOrder', order.id));
  });
});
