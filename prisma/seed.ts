// Demo data: a deterministic number inventory and two demo tenants with fixed
// live-mode API keys, and Acme's sandbox with a fixed test-mode key. Every step is idempotent, so this runs at every start
// (SEED_DEMO_DATA=true) and via `npm run db:seed` without duplicating anything.

import { apiKeyRecord } from '../src/domain/api-keys.js';
import { type CapabilityProfile, type CentsRange, capabilityOrder, countryPlans, isReservedNumber, type NumberRange } from '../src/domain/catalog.js';
import { sandboxes } from '../src/domain/sandbox.js';
import type { Prisma, PrismaClient } from '../src/generated/prisma/client.js';
import type { ApiKeyRole, Capability, KycStatus, NumberType } from '../src/generated/prisma/enums.js';
import { tenantScope } from '../src/infra/tenant-scope.js';

export const defaultInventoryCount = 20_000;
export const defaultInventorySeed = 0x5eed2026;
const insertChunkSize = 2_000;
// Every price in the catalog is in USD.
const seedCurrency = 'USD';

export type DemoTenant = {
  slug: string;
  name: string;
  kycStatus: Extract<KycStatus, 'VERIFIED' | 'NOT_SUBMITTED'>;
  balanceCents: number;
  keys: ReadonlyArray<DemoKey>;
  /** Keys of the organization's sandbox (test mode), made with it. */
  testKeys?: ReadonlyArray<DemoKey>;
};

type DemoKey = { name: string; role: Extract<ApiKeyRole, 'ADMIN' | 'MEMBER' | 'READ_ONLY'>; key: string };

/**
 * Fixed demo keys (40 characters after `pn_live_` or `pn_test_`), so they can
 * be printed at every start; they exist only where demo data is seeded (never in production). The first characters differ per key within a
 * tenant, so their 12-character display prefixes tell them apart.
 */
export const demoTenants: ReadonlyArray<DemoTenant> = [
  {
    slug: 'acme-telecom',
    name: 'Acme Telecom',
    kycStatus: 'VERIFIED',
    balanceCents: 50_000,
    keys: [
      { name: 'Demo admin key', role: 'ADMIN', key: 'pn_live_adminAcmeDemoKey000000000000000000000000' },
      { name: 'Demo member key', role: 'MEMBER', key: 'pn_live_memberAcmeDemoKey00000000000000000000000' },
      { name: 'Demo read-only key', role: 'READ_ONLY', key: 'pn_live_readOnlyAcmeDemoKey000000000000000000000' },
    ],
    testKeys: [{ name: 'Demo test admin key', role: 'ADMIN', key: 'pn_test_adminAcmeDemoKey000000000000000000000000' }],
  },
  {
    slug: 'globex-voice',
    name: 'Globex Voice',
    kycStatus: 'NOT_SUBMITTED',
    balanceCents: 0,
    keys: [{ name: 'Demo admin key', role: 'ADMIN', key: 'pn_live_adminGlobexDemoKey0000000000000000000000' }],
  },
];

/** Connections created for demo tenants (by slug) if absent. */
export const demoConnections: ReadonlyArray<{ slug: string; name: string }> = [{ slug: 'acme-telecom', name: 'Main' }];

// ------------------------------------------------------------ randomness --

/** mulberry32: a tiny, fast 32-bit PRNG; same seed, same sequence. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over the parts, so each country/type bucket gets its own stream. */
function hashSeed(...parts: ReadonlyArray<string | number>): number {
  let hash = 0x811c9dc5;
  for (const char of parts.join('|')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function randomInt(rand: () => number, maxExclusive: number): number {
  return Math.floor(rand() * maxExclusive);
}

/** `items[index]` where the caller's arithmetic keeps the index in range; a slip fails loudly instead of seeding undefined. */
function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`Index ${index} is outside a list of ${items.length}`);
  return item;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return at(items, randomInt(rand, items.length));
}

function pickWeighted<T extends { weight?: number }>(rand: () => number, items: readonly T[], totalWeight: number): T {
  let r = rand() * totalWeight;
  for (const item of items) {
    r -= item.weight ?? 1;
    if (r < 0) return item;
  }
  return at(items, items.length - 1);
}

