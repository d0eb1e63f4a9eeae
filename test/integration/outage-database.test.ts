import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { demoTenants } from '../../prisma/seed.js';
import { type Database, openDatabase } from '../../src/infra/database.js';
import { outageSkipReason, type PostgresCluster, startPostgresCluster } from '../helpers/postgres-cluster.js';
import { killServerProcesses, type ServerProcess, startServerProcess } from '../helpers/server-process.js';

// The server as an operator runs it (a child process on its own PostgreSQL
// cluster), while that cluster is killed, frozen, and while the server itself
// is told to stop. The cluster is this file's own: never the shared server.

const skipReason = outageSkipReason;
if (skipReason) console.warn(`[skip] ${skipReason}`);

const acme = demoTenants.find((tenant) => tenant.slug === 'acme-telecom')!;
const memberKey = acme.keys.find((key) => key.role === 'MEMBER')!.key;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Fail fast: small timeouts so a dead or frozen database is noticed within a second or two.
const fastTimeouts = {
  DATABASE_CONNECT_TIMEOUT_MS: '1000',
  DATABASE_STATEMENT_TIMEOUT_MS: '1000',
  DATABASE_READY_TIMEOUT_MS: '500',
};

type Reply = {
  status: number;
  headers: Headers;
  text: string;
  json: () => { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
};

async function post(server: ServerProcess, query: string, variables: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<Reply> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${memberKey}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

async function get(server: ServerProcess, path: string, timeoutMs = 10_000) {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${memberKey}` }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Nothing a client should never see: driver messages, hosts and ports, stack frames, file paths. */
function expectNothingInternal(body: string, cluster: PostgresCluster) {
  for (const leak of [
    String(cluster.port),
    '127.0.0.1',
    'Prisma',
    'prisma',
    'node_modules',
    '    at ',
    'ECONN',
    'Connection terminated',
    'timeout exceeded',
    '.ts:',
  ]) {
    expect(body, `body leaks "${leak}": ${body}`).not.toContain(leak);
  }
}

function expectOutage(reply: { status: number; headers: Headers; text: string }, cluster: PostgresCluster) {
  expect(reply.status, reply.text).toBe(503);
  expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(reply.headers.get('content-type')).toMatch(/json/);
  expectNothingInternal(reply.text, cluster);
}

function expectGraphqlOutage(reply: Reply, cluster: PostgresCluster) {
  expectOutage(reply, cluster);
  const error = reply.json().errors?.[0];
  expect(error?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  expect(error?.extensions?.requestId).toEqual(reply.headers.get('x-request-id'));
}

const available = `query ($first: Int!) { availablePhoneNumbers(first: $first, filter: { countryCode: "US" }) { edges { node { e164 } } } }`;
const order = `mutation ($input: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $input) { numberOrder { id status } errors { code message } } }`;
const orderStatus = `query ($id: ID!) { node(id: $id) { ... on NumberOrder { status items { status } } } }`;
const viewer = `{ viewer { balance { amountCents } } }`;

async function placeOrder(server: ServerProcess, count: number) {
  const stock = (await post(server, available, { first: 50 })).json().data as { availablePhoneNumbers: { edges: Array<{ node: { e164: string } }> } };
  const e164s = stock.availablePhoneNumbers.edges.slice(0, count).map((edge) => edge.node.e164);
  const placed = (await post(server, order, { input: { phoneNumbers: e164s, idempotencyKey: `outage-${randomBytes(4).toString('hex')}` } })).json();
  const payload = (placed.data as { orderPhoneNumbers: { numberOrder: { id: string } | null; errors: unknown[] } }).orderPhoneNumbers;
  expect(payload.errors).toEqual([]);
  return payload.numberOrder!.id;
}

async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch((error: unknown) => error as T);
    if (check(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} not reached in ${timeoutMs} ms; last: ${value instanceof Error ? value.message : JSON.stringify(value)}`);
    await sleep(200);
  }
}

