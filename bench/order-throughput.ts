// Ordering throughput: N concurrent HTTP clients each place one-number orders
// against the real server (started in-process with startApp), on PGlite and,
// when BENCH_DATABASE_URL is set, on PostgreSQL (a fresh database that is
// dropped at the end). The carrier is instant and never fails, so this measures
// the API + database path; background jobs (activation, billing) keep running.
// The per-key rate limit (query-cost bucket) is raised out of the way.
//
//   npx tsx bench/order-throughput.ts [--clients=16] [--orders=400] [--warmup=<clients>] [--pglite=disk|memory|skip] [--tenants=1]
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/order-throughput.ts
//
// With --tenants=K the clients are spread over K tenants (client c uses tenant
// c mod K); the default is one tenant, whose balance row every order and every
// activation updates. BENCH_CLIENTS, BENCH_ORDERS, BENCH_WARMUP, BENCH_PGLITE
// and BENCH_TENANTS work too. --pglite=skip runs PostgreSQL only. All
// traffic goes to 127.0.0.1; the script stops by itself.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import pg from 'pg';
import pino from 'pino';
import { seedInventory } from '../prisma/seed.js';
import { type App, startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { apiKeyRecord, generateApiKey } from '../src/domain/api-keys.js';
import { graphql } from '../src/generated/graphql/index.js';
import { type Database, openDatabase } from '../src/infra/database.js';
import { option, positiveInt } from './common.js';

const BenchOrderOne = graphql(`
  mutation BenchOrderOne($input: OrderPhoneNumbersInput!) {
    orderPhoneNumbers(input: $input) {
      replayed
      numberOrder { id status }
      errors { code message }
    }
  }
`);
const orderQuery = print(BenchOrderOne);

// ------------------------------------------------------------------ options --

const clients = positiveInt('clients', option('clients', 'BENCH_CLIENTS', '16'));
const orders = positiveInt('orders', option('orders', 'BENCH_ORDERS', '400'));
const warmup = Number(option('warmup', 'BENCH_WARMUP', String(clients)));
const tenants = positiveInt('tenants', option('tenants', 'BENCH_TENANTS', '1'));
const pgliteMode = option('pglite', 'BENCH_PGLITE', 'disk');
if (!['disk', 'memory', 'skip'].includes(pgliteMode)) throw new Error(`--pglite must be disk, memory or skip, got "${pgliteMode}"`);
if (!Number.isInteger(warmup) || warmup < 0) throw new Error('--warmup must be a non-negative integer');
const postgresUrl = process.env.BENCH_DATABASE_URL || undefined;
const inventoryCount = 20_000;

// ------------------------------------------------------------------ helpers --

type Result = {
  backend: string;
  orders: number;
  failed: number;
  seconds: number;
  ordersPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** SQL statements the server sent per measured order (requests and the jobs they caused). */
  statementsPerOrder: number;
  /** CPU time of this Node process (server and clients) over wall time; 100 % = one core busy. */
  nodeCpuPercent: number;
  /** CPU milliseconds of this Node process (server and clients) per measured order. */
  nodeCpuMsPerOrder: number;
  /** CPU milliseconds of the PostgreSQL backends serving the bench database per measured order (NaN on PGlite). */
  databaseCpuMsPerOrder: number;
  /** Activation jobs not yet done when the last order returned (they run alongside the orders). */
  activationBacklog: number;
  /** Busy share of all the machine's cores (database server included). */
  hostCpuPercent: number;
};

/** Busy and total CPU time over all cores, from os.cpus(). */
function hostCpuTimes() {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + idle + irq;
  }
  return { busy, total };
}

/**
 * CPU time (ms) so far of each PostgreSQL backend connected to `database`, from /proc (the server runs on this
 * host); empty on PGlite or when /proc can't be read.
 */
async function backendCpuMs(db: Database, database: string | undefined): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  if (!database) return times;
  const rows = await db.prisma.$queryRaw<Array<{ pid: number }>>`SELECT pid FROM pg_stat_activity WHERE datname = ${database}`;
  for (const { pid } of rows) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields, in clock ticks (100/s).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The backend exited, or /proc is not this server's.
    }
  }
  return times;
}

function backendCpuDelta(before: Map<number, number>, after: Map<number, number>) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function placeOrder(url: string, key: string, e164: string, idempotencyKey: string): Promise<string | null> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: orderQuery, variables: { input: { phoneNumbers: [e164], idempotencyKey } } }),
  });
  const body = (await response.json()) as {
    data?: { orderPhoneNumbers: { numberOrder: { id: string } | null; errors: Array<{ code: string; message: string }> } } | null;
    errors?: Array<{ message: string }>;
  };
  if (response.status !== 200 || body.errors?.length) return `HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`;
  const payload = body.data!.orderPhoneNumbers;
  if (payload.errors.length || !payload.numberOrder) return payload.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
  return null;
}