/** Splits `total` into integers proportional to `weights` (largest remainder). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, rem: x - Math.floor(x) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i] = at(counts, i) + 1;
    left -= 1;
  }
  return counts;
}

/** A price in the band, on a 5-cent step. */
function pickCents(rand: () => number, [min, max]: CentsRange): number {
  const steps = Math.floor((max - min) / 5);
  return min + 5 * randomInt(rand, steps + 1);
}

function pickCapabilities(rand: () => number, profile: CapabilityProfile): Capability[] {
  const chosen: Capability[] = [];
  for (const capability of capabilityOrder) {
    const p = profile[capability] ?? 0;
    if (p <= 0) continue;
    if (p >= 1 || rand() < p) chosen.push(capability);
  }
  // MMS rides on SMS.
  return chosen.includes('SMS') ? chosen : chosen.filter((c) => c !== 'MMS');
}

function subscriberNumber(rand: () => number, range: NumberRange): string {
  let digits = range.subscriberLeads ? pick(rand, range.subscriberLeads) : String(2 + randomInt(rand, 8));
  while (digits.length < range.subscriberDigits) digits += String(randomInt(rand, 10));
  return digits;
}

// ------------------------------------------------------------- inventory --

const typeOrder: readonly NumberType[] = ['LOCAL', 'MOBILE', 'TOLL_FREE', 'NATIONAL'];

/**
 * The demo inventory rows: the same `count` and `seed` always give the same rows.
 * Each country/type bucket draws from its own PRNG stream, so a smaller count
 * gives (almost exactly) a subset of a larger one.
 */
export function generateInventory(options: { count?: number; seed?: number } = {}): Prisma.InventoryNumberCreateManyInput[] {
  const count = options.count ?? defaultInventoryCount;
  const seed = options.seed ?? defaultInventorySeed;
  if (!Number.isInteger(count) || count < 0) throw new Error(`Inventory count must be a non-negative integer, got ${count}`);

  const rows: Prisma.InventoryNumberCreateManyInput[] = [];
  const seen = new Set<string>();
  const perCountry = apportion(
    count,
    countryPlans.map((plan) => plan.weight),
  );

  countryPlans.forEach((plan, countryIndex) => {
    const types = typeOrder.flatMap((numberType) => {
      const typePlan = plan.types[numberType];
      return typePlan ? [{ numberType, typePlan }] : [];
    });
    const perType = apportion(
      at(perCountry, countryIndex),
      types.map(({ typePlan }) => typePlan.share),
    );

    types.forEach(({ numberType, typePlan }, typeIndex) => {
      const wanted = at(perType, typeIndex);
      const rand = mulberry32(hashSeed(seed, plan.countryCode, numberType));
      const totalWeight = typePlan.ranges.reduce((sum, range) => sum + (range.weight ?? 1), 0);
      let made = 0;
      let attempts = 0;
      while (made < wanted) {
        if (++attempts > wanted * 20 + 1_000) {
          throw new Error(`Could not generate ${wanted} unique ${plan.countryCode} ${numberType} numbers; the ranges are too small`);
        }
        const range = pickWeighted(rand, typePlan.ranges, totalWeight);
        const nsn = range.areaCode + subscriberNumber(rand, range);
        if (!plan.nsnLengths.includes(nsn.length)) {
          throw new Error(`${plan.countryCode} range ${range.areaCode} gives a ${nsn.length}-digit national number`);
        }
        if (isReservedNumber(plan.countryCode, nsn)) continue;
        const e164 = `+${plan.callingCode}${nsn}`;
        if (seen.has(e164)) continue;
        seen.add(e164);
        made += 1;
        rows.push({
          e164,
          countryCode: plan.countryCode,
          areaCode: range.areaCode,
          region: range.region,
          locality: range.locality,
          numberType,
          capabilities: pickCapabilities(rand, typePlan.capabilities),
          provider: pick(rand, range.providers ?? typePlan.providers),
          activationPriceCents: pickCents(rand, typePlan.price.activationCents),
          monthlyPriceCents: pickCents(rand, typePlan.price.monthlyCents),
          currency: seedCurrency,
          state: 'AVAILABLE',
        });
      }
    });
  });
  return rows;
}

