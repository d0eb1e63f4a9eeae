// Live feed fan-out: one server instance (a child process, so it doesn't share
// an event loop with the clients), N graphql-ws subscribers of one tenant on
// `phoneNumberStatusChanged`, and a burst of status flips (releasePhoneNumber
// over HTTP, a few in flight at a time). Prints delivery latency p50/p95/p99/max
// and events/s, beside a raw `ws` broadcast of the same payloads (also in a child
// process) as the floor.
//
//   npx tsx bench/feed-fanout.ts [--subscribers=1000] [--burst=200] [--concurrency=20] [--timeout=300]
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/feed-fanout.ts
//   npx tsx bench/feed-fanout.ts --profile   # also: server CPU during the burst, by package (slower)
//   npx tsx bench/feed-fanout.ts --api-dir=/tmp/api-before   # the server from another checkout (before/after)
//
// BENCH_SUBSCRIBERS, BENCH_BURST, BENCH_CONCURRENCY, BENCH_TIMEOUT_S, BENCH_API_DIR and BENCH_PROFILE=1 work too.
// Without BENCH_DATABASE_URL the server runs on PGlite in a temp dir; with it, on
// a fresh database numbers_bench_fanout_<hex> on that server, dropped at the end.
// The server's per-key cost budget is raised out of the way (RATE_LIMIT_*), so
// what is measured is the feed, not the limiter. Everything listens on
// 127.0.0.1; children, temp dirs and the database are cleaned up on success,
// failure, timeout and Ctrl-C. Each subscriber is its own WebSocket, so this
// process and the server each need a file descriptor per subscriber (plus a
// few hundred): check `ulimit -n`.
//
// Clocks: send and receive instants are process.hrtime.bigint(), which on Linux
// (CLOCK_MONOTONIC) and macOS is one clock for the whole machine, so instants
// taken in the floor child compare with instants taken here (checked at start).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { apiKeyRecord, generateApiKey } from '../src/domain/api-keys.js';
import { openDatabase } from '../src/infra/database.js';
import { applyMigrations } from '../src/infra/migrate.js';
import { insertOwnedNumbers } from '../test/helpers/fixtures.js';
import { createScratchDatabase, option, positiveInt, stopChild } from './common.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ------------------------------------------------------------------ options --

const subscriberCount = positiveInt('subscribers', option('subscribers', 'BENCH_SUBSCRIBERS', '1000'));
const burst = positiveInt('burst', option('burst', 'BENCH_BURST', '200'));
const concurrency = positiveInt('concurrency', option('concurrency', 'BENCH_CONCURRENCY', '20'));
const timeoutSeconds = positiveInt('timeout', option('timeout', 'BENCH_TIMEOUT_S', '300'));
const postgresUrl = process.env.BENCH_DATABASE_URL || undefined;
/** The API checkout whose server is measured (`src/main.ts` there); the database is prepared with this one's code. */
const apiDir = path.resolve(option('api-dir', 'BENCH_API_DIR', projectRoot));
/** Profile the server (node --cpu-prof) and print where its CPU went during the burst; slows it down. */
const profile = process.argv.includes('--profile') || process.env.BENCH_PROFILE === '1';
/** Spare numbers for warm-up flips (not measured): one normally suffices. */
const warmupNumbers = 5;
/** How long to wait for missing deliveries once nothing new has arrived. */
const idleGiveUpMs = 10_000;
const connectBatch = 50;

const subscriptionQuery = 'subscription { phoneNumberStatusChanged { eventId newStatus phoneNumber { e164 } } }';
const releaseMutation = 'mutation ($id: ID!) { releasePhoneNumber(input: { id: $id }) { phoneNumber { e164 status } errors { code message } } }';

// ------------------------------------------------------------------ helpers --

const base = process.hrtime.bigint();
/** Milliseconds on the machine-wide monotonic clock, relative to this process's start. */
const nowMs = () => Number(process.hrtime.bigint() - base) / 1e6;
const fromHrtime = (text: string) => Number(BigInt(text) - base) / 1e6;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (message: string) => console.error(`[${(nowMs() / 1000).toFixed(1).padStart(6)} s] ${message}`);

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array | number[], p: number) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) of a process in ms, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in USER_HZ (100/s)
  } catch {
    return NaN;
  }
}

/** CPU time all processes on the machine spent busy, in ms, from /proc/stat (Linux); NaN elsewhere. */
function machineBusyMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = NaN, nice = NaN, system = NaN, , , irq = NaN, softirq = NaN, steal = NaN] = fields;
    return (user + nice + system + irq + softirq + steal) * 10;
  } catch {
    return NaN;
  }
}

async function waitUntil(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, pollMs = 20) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

// ------------------------------------------------------------------ cleanup --

