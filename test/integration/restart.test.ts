import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { demoTenants } from '../../prisma/seed.js';
import { graphql } from '../../src/generated/graphql/index.js';
import { SimulatedCarrier } from '../../src/infra/carrier/simulated.js';
import { type Database, openDatabase } from '../../src/infra/database.js';
import { backend, createTestDatabase, skipReason, type TestDatabase } from '../helpers/database.js';
import { until } from '../helpers/lifecycle.js';
import { killServerProcesses, startServerProcess } from '../helpers/server-process.js';

// The server process is killed (SIGKILL, no graceful shutdown) while activations
// are pending, then started again on the same database: every pending number must
// end ACTIVE or FAILED exactly once, and nothing is charged twice.
//
// This runs the real server as a child process, as `npm start` runs it.
// On PGlite the data directory is on disk and only ever open in one process at a
// time: while a child runs, state is read through its API; the test opens the
// directory itself only after the last child has exited.

const acme = demoTenants.find((tenant) => tenant.slug === 'acme-telecom')!;
const acmeKey = (role: 'MEMBER' | 'READ_ONLY') => acme.keys.find((key) => key.role === role)!.key;
const openingCents = acme.balanceCents;

const FAILURE_RATE = 0.3;
const SEED = 7;
const NUMBER_COUNT = 8;
const IDEMPOTENCY_KEY = 'restart-order-1';
const carrierModel = new SimulatedCarrier({ latencyMs: 0, failureRate: FAILURE_RATE, transientFailureRate: 0, seed: SEED });

const RestartAvailableNumbers = graphql(`
  query RestartAvailableNumbers($first: Int!) {
    availablePhoneNumbers(first: $first, filter: { countryCode: "US" }) {
      edges { node { e164 activationPrice { amountCents } monthlyPrice { amountCents } } }
    }
  }
`);

const RestartOrderNumbers = graphql(`
  mutation RestartOrderNumbers($input: OrderPhoneNumbersInput!) {
    orderPhoneNumbers(input: $input) {
      replayed
      numberOrder { id status activationTotal { amountCents } monthlyTotal { amountCents } items { e164 status } }
      errors { code message field }
    }
  }
`);

const RestartOrderStatus = graphql(`
  query RestartOrderStatus($id: ID!) {
    node(id: $id) {
      ... on NumberOrder {
        id
        status
        items { e164 status failureReason activationPrice { amountCents } monthlyPrice { amountCents } phoneNumber { id status } }
      }
    }
  }
`);

const RestartLedger = graphql(`
  query RestartLedger {
    viewer { balance { amountCents } }
    ledger(first: 100) {
      totalCount
      edges { node { id kind amount { amountCents } phoneNumber { e164 } } }
    }
  }
`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type GraphqlBody<T> = { data?: T | null; errors?: Array<{ message: string }> };

/** One GraphQL request over HTTP; a throttled request (HTTP 429) waits its Retry-After and is sent again, as a client would. */
async function gql<TData, TVariables>(baseUrl: string, key: string, document: TypedDocumentNode<TData, TVariables>, variables?: TVariables): Promise<TData> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const body = (await response.json()) as GraphqlBody<TData>;
    if (response.status === 429 && attempt < 10) {
      await sleep(1000 * Math.max(1, Number(response.headers.get('retry-after')) || 1));
      continue;
    }
    if (response.status !== 200 || body.errors?.length || !body.data) {
      throw new Error(`GraphQL request failed (HTTP ${response.status}): ${JSON.stringify(body)}`);
    }
    return body.data;
  }
}

/** What every run of the server gets here: the demo tenants, this carrier model, a worker that polls often and whose leases run out fast. */
const serverEnv = {
  SEED_DEMO_DATA: 'true',
  CARRIER_FAILURE_RATE: String(FAILURE_RATE),
  CARRIER_TRANSIENT_FAILURE_RATE: '0',
  CARRIER_SEED: String(SEED),
  JOB_POLL_MS: '50',
  JOB_LEASE_MS: '1500',
  JOB_BACKOFF_MS: '50',
};