/** One backend: start the server on `db`, seed, run the clients, stop. */
async function runBackend(label: string, db: Database, databaseName?: string): Promise<Result> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SEED_DEMO_DATA: 'false',
    RUN_JOBS: 'true',
    JOB_POLL_MS: '50',
    CARRIER_LATENCY_MS: '0',
    CARRIER_FAILURE_RATE: '0',
    CARRIER_TRANSIENT_FAILURE_RATE: '0',
    // The per-key query-cost budget would throttle one key at a few orders/s (HTTP 429);
    // lifted so this measures the API and the database. The cost is still computed and charged.
    RATE_LIMIT_BUCKET_SIZE: '1000000',
    RATE_LIMIT_RESTORE_RATE: '1000000',
  });
  const keys: string[] = [];
  const organizationIds: string[] = [];
  const setupStarted = performance.now();
  const app: App = await startApp({
    config,
    logger: pino({ level: config.logLevel }),
    db,
    // Runs after the migrations, before the server listens.
    onSeeded: async (database) => {
      await seedInventory(database.prisma, { count: inventoryCount });
      for (let t = 0; t < tenants; t += 1) {
        const slug = `bench-${t}-${randomBytes(4).toString('hex')}`;
        const organization = await database.prisma.organization.create({
          data: { name: `Benchmark Org ${t}`, slug, kycStatus: 'VERIFIED', balanceCents: 1_000_000_000 },
        });
        const key = generateApiKey('LIVE');
        await database.prisma.apiKey.create({ data: apiKeyRecord(key, { organizationId: organization.id, name: 'bench', role: 'MEMBER' }) });
        organizationIds.push(organization.id);
        keys.push(key);
      }
      return undefined;
    },
  });
  try {
    const needed = warmup + orders;
    const stock = await db.prisma.inventoryNumber.findMany({ where: { state: 'AVAILABLE' }, select: { e164: true }, orderBy: { e164: 'asc' }, take: needed });
    if (stock.length < needed) throw new Error(`only ${stock.length} available numbers for ${needed} orders`);
    const e164s = stock.map((row) => row.e164);
    console.error(`[${label}] ready in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s (migrated, ${inventoryCount} numbers seeded)`);

    // Warm-up (not measured): one round per client, so JIT, pools and caches are warm.
    const warmupErrors = (
      await Promise.all(e164s.slice(0, warmup).map((e164, i) => placeOrder(app.url, keys[(i % clients) % tenants]!, e164, `warmup-${i}`)))
    ).filter(Boolean);
    if (warmupErrors.length) throw new Error(`warm-up orders failed: ${warmupErrors.slice(0, 3).join(' | ')}`);

    // Disjoint lists: client c orders numbers c, c + N, c + 2N, …
    const measured = e164s.slice(warmup);
    const latencies: number[] = [];
    const failures: string[] = [];
    const statementsBefore = db.statementCount();
    const databaseCpuBefore = await backendCpuMs(db, databaseName);
    const cpuBefore = process.cpuUsage();
    const hostBefore = hostCpuTimes();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let i = client; i < measured.length; i += clients) {
          const t0 = performance.now();
          const error = await placeOrder(app.url, keys[client % tenants]!, measured[i]!, `bench-${client}-${i}`);
          latencies.push(performance.now() - t0);
          if (error) failures.push(error);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const hostAfter = hostCpuTimes();
    const databaseCpuMs = backendCpuDelta(databaseCpuBefore, await backendCpuMs(db, databaseName));
    const statements = db.statementCount() - statementsBefore;
    const activationBacklog = await db.prisma.job.count({ where: { kind: 'activate-number', status: { in: ['PENDING', 'RUNNING'] } } });
    if (failures.length) console.error(`[${label}] ${failures.length} orders failed, e.g. ${failures.slice(0, 3).join(' | ')}`);

    // Sanity: every successful request is one order and one activation charge.
    const placed = await db.prisma.numberOrder.count({ where: { organizationId: { in: organizationIds } } });
    const charges = await db.prisma.ledgerEntry.count({ where: { organizationId: { in: organizationIds }, kind: 'ACTIVATION_CHARGE' } });
    const expected = warmup + orders - failures.length;
    if (placed !== expected || charges !== expected)
      console.error(`[${label}] WARNING: ${placed} orders and ${charges} charges in the database for ${expected} successful requests`);

    // Not timed: let the activations drain, then check nothing was lost or done twice.
    const drainDeadline = Date.now() + 60_000;
    while (Date.now() < drainDeadline && (await db.prisma.job.count({ where: { kind: 'activate-number', status: { in: ['PENDING', 'RUNNING'] } } })) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [active, monthly, failedJobs, stuckJobs] = await Promise.all([
      db.prisma.phoneNumber.count({ where: { organizationId: { in: organizationIds }, status: 'ACTIVE' } }),
      db.prisma.ledgerEntry.count({ where: { organizationId: { in: organizationIds }, kind: 'MONTHLY_CHARGE' } }),
      db.prisma.job.count({ where: { kind: 'activate-number', status: 'FAILED' } }),
      db.prisma.job.count({ where: { kind: 'activate-number', status: { in: ['PENDING', 'RUNNING'] } } }),
    ]);
    if (active !== expected || monthly !== expected || failedJobs || stuckJobs) {
      console.error(
        `[${label}] WARNING after drain: ${active} active numbers, ${monthly} monthly charges for ${expected} orders; ` +
          `${failedJobs} failed and ${stuckJobs} unfinished activation jobs`,
      );
    } else {
      console.error(`[${label}] after drain: ${active} numbers active, ${monthly} monthly charges, no failed or unfinished activation jobs`);
    }

    latencies.sort((a, b) => a - b);
    return {
      backend: label,
      orders: latencies.length,
      failed: failures.length,
      seconds,
      ordersPerSecond: (latencies.length - failures.length) / seconds,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
      statementsPerOrder: statements / latencies.length,
      nodeCpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
      nodeCpuMsPerOrder: (cpu.user + cpu.system) / 1e3 / latencies.length,
      databaseCpuMsPerOrder: databaseName ? databaseCpuMs / latencies.length : NaN,
      activationBacklog,
      hostCpuPercent: ((hostAfter.busy - hostBefore.busy) / Math.max(1, hostAfter.total - hostBefore.total)) * 100,
    };
  } finally {
    await app.stop(); // also closes db
  }
}

