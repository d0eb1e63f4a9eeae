// Webhook delivery: E events of one organization with K endpoints (E × K deliveries), the API server in a child
// process, the receiver here. Events are committed straight into the outbox in batches (what any mutation's
// transaction writes), so what is measured is relay fan-out, the delivery queue and the HTTP side. Prints
// deliveries/s, lag from each event's commit to its receipt (p50/p95/p99/max) and the server's CPU per
// delivery; beside it, the floor: this process POSTing the same number of signed bodies to the same receiver
// with the same concurrency (no database). Rounds of the two are interleaved, as the machine is shared.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/webhooks.ts [--events=10000] [--endpoints=10] [--rounds=2]
//   (--concurrency=20 is WEBHOOK_CONCURRENCY; --per-endpoint=5 is WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT; --rate=25 events/s
//   for a last, paced round of 20 s that shows the lag when the server keeps up, 0 to skip it)
//
// A fresh database numbers_bench_webhooks_<hex> is made on BENCH_DATABASE_URL's server and dropped at the end.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhookPayload } from '../src/domain/webhook-signature.js';
import { openDatabase } from '../src/infra/database.js';
import { applyMigrations } from '../src/infra/migrate.js';
import { freePort } from '../test/helpers/ports.js';
import { createScratchDatabase, option, positiveInt, stopChild } from './common.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eventCount = positiveInt('events', option('events', 'BENCH_EVENTS', '10000'));
const endpointCount = positiveInt('endpoints', option('endpoints', 'BENCH_ENDPOINTS', '10'));
const rounds = positiveInt('rounds', option('rounds', 'BENCH_ROUNDS', '2'));
const concurrency = positiveInt('concurrency', option('concurrency', 'BENCH_CONCURRENCY', '20'));
const perEndpoint = positiveInt('per-endpoint', option('per-endpoint', 'BENCH_PER_ENDPOINT', '5'));
/** Events per second for the paced rounds (lag at a load the server keeps up with); 0 skips them. */
const rate = Number(option('rate', 'BENCH_RATE', '25'));
const postgresUrl = process.env.BENCH_DATABASE_URL || undefined;
const cleanups: Array<() => Promise<unknown>> = [];

// ------------------------------------------------------------------ receiver --

type Receipt = { id: string; lagMs: number; at: number };
const receipts: Receipt[] = [];
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const now = Date.now();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; occurredAt: string };
    receipts.push({ id: `${req.url}:${body.id}`, lagMs: now - Date.parse(body.occurredAt), at: now });
    res.writeHead(204).end();
  });
});
receiver.keepAliveTimeout = 30_000;

// ------------------------------------------------------------------ database --

async function prepare(postgresUrl: string) {
  const scratch = await createScratchDatabase(postgresUrl, 'numbers_bench_webhooks');
  cleanups.push(scratch.drop);
  const db = await openDatabase({ kind: 'postgres', url: scratch.url });
  await applyMigrations(db.adapterFactory);
  const organization = await db.prisma.organization.create({
    data: { name: 'Webhook Benchmark Org', slug: `bench-webhooks-${randomBytes(4).toString('hex')}`, kycStatus: 'VERIFIED' },
  });
  const port = (receiver.address() as AddressInfo).port;
  for (let index = 0; index < endpointCount; index++) {
    await db.prisma.webhookEndpoint.create({
      data: { organizationId: organization.id, url: `http://127.0.0.1:${port}/endpoint-${index}`, secret: `whsec_${randomBytes(24).toString('base64url')}` },
    });
  }
  return { env: { DATABASE_URL: scratch.url }, kind: `PostgreSQL ${scratch.version}`, organizationId: organization.id, db };
}

// -------------------------------------------------------------------- server --

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'REDIS_URL']) delete childEnv[name];
  Object.assign(childEnv, env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    CURSOR_SECRET: randomBytes(32).toString('hex'),
    SEED_DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_CONCURRENCY: String(concurrency),
    WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: String(perEndpoint),
    // One organization here: its cap would be the bench's limit rather than the delivery path.
    WEBHOOK_MAX_IN_FLIGHT_PER_ORGANIZATION: String(concurrency),
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: projectRoot, env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  cleanups.push(() => stopChild(child));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 90_000; ; ) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error('server not ready in 90 s');
    await sleep(100);
  }
  return { child, url };
}

/** User + system CPU of a process so far, in ms (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000) / 100;
}

// -------------------------------------------------------------------- rounds --

async function insertEvents(prisma: { $executeRaw: (s: TemplateStringsArray, ...v: unknown[]) => Promise<number> }, organizationId: string, count: number) {
  for (let done = 0; done < count; done += 500) {
    const n = Math.min(500, count - done);
    await prisma.$executeRaw`
      INSERT INTO "Event" ("organizationId", type, "subjectId", payload, "createdAt")
      SELECT ${organizationId}::uuid, 'API_KEY_REVOKED', gen_random_uuid()::text, jsonb_build_object('name', 'bench', 'displayPrefix', 'pn_live_x'), now()
      FROM generate_series(1, ${n})`;
  }
}

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;
}

async function waitForReceipts(expected: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (new Set(receipts.map((r) => r.id)).size < expected) {
    if (Date.now() > deadline) throw new Error(`only ${receipts.length} of ${expected} deliveries arrived in ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

type RoundResult = { deliveries: number; seconds: number; perSecond: number; lag?: number[]; cpuMsPerDelivery?: number };

/** All events at once (`perSecond` 0: a burst, deliveries/s at saturation), or `perSecond` of them each second. */
async function apiRound(
  prisma: Parameters<typeof insertEvents>[0],
  organizationId: string,
  pid: number,
  perRound: number,
  perSecond = 0,
): Promise<RoundResult> {
  receipts.length = 0;
  const cpuBefore = cpuMs(pid);
  const started = Date.now();
  if (!perSecond) await insertEvents(prisma, organizationId, perRound);
  else {
    const tick = Math.max(1, Math.round(perSecond / 10));
    for (let sent = 0; sent < perRound; sent += tick) {
      await insertEvents(prisma, organizationId, Math.min(tick, perRound - sent));
      await sleep(Math.max(0, started + ((sent + tick) / perSecond) * 1_000 - Date.now()));
    }
  }
  await waitForReceipts(perRound * endpointCount, 600_000);
  const seconds = (Math.max(...receipts.map((r) => r.at)) - started) / 1_000;
  const lag = receipts.map((r) => r.lagMs).sort((a, b) => a - b);
  const deliveries = receipts.length;
  return { deliveries, seconds, perSecond: deliveries / seconds, lag, cpuMsPerDelivery: (cpuMs(pid) - cpuBefore) / deliveries };
}

