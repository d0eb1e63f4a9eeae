import type { PrismaClient } from '../generated/prisma/client.js';
import type { Capability, NumberType } from '../generated/prisma/enums.js';
import { isUniqueViolation } from '../infra/database-errors.js';
import { type TenantDb, type TenantScope, tenantId, tenantSql } from '../infra/tenant-scope.js';
import { DomainError, invalidInput } from './errors.js';
import { recordEvent } from './events.js';
import { checkIdempotencyKey } from './input-rules.js';
import { moveMoney } from './ledger.js';
import { inTransaction } from './transactions.js';

// Test mode is a sandbox: a live organization's pn_test_ keys belong to a second organization row, its
// sandbox (environment TEST), so the tenant scope that keeps tenants apart keeps live and test data apart
// too: numbers, reservations, orders, porting, balance, ledger, events and exports. Each sandbox buys from its
// own test stock (fictional 555 numbers, never sold live) and is served by the simulated carrier, whose
// answers the magic numbers below choose.

/** Test funds a new sandbox starts with, in cents. */
export const sandboxOpeningCents = 100_000;

/** The last four digits that make the sandbox's carrier answer one way, for any number. */
export const magicSuffixes = {
  /** Activation refused for good: the number ends FAILED and its price is refunded. */
  activationRefused: '0150',
  /** Activation times out twice (the job retries with backoff), then succeeds. */
  activationTimesOut: '0151',
  /** A port-in of this number meets an exception at its first submission; a resubmission ports it. */
  portingException: '0197',
  /** Not portable: the portability check refuses it. */
  notPortable: '0198',
} as const;

type TestRange = {
  prefix: string;
  countryCode: string;
  areaCode: string;
  region: string | null;
  locality: string | null;
  numberType: NumberType;
  capabilities: Capability[];
  activationPriceCents: number;
  monthlyPriceCents: number;
};

/** Test stock: subscriber numbers 0100–0159 of each range (the magic numbers among them). */
const testRanges: TestRange[] = [
  {
    prefix: '+1512555',
    countryCode: 'US',
    areaCode: '512',
    region: 'TX',
    locality: 'Austin',
    numberType: 'LOCAL',
    capabilities: ['VOICE', 'SMS', 'MMS'],
    activationPriceCents: 100,
    monthlyPriceCents: 100,
  },
  {
    prefix: '+1888555',
    countryCode: 'US',
    areaCode: '888',
    region: null,
    locality: null,
    numberType: 'TOLL_FREE',
    capabilities: ['VOICE', 'SMS'],
    activationPriceCents: 200,
    monthlyPriceCents: 200,
  },
];

function testStockRows(sandboxId: string) {
  return testRanges.flatMap(({ prefix, ...range }) =>
    Array.from({ length: 60 }, (_, i) => ({
      ...range,
      sandboxId,
      e164: `${prefix}${String(100 + i).padStart(4, '0')}`,
      provider: 'Sandbox',
      currency: 'USD',
    })),
  );
}

/** Puts a sandbox's own test stock in place (idempotent). */
async function seedTestStock(prisma: PrismaClient, sandboxId: string) {
  await prisma.inventoryNumber.createMany({ data: testStockRows(sandboxId), skipDuplicates: true });
}

export type Sandboxes = {
  /** The live organization's sandbox, made (with test stock and opening test funds) the first time it is asked for. */
  ensure(liveOrganizationId: string): Promise<TenantDb>;
};

export function sandboxes(prisma: PrismaClient, tenants: TenantScope): Sandboxes {
  return {
    async ensure(liveOrganizationId) {
      // ON CONFLICT: two first requests at once make one sandbox. The slug's "." can't occur in a live slug.
      await prisma.$executeRaw`
        INSERT INTO "Organization" (id, name, slug, environment, "liveOrganizationId", "kycStatus", currency, "lowStockThreshold",
          "billingEmail", country, "createdAt", "updatedAt")
        SELECT gen_random_uuid(), left(name || ' (test)', 200), slug || '.test', 'TEST', id, 'VERIFIED', currency, "lowStockThreshold",
          "billingEmail", country, now(), now()
        FROM "Organization" WHERE id = ${liveOrganizationId}::uuid AND environment = 'LIVE'
        ON CONFLICT ("liveOrganizationId") DO NOTHING`;
      const row = await prisma.organization.findUnique({ where: { liveOrganizationId }, select: { id: true } });
      if (!row) throw new Error(`Organization ${liveOrganizationId} is not a live organization`);
      const sandbox = tenants({ organizationId: row.id, mode: null, environment: 'TEST' });
      // Stock and opening funds at every call, both idempotent: a first call cut short (an outage, a crash)
      // between the sandbox row and these still leaves a sandbox that has them once the next call is done.
      await seedTestStock(prisma, row.id);
      await inTransaction(sandbox, (tx) =>
        moveMoney(tx, {
          amountCents: sandboxOpeningCents,
          kind: 'TOP_UP',
          description: 'Opening test funds',
          dedupeKey: `sandbox-opening:${tx.tenant.organizationId}`,
        }),
      ).catch((error: unknown) => {
        // A concurrent first request made the same entry: its key's unique index refused this one.
        if (!isUniqueViolation(error)) throw error;
      });
      return sandbox;
    },
  };
}

const maxTestFundsCents = 10_000_000;

/**
 * Credits a sandbox's test balance (a TOP_UP entry, "Test funds") once per idempotency key; refused in live
 * mode, where only the platform's operators move money.
 */
export async function addTestFunds(db: TenantDb, input: { amountCents: number; idempotencyKey: string }) {
  checkIdempotencyKey(input.idempotencyKey);
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents < 1 || input.amountCents > maxTestFundsCents) {
    throw invalidInput(['input', 'amountCents'], `"input.amountCents" must be a whole number of cents from 1 to ${maxTestFundsCents}`);
  }
  // After the input checks, so a bad field is named whatever the mode.
  if (db.tenant.environment !== 'TEST') throw new DomainError('FORBIDDEN', 'Test funds exist only in test mode: use a pn_test_ key', null);
  const dedupeKey = `test-funds:${db.tenant.organizationId}:${input.idempotencyKey}`;
  return inTransaction(db, async (tx) => {
    // The balance row locked first: a retry racing the first request waits for it, then its dedupe check sees
    // the entry (a check in the same statement as the debit would read from before the other committed).
    await tenantSql(tx).query`SELECT id FROM "Organization" WHERE id = ${tenantId} FOR UPDATE`;
    const moved = await moveMoney(tx, { amountCents: input.amountCents, kind: 'TOP_UP', description: 'Test funds', dedupeKey });
    const entry = await tx.ledgerEntry.findUniqueOrThrow({ where: { dedupeKey } });
    if (!moved) {
      if (entry.amountCents !== input.amountCents) {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This idempotencyKey already added a different amount', ['input', 'idempotencyKey']);
      }
      return { ledgerEntry: entry, replayed: true };
    }
    await recordEvent(tx, 'BALANCE_CHANGED', tx.tenant.organizationId, {
      amountCents: input.amountCents,
      balanceCents: moved.balanceCents,
      reason: 'Test funds',
    });
    return { ledgerEntry: entry, replayed: false };
  });
}