const cleanups: Array<{ what: string; run: () => Promise<void> }> = [];
let cleaningUp: Promise<void> | undefined;
function onCleanup(what: string, run: () => Promise<void>) {
  cleanups.push({ what, run });
}
function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const { what, run } of cleanups.reverse()) {
      try {
        await Promise.race([run(), sleep(20_000).then(() => Promise.reject(new Error('took more than 20 s')))]);
      } catch (error) {
        console.error(`cleanup "${what}" failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaningUp;
}

// -------------------------------------------------------------- preparation --

type Prepared = {
  kind: string;
  env: Record<string, string>;
  memberKey: string;
  readOnlyKey: string;
  numbers: Array<{ id: string; e164: string }>;
};

async function prepareDatabase(): Promise<Prepared> {
  let env: Record<string, string>;
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let kind: string;
  if (postgresUrl) {
    const scratch = await createScratchDatabase(postgresUrl, 'numbers_bench_fanout');
    onCleanup(`drop database ${scratch.name}`, scratch.drop);
    env = { DATABASE_URL: scratch.url };
    kind = `PostgreSQL ${scratch.version} (server pool 10)`;
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
  } else {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'numbers-bench-fanout-'));
    onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    env = { DATA_DIR: dir };
    kind = 'PGlite (on disk, temp dir)';
    // Exactly where the server will open it: `${DATA_DIR}/pglite`.
    db = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pglite') });
  }
  try {
    await applyMigrations(db.adapterFactory);
    const slug = `bench-fanout-${randomBytes(4).toString('hex')}`;
    const organization = await db.prisma.organization.create({
      data: { name: 'Fan-out Benchmark Org', slug, kycStatus: 'VERIFIED', balanceCents: 1_000_000_000 },
    });
    const memberKey = generateApiKey('LIVE');
    const readOnlyKey = generateApiKey('LIVE');
    await db.prisma.apiKey.create({ data: apiKeyRecord(memberKey, { organizationId: organization.id, name: 'bench member', role: 'MEMBER' }) });
    await db.prisma.apiKey.create({ data: apiKeyRecord(readOnlyKey, { organizationId: organization.id, name: 'bench read-only', role: 'READ_ONLY' }) });
    const nextBillingAt = new Date(Date.now() + 30 * 86_400_000);
    const e164s = await insertOwnedNumbers(db.prisma, organization.id, burst + warmupNumbers, { nextBillingAt });
    const rows = await db.prisma.phoneNumber.findMany({ where: { organizationId: organization.id }, select: { id: true, e164: true } });
    const byE164 = new Map(rows.map((row) => [row.e164, row.id]));
    const numbers = e164s.map((e164) => ({ e164, id: byE164.get(e164)! }));
    if (numbers.some((n) => !n.id) || new Set(e164s).size !== e164s.length) throw new Error('inserted numbers are missing or not unique');
    return { kind, env, memberKey, readOnlyKey, numbers };
  } finally {
    await db.close(); // PGlite is single-process: the server opens it next
  }
}

// ------------------------------------------------------------------- server --

type Server = { url: string; child: ChildProcess; logLines: () => string[]; profileDir?: string };
/** What subscribers reported (first 50), so a failure can show it too. */
const subscriberErrors: string[] = [];
let noted = 0;
/** The running API server, so a failure can show its log. */
let currentServer: Server | undefined;

/** Server output worth showing: stderr, log lines at warn or above, anything that isn't a log line. */
function serverLogOf(server: Server): string[] {
  return server.logLines().filter((line) => {
    if (line.startsWith('stderr: ')) return true;
    try {
      return ((JSON.parse(line.slice('stdout: '.length)) as { level?: number }).level ?? 0) >= 40;
    } catch {
      return !line.includes('GraphiQL:');
    }
  });
}

async function startServer(prepared: Prepared): Promise<Server> {
  const port = await freePort();
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'REDIS_URL', 'CURSOR_SECRET', 'RUN_JOBS']) delete env[name];
  Object.assign(env, prepared.env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    // As deployed (and as the other benches run): graphql-js and others skip development-only checks.
    NODE_ENV: 'production',
    CURSOR_SECRET: randomBytes(32).toString('hex'),
    SEED_DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    FEED_MAX_SUBSCRIPTIONS_PER_TENANT: String(Math.max(5_000, subscriberCount + 100)),
    FEED_MAX_SUBSCRIPTIONS_PER_CONNECTION: '10',
    FEED_BUFFER_SIZE: String(Math.max(1_000, 4 * burst)),
    CARRIER_LATENCY_MS: '0',
    CARRIER_TRANSIENT_FAILURE_RATE: '0',
    CARRIER_FAILURE_RATE: '0',
    // The per-key cost bucket (1,000 points, +50/s) would refuse most of 1,000 subscriptions
    // (2 points each) and throttle the burst; this measures fan-out, not the limiter.
    RATE_LIMIT_BUCKET_SIZE: '1000000',
    RATE_LIMIT_RESTORE_RATE: '1000000',
  });
  let profileDir: string | undefined;
  if (profile) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'numbers-bench-fanout-prof-'));
    onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    profileDir = dir;
  }
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts'], { cwd: apiDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup('stop the API server', () => stopChild(child));
  const lines: string[] = [];
  const keep = (stream: string) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() && lines.length < 5_000) lines.push(`${stream}: ${line}`);
    }
  };
  child.stdout!.on('data', keep('stdout'));
  child.stderr!.on('data', keep('stderr'));
  const url = `http://127.0.0.1:${port}`;
  child.on('exit', (code, signal) => lines.push(`exit: server process exited (code ${code}, signal ${signal})`));
  currentServer = { url, child, logLines: () => lines, profileDir };
  await waitUntil(
    'the server to be ready (GET /readyz)',
    90_000,
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${lines.join('\n')}`);
      try {
        return (await fetch(`${url}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    100,
  );
  return { url, child, logLines: () => lines, profileDir };
}

/**
 * One releasePhoneNumber over HTTP, on a fresh connection (`Connection: close`):
 * under this load the server's event loop stalls long enough that reusing an
 * idle keep-alive socket races its 5 s keep-alive timeout (ECONNRESET, the known
 * Node/undici keep-alive race), which a benchmark of the feed shouldn't trip on.
 */
async function release(url: string, key: string, id: string): Promise<string | null> {
  const body = JSON.stringify({ query: releaseMutation, variables: { id: Buffer.from(`PhoneNumber:${id}`).toString('base64url') } });
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      `${url}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${key}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
  const parsed = JSON.parse(text) as {
    data?: { releasePhoneNumber: { phoneNumber: { status: string } | null; errors: Array<{ code: string; message: string }> } } | null;
    errors?: unknown;
  };
  if (status !== 200 || parsed.errors) return `HTTP ${status}: ${JSON.stringify(parsed.errors ?? parsed)}`;
  const payload = parsed.data!.releasePhoneNumber;
  if (payload.errors.length) return payload.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
  if (payload.phoneNumber?.status !== 'RELEASED') return `status is ${payload.phoneNumber?.status}`;
  return null;
}

/** PostgreSQL only: transactions committed in the bench database (each statement outside a transaction is one). */
async function commitsIn(url: string | undefined): Promise<number> {
  if (!url) return NaN;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ commits: string }>('SELECT xact_commit::text AS commits FROM pg_stat_database WHERE datname = current_database()');
    return Number(rows[0]!.commits);
  } finally {
    await client.end();
  }
}

/** PostgreSQL only: pids of the server backends connected to the bench database (this query's own excluded). */
async function backendPids(url: string | undefined): Promise<number[]> {
  if (!url) return [];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

// --------------------------------------------------------------- recording --

/** Receive instants per (subscriber, flip), NaN until received. */
class Recorder {
  readonly received: Float64Array;
  delivered = 0;
  duplicates = 0;
  unknown = 0;
  outOfOrder = 0;
  lastProgress = nowMs();
  readonly warmedUp: Uint8Array;
  private readonly lastEventId: Array<bigint | undefined>;

  constructor(
    readonly subscribers: number,
    readonly flipIndex: Map<string, number>,
    readonly warmupIndex: Map<string, number>,
  ) {
    this.received = new Float64Array(subscribers * flipIndex.size).fill(NaN);
    this.warmedUp = new Uint8Array(subscribers);
    this.lastEventId = new Array(subscribers);
  }

  record(subscriber: number, e164: string | undefined, eventId: string | undefined, at: number) {
    if (eventId !== undefined && /^\d+$/.test(eventId)) {
      const id = BigInt(eventId);
      const last = this.lastEventId[subscriber];
      if (last !== undefined && id <= last) this.outOfOrder += 1;
      this.lastEventId[subscriber] = id;
    }
    const flip = e164 === undefined ? undefined : this.flipIndex.get(e164);
    if (flip === undefined) {
      if (e164 !== undefined && this.warmupIndex.has(e164)) this.warmedUp[subscriber] = 1;
      else this.unknown += 1;
      return;
    }
    const slot = subscriber * this.flipIndex.size + flip;
    if (!Number.isNaN(this.received[slot])) {
      this.duplicates += 1;
      return;
    }
    this.received[slot] = at;
    this.delivered += 1;
    this.lastProgress = at;
  }

  warmedUpCount() {
    let count = 0;
    for (const flag of this.warmedUp) count += flag;
    return count;
  }
}

type Figures = {
  label: string;
  expected: number;
  delivered: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  negative: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  seconds: number;
  eventsPerSecond: number;
  serverCpuPercent: number;
  clientCpuPercent: number;
  /** PostgreSQL backends serving the bench database (NaN on PGlite, which runs inside the server). */
  databaseCpuPercent: number;
  /** CPU used by everything else on the machine over the span (other benchmarks, builds…). */
  otherCpuPercent: number;
  /** Server CPU (ms) per delivery, in µs: what fan-out costs, whatever share of the machine it got. */
  serverCpuPerDeliveryUs: number;
  note: string;
};

/** Latency = receive − commit instant (mutation response, or broadcaster send) of that flip. */
type CpuSpan = { server: number; client: number; database?: number; machine: number; wallMs: number };

function figures(label: string, recorder: Recorder, committedAt: Float64Array, firstSentAt: number, cpu: CpuSpan, note: string): Figures {
  const flips = committedAt.length;
  const latencies = new Float64Array(recorder.delivered);
  let n = 0;
  let negative = 0;
  let lastReceive = -Infinity;
  for (let s = 0; s < recorder.subscribers; s += 1) {
    for (let f = 0; f < flips; f += 1) {
      const at = recorder.received[s * flips + f]!;
      if (Number.isNaN(at)) continue;
      if (at > lastReceive) lastReceive = at;
      let latency = at - committedAt[f]!;
      if (latency < 0) {
        negative += 1;
        latency = 0;
      }
      latencies[n++] = latency;
    }
  }
  latencies.sort();
  const seconds = (lastReceive - firstSentAt) / 1000;
  const expected = recorder.subscribers * flips;
  return {
    label,
    expected,
    delivered: recorder.delivered,
    missing: expected - recorder.delivered,
    duplicates: recorder.duplicates,
    outOfOrder: recorder.outOfOrder,
    negative,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    seconds,
    eventsPerSecond: recorder.delivered / seconds,
    serverCpuPercent: (cpu.server / cpu.wallMs) * 100,
    clientCpuPercent: (cpu.client / cpu.wallMs) * 100,
    databaseCpuPercent: cpu.database === undefined ? NaN : (cpu.database / cpu.wallMs) * 100,
    otherCpuPercent: (Math.max(0, cpu.machine - cpu.server - cpu.client - (cpu.database ?? 0)) / cpu.wallMs) * 100,
    serverCpuPerDeliveryUs: (cpu.server * 1000) / Math.max(1, recorder.delivered),
    note,
  };
}

/** Waits until every delivery arrived, or nothing new came for `idleGiveUpMs` after `since`. */
async function waitForDeliveries(recorder: Recorder, expected: number, since: () => number) {
  while (recorder.delivered < expected) {
    if (nowMs() - Math.max(recorder.lastProgress, since()) > idleGiveUpMs) return;
    await sleep(10);
  }
  await sleep(300); // late duplicates, if any
}

function describeMissing(recorder: Recorder, e164s: string[]) {
  const flips = e164s.length;
  const perFlip = new Array<number>(flips).fill(0);
  const perSubscriber = new Array<number>(recorder.subscribers).fill(0);
  for (let s = 0; s < recorder.subscribers; s += 1) {
    for (let f = 0; f < flips; f += 1) {
      if (Number.isNaN(recorder.received[s * flips + f])) {
        perFlip[f] = perFlip[f]! + 1;
        perSubscriber[s] = perSubscriber[s]! + 1;
      }
    }
  }
  const flipsHit = perFlip.filter(Boolean).length;
  const subscribersHit = perSubscriber.filter(Boolean).length;
  const worst = perFlip
    .map((count, f) => ({ count, e164: e164s[f] }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 5);
  return `${flipsHit} flips and ${subscribersHit} subscribers affected; worst flips: ${worst.map((w) => `${w.e164}×${w.count}`).join(', ')}`;
}

// --------------------------------------------------------- GraphQL fan-out --

type GraphqlRun = {
  figures: Figures;
  committedOffsets: Array<{ offsetMs: number; flip: number }>;
  mutationP50: number;
  mutationP99: number;
  errors: string[];
  wireBytes: number;
  /** PostgreSQL commits over the burst (NaN on PGlite). */
  commits: number;
  /** The burst, in this process's ms (first mutation sent, last delivery). */
  window: [number, number];
};

async function runGraphql(prepared: Prepared, server: Server): Promise<GraphqlRun> {
  const warmups = prepared.numbers.slice(0, warmupNumbers);
  const measured = prepared.numbers.slice(warmupNumbers);
  const e164s = measured.map((n) => n.e164);
  const recorder = new Recorder(subscriberCount, new Map(e164s.map((e164, i) => [e164, i])), new Map(warmups.map((n, i) => [n.e164, i])));
  const errors = subscriberErrors;
  const note = (message: string) => {
    noted += 1;
    if (errors.length < 50) errors.push(message);
  };
  let wireBytes = 0;
  let connected = 0;
  let closedEarly = 0;
  let measuring = true;

  type Data = { phoneNumberStatusChanged: { eventId: string; newStatus: string; phoneNumber: { e164: string } } };
  const clients: Client[] = [];
  let closing: Promise<void> | undefined;
  const closeClients = () =>
    (closing ??= (async () => {
      measuring = false;
      await Promise.all(clients.map((client) => Promise.resolve(client.dispose()).catch(() => {})));
    })());
  onCleanup('close graphql-ws clients', closeClients);
  try {
    log(`connecting ${subscriberCount} graphql-ws subscribers (READ_ONLY key), ${connectBatch} at a time`);
    for (let i = 0; i < subscriberCount; i += connectBatch) {
      const batch: Array<Promise<void>> = [];
      for (let s = i; s < Math.min(subscriberCount, i + connectBatch); s += 1) {
        batch.push(
          new Promise<void>((resolve, reject) => {
            const client = createClient({
              url: `${server.url.replace(/^http/, 'ws')}/graphql`,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${prepared.readOnlyKey}` },
              lazy: true,
              retryAttempts: 0,
              on: {
                connected: () => {
                  connected += 1;
                  resolve();
                },
                closed: (event) => {
                  const { code, reason } = event as { code: number; reason: string };
                  if (measuring) {
                    closedEarly += 1;
                    note(`subscriber ${s}: socket closed ${code} ${reason}`);
                  }
                  reject(new Error(`subscriber ${s}: socket closed ${code} ${reason}`));
                },
              },
            });
            clients.push(client);
            client.subscribe<Data>(
              { query: subscriptionQuery },
              {
                next: (result) => {
                  const at = nowMs();
                  if (result.errors) {
                    note(`subscriber ${s}: ${JSON.stringify(result.errors)}`);
                    return;
                  }
                  const event = result.data?.phoneNumberStatusChanged;
                  if (s === 0 && !wireBytes) wireBytes = Buffer.byteLength(JSON.stringify({ id: randomUUID(), type: 'next', payload: result }));
                  recorder.record(s, event?.phoneNumber?.e164, event?.eventId, at);
                },
                error: (error) => note(`subscriber ${s}: subscription error ${JSON.stringify(error)}`),
                complete: () => {
                  if (measuring) note(`subscriber ${s}: subscription completed by the server`);
                },
              },
            );
          }),
        );
      }
      await Promise.all(batch);
    }
    log(`${connected} subscribers connected (connection_ack received)`);

    // Warm-up: a subscription has no "registered" acknowledgement, so flip a spare number
    // until every subscriber has seen one; from then on each one's listener is in place.
    let warmed = false;
    for (const [i, number] of warmups.entries()) {
      const error = await release(server.url, prepared.memberKey, number.id);
      if (error) throw new Error(`warm-up release failed: ${error}`);
      try {
        await waitUntil('warm-up flip', 10_000, () => recorder.warmedUpCount() === subscriberCount);
        log(`warm-up flip ${i + 1}: all ${subscriberCount} subscribers live`);
        warmed = true;
        break;
      } catch {
        log(`warm-up flip ${i + 1}: ${recorder.warmedUpCount()}/${subscriberCount} subscribers live, flipping another`);
      }
    }
    if (!warmed) {
      const dead = [...recorder.warmedUp.keys()].filter((s) => !recorder.warmedUp[s]);
      throw new Error(
        `only ${recorder.warmedUpCount()} of ${subscriberCount} subscribers received a warm-up flip; ${noted} errors/closes reported; ` +
          `not live: ${dead.length} subscribers, first ${dead.slice(0, 10).join(', ')}, last ${dead.slice(-5).join(', ')}`,
      );
    }
    if (recorder.delivered || recorder.unknown) throw new Error('unexpected deliveries before the burst');
    await sleep(500); // let the warm-up's job and relay traffic settle

    // The burst.
    log(`burst: releasing ${measured.length} numbers, ${concurrency} mutations in flight`);
    const sentAt = new Float64Array(measured.length).fill(NaN);
    const respondedAt = new Float64Array(measured.length).fill(NaN);
    const mutationErrors: string[] = [];
    await sleep(1_500); // PostgreSQL backends publish their counters at most once a second
    const commitsBefore = await commitsIn(prepared.env.DATABASE_URL);
    const pidsBefore = await backendPids(prepared.env.DATABASE_URL);
    const databaseCpuBefore = new Map(pidsBefore.map((pid) => [pid, processCpuMs(pid)]));
    const serverCpuBefore = processCpuMs(server.child.pid);
    const clientCpuBefore = process.cpuUsage();
    const machineBefore = machineBusyMs();
    const firstSentAt = nowMs();
    let nextFlip = 0;
    let answered = 0;
    const progress = setInterval(() => log(`burst: ${answered}/${measured.length} mutations answered, ${recorder.delivered} deliveries`), 5_000);
    await Promise.all(
      Array.from({ length: Math.min(concurrency, measured.length) }, async () => {
        while (nextFlip < measured.length) {
          const flip = nextFlip++;
          sentAt[flip] = nowMs();
          const error = await release(server.url, prepared.memberKey, measured[flip]!.id).catch(
            (e: Error) => `request failed after ${(nowMs() - sentAt[flip]!).toFixed(0)} ms: ${e.message}`,
          );
          respondedAt[flip] = nowMs();
          answered += 1;
          if (error) mutationErrors.push(`${measured[flip]!.e164}: ${error}`);
        }
      }),
    ).finally(() => clearInterval(progress));
    const lastResponseAt = nowMs();
    log(
      `burst: all mutations answered after ${((lastResponseAt - firstSentAt) / 1000).toFixed(2)} s; ` +
        `${recorder.delivered}/${subscriberCount * measured.length} deliveries so far`,
    );
    if (mutationErrors.length) throw new Error(`${mutationErrors.length} release mutations failed, e.g. ${mutationErrors.slice(0, 3).join(' | ')}`);
    await waitForDeliveries(recorder, subscriberCount * measured.length, () => lastResponseAt);
    const wallMs = Math.max(1, nowMs() - firstSentAt);
    const used = process.cpuUsage(clientCpuBefore);
    const machineAfter = machineBusyMs();
    const serverCpuAfter = processCpuMs(server.child.pid);
    let database: number | undefined;
    if (prepared.env.DATABASE_URL) {
      // Backends opened during the burst count from zero; ones that closed meanwhile are lost (the pool keeps its 10 open).
      database = 0;
      for (const pid of await backendPids(prepared.env.DATABASE_URL)) {
        const now = processCpuMs(pid);
        if (Number.isFinite(now)) database += now - (databaseCpuBefore.get(pid) ?? 0);
      }
    }
    const cpu = { server: serverCpuAfter - serverCpuBefore, client: (used.user + used.system) / 1000, database, machine: machineAfter - machineBefore, wallMs };
    measuring = false;
    log(`burst: ${recorder.delivered} deliveries recorded`);
    if (prepared.env.DATABASE_URL) await sleep(1_500);
    const commits = (await commitsIn(prepared.env.DATABASE_URL)) - commitsBefore - 1;
    if (recorder.delivered < subscriberCount * measured.length) log(`MISSING deliveries: ${describeMissing(recorder, e164s)}`);
    if (closedEarly) log(`${closedEarly} subscriber sockets closed during the run`);

    const mutationLatencies = Array.from(respondedAt, (at, i) => at - sentAt[i]!).sort((a, b) => a - b);
    const result = figures(`GraphQL subscription (${prepared.kind})`, recorder, respondedAt, firstSentAt, cpu, 'latency from the mutation response');
    return {
      figures: result,
      committedOffsets: Array.from(respondedAt, (at, flip) => ({ offsetMs: at - firstSentAt, flip })).sort((a, b) => a.offsetMs - b.offsetMs),
      mutationP50: percentile(mutationLatencies, 50),
      mutationP99: percentile(mutationLatencies, 99),
      errors,
      wireBytes,
      commits,
      window: [firstSentAt, firstSentAt + result.seconds * 1000],
    };
  } finally {
    await closeClients();
  }
}