describe.skipIf(skipReason)('PostgreSQL outages and shutdown', () => {
  let cluster: PostgresCluster;
  const inspectors: Database[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });

  // A test that failed mid-outage must not leave the next one without a database.
  beforeEach(async () => {
    cluster.thaw();
    await cluster.start();
  });

  afterAll(async () => {
    await killServerProcesses();
    for (const db of inspectors) await db.close().catch(() => {});
    await cluster?.destroy();
  });

  async function freshDatabase() {
    const url = await cluster.createDatabase(`numbers_${randomBytes(4).toString('hex')}`);
    const inspect = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
    inspectors.push(inspect);
    return { url, inspect };
  }

  it('PostgreSQL killed under running activation jobs: the process keeps serving, answers 503 without leaking, ' +
    'and finishes the jobs once the database is back', async () => {
    const { url, inspect } = await freshDatabase();
    const server = await startServerProcess({
      ...fastTimeouts,
      // Production settings: the leak was seen there too, so masking must not depend on NODE_ENV.
      NODE_ENV: 'production',
      CURSOR_SECRET: 'outage-test-cursor-secret',
      DATABASE_URL: url,
      SEED_DEMO_DATA: 'true',
      CARRIER_LATENCY_MS: '1500',
      CARRIER_FAILURE_RATE: '0',
      CARRIER_TRANSIENT_FAILURE_RATE: '0',
      JOB_POLL_MS: '50',
      JOB_LEASE_MS: '3000',
      JOB_BACKOFF_MS: '50',
    });
    const organization = await inspect.prisma.organization.findUniqueOrThrow({ where: { slug: acme.slug } });
    const orderId = await placeOrder(server, 4);
    await until(
      () => inspect.prisma.job.count({ where: { kind: 'activate-number', status: 'RUNNING' } }),
      (running) => running === 4,
      'activation jobs running',
    );

    // The carrier calls are in flight; when they return, every write the job makes fails.
    await cluster.kill();
    // Time is the point here: the 1.5 s carrier calls return into a dead database and their writes fail; the process must survive that.
    await sleep(3_500);
    expect(server.alive(), server.output()).toBe(true);
    expect((await get(server, '/healthz')).status).toBe(200);

    expectGraphqlOutage(await post(server, viewer), cluster);
    expectGraphqlOutage(await post(server, orderStatus, { id: orderId }), cluster);
    const ready = await get(server, '/readyz');
    expectOutage(ready, cluster);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'unavailable', database: 'unreachable' });
    const exported = await get(server, '/export/phone-numbers?format=csv');
    expectOutage(exported, cluster);
    expect(JSON.parse(exported.text)).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });

    // connection_init authenticates against the database too: refused as "try again later", nothing internal.
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${memberKey}` } })));
    const [closeCode, closeReason] = await new Promise<[number, string]>((resolve) => socket.on('close', (code, reason) => resolve([code, reason.toString()])));
    expect(closeCode).toBe(1013);
    expectNothingInternal(closeReason, cluster);

    // Back up: the jobs left RUNNING are taken over when their lease runs out, and finish.
    await cluster.start();
    type OrderNode = { status: string; items: Array<{ status: string }> };
    const settled = await until(
      () => post(server, orderStatus, { id: orderId }).then((reply) => reply.json()),
      (body) => (body.data?.node as OrderNode | undefined)?.status === 'COMPLETED',
      'order completed after the restart',
    );
    expect((settled.data!.node as OrderNode).items.map((item) => item.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(server.alive()).toBe(true);
    expect((await get(server, '/readyz')).status).toBe(200);

    // Money: the order's activation charge and first month, and the balance is the ledger's sum.
    await until(
      () => inspect.prisma.job.count({ where: { status: 'RUNNING' } }),
      (running) => running === 0,
      'no job left running',
    );
    const [entries, after] = await inspect.prisma.$transaction(
      [
        inspect.prisma.ledgerEntry.findMany({ where: { organizationId: organization.id } }),
        inspect.prisma.organization.findUniqueOrThrow({ where: { id: organization.id } }),
      ],
      { isolationLevel: 'RepeatableRead' },
    );
    expect(entries.filter((entry) => entry.kind === 'ACTIVATION_CHARGE')).toHaveLength(1);
    expect(entries.filter((entry) => entry.kind === 'MONTHLY_CHARGE')).toHaveLength(1);
    expect(after.balanceCents).toBe(entries.reduce((sum, entry) => sum + entry.amountCents, 0));
    expect(server.output()).not.toMatch(/unhandled|uncaught/i);
  }, 180_000);

  it('PostgreSQL frozen (SIGSTOP): requests and /readyz fail fast with a retryable 503, and recover when it resumes', async () => {
    const { url } = await freshDatabase();
    const server = await startServerProcess({ ...fastTimeouts, DATABASE_URL: url, SEED_DEMO_DATA: 'true', CARRIER_LATENCY_MS: '5' });
    expect((await post(server, viewer)).status).toBe(200);

    cluster.freeze();
    try {
      // Without timeouts each of these hangs until the database resumes; the fetch deadline turns that into a failure.
      const replies = await Promise.all([post(server, viewer, {}, 8_000), post(server, available, { first: 5 }, 8_000), post(server, viewer, {}, 8_000)]);
      for (const reply of replies) expectGraphqlOutage(reply, cluster);
      const ready = await get(server, '/readyz', 3_000);
      expectOutage(ready, cluster);
      expect(JSON.parse(ready.text)).toMatchObject({ database: 'unreachable' });
      expect((await get(server, '/healthz', 3_000)).status).toBe(200);
    } finally {
      cluster.thaw();
    }
    await until(
      () => post(server, viewer),
      (reply) => reply.status === 200,
      'viewer answered after SIGCONT',
      30_000,
    );
    expect((await get(server, '/readyz')).status).toBe(200);
    expect(server.alive()).toBe(true);
  }, 120_000);

  it('SIGTERM: requests already received complete, WebSockets close with 1001, jobs finish or are handed back, and the process exits 0', async () => {
    const { url, inspect } = await freshDatabase();
    const server = await startServerProcess({
      DATABASE_URL: url,
      SEED_DEMO_DATA: 'true',
      // Each carrier call takes 0.75 to 2.25 s: the portability checks below are slow requests.
      CARRIER_LATENCY_MS: '1500',
      CARRIER_FAILURE_RATE: '0',
      CARRIER_TRANSIENT_FAILURE_RATE: '0',
      SHUTDOWN_GRACE_MS: '15000',
    });
    const orderId = await placeOrder(server, 3);
    expect(orderId).toBeTruthy();

    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const socketClosed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${memberKey}` } })));
      socket.on('message', (data) => (JSON.parse(data.toString()).type === 'connection_ack' ? resolve() : undefined));
      socket.on('error', reject);
    });

    const stock = (await post(server, available, { first: 40 })).json().data as { availablePhoneNumbers: { edges: Array<{ node: { e164: string } }> } };
    const numbers = stock.availablePhoneNumbers.edges.map((edge) => edge.node.e164);
    const check = `query ($n: [E164!]!) { portabilityCheck(phoneNumbers: $n) { phoneNumber portable } }`;
    const inFlight = numbers.map((e164) =>
      post(server, check, { n: [e164] }, 20_000).then(
        (reply) => ({ reply }),
        (error: Error) => ({ error }),
      ),
    );
    // Time is the point here too: SIGTERM must find these requests in flight (the process gives no signal that they arrived).
    await sleep(400);
    server.child.kill('SIGTERM');

    const results = await Promise.all(inFlight);
    const failures = results.filter((result) => 'error' in result || result.reply.status !== 200);
    expect(failures.map((result) => ('error' in result ? String(result.error.cause ?? result.error) : result.reply.text))).toEqual([]);
    for (const result of results) if ('reply' in result) expect((result.reply.json().data as { portabilityCheck: unknown[] }).portabilityCheck).toHaveLength(1);
    expect(await socketClosed).toBe(1001);
    expect(await server.exited, server.output()).toBe(0);
    expect(await inspect.prisma.job.count({ where: { status: 'RUNNING' } })).toBe(0);
    expect(await inspect.prisma.job.count({ where: { lockedBy: { not: null } } })).toBe(0);
  }, 120_000);

  it('SIGTERM with carrier calls longer than the grace period: the jobs are handed back (PENDING, unlocked) and the process still exits 0', async () => {
    const { url, inspect } = await freshDatabase();
    const server = await startServerProcess({
      DATABASE_URL: url,
      SEED_DEMO_DATA: 'true',
      CARRIER_LATENCY_MS: '30000',
      CARRIER_FAILURE_RATE: '0',
      CARRIER_TRANSIENT_FAILURE_RATE: '0',
      SHUTDOWN_GRACE_MS: '2000',
    });
    // Ordering calls no carrier (activation is a job), so this completes at once.
    await placeOrder(server, 3);
    await until(
      () => inspect.prisma.job.count({ where: { kind: 'activate-number', status: 'RUNNING' } }),
      (running) => running === 3,
      'activation jobs running',
    );

    server.child.kill('SIGTERM');
    // Within the grace period (plus the time a busy machine takes to start the exit), not after the 10–30 s calls.
    expect(await Promise.race([server.exited, sleep(8_000).then(() => 'still running')]), server.output()).toBe(0);
    const jobs = await inspect.prisma.job.findMany({ where: { kind: 'activate-number' } });
    expect(jobs.map((job) => ({ status: job.status, lockedBy: job.lockedBy, attempts: job.attempts }))).toEqual(
      jobs.map(() => ({ status: 'PENDING', lockedBy: null, attempts: 0 })),
    );
  }, 120_000);
});