async function floorRound(perRound: number): Promise<RoundResult> {
  receipts.length = 0;
  const port = (receiver.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const total = perRound * endpointCount;
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  let next = 0;
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const body = JSON.stringify({ id: `evt_${index}`, type: 'API_KEY_REVOKED', occurredAt: new Date().toISOString(), sequence: index, data: {} });
      const headers = { 'content-type': 'application/json', 'numbers-signature': signWebhookPayload(body, [secret], Math.floor(Date.now() / 1000)) };
      await new Promise<void>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, path: `/endpoint-${index % endpointCount}`, method: 'POST', agent, headers }, (response) => {
          response.resume();
          response.on('end', resolve);
        });
        request.on('error', reject);
        request.end(body);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const seconds = (Date.now() - started) / 1_000;
  const cpu = process.cpuUsage(cpuBefore);
  // The floor's CPU includes the receiver's (same process): an upper bound of the sender's share.
  return { deliveries: total, seconds, perSecond: total / seconds, cpuMsPerDelivery: (cpu.user + cpu.system) / 1_000 / total };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
  // Events are committed from here while the server runs: PostgreSQL only (PGlite is one process's).
  if (!postgresUrl) throw new Error('set BENCH_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres');
  const prepared = await prepare(postgresUrl);
  const server = await startServer(prepared.env);
  const perRound = Math.ceil(eventCount / rounds);
  console.log(`webhooks: ${fmt(eventCount)} events × ${endpointCount} endpoints, ${rounds} rounds, concurrency ${concurrency} (${perEndpoint} per endpoint)`);
  console.log(`database: ${prepared.kind}; node ${process.version}; ${os.cpus().length} × ${os.cpus()[0]?.model}; ${new Date().toISOString()}`);
  // Warm-up: the server's first deliveries compile and connect.
  await apiRound(prepared.db.prisma, prepared.organizationId, server.child.pid!, 20);
  const api: RoundResult[] = [];
  const floor: RoundResult[] = [];
  for (let round = 0; round < rounds; round++) {
    floor.push(await floorRound(perRound));
    api.push(await apiRound(prepared.db.prisma, prepared.organizationId, server.child.pid!, perRound));
  }
  for (const [index, result] of api.entries()) {
    const lag = result.lag!;
    console.log(
      `round ${index + 1}  API:   ${fmt(result.deliveries)} deliveries in ${fmt(result.seconds, 2)} s = ${fmt(result.perSecond)}/s; ` +
        `lag p50 ${fmt(percentile(lag, 50))} ms, p95 ${fmt(percentile(lag, 95))} ms, p99 ${fmt(percentile(lag, 99))} ms, max ${fmt(lag.at(-1)!)} ms; ` +
        `server CPU ${fmt(result.cpuMsPerDelivery!, 3)} ms/delivery`,
    );
    const base = floor[index]!;
    console.log(
      `round ${index + 1}  floor: ${fmt(base.deliveries)} POSTs in ${fmt(base.seconds, 2)} s = ${fmt(base.perSecond)}/s; ` +
        `sender+receiver CPU ${fmt(base.cpuMsPerDelivery!, 3)} ms/POST; API/floor throughput ${fmt(result.perSecond / base.perSecond, 2)}`,
    );
  }
  if (rate > 0) {
    // Paced: the lag a receiver sees when the server is not saturated (the burst's lag is its queue).
    const paced = await apiRound(prepared.db.prisma, prepared.organizationId, server.child.pid!, Math.max(rate * 20, 100), rate);
    const lag = paced.lag!;
    console.log(
      `paced  API: ${fmt(rate)} events/s × ${endpointCount} endpoints for ${fmt(paced.seconds, 1)} s (${fmt(paced.deliveries)} deliveries): ` +
        `lag p50 ${fmt(percentile(lag, 50))} ms, p95 ${fmt(percentile(lag, 95))} ms, p99 ${fmt(percentile(lag, 99))} ms, max ${fmt(lag.at(-1)!)} ms; ` +
        `server CPU ${fmt(paced.cpuMsPerDelivery!, 3)} ms/delivery`,
    );
  }
  const allLag = api.flatMap((r) => r.lag!).sort((a, b) => a - b);
  const totalSeconds = api.reduce((sum, r) => sum + r.seconds, 0);
  const totalDeliveries = api.reduce((sum, r) => sum + r.deliveries, 0);
  console.log(
    `total  API: ${fmt(totalDeliveries)} deliveries, ${fmt(totalDeliveries / totalSeconds)}/s, lag p99 ${fmt(percentile(allLag, 99))} ms; ` +
      `floor ${fmt(floor.reduce((s, r) => s + r.deliveries, 0) / floor.reduce((s, r) => s + r.seconds, 0))}/s`,
  );
  await prepared.db.close();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });
