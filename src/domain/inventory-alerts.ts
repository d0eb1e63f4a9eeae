import type { PrismaClient } from '../generated/prisma/client.js';
import { type TenantClient, type TenantDb, tenantId, tenantSql } from '../infra/tenant-scope.js';
import { invalidInput } from './errors.js';
import { recordEvent } from './events.js';
import { inTransaction, type Tx } from './transactions.js';

// Low-stock alerts. A bucket is a (country, area code) in which the tenant
// holds numbers; its availableCount is the ACTIVE numbers not yet assigned to
// anything. A bucket below the tenant's threshold is low. An alert (an
// INVENTORY_LOW event) is raised when a bucket crosses below, and by the daily
// sweep for every bucket that is low.

export const defaultThreshold = 3;
const heldStatuses = ['PENDING', 'ACTIVE', 'SUSPENDED', 'PORTING'] as const;

export type Bucket = { countryCode: string; areaCodePrefix: string; availableCount: number; threshold: number };

type BucketRow = { countryCode: string; areaCode: string; available: bigint };

async function bucketCounts(client: TenantClient): Promise<BucketRow[]> {
  // Raw SQL for COUNT … FILTER, so through tenantSql, which binds the tenant.
  return tenantSql(client).query<BucketRow[]>`
    SELECT "countryCode", "areaCode", COUNT(*) FILTER (WHERE status = 'ACTIVE' AND "assignedTo" IS NULL) AS available
    FROM "PhoneNumber"
    WHERE "organizationId" = ${tenantId} AND status::text = ANY(${[...heldStatuses]}::text[])
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

async function thresholdOf(client: TenantClient) {
  return (await client.organization.findFirstOrThrow({ select: { lowStockThreshold: true } })).lowStockThreshold;
}

export async function listBuckets(db: TenantClient): Promise<Bucket[]> {
  const [rows, threshold] = await Promise.all([bucketCounts(db), thresholdOf(db)]);
  return rows.map((row) => ({ countryCode: row.countryCode, areaCodePrefix: row.areaCode, availableCount: Number(row.available), threshold }));
}

/** Sets the bucket's low/not-low state; returns true when this call turned it low (a crossing). */
async function markBucket(tx: Tx, bucket: Bucket, raiseIfLow: boolean) {
  const key = { organizationId: tx.tenant.organizationId, countryCode: bucket.countryCode, areaCodePrefix: bucket.areaCodePrefix };
  // ON CONFLICT, not Prisma's upsert: with the tenant condition in its where, Prisma reads then
  // inserts, and two first changes to a new bucket at once collide on the unique key. DO UPDATE (a no-op
  // write) rather than DO NOTHING: it locks the row, so two changes to one bucket at once can't both see
  // "not yet low" and both raise, and returns its latest state, in the same statement.
  const [state] = await tenantSql(tx).query<Array<{ isLow: boolean }>>`
    INSERT INTO "InventoryAlertState" (id, "organizationId", "countryCode", "areaCodePrefix", "updatedAt")
    VALUES (gen_random_uuid(), ${tenantId}, ${bucket.countryCode}, ${bucket.areaCodePrefix}, now())
    ON CONFLICT ("organizationId", "countryCode", "areaCodePrefix") DO UPDATE SET "isLow" = "InventoryAlertState"."isLow"
    RETURNING "isLow"`;
  // The upsert returns the row; a missing one reads as "not low".
  const wasLow = state?.isLow ?? false;
  const low = bucket.availableCount < bucket.threshold;
  const raise = low && (raiseIfLow || !wasLow);
  if (low !== wasLow || raise) {
    await tx.inventoryAlertState.update({
      where: { organizationId_countryCode_areaCodePrefix: key },
      data: { isLow: low, ...(raise ? { lastRaisedAt: new Date() } : {}) },
    });
  }
  if (raise) await recordEvent(tx, 'INVENTORY_LOW', `${bucket.countryCode}:${bucket.areaCodePrefix}`, bucket);
  return raise;
}

/** After a change to numbers in one bucket (activation, assignment, release): raise if it just crossed below. */
export async function checkBucket(tx: Tx, countryCode: string, areaCode: string) {
  // The bucket's count and the tenant's threshold in one statement.
  const [row] = await tenantSql(tx).query<Array<{ available: bigint; threshold: number }>>`
    SELECT o."lowStockThreshold" AS threshold,
      (SELECT COUNT(*) FILTER (WHERE status = 'ACTIVE' AND "assignedTo" IS NULL) FROM "PhoneNumber"
       WHERE "organizationId" = ${tenantId} AND "countryCode" = ${countryCode} AND "areaCode" = ${areaCode}
         AND status::text = ANY(${[...heldStatuses]}::text[])) AS available
    FROM "Organization" AS o WHERE o.id = ${tenantId}`;
  if (!row) throw new Error('The organization of a tenant-scoped client does not exist');
  await markBucket(tx, { countryCode, areaCodePrefix: areaCode, availableCount: Number(row.available), threshold: row.threshold }, false);
}

/** The daily sweep for one tenant: an alert for every bucket that is low now. */
export async function sweepTenant(db: TenantDb): Promise<number> {
  return inTransaction(db, async (tx) => {
    const buckets = await listBuckets(tx);
    let raised = 0;
    for (const bucket of buckets) if (await markBucket(tx, bucket, true)) raised += 1;
    return raised;
  });
}

export async function tenantsHoldingNumbers(prisma: PrismaClient): Promise<string[]> {
  const rows = await prisma.phoneNumber.findMany({
    where: { status: { in: [...heldStatuses] } },
    distinct: ['organizationId'],
    select: { organizationId: true },
  });
  return rows.map((row) => row.organizationId);
}

/**
 * A new threshold re-arms every bucket it makes healthy, so the next drop below it
 * alerts again. Buckets it makes low are not alerted here: the next drop or the
 * daily sweep does, as for any bucket that is low without having crossed.
 */
export async function setThreshold(db: TenantDb, threshold: number) {
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 10_000)
    throw invalidInput(['input', 'threshold'], 'threshold must be an integer from 0 to 10000');
  return inTransaction(db, async (tx) => {
    const [organization] = await tx.organization.updateManyAndReturn({ data: { lowStockThreshold: threshold } });
    const counts = new Map((await bucketCounts(tx)).map((row) => [`${row.countryCode}:${row.areaCode}`, Number(row.available)]));
    const low = await tx.inventoryAlertState.findMany({ where: { isLow: true }, select: { id: true, countryCode: true, areaCodePrefix: true } });
    // A bucket with no numbers held any more counts 0, as checkBucket counts it.
    const healthy = low.filter((state) => (counts.get(`${state.countryCode}:${state.areaCodePrefix}`) ?? 0) >= threshold);
    if (healthy.length) await tx.inventoryAlertState.updateMany({ where: { id: { in: healthy.map((state) => state.id) } }, data: { isLow: false } });
    return organization;
  });
}