/** Inserts the demo inventory, skipping numbers that already exist; returns rows inserted. */
export async function seedInventory(prisma: PrismaClient, options: { count?: number; seed?: number } = {}): Promise<number> {
  const rows = generateInventory(options);
  let inserted = 0;
  for (let start = 0; start < rows.length; start += insertChunkSize) {
    const chunk = rows.slice(start, start + insertChunkSize);
    // Looking up what exists first keeps a re-run (every start) fast: an insert
    // that skips 2,000 conflicts costs far more than one indexed lookup.
    // skipDuplicates still covers a concurrent seed between the two statements.
    const existing = await prisma.inventoryNumber.findMany({
      where: { sandboxId: null, e164: { in: chunk.map((row) => row.e164) } },
      select: { e164: true },
    });
    const taken = new Set(existing.map((row) => row.e164));
    const missing = taken.size ? chunk.filter((row) => !taken.has(row.e164)) : chunk;
    if (!missing.length) continue;
    const result = await prisma.inventoryNumber.createMany({ data: missing, skipDuplicates: true });
    inserted += result.count;
  }
  return inserted;
}

// ---------------------------------------------------------------- tenants --

export async function seedDemoData(
  prisma: PrismaClient,
  options: { inventoryCount?: number } = {},
): Promise<{
  inventoryInserted: number;
  inventoryTotal: number;
  tenants: Array<{ slug: string; keys: Array<{ name: string; role: string; key: string }> }>;
}> {
  const inventoryInserted = await seedInventory(prisma, { count: options.inventoryCount });

  const tenants: Array<{ slug: string; keys: Array<{ name: string; role: string; key: string }> }> = [];
  for (const tenant of demoTenants) {
    // update: {} — a re-run must not reset a balance the demo has since spent or topped up.
    const organization = await prisma.organization.upsert({
      where: { slug: tenant.slug },
      create: {
        slug: tenant.slug,
        name: tenant.name,
        kycStatus: tenant.kycStatus,
        balanceCents: tenant.balanceCents,
        currency: seedCurrency,
      },
      update: {},
    });

    for (const { name, role, key } of tenant.keys) {
      const record = apiKeyRecord(key, { organizationId: organization.id, name, role });
      await prisma.apiKey.upsert({ where: { secretHash: record.secretHash }, create: record, update: {} });
    }

    // The opening balance gets its ledger entry, so balance and ledger reconcile.
    if (tenant.balanceCents > 0) {
      const dedupeKey = `seed:topup:${tenant.slug}`;
      await prisma.ledgerEntry.upsert({
        where: { dedupeKey },
        create: {
          organizationId: organization.id,
          kind: 'TOP_UP',
          amountCents: tenant.balanceCents,
          balanceAfterCents: tenant.balanceCents,
          currency: seedCurrency,
          description: 'Opening demo balance',
          dedupeKey,
        },
        update: {},
      });
    }

    for (const connection of demoConnections.filter((c) => c.slug === tenant.slug)) {
      await prisma.connection.upsert({
        where: { organizationId_name: { organizationId: organization.id, name: connection.name } },
        create: { organizationId: organization.id, name: connection.name },
        update: {},
      });
    }

    if (tenant.testKeys?.length) {
      const sandbox = await sandboxes(prisma, tenantScope(prisma, { afterCommit: () => {} })).ensure(organization.id);
      for (const { name, role, key } of tenant.testKeys) {
        const record = apiKeyRecord(key, { organizationId: sandbox.tenant.organizationId, name, role });
        await prisma.apiKey.upsert({ where: { secretHash: record.secretHash }, create: record, update: {} });
      }
    }

    tenants.push({ slug: tenant.slug, keys: [...tenant.keys, ...(tenant.testKeys ?? [])].map(({ name, role, key }) => ({ name, role, key })) });
  }

  const inventoryTotal = await prisma.inventoryNumber.count({ where: { sandboxId: null } });
  return { inventoryInserted, inventoryTotal, tenants };
}