describe.skipIf(skipReason)('server killed while activations are pending, then restarted on the same database', () => {
  let dataDir: string | undefined;
  let postgres: TestDatabase | undefined;
  let inspect: Database | undefined;

  afterAll(async () => {
    await killServerProcesses();
    await inspect?.close();
    await postgres?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('every pending number ends ACTIVE or FAILED exactly once, with no double charge', async () => {
    // ---------------------------------------------------------------- database --
    let databaseEnv: Record<string, string>;
    if (backend === 'postgres') {
      postgres = await createTestDatabase();
      databaseEnv = { DATABASE_URL: postgres.url! };
    } else {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'numbers-restart-'));
      databaseEnv = { DATA_DIR: dataDir };
    }

    // --------------------------------------------- first run: slow carrier --
    const first = await startServerProcess({ ...serverEnv, ...databaseEnv, CARRIER_LATENCY_MS: '3000' });

    const available = await gql(first.url, acmeKey('READ_ONLY'), RestartAvailableNumbers, { first: 100 });
    const stock = available.availablePhoneNumbers.edges.map((edge) => edge.node);
    const refused = stock.filter((row) => carrierModel.rejectsActivation(row.e164));
    const accepted = stock.filter((row) => !carrierModel.rejectsActivation(row.e164));
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(accepted.length).toBeGreaterThanOrEqual(NUMBER_COUNT - 3);
    // Some of each outcome, so the restarted worker both activates and refunds.
    const chosen = [...refused.slice(0, 3), ...accepted.slice(0, NUMBER_COUNT - 3)].sort((a, b) => a.e164.localeCompare(b.e164));
    const e164s = chosen.map((row) => row.e164);
    const expectFailed = new Set(e164s.filter((e164) => carrierModel.rejectsActivation(e164)));
    const price = new Map(chosen.map((row) => [row.e164, row]));
    const activationTotal = chosen.reduce((sum, row) => sum + row.activationPrice.amountCents, 0);
    expect(activationTotal + chosen.reduce((sum, row) => sum + row.monthlyPrice.amountCents, 0)).toBeLessThan(openingCents);

    const placed = await gql(first.url, acmeKey('MEMBER'), RestartOrderNumbers, { input: { phoneNumbers: e164s, idempotencyKey: IDEMPOTENCY_KEY } });
    expect(placed.orderPhoneNumbers.errors).toEqual([]);
    expect(placed.orderPhoneNumbers.replayed).toBe(false);
    const order = placed.orderPhoneNumbers.numberOrder!;
    expect(order.status).toBe('PENDING');
    expect(order.activationTotal.amountCents).toBe(activationTotal);
    expect(order.items.map((item) => item.status)).toEqual(Array(NUMBER_COUNT).fill('PENDING'));

    // The worker claims the activation jobs; the carrier then takes 1.5–4.5 s per call.
    if (postgres) {
      // PostgreSQL can be watched from here while the child runs: the jobs must be in flight.
      const db = postgres;
      await until(
        async () => (await db.prisma.job.count({ where: { kind: 'activate-number', status: 'RUNNING' } })) === NUMBER_COUNT,
        'activations running',
        10_000,
      );
    } else {
      // The child's PGlite files can't be opened from here while it runs: give its worker (polling every 50 ms) time to claim them.
      await sleep(400);
    }
    const stillPending = await gql(first.url, acmeKey('READ_ONLY'), RestartOrderStatus, { id: order.id });
    expect(stillPending.node).toMatchObject({ status: 'PENDING' });
    expect(await first.kill()).toBe('SIGKILL');

    // ------------------------------------ second run: same database, fast carrier --
    const second = await startServerProcess({ ...serverEnv, ...databaseEnv, CARRIER_LATENCY_MS: '5' });

    type OrderNode = {
      id: string;
      status: string;
      items: Array<{
        e164: string;
        status: string;
        failureReason?: string | null;
        activationPrice: { amountCents: number };
        monthlyPrice: { amountCents: number };
        phoneNumber?: { id: string; status: string } | null;
      }>;
    };
    const deadline = Date.now() + 60_000;
    let settled: OrderNode;
    for (;;) {
      settled = (await gql(second.url, acmeKey('READ_ONLY'), RestartOrderStatus, { id: order.id })).node as OrderNode;
      if (settled.status !== 'PENDING') break;
      if (Date.now() > deadline) throw new Error(`order still PENDING 60 s after the restart: ${JSON.stringify(settled)}\n${second.output()}`);
      await sleep(200);
    }

    // Every number ended ACTIVE or FAILED, exactly as the carrier decides for this seed.
    for (const item of settled.items) {
      const expected = expectFailed.has(item.e164) ? 'FAILED' : 'ACTIVE';
      expect({ e164: item.e164, item: item.status, number: item.phoneNumber?.status }).toEqual({ e164: item.e164, item: expected, number: expected });
      if (expected === 'FAILED') expect(item.failureReason).toMatch(/refused/);
    }
    expect(settled.items.map((item) => item.e164)).toEqual(e164s);
    const failed = settled.items.filter((item) => item.status === 'FAILED');
    const active = settled.items.filter((item) => item.status === 'ACTIVE');
    expect(settled.status).toBe(failed.length === 0 ? 'COMPLETED' : active.length === 0 ? 'FAILED' : 'PARTIALLY_FAILED');
    expect(settled.status).toBe('PARTIALLY_FAILED');

    // The ledger: the order's activation charge and first month, then one refund (activation and first month) per failed number.
    const books = await gql(second.url, acmeKey('READ_ONLY'), RestartLedger);
    const entries = books.ledger.edges.map((edge) => edge.node);
    expect(books.ledger.totalCount).toBe(entries.length);
    const ofKind = (kind: string) => entries.filter((entry) => entry.kind === kind);
    expect(ofKind('TOP_UP').map((entry) => entry.amount.amountCents)).toEqual([openingCents]);
    expect(ofKind('ACTIVATION_CHARGE').map((entry) => entry.amount.amountCents)).toEqual([-activationTotal]);
    const refunds = ofKind('ACTIVATION_REFUND');
    expect(refunds.map((entry) => entry.phoneNumber?.e164).sort()).toEqual(failed.map((item) => item.e164).sort());
    for (const refund of refunds) {
      const paid = price.get(refund.phoneNumber!.e164)!;
      expect(refund.amount.amountCents).toBe(paid.activationPrice.amountCents + paid.monthlyPrice.amountCents);
    }
    const monthlyTotal = chosen.reduce((sum, row) => sum + row.monthlyPrice.amountCents, 0);
    expect(ofKind('MONTHLY_CHARGE').map((entry) => [entry.amount.amountCents, entry.phoneNumber])).toEqual([[-monthlyTotal, null]]);
    expect(entries).toHaveLength(1 + 2 + failed.length);
    // The opening balance is itself a TOP_UP entry: balance = opening + every movement since.
    const movements = entries.filter((entry) => entry.kind !== 'TOP_UP').reduce((sum, entry) => sum + entry.amount.amountCents, 0);
    expect(books.viewer.balance.amountCents).toBe(openingCents + movements);
    expect(books.viewer.balance.amountCents).toBe(entries.reduce((sum, entry) => sum + entry.amount.amountCents, 0));

    // Retrying the order after the restart: the same order, replayed, nothing charged.
    const retried = await gql(second.url, acmeKey('MEMBER'), RestartOrderNumbers, { input: { phoneNumbers: e164s, idempotencyKey: IDEMPOTENCY_KEY } });
    expect(retried.orderPhoneNumbers.errors).toEqual([]);
    expect(retried.orderPhoneNumbers.replayed).toBe(true);
    expect(retried.orderPhoneNumbers.numberOrder?.id).toBe(order.id);
    expect(retried.orderPhoneNumbers.numberOrder?.status).toBe(settled.status);
    const after = await gql(second.url, acmeKey('READ_ONLY'), RestartLedger);
    expect(after.viewer.balance.amountCents).toBe(books.viewer.balance.amountCents);
    expect(after.ledger.edges.map((edge) => edge.node.id).sort()).toEqual(entries.map((entry) => entry.id).sort());

    // Give the worker a few more polls: nothing further may happen once settled.
    // Then a graceful stop, so its PGlite files are closed before the test opens them.
    await sleep(500);
    expect(await second.stop()).not.toBe('SIGKILL');

    // ------------------------------ the database itself, once no server has it open --
    inspect = postgres ?? (await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir!, 'pglite') }));
    const prisma = inspect.prisma;
    const organization = await prisma.organization.findUniqueOrThrow({ where: { slug: acme.slug } });
    const orderRow = await prisma.numberOrder.findUniqueOrThrow({
      where: { organizationId_idempotencyKey: { organizationId: organization.id, idempotencyKey: IDEMPOTENCY_KEY } },
    });
    expect(orderRow.status).toBe(settled.status);
    expect(await prisma.numberOrder.count({ where: { organizationId: organization.id } })).toBe(1);

    const ledgerRows = await prisma.ledgerEntry.findMany({ where: { organizationId: organization.id } });
    expect(ledgerRows.filter((row) => row.kind === 'ACTIVATION_CHARGE' && row.numberOrderId === orderRow.id)).toHaveLength(1);
    expect(ledgerRows.filter((row) => row.kind === 'ACTIVATION_CHARGE')).toHaveLength(1);
    expect(ledgerRows.filter((row) => row.kind === 'MONTHLY_CHARGE' && row.numberOrderId === orderRow.id)).toHaveLength(1);
    expect(organization.balanceCents).toBe(ledgerRows.reduce((sum, row) => sum + row.amountCents, 0));

    const numbers = await prisma.phoneNumber.findMany({ where: { numberOrderId: orderRow.id } });
    expect(numbers).toHaveLength(NUMBER_COUNT);
    const perNumber = (phoneNumberId: string, kind: string) => ledgerRows.filter((row) => row.phoneNumberId === phoneNumberId && row.kind === kind).length;
    const events = await prisma.event.findMany({ where: { organizationId: organization.id, type: 'NUMBER_STATUS_CHANGED' } });
    for (const number of numbers) {
      const expected = expectFailed.has(number.e164) ? 'FAILED' : 'ACTIVE';
      expect(number.status).toBe(expected);
      expect(perNumber(number.id, 'ACTIVATION_REFUND')).toBe(expected === 'FAILED' ? 1 : 0);
      expect(perNumber(number.id, 'MONTHLY_CHARGE')).toBe(0);
      const flips = events
        .filter((event) => event.subjectId === number.id)
        .map((event) => event.payload as { previousStatus: string | null; newStatus: string });
      // One PENDING at the order, then exactly one move to the final status.
      expect(flips.filter((flip) => flip.newStatus === expected)).toHaveLength(1);
      expect(flips.map((flip) => `${flip.previousStatus}->${flip.newStatus}`).sort()).toEqual([`PENDING->${expected}`, 'null->PENDING']);
    }
    const orderEvents = await prisma.event.findMany({ where: { organizationId: organization.id, type: 'NUMBER_ORDER_UPDATED', subjectId: orderRow.id } });
    expect(orderEvents.map((event) => (event.payload as { newStatus: string }).newStatus).sort()).toEqual(['PENDING', settled.status].sort());

    // The killed worker had claimed every activation job; the restarted one took them over
    // once their lease ran out, and finished each.
    const jobs = await prisma.job.findMany({ where: { kind: 'activate-number', uniqueKey: { in: numbers.map((number) => `activate:${number.id}`) } } });
    expect(jobs).toHaveLength(NUMBER_COUNT);
    for (const job of jobs)
      expect({ status: job.status, attempts: job.attempts, lockedBy: job.lockedBy }).toEqual({ status: 'SUCCEEDED', attempts: 2, lockedBy: null });
    expect(await prisma.job.count({ where: { status: 'RUNNING' } })).toBe(0);
  }, 240_000);
});
