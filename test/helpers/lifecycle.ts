import { graphql } from '../../src/generated/graphql/index.js';
import type { Exactly } from './fixtures.js';
import type { TestServer } from './server.js';

export const OrderNumbers = graphql(`
  mutation OrderNumbers($input: OrderPhoneNumbersInput!) {
    orderPhoneNumbers(input: $input) {
      replayed
      numberOrder { id idempotencyKey status activationTotal { amountCents } monthlyTotal { amountCents } items { e164 status } }
      errors { code message field ... on NumberNotAvailableError { phoneNumbers } }
    }
  }
`);

export const ReserveNumbers = graphql(`
  mutation ReserveNumbers($input: ReservePhoneNumbersInput!) {
    reservePhoneNumbers(input: $input) {
      reservation { id status expiresAt phoneNumbers }
      errors { code message field ... on NumberNotAvailableError { phoneNumbers } }
    }
  }
`);

export const OrderStatus = graphql(`
  query OrderStatus($id: ID!) {
    node(id: $id) { ... on NumberOrder { id status items { e164 status failureReason phoneNumber { id status activatedAt nextBillingAt } } } }
  }
`);

/** Available numbers straight from stock, for tests to order. */
export async function pickAvailable<N extends number>(server: TestServer, count: N, where: Record<string, unknown> = {}) {
  const rows = await server.db.prisma.inventoryNumber.findMany({
    where: { state: 'AVAILABLE', countryCode: 'US', ...where },
    take: count,
    orderBy: { e164: 'asc' },
    skip: Math.floor(Math.random() * 100),
  });
  if (rows.length < count) throw new Error('not enough stock for the test');
  return rows as Exactly<(typeof rows)[number], N>;
}

export async function balanceOf(server: TestServer, organizationId: string) {
  return (await server.db.prisma.organization.findUniqueOrThrow({ where: { id: organizationId } })).balanceCents;
}

/** Polls the database until `check` holds: background jobs finish in their own time. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls until `condition` holds: for a state the test can observe but is not told about. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves once the server's feed holds at least `count` live subscriptions (of `organizationId`, or of all
 * tenants): a subscription's listener is registered before anything is read, so every event committed from
 * then on reaches it. Count one organization's where earlier tests' subscriptions may still be closing.
 */
export function feedListening(server: TestServer, count: number, organizationId?: string, timeoutMs = 10_000): Promise<void> {
  const live = () => server.app.feed.listenerCount(organizationId);
  return until(() => live() >= count, `${count} live feed subscriptions${organizationId ? ' of the organization' : ''}`, timeoutMs);
}

/**
 * Waits `ms` with no condition to wait for: an absence (no second alert, no event from elsewhere) can only be
 * seen by watching for a while. Anything that should happen is awaited with `until`/`eventually` instead.
 */
export function quietFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ledger and balance agree: every movement is recorded and nothing else moved money. */
export async function expectLedgerReconciles(server: TestServer, organizationId: string, openingCents: number) {
  // One snapshot: jobs may be charging while we look, and both reads must see the same moment.
  const [entries, organization] = await server.db.prisma.$transaction(
    [server.db.prisma.ledgerEntry.findMany({ where: { organizationId } }), server.db.prisma.organization.findUniqueOrThrow({ where: { id: organizationId } })],
    { isolationLevel: 'RepeatableRead' },
  );
  const sum = entries.reduce((total, entry) => total + entry.amountCents, 0);
  const balance = organization.balanceCents;
  if (openingCents + sum !== balance) throw new Error(`ledger (${openingCents} + ${sum}) does not reconcile with balance ${balance}`);
}
