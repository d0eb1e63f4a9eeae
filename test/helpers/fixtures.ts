import type { Prisma, PrismaClient } from '../../src/generated/prisma/client.js';

let serial = 0;

/** `count` items, typed as a tuple for the small counts tests destructure (`const [number] = ...`). */
export type Exactly<T, N extends number> = N extends 1 ? [T] : N extends 2 ? [T, T] : N extends 3 ? [T, T, T] : T[];

/**
 * Owned numbers inserted straight into the database, for tests that need a
 * tenant with many numbers before the ordering flow is what is under test.
 */
export async function insertOwnedNumbers<N extends number>(
  prisma: PrismaClient,
  organizationId: string,
  count: N,
  overrides: Partial<Prisma.PhoneNumberCreateManyInput> = {},
): Promise<Exactly<string, N>> {
  const base = Date.UTC(2026, 0, 1);
  const rows: Prisma.PhoneNumberCreateManyInput[] = [];
  for (let i = 0; i < count; i += 1) {
    serial += 1;
    const subscriber = String(1_000_000 + ((serial * 7919) % 9_000_000)).padStart(7, '0');
    rows.push({
      organizationId,
      e164: `+1737${subscriber}`,
      countryCode: 'US',
      areaCode: '737',
      region: 'TX',
      locality: 'Austin',
      numberType: 'LOCAL',
      capabilities: ['VOICE', 'SMS'],
      provider: 'Bandwidth',
      activationPriceCents: 100,
      monthlyPriceCents: 150,
      status: 'ACTIVE',
      orderedAt: new Date(base + serial * 1000),
      activatedAt: new Date(base + serial * 1000),
      createdAt: new Date(base + serial * 1000),
      ...overrides,
    });
  }
  for (let i = 0; i < rows.length; i += 2000) {
    await prisma.phoneNumber.createMany({ data: rows.slice(i, i + 2000) });
  }
  return rows.map((row) => row.e164) as Exactly<string, N>;
}
