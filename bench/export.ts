// Finance export: wall time and peak RSS of GET /export/phone-numbers for
// 5,000 and 50,000 rows (CSV and JSON), beside `psql \copy` of the same query.
//
//   npx tsx bench/export.ts
//   BENCH_DATABASE_URL=postgres://user@127.0.0.1:5432/postgres npx tsx bench/export.ts
//
// On PostgreSQL only (default postgres://postgres@127.0.0.1:5432/postgres): a
// fresh database numbers_bench_export_<random> is created, migrated, filled with
// two tenants (5,000 and 50,000 numbers of typical width) and dropped at the
// end WITH (FORCE), also on failure or timeout. The real server runs as a child
// process (`node --import tsx src/main.ts`) so its RSS is its own: VmRSS is read
// from /proc/<pid>/status every ~20 ms while an export runs. Each case runs 3
// times after one unmeasured warm-up; the table shows the median time to last
// byte and the highest RSS sampled. psql runs under /usr/bin/time (GNU) for its
// peak RSS when that is available. BENCH_RUNS changes the number of runs.
// The runs are interleaved: each round exports CSV, then JSON, then runs psql
// \copy of the CSV and of the same rows as JSON objects (row_to_json), so the
// machine's load hits all four alike; the server's CPU time (from
// /proc/<pid>/stat) is read around each export. Byte checks: psql's CSV must
// hash (SHA-256) like the API's CSV; psql's CSV rows written as the API writes
// JSON, and psql's JSON objects joined with commas in [ ], must hash like the
// API's JSON. BENCH_DIGESTS=<file> writes the SHA-256
// of every body to <file>, or, if it exists, compares with it (before/after).
// Then a diagnostic pass (not timed) on a second server started with
// --expose-gc and a small preload written to a temp dir: during one export per
// case it forces a full GC every ~150 ms and reads the live heap, which says
// whether rows are retained (RSS alone mostly shows V8's garbage headroom); and
// a reader that stops after its first chunk shows whether the server stops too.
// All traffic goes to 127.0.0.1; the whole run is capped at 5 minutes.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { apiKeyRecord, generateApiKey } from '../src/domain/api-keys.js';
import { exportColumns } from '../src/domain/export.js';
import { openDatabase } from '../src/infra/database.js';
import { applyMigrations } from '../src/infra/migrate.js';
import { stopChild } from './common.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const runs = Number(process.env.BENCH_RUNS ?? 3);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a positive integer, got "${process.env.BENCH_RUNS}"`);
const digestsFile = process.env.BENCH_DIGESTS || null;
const sizes = [5_000, 50_000];
const formats = ['csv', 'json'] as const;
const overallTimeoutMs = 5 * 60_000;
const sampleEveryMs = 20;

// ------------------------------------------------------------------ helpers --

const mb = (bytes: number) => bytes / 1_048_576;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** VmRSS and VmHWM of a process, in bytes (null once it is gone). */
function procMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Samples a process's VmRSS every ~20 ms until stopped; returns the highest. */
function sampleRss(pid: number) {
  let peak = procMemory(pid)?.rss ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const memory = procMemory(pid);
    if (memory) {
      peak = Math.max(peak, memory.rss);
      samples += 1;
    }
  }, sampleEveryMs);
  return () => {
    clearInterval(timer);
    const memory = procMemory(pid);
    if (memory) peak = Math.max(peak, memory.rss);
    return { peak, samples };
  };
}

/** Counts bytes, newlines and occurrences of one byte pattern across chunk boundaries. */
function streamCounter(pattern: string) {
  const needle = Buffer.from(pattern);
  const hash = createHash('sha256');
  let tail = Buffer.alloc(0);
  const counts = { bytes: 0, lines: 0, matches: 0 };
  return {
    counts,
    push(chunk: Buffer) {
      counts.bytes += chunk.length;
      hash.update(chunk);
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) counts.lines += 1;
      const window = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      for (let i = window.indexOf(needle); i !== -1; i = window.indexOf(needle, i + 1)) counts.matches += 1;
      tail = Buffer.from(window.subarray(Math.max(0, window.length - (needle.length - 1))));
    },
    digest: () => hash.digest('hex'),
  };
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

const children = new Set<ChildProcess>();

function track(child: ChildProcess) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// ------------------------------------------------------------ data set-up --