async function withPglite(): Promise<Result> {
  const dir = pgliteMode === 'disk' ? await mkdtemp(path.join(os.tmpdir(), 'numbers-bench-')) : undefined;
  try {
    const db = await openDatabase({ kind: 'pglite', dataDir: dir ? path.join(dir, 'pglite') : undefined });
    return await runBackend(`PGlite (${pgliteMode === 'disk' ? 'on disk, temp dir' : 'in memory'})`, db);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function withPostgres(url: string): Promise<Result> {
  const name = `numbers_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  try {
    // The pool size the server uses when started with DATABASE_URL.
    const db = await openDatabase({ kind: 'postgres', url: target.toString() });
    return await runBackend(`PostgreSQL ${version.split(' ')[0]} (pool 10)`, db, name);
  } finally {
    const cleanup = new pg.Client({ connectionString: url });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cleanup.end();
  }
}

// --------------------------------------------------------------------- main --

async function main() {
  const cpus = os.cpus();
  console.log('Ordering throughput benchmark');
  console.log(`date:    ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`,
  );
  console.log(`node:    ${process.version}`);
  console.log(
    `loadavg: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1, 5, 15 min)`,
  );
  console.log(
    `load:    ${clients} concurrent clients (${tenants} tenant${tenants === 1 ? '' : 's'}), ${orders} one-number orders measured (+${warmup} warm-up), ` +
      'carrier latency 0, failure rates 0, jobs running',
  );
  if (!postgresUrl) console.log('(BENCH_DATABASE_URL not set: PostgreSQL skipped)');

  const results: Result[] = pgliteMode === 'skip' ? [] : [await withPglite()];
  if (postgresUrl) results.push(await withPostgres(postgresUrl));

  const ms = (value: number) => value.toFixed(1);
  console.log('');
  console.log(
    '| Backend | Orders | Failed | Wall time (s) | Orders/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | SQL statements/order | ' +
      'Node CPU (1 core = 100 %) | Node CPU ms/order | PostgreSQL CPU ms/order | Host CPU (all cores) | Activations pending at end |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const databaseCpu = Number.isNaN(r.databaseCpuMsPerOrder) ? '–' : r.databaseCpuMsPerOrder.toFixed(1);
    console.log(
      `| ${r.backend} | ${r.orders} | ${r.failed} | ${r.seconds.toFixed(2)} | ${r.ordersPerSecond.toFixed(1)} | ` +
        `${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.statementsPerOrder.toFixed(1)} | ` +
        `${r.nodeCpuPercent.toFixed(0)} % | ${r.nodeCpuMsPerOrder.toFixed(1)} | ${databaseCpu} | ` +
        `${r.hostCpuPercent.toFixed(0)} % | ${r.activationBacklog} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