// ------------------------------------------------------------- raw ws floor --

// The floor's broadcaster, run with `node -e` (CommonJS, `ws` resolved from the project).
const floorServerSource = `
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => process.send({ type: 'listening', port: wss.address().port, now: process.hrtime.bigint().toString() }));
process.on('message', async (message) => {
  if (message.type === 'count') process.send({ type: 'count', clients: wss.clients.size });
  if (message.type === 'run') {
    const sockets = [...wss.clients];
    const times = [];
    const start = process.hrtime.bigint();
    for (const { payload, offsetMs } of message.schedule) {
      if (offsetMs === null) {
        await new Promise((resolve) => setImmediate(resolve));
      } else {
        const wait = offsetMs - Number(process.hrtime.bigint() - start) / 1e6;
        await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
      }
      times.push(process.hrtime.bigint().toString());
      for (const socket of sockets) socket.send(payload);
    }
    process.send({ type: 'sent', times });
  }
});
process.on('disconnect', () => process.exit(0));
`;

type FloorMessage = { type: 'listening'; port: number; now: string } | { type: 'count'; clients: number } | { type: 'sent'; times: string[] };

async function runFloor(e164s: string[], schedule: Array<{ offsetMs: number; flip: number }> | null, label: string, note: string): Promise<Figures> {
  const spawnedAt = nowMs();
  const child = spawn(process.execPath, ['-e', floorServerSource], { cwd: projectRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = () => stopChild(child, 3_000);
  onCleanup(`stop the ${label} broadcaster`, stop);
  const inbox: FloorMessage[] = [];
  child.on('message', (message) => inbox.push(message as FloorMessage));
  const expect = async <T extends FloorMessage['type']>(type: T, timeoutMs = 30_000) => {
    let found: Extract<FloorMessage, { type: T }> | undefined;
    await waitUntil(`floor broadcaster "${type}"`, timeoutMs, () => {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) found = inbox.splice(index, 1)[0] as Extract<FloorMessage, { type: T }>;
      if (child.exitCode !== null) throw new Error(`floor broadcaster exited with ${child.exitCode}`);
      return found !== undefined;
    });
    return found!;
  };
  const listening = await expect('listening');
  const childNow = fromHrtime(listening.now);
  if (!(childNow >= spawnedAt && childNow <= nowMs()))
    log(
      `WARNING: the floor child's hrtime (${childNow.toFixed(1)} ms) is outside [${spawnedAt.toFixed(1)}, ${nowMs().toFixed(1)}]: ` +
        'clocks are not shared, floor latencies are wrong',
    );

  const warmupE164 = '+19990000000';
  const recorder = new Recorder(subscriberCount, new Map(e164s.map((e164, i) => [e164, i])), new Map([[warmupE164, 0]]));
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < subscriberCount; i += connectBatch) {
      await Promise.all(
        Array.from({ length: Math.min(connectBatch, subscriberCount - i) }, (_, j) => {
          const s = i + j;
          return new Promise<void>((resolve, reject) => {
            const socket = new WebSocket(`ws://127.0.0.1:${listening.port}`);
            sockets.push(socket);
            socket.on('message', (data) => {
              const at = nowMs();
              const message = JSON.parse(data.toString()) as {
                payload: { data: { phoneNumberStatusChanged: { eventId: string; phoneNumber: { e164: string } } } };
              };
              const event = message.payload.data.phoneNumberStatusChanged;
              recorder.record(s, event.phoneNumber.e164, event.eventId, at);
            });
            socket.once('open', () => resolve());
            socket.once('error', reject);
          });
        }),
      );
    }
    child.send({ type: 'count' });
    const { clients } = await expect('count');
    if (clients !== subscriberCount) throw new Error(`floor broadcaster sees ${clients} clients, expected ${subscriberCount}`);

    const payloadFor = (e164: string, eventId: number) =>
      JSON.stringify({
        id: randomUUID(),
        type: 'next',
        payload: { data: { phoneNumberStatusChanged: { eventId: String(eventId), newStatus: 'RELEASED', phoneNumber: { e164 } } } },
      });
    // Warm-up broadcast (not measured).
    child.send({ type: 'run', schedule: [{ payload: payloadFor(warmupE164, 1), offsetMs: null }] });
    await expect('sent');
    await waitUntil('floor warm-up', 10_000, () => recorder.warmedUpCount() === subscriberCount);

    const order = schedule ?? e164s.map((_, flip) => ({ offsetMs: null as number | null, flip }));
    const clientCpuBefore = process.cpuUsage();
    const serverCpuBefore = processCpuMs(child.pid);
    const machineBefore = machineBusyMs();
    const startedAt = nowMs();
    child.send({ type: 'run', schedule: order.map(({ offsetMs, flip }, position) => ({ payload: payloadFor(e164s[flip]!, 100 + position), offsetMs })) });
    // A paced replay lasts as long as the burst it replays.
    const sent = await expect('sent', 120_000 + Math.max(0, ...order.map(({ offsetMs }) => offsetMs ?? 0)));
    const sentAt = new Float64Array(e164s.length).fill(NaN);
    sent.times.forEach((time, i) => {
      sentAt[order[i]!.flip] = fromHrtime(time);
    });
    const lastSentAt = Math.max(...sentAt);
    await waitForDeliveries(recorder, subscriberCount * e164s.length, () => Math.max(lastSentAt, startedAt));
    const used = process.cpuUsage(clientCpuBefore);
    const cpu = {
      server: processCpuMs(child.pid) - serverCpuBefore,
      client: (used.user + used.system) / 1000,
      machine: machineBusyMs() - machineBefore,
      wallMs: Math.max(1, nowMs() - startedAt),
    };
    if (recorder.delivered < subscriberCount * e164s.length) log(`MISSING floor deliveries (${label}): ${describeMissing(recorder, e164s)}`);
    return figures(label, recorder, sentAt, Math.min(...sentAt), cpu, note);
  } finally {
    for (const socket of sockets) socket.terminate();
    await stop();
  }
}