// Typical rows: most numbers active, assigned, labelled, tagged and billed;
// a share with forwarding, compliance profiles, toll-free verification, and
// labels that CSV has to quote. Spread over five area codes; createdAt unique.
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

/**
 * The export's SELECT in SQL: same columns, same formatting, same order (NULL, not '', where the API writes
 * an empty field, so CSV output can match byte for byte).
 */
function copyQuery(organizationId: string) {
  const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return [
    'SELECT e164, "countryCode" AS country_code, "areaCode" AS area_code, status, "numberType" AS number_type,',
    `NULLIF(array_to_string(capabilities, ';'), '') AS capabilities, label, NULLIF(array_to_string(tags, ';'), '') AS tags,`,
    '"forwardingNumber" AS forwarding_number, "assignedTo" AS assigned_to, "complianceProfileId" AS compliance_profile_id, "tfvStatus" AS tfv_status,',
    `("monthlyPriceCents" / 100)::text || '.' || lpad(("monthlyPriceCents" % 100)::text, 2, '0') AS monthly_cost, provider,`,
    `${iso('"createdAt"')} AS created_at, ${iso('"assignedAt"')} AS assigned_at, ${iso('"nextBillingAt"')} AS next_billing_at`,
    `FROM "PhoneNumber" WHERE "organizationId" = '${organizationId}' ORDER BY "createdAt", id LIMIT 50000`,
  ].join(' ');
}

/**
 * The same rows as JSON objects (row_to_json writes them compactly, keys in column order, strings escaped as
 * JSON.stringify does), one per line: psql's output joined with commas inside [ ] is the API's JSON body.
 */
function jsonCopyQuery(organizationId: string) {
  const cells = exportColumns.map((column) => `coalesce(${column}::text, '') AS ${column}`).join(', ');
  return `SELECT row_to_json(r)::text FROM (SELECT ${cells} FROM (${copyQuery(organizationId)}) AS q) AS r`;
}

/** COPY options that write each JSON object as it is: CSV with a quote and delimiter no JSON text contains. */
const jsonLines = `(FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;

// ------------------------------------------------------------ measurements --

type Run = {
  ms: number;
  bytes: number;
  lines: number;
  records: number;
  rowCountHeader: string | null;
  peakRss: number;
  rssBefore: number;
  samples: number;
  sha: string;
  /** Server CPU (user + system) from the request to the last byte. */
  cpuMs: number;
};

function exportOnce(port: number, serverPid: number, key: string, format: 'csv' | 'json'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const rssBefore = procMemory(serverPid)?.rss ?? NaN;
    const stop = sampleRss(serverPid);
    const counter = streamCounter(format === 'json' ? '{"e164":' : '\n');
    const cpuBefore = cpuMs(serverPid);
    const started = performance.now();
    const req = http.get(
      { host: '127.0.0.1', port, path: `/export/phone-numbers?format=${format}`, headers: { authorization: `Bearer ${key}` }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          stop();
          res.resume();
          return reject(new Error(`export ${format}: HTTP ${res.statusCode}`));
        }
        res.on('data', (chunk: Buffer) => counter.push(chunk));
        res.on('error', (error) => {
          stop();
          reject(error);
        });
        res.on('end', () => {
          const ms = performance.now() - started;
          const cpu = cpuMs(serverPid) - cpuBefore;
          const { peak, samples } = stop();
          const { bytes, lines, matches } = counter.counts;
          resolve({
            ms,
            bytes,
            lines,
            records: format === 'json' ? matches : lines - 1,
            rowCountHeader: (res.headers['x-row-count'] as string | undefined) ?? null,
            peakRss: peak,
            rssBefore,
            samples,
            sha: counter.digest(),
            cpuMs: cpu,
          });
        });
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error('export timed out')));
    req.on('error', (error) => {
      stop();
      reject(error);
    });
  });
}

type PsqlRun = { ms: number; bytes: number; lines: number; records: number; peakRss: number | null; sha: string };

function hasGnuTime() {
  const probe = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr);
}

function psqlOnce(dbUrl: string, query: string, gnuTime: boolean, keep?: Buffer[], options = 'CSV HEADER'): Promise<PsqlRun> {
  return new Promise((resolve, reject) => {
    const statsFile = path.join(os.tmpdir(), `bench-export-time-${randomBytes(4).toString('hex')}`);
    const psqlArgs = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', dbUrl, '-c', `\\copy (${query}) TO STDOUT WITH ${options}`];
    const counter = streamCounter('\n');
    let stderr = '';
    const started = performance.now();
    const child = track(
      gnuTime
        ? spawn('/usr/bin/time', ['-f', '%M', '-o', statsFile, 'psql', ...psqlArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('psql', psqlArgs, { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      counter.push(chunk);
      keep?.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // 'close' fires after the process exited and its stdout ended: last byte read.
    child.on('close', (code) => {
      const ms = performance.now() - started;
      clearTimeout(killer);
      let peakRss: number | null = null;
      if (gnuTime) {
        try {
          peakRss = Number(readFileSync(statsFile, 'utf8').trim().split('\n').pop()) * 1024;
        } catch {
          /* reported as n/a */
        }
        rmSync(statsFile, { force: true });
      }
      if (code !== 0) return reject(new Error(`psql exited with ${code}: ${stderr.trim()}`));
      const { bytes, lines } = counter.counts;
      resolve({ ms, bytes, lines, records: options === 'CSV HEADER' ? lines - 1 : lines, peakRss, sha: counter.digest() });
    });
  });
}

type Server = { child: ChildProcess; port: number; log: string[] };

/** `node [flags] --import tsx src/main.ts` on a free 127.0.0.1 port; resolves once /readyz answers 200. */
async function startServer(databaseUrl: string, dataDir: string, nodeFlags: string[], onStderrLine?: (line: string) => void): Promise<Server> {
  const port = await freePort();
  const log: string[] = [];
  const child = track(
    spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/main.ts'], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        SEED_DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        RUN_JOBS: 'false',
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const keepLog = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 50) log.shift();
  };
  child.stdout!.on('data', keepLog);
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (onStderrLine && line.startsWith('BENCH_')) onStderrLine(line);
      else keepLog(Buffer.from(`${line}\n`));
    }
  });
  const readyBy = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log.join('')}`);
    const status = await new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.setTimeout(2_000, () => req.destroy());
    });
    if (status === 200) return { child, port, log };
    if (Date.now() > readyBy) throw new Error(`server not ready after 60 s:\n${log.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
}

// Diagnostic server only: a preload that, on SIGUSR2, runs a full GC and prints
// what is still alive, so "is the export streaming?" is answered by live heap,
// not by RSS (which V8 grows and shrinks on its own schedule).
const heapProbe = `
process.on('SIGUSR2', () => {
  globalThis.gc();
  const m = process.memoryUsage();
  process.stderr.write('BENCH_HEAP ' + m.heapUsed + ' ' + m.external + ' ' + m.arrayBuffers + ' ' + m.rss + '\\n');
});
`;

type Diagnostic = { rows: number; format: string; baseline: number; maxLive: number; samples: number; ms: number };

/** One export while forcing a full GC in the server every ~150 ms; returns the largest live heap seen. */
async function liveHeapDuringExport(server: Server, nextHeap: () => Promise<number>, key: string, rows: number, format: 'csv' | 'json'): Promise<Diagnostic> {
  const pid = server.child.pid!;
  process.kill(pid, 'SIGUSR2');
  const baseline = await nextHeap();
  const live: number[] = [];
  let done = false;
  const started = performance.now();
  const exporting = exportOnce(server.port, pid, key, format).finally(() => (done = true));
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    if (done) break;
    process.kill(pid, 'SIGUSR2');
    live.push(await nextHeap());
  }
  const run = await exporting;
  if (run.records !== rows) throw new Error(`diagnostic ${format} export returned ${run.records} of ${rows} rows`);
  return { rows, format, baseline, maxLive: live.length ? Math.max(...live) : NaN, samples: live.length, ms: performance.now() - started };
}

/** Slow reader: read one chunk, stop reading (1 s for buffers to fill, then 2 s measured), then read the rest. Measures what the server does meanwhile. */
function pausedExport(port: number, pid: number, key: string, format: 'csv' | 'json') {
  return new Promise<{ bytesBeforePause: number; bytesTotal: number; cpuDuringPauseMs: number; cpuResumedMs: number; rssDuringPause: number }>(
    (resolve, reject) => {
      let bytes = 0;
      let bytesBeforePause = 0;
      let paused = false;
      let cpuDuringPauseMs = 0;
      let rssDuringPause = 0;
      let cpuAtResume = 0;
      const req = http.get(
        { host: '127.0.0.1', port, path: `/export/phone-numbers?format=${format}`, headers: { authorization: `Bearer ${key}` }, agent: false },
        (res) => {
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (paused) return;
            paused = true;
            res.pause();
            // Let socket buffers fill first, then measure 2 s of a reader that reads nothing.
            setTimeout(() => {
              bytesBeforePause = bytes;
              const cpuBefore = cpuMs(pid);
              setTimeout(() => {
                cpuDuringPauseMs = cpuMs(pid) - cpuBefore;
                rssDuringPause = procMemory(pid)?.rss ?? NaN;
                cpuAtResume = cpuMs(pid);
                res.resume();
              }, 2_000);
            }, 1_000);
          });
          res.on('end', () => resolve({ bytesBeforePause, bytesTotal: bytes, cpuDuringPauseMs, cpuResumedMs: cpuMs(pid) - cpuAtResume, rssDuringPause }));
          res.on('error', reject);
        },
      );
      req.setTimeout(120_000, () => req.destroy(new Error('paused export timed out')));
      req.on('error', reject);
    },
  );
}

// --------------------------------------------------------------------- main --

type Row = {
  rows: number;
  format: string;
  tool: string;
  medianMs: number;
  cpuMs?: number;
  ratio?: number;
  sameFormatRatio?: number;
  bytes: number;
  records: number;
  rowCountHeader: string;
  peakRss: number | null;
  rssBefore?: number;
  note?: string;
};

const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

async function main() {
  const cpus = os.cpus();
  const loadAtStart = loadAverage();
  const dbName = `numbers_bench_export_${randomBytes(4).toString('hex')}`;
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'numbers-bench-export-'));
  let created = false;

  const cleanup = async () => {
    for (const child of [...children]) await stopChild(child, 3_000).catch(() => {});
    if (created) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
      console.error(`dropped database ${dbName}`);
      created = false;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = setTimeout(() => {
    console.error(`timed out after ${overallTimeoutMs / 1000} s; cleaning up`);
    cleanup().finally(() => process.exit(2));
  }, overallTimeoutMs);
  deadline.unref();

  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const pgVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version.split(' ')[0];
    await admin.query(`CREATE DATABASE ${dbName}`);
    created = true;
    await admin.end();
    const psqlVersion = spawnSync('psql', ['--version'], { encoding: 'utf8' }).stdout.trim();
    const gnuTime = hasGnuTime();

    console.log('Finance export benchmark');
    console.log(`date:     ${new Date().toISOString()}`);
    console.log(
      `machine:  ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`,
    );
    console.log(`node:     ${process.version}; PostgreSQL ${pgVersion} on 127.0.0.1; ${psqlVersion}`);
    console.log(
      `method:   ${runs} interleaved rounds (API CSV, API JSON, psql CSV, psql JSON) per tenant, medians, after 1 warm-up; ` +
        `RSS sampled every ${sampleEveryMs} ms; ` +
        `psql peak RSS ${gnuTime ? 'from /usr/bin/time %M' : 'not available (no GNU time)'}`,
    );

    // Schema, tenants and rows.
    const t0 = performance.now();
    const db = await openDatabase({ kind: 'postgres', url: dbUrl.toString(), poolSize: 2 });
    const tenants: Array<{ rows: number; organizationId: string; key: string }> = [];
    try {
      await applyMigrations(db.adapterFactory);
      for (const [index, rows] of sizes.entries()) {
        const slug = `bench-export-${rows}-${randomBytes(3).toString('hex')}`;
        const organization = await db.prisma.organization.create({
          data: { name: `Export bench ${rows}`, slug, kycStatus: 'VERIFIED', balanceCents: 1_000_000 },
        });
        const key = generateApiKey('LIVE');
        await db.prisma.apiKey.create({ data: apiKeyRecord(key, { organizationId: organization.id, name: 'finance export bench', role: 'READ_ONLY' }) });
        await db.prisma.$executeRawUnsafe(insertNumbers, organization.id, index * 5_000_000, rows);
        tenants.push({ rows, organizationId: organization.id, key });
      }
      await db.prisma.$executeRawUnsafe('ANALYZE "PhoneNumber"');
    } finally {
      await db.close();
    }
    console.error(`database ${dbName} migrated and filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // The server, as a child process, exactly as `npm start` runs it (plus a free port and the bench database).
    const { child: server, port } = await startServer(dbUrl.toString(), dataDir, []);
    const serverPid = server.pid!;
    const idle = procMemory(serverPid)!;
    console.error(`server pid ${serverPid} ready on 127.0.0.1:${port}; RSS ${mb(idle.rss).toFixed(1)} MB`);

    const table: Row[] = [];
    const digests: Record<string, string> = {};
    // Warm-up: one unmeasured export per format on the small tenant (JIT, pool, plan cache), and one psql.
    for (const format of formats) await exportOnce(port, serverPid, tenants[0]!.key, format);
    await psqlOnce(dbUrl.toString(), copyQuery(tenants[0]!.organizationId), gnuTime);
    const afterWarmup = procMemory(serverPid)!;
    console.error(`after warm-up: RSS ${mb(afterWarmup.rss).toFixed(1)} MB, VmHWM ${mb(afterWarmup.hwm).toFixed(1)} MB`);

    for (const tenant of tenants) {
      const query = copyQuery(tenant.organizationId);
      const jsonQuery = jsonCopyQuery(tenant.organizationId);
      const api = { csv: [] as Run[], json: [] as Run[] };
      const psql: PsqlRun[] = [];
      const psqlJson: PsqlRun[] = [];
      // Interleaved rounds: API CSV, API JSON, psql CSV, psql JSON, so load from other work on the machine hits all alike.
      for (let i = 0; i < runs; i += 1) {
        for (const format of formats) api[format].push(await exportOnce(port, serverPid, tenant.key, format));
        psql.push(await psqlOnce(dbUrl.toString(), query, gnuTime));
        psqlJson.push(await psqlOnce(dbUrl.toString(), jsonQuery, gnuTime, undefined, jsonLines));
      }
      for (const format of formats) {
        const results = api[format];
        for (const r of results) {
          if (r.records !== tenant.rows || r.rowCountHeader !== String(tenant.rows)) {
            throw new Error(`${format} export of ${tenant.rows} rows returned ${r.records} records (X-Row-Count ${r.rowCountHeader})`);
          }
          if (r.sha !== results[0]!.sha) throw new Error(`${format} export of ${tenant.rows} rows: bodies differ between runs`);
        }
        digests[`api ${format} ${tenant.rows}`] = results[0]!.sha;
        console.error(
          `API ${format} ${tenant.rows}: ${results
            .map((r) => `${r.ms.toFixed(0)} ms (CPU ${r.cpuMs.toFixed(0)} ms), RSS ${mb(r.rssBefore).toFixed(1)} → ${mb(r.peakRss).toFixed(1)} MB`)
            .join('; ')}`,
        );
      }
      for (const r of [...psql, ...psqlJson])
        if (r.records !== tenant.rows) throw new Error(`psql \\copy of ${tenant.rows} rows returned ${r.records} records`);
      // psql's rows written the way the API writes JSON (every cell a string, keys in column order). Valid while no
      // free-text cell is neutralised in the CSV (none of the bench's values starts with = + - @ tab or CR).
      const body: Buffer[] = [];
      await psqlOnce(dbUrl.toString(), query, gnuTime, body);
      const records = parse(Buffer.concat(body), { columns: true }) as Array<Record<string, string>>;
      const asApiRow = (record: Record<string, string>) => Object.fromEntries(exportColumns.map((column) => [column, record[column]]));
      const jsonFromPsql = `[${records.map((record) => JSON.stringify(asApiRow(record))).join(',')}]`;
      const csvIdentical = psql[0]!.sha === digests[`api csv ${tenant.rows}`];
      const jsonIdentical = createHash('sha256').update(jsonFromPsql).digest('hex') === digests[`api json ${tenant.rows}`];
      digests[`psql csv ${tenant.rows}`] = psql[0]!.sha;
      const jsonBody: Buffer[] = [];
      await psqlOnce(dbUrl.toString(), jsonQuery, gnuTime, jsonBody, jsonLines);
      const jsonLinesText = Buffer.concat(jsonBody).toString('utf8');
      const psqlJsonIdentical =
        createHash('sha256')
          .update(`[${jsonLinesText.slice(0, -1).replaceAll('\n', ',')}]`)
          .digest('hex') === digests[`api json ${tenant.rows}`];
      console.error(
        `psql ${tenant.rows}: ${psql.map((r) => `${r.ms.toFixed(0)} ms, ${r.peakRss === null ? 'n/a' : mb(r.peakRss).toFixed(1)} MB`).join('; ')}; ` +
          `output ${csvIdentical ? 'identical to' : 'DIFFERS from'} the API CSV; as JSON ${jsonIdentical ? 'identical to' : 'DIFFERS from'} the API JSON; ` +
          `psql json ${tenant.rows}: ${psqlJson.map((r) => `${r.ms.toFixed(0)} ms`).join('; ')}; ` +
          `its objects joined ${psqlJsonIdentical ? 'identical to' : 'DIFFER from'} the API JSON`,
      );
      for (const format of formats) {
        const results = api[format];
        table.push({
          rows: tenant.rows,
          format,
          tool: 'API',
          medianMs: median(results.map((r) => r.ms)),
          cpuMs: median(results.map((r) => r.cpuMs)),
          ratio: median(results.map((r, i) => r.ms / psql[i]!.ms)),
          sameFormatRatio: median(results.map((r, i) => r.ms / (format === 'csv' ? psql : psqlJson)[i]!.ms)),
          bytes: results[0]!.bytes,
          records: results[0]!.records,
          rowCountHeader: results[0]!.rowCountHeader ?? '—',
          peakRss: Math.max(...results.map((r) => r.peakRss)),
          rssBefore: results[0]!.rssBefore,
          note:
            `X-Row-Count ${results[0]!.rowCountHeader}; ` +
            `${(format === 'csv' ? csvIdentical : jsonIdentical && psqlJsonIdentical) ? 'same bytes as psql' : 'DIFFERS from psql'}`,
        });
      }
      const peaks = psql.map((r) => r.peakRss).filter((v): v is number => v !== null);
      table.push({
        rows: tenant.rows,
        format: 'csv',
        tool: 'psql \\copy',
        medianMs: median(psql.map((r) => r.ms)),
        bytes: psql[0]!.bytes,
        records: psql[0]!.records,
        rowCountHeader: '—',
        peakRss: peaks.length ? Math.max(...peaks) : null,
        note: csvIdentical ? 'byte-identical to API CSV' : 'output differs from API CSV',
      });
      const jsonPeaks = psqlJson.map((r) => r.peakRss).filter((v): v is number => v !== null);
      table.push({
        rows: tenant.rows,
        format: 'json',
        tool: 'psql \\copy',
        medianMs: median(psqlJson.map((r) => r.ms)),
        bytes: psqlJson[0]!.bytes,
        records: psqlJson[0]!.records,
        rowCountHeader: '—',
        peakRss: jsonPeaks.length ? Math.max(...jsonPeaks) : null,
        note: `one object per line (row_to_json); joined with commas in [ ], ${psqlJsonIdentical ? 'byte-identical to' : 'DIFFERENT from'} API JSON`,
      });
    }
    const end = procMemory(serverPid)!;

    console.log('');
    console.log(
      '| Rows | Format | Tool | Median time (ms) | × psql CSV | × psql same format | Server CPU per export (ms) | Rows/s | MB out | Peak RSS (MB) | ' +
        'Server RSS before → peak (MB) | Notes |',
    );
    console.log('| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const r of table) {
      const before =
        r.rssBefore === undefined || r.peakRss === null
          ? '—'
          : `${mb(r.rssBefore).toFixed(1)} → ${mb(r.peakRss).toFixed(1)} (+${mb(r.peakRss - r.rssBefore).toFixed(1)})`;
      console.log(
        `| ${r.rows.toLocaleString('en-US')} | ${r.format} | ${r.tool} | ${r.medianMs.toFixed(0)} | ${r.ratio === undefined ? '—' : r.ratio.toFixed(2)} | ` +
          `${r.sameFormatRatio === undefined ? '—' : r.sameFormatRatio.toFixed(2)} | ` +
          `${r.cpuMs === undefined ? '—' : r.cpuMs.toFixed(0)} | ` +
          `${Math.round(r.records / (r.medianMs / 1000)).toLocaleString('en-US')} | ${mb(r.bytes).toFixed(2)} | ` +
          `${r.peakRss === null ? 'n/a' : mb(r.peakRss).toFixed(1)} | ${before} | ${r.note ?? ''} |`,
      );
    }
    console.log('');
    console.log(
      `server: idle RSS after /readyz ${mb(idle.rss).toFixed(1)} MB; after warm-up ${mb(afterWarmup.rss).toFixed(1)} MB; ` +
        `at the end RSS ${mb(end.rss).toFixed(1)} MB, VmHWM (lifetime peak) ${mb(end.hwm).toFixed(1)} MB`,
    );
    console.log(`load average (1/5/15 min): at the start ${loadAtStart}; after the timed runs ${loadAverage()}`);
    console.log('');
    console.log('SHA-256 of the bodies:');
    for (const [name, sha] of Object.entries(digests)) console.log(`  ${name.padEnd(16)} ${sha}`);
    if (digestsFile) {
      if (existsSync(digestsFile)) {
        const earlier = JSON.parse(readFileSync(digestsFile, 'utf8')) as Record<string, string>;
        const differing = Object.keys(digests).filter((name) => earlier[name] !== digests[name]);
        console.log(
          differing.length
            ? `compared with ${digestsFile}: DIFFERENT ${differing.join(', ')}`
            : `compared with ${digestsFile}: every body byte-identical (${Object.keys(digests).length} digests)`,
        );
      } else {
        writeFileSync(digestsFile, `${JSON.stringify(digests, null, 2)}\n`);
        console.log(`digests written to ${digestsFile}`);
      }
    }

    // Diagnostic pass (not timed): is it streaming? A second server, started with
    // --expose-gc and the probe preload, reports its live heap after a forced full GC
    // every ~150 ms during one export per case; then a reader that stops reading.
    await stopChild(server);
    const probePath = path.join(dataDir, 'heap-probe.mjs');
    writeFileSync(probePath, heapProbe);
    const waiting: Array<(heap: number) => void> = [];
    const diag = await startServer(dbUrl.toString(), dataDir, ['--expose-gc', '--import', pathToFileURL(probePath).href], (line) => {
      const heapUsed = Number(line.split(' ')[1]);
      waiting.shift()?.(heapUsed);
    });
    const nextHeap = () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no BENCH_HEAP line from the server')), 10_000);
        waiting.push((heap) => {
          clearTimeout(timer);
          resolve(heap);
        });
      });
    for (const format of formats) await exportOnce(diag.port, diag.child.pid!, tenants[0]!.key, format); // warm-up
    const diagnostics: Diagnostic[] = [];
    for (const tenant of tenants) for (const format of formats) diagnostics.push(await liveHeapDuringExport(diag, nextHeap, tenant.key, tenant.rows, format));
    const paused = await pausedExport(diag.port, diag.child.pid!, tenants[1]!.key, 'json');
    console.log('');
    console.log('Live V8 heap in the server after a forced full GC (diagnostic server, --expose-gc):');
    console.log('');
    console.log('| Rows | Format | Live heap before (MB) | Max live heap during export (MB) | Forced GCs during export |');
    console.log('| ---: | --- | ---: | ---: | ---: |');
    for (const d of diagnostics) {
      const maxLive = d.samples ? mb(d.maxLive).toFixed(1) : '— (over before the first sample)';
      console.log(`| ${d.rows.toLocaleString('en-US')} | ${d.format} | ${mb(d.baseline).toFixed(1)} | ${maxLive} | ${d.samples} |`);
    }
    console.log('');
    console.log(
      `slow reader (50,000 rows, json): stopped reading after its first chunk ` +
        `(${paused.bytesBeforePause} bytes of ${mb(paused.bytesTotal).toFixed(2)} MB), waited 1 s for socket buffers to fill; ` +
        `server CPU over the next 2 s ${paused.cpuDuringPauseMs.toFixed(0)} ms (RSS ${mb(paused.rssDuringPause).toFixed(1)} MB); ` +
        `CPU from resuming to the last byte ${paused.cpuResumedMs.toFixed(0)} ms`,
    );
  } finally {
    clearTimeout(deadline);
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