// ------------------------------------------------------------------ profile --

type CpuProfile = {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
};

/** What a profile frame belongs to: a package, a part of src/, Node's internals, wasm, or V8's own buckets. */
function categoryOf(frame: { functionName: string; url: string }): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / builtins)';
  if (url.startsWith('wasm://')) return 'wasm (PGlite or Prisma query compiler)';
  if (url.startsWith('node:')) return 'node: internals (net, streams, http, timers…)';
  const packageMatch = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (packageMatch) return packageMatch[1]!;
  const srcMatch = /\/src\/([^/]+)\//.exec(url);
  if (srcMatch) return `src/${srcMatch[1]}`;
  return 'other';
}

/** Self time by category within [from, to] (this process's ms), from the server's .cpuprofile. */
function profileBreakdown(dir: string, window: [number, number]): string[] {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (!files.length) return ['(no .cpuprofile written: did the server exit cleanly?)'];
  const data = JSON.parse(readFileSync(path.join(dir, files[0]!), 'utf8')) as CpuProfile;
  const categoryById = new Map(data.nodes.map((node) => [node.id, categoryOf(node.callFrame)]));
  // V8 timestamps are µs on the same monotonic clock as process.hrtime (checked: the profile must start before the burst).
  const toMs = (micros: number) => (micros * 1000 - Number(base)) / 1e6;
  let at = toMs(data.startTime);
  const aligned = at > 0 && at < window[0];
  const totals = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const frameById = new Map(data.nodes.map((node) => [node.id, node.callFrame]));
  let sum = 0;
  for (let i = 0; i < data.samples.length; i += 1) {
    at += data.timeDeltas[i]! / 1000;
    if (aligned && (at < window[0] || at > window[1])) continue;
    const next = data.timeDeltas[i + 1] ?? 0;
    const category = categoryById.get(data.samples[i]!) ?? 'other';
    totals.set(category, (totals.get(category) ?? 0) + next / 1000);
    const frame = frameById.get(data.samples[i]!);
    const name = `${frame?.functionName || '(anonymous)'} [${category}${frame?.url ? ` ${frame.url.split('/').slice(-1)[0]}` : ''}]`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + next / 1000);
    sum += next / 1000;
  }
  const lines = [
    aligned
      ? `server CPU profile over the burst (${(sum / 1000).toFixed(1)} s of samples), self time by package:`
      : `server CPU profile, whole run (could not align its clock with the burst), self time by package:`,
  ];
  for (const [category, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    lines.push(`    ${((ms / sum) * 100).toFixed(1).padStart(5)} %  ${category}`);
  }
  lines.push('  top functions by self time:');
  for (const [name, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    lines.push(`    ${((ms / sum) * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
  return lines;
}

// --------------------------------------------------------------------- main --

async function main() {
  const cpus = os.cpus();
  const machine = `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`;
  console.log('Live feed fan-out benchmark');
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${machine}`);
  console.log(`node:     ${process.version}`);
  console.log(
    `load avg: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1/5/15 min, at start)`,
  );
  console.log(`database: ${postgresUrl ? 'PostgreSQL (BENCH_DATABASE_URL)' : 'PGlite in a temp dir'}`);
  const apiCommit = spawnSync('git', ['-C', apiDir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).stdout.trim().slice(0, 100);
  console.log(`API:      ${apiDir}${apiCommit ? ` at ${apiCommit}` : ' (not a git checkout)'}`);
  console.log(
    `load:     ${subscriberCount} graphql-ws subscribers (one WebSocket each) of one tenant; ` +
      `burst of ${burst} releasePhoneNumber mutations, ${concurrency} in flight; server in a child process`,
  );

  const prepared = await prepareDatabase();
  log(`database ready: ${prepared.kind}, ${prepared.numbers.length} active numbers (${warmupNumbers} spare for warm-up)`);
  const server = await startServer(prepared);
  log(`server ready at ${server.url} (pid ${server.child.pid})`);
  const graphqlRun = await runGraphql(prepared, server);
  {
    const r = graphqlRun.figures;
    log(
      `GraphQL: ${r.delivered}/${r.expected} delivered, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${Math.round(r.eventsPerSecond)}/s, ` +
        `server CPU ${r.serverCpuPerDeliveryUs.toFixed(1)} µs per delivery; mutations p50 ${graphqlRun.mutationP50.toFixed(0)} ms`,
    );
  }
  // Stopped before the floor runs, so it doesn't compete for the CPU.
  await stopChild(server.child);
  const serverLog = serverLogOf(server);
  const profileLines = server.profileDir ? profileBreakdown(server.profileDir, graphqlRun.window) : [];

  const measuredE164s = prepared.numbers.slice(warmupNumbers).map((n) => n.e164);
  log('floor: raw ws broadcast, paced like the GraphQL burst');
  const paced = await runFloor(
    measuredE164s,
    graphqlRun.committedOffsets,
    'raw ws broadcast, paced like the burst',
    'each payload sent when its mutation was answered above',
  );
  log('floor: raw ws broadcast, back to back');
  const backToBack = await runFloor(measuredE164s, null, 'raw ws broadcast, back to back', 'payloads sent one after another (setImmediate between)');

  const rows = [graphqlRun.figures, paced, backToBack];
  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
  const pct = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} %` : 'n/a');
  console.log('');
  console.log(
    `release mutations: p50 ${ms(graphqlRun.mutationP50)} ms, p99 ${ms(graphqlRun.mutationP99)} ms (HTTP round trip); ` +
      `a delivered message is ~${graphqlRun.wireBytes} bytes`,
  );
  if (Number.isFinite(graphqlRun.commits)) {
    const deliveries = graphqlRun.figures.delivered;
    console.log(
      `PostgreSQL commits in the bench database over the burst: ${graphqlRun.commits} ` +
        `(≈ ${(graphqlRun.commits / Math.max(1, deliveries)).toFixed(2)} per delivery; includes the mutations, the relay and the job runner)`,
    );
  }
  console.log('');
  console.log(
    '| Path | Deliveries | Missing | Dup. | Out of order | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | Span (s) | Deliveries/s | ' +
      'Server CPU | Server CPU per delivery (µs) | DB CPU | Client CPU | Other CPU on the machine |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.delivered} / ${r.expected} | ${r.missing} | ${r.duplicates} | ${r.outOfOrder} | ` +
        `${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.seconds.toFixed(2)} | ${Math.round(r.eventsPerSecond)} | ` +
        `${pct(r.serverCpuPercent)} | ${r.serverCpuPerDeliveryUs.toFixed(1)} | ${pct(r.databaseCpuPercent)} | ${pct(r.clientCpuPercent)} | ` +
        `${pct(r.otherCpuPercent)} |`,
    );
  }
  console.log('');
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
  console.log(
    `GraphQL vs the raw ws floor paced like it: deliveries/s ${ratio(graphqlRun.figures.eventsPerSecond, paced.eventsPerSecond)}, ` +
      `p50 ${ratio(graphqlRun.figures.p50, paced.p50)}, p99 ${ratio(graphqlRun.figures.p99, paced.p99)}, ` +
      `server CPU per delivery ${ratio(graphqlRun.figures.serverCpuPerDeliveryUs, paced.serverCpuPerDeliveryUs)}; ` +
      `vs back to back: deliveries/s ${ratio(graphqlRun.figures.eventsPerSecond, backToBack.eventsPerSecond)}`,
  );
  for (const r of rows) {
    if (r.negative) console.log(`note: ${r.label}: ${r.negative} deliveries arrived before their commit instant (${r.note}); counted as 0 ms`);
  }
  let failed = false;
  for (const r of rows) {
    if (r.missing) {
      failed = true;
      console.log(`!!! ${r.label}: ${r.missing} MISSING deliveries of ${r.expected}`);
    }
    if (r.duplicates || r.outOfOrder) console.log(`!!! ${r.label}: ${r.duplicates} duplicated and ${r.outOfOrder} out-of-order deliveries`);
  }
  if (graphqlRun.errors.length) {
    console.log(`!!! subscriber errors and closes: ${noted} (first ${graphqlRun.errors.length}):`);
    for (const line of graphqlRun.errors.slice(0, 10)) console.log(`    ${line}`);
  }
  for (const line of profileLines) console.log(line);
  console.log(`server log (warn and above, and stderr): ${serverLog.length ? '' : 'nothing'}`);
  for (const line of serverLog.slice(0, 30)) console.log(`    ${line.slice(0, 400)}`);
  console.log(
    'Latency = receive instant − the instant the flip was committed (GraphQL: its mutation response arrived; floor: the broadcaster started sending it).',
  );
  console.log(
    `Deliveries/s = deliveries ÷ (last receive − first send). CPU = share of one core over the measured span (the machine has ${os.cpus().length}): ` +
      'server (with PGlite inside it), PostgreSQL backends, this client process, and everything else running meanwhile.',
  );
  console.log(
    `load avg: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1/5/15 min, at end)`,
  );
  return failed ? 1 : 0;
}

const overall = setTimeout(() => {
  console.error(`benchmark timed out after ${timeoutSeconds} s; cleaning up`);
  if (currentServer) for (const line of serverLogOf(currentServer).slice(-40)) console.error(`    ${line.slice(0, 600)}`);
  void cleanUp().finally(() => process.exit(2));
}, timeoutSeconds * 1000);
overall.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main().then(
  async (code) => {
    await cleanUp();
    process.exit(code);
  },
  async (error) => {
    console.error(error);
    if (noted) {
      console.error(`subscriber errors and closes (${noted}, first ${subscriberErrors.length}):`);
      for (const line of subscriberErrors.slice(0, 20)) console.error(`    ${line.slice(0, 400)}`);
    }
    if (currentServer) {
      const lines = serverLogOf(currentServer);
      console.error(`server log (warn and above, and stderr; ${lines.length} lines):`);
      for (const line of lines.slice(-40)) console.error(`    ${line.slice(0, 600)}`);
    }
    await cleanUp();
    process.exit(1);
  },
);
