import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { backend } from './database.js';
import { freePort } from './ports.js';

// A private PostgreSQL cluster for tests that break the database (SIGKILL,
// SIGSTOP, restart): never the machine's shared server. initdb into a temp
// directory owned by `postgres`, its own port, trust authentication on
// 127.0.0.1 only, no fsync (the data is thrown away).

function bindir(): string | null {
  const result = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

const bin = bindir();
const runningAs = process.getuid?.();
const postgresIds = (() => {
  const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return result.status === 0 ? { uid: Number(result.stdout), gid: Number(gid.stdout) } : null;
})();

/** Why these tests can't run here, or null when they can. */
const postgresClusterSkipReason: string | null =
  !bin || !existsSync(path.join(bin, 'initdb'))
    ? 'initdb not found (pg_config --bindir): tests that run their own PostgreSQL skipped'
    : !postgresIds
      ? 'no postgres user: tests that run their own PostgreSQL skipped'
      : runningAs !== 0 && runningAs !== postgresIds.uid
        ? 'tests that run their own PostgreSQL must run as root or postgres'
        : null;

/** Runs a PostgreSQL binary as the postgres user (initdb and postgres refuse to run as root). */
function asPostgres(command: string, args: string[]) {
  const full = path.join(bin!, command);
  const [file, argv] = runningAs === 0 ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
  return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
}

export type PostgresCluster = {
  port: number;
  /** URL of a database on this cluster (`postgres` unless named). */
  url: (database?: string) => string;
  createDatabase: (name: string) => Promise<string>;
  /** Starts it (again, on the same port and data); a no-op while it runs. */
  start: () => Promise<void>;
  /** Shuts down cleanly (pg_ctl stop -m fast). */
  stop: () => Promise<void>;
  /** SIGKILL to the postmaster and every backend, as a crash or an OOM kill would. */
  kill: () => Promise<void>;
  /** SIGSTOP to every process of the cluster: connections stay open, nothing answers. */
  freeze: () => void;
  /** SIGCONT after freeze. */
  thaw: () => void;
  /** Stops whatever runs and removes the directory; safe to call twice or after a failed start. */
  destroy: () => Promise<void>;
};

/** The postmaster and every process it started (backends, checkpointer, walwriter, …). */
function clusterPids(dataDir: string): number[] {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return [];
  const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!postmaster || !existsSync(`/proc/${postmaster}`)) return [];
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid (after "pid (comm) state").
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

function signalAll(pids: number[], signal: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const live = new Set<PostgresCluster>();
// Last resort if the test process dies without running afterAll: don't leave a cluster behind.
process.once('exit', () => {
  for (const cluster of live) void cluster.destroy();
});

export async function startPostgresCluster(): Promise<PostgresCluster> {
  if (postgresClusterSkipReason) throw new Error(postgresClusterSkipReason);
  const root = mkdtempSync(path.join(tmpdir(), 'numbers-pg-'));
  chownSync(root, postgresIds!.uid, postgresIds!.gid);
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  let frozen: number[] = [];

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const start = async () => {
    if (clusterPids(dataDir).length) return;
    asPostgres('pg_ctl', [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      dataDir,
      '-l',
      path.join(root, 'postgres.log'),
      // fsync off only risks data on an OS crash; a killed PostgreSQL still finds every committed transaction
      // (so no synchronous_commit=off: that loses recent commits when the server is killed, as the tests do).
      '-o',
      `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`,
    ]);
  };
  const kill = async () => {
    signalAll(clusterPids(dataDir), 'SIGKILL');
    await waitUntil(() => clusterPids(dataDir).length === 0, 'PostgreSQL to die');
  };
  const cluster: PostgresCluster = {
    port,
    url,
    createDatabase: async (name) => {
      const admin = new pg.Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    start,
    stop: async () => {
      if (clusterPids(dataDir).length) asPostgres('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', dataDir]);
    },
    kill,
    freeze: () => {
      frozen = clusterPids(dataDir);
      signalAll(frozen, 'SIGSTOP');
    },
    thaw: () => {
      signalAll([...new Set([...frozen, ...clusterPids(dataDir)])], 'SIGCONT');
      frozen = [];
    },
    destroy: async () => {
      live.delete(cluster);
      cluster.thaw();
      signalAll(clusterPids(dataDir), 'SIGKILL');
      rmSync(root, { recursive: true, force: true });
    },
  };
  live.add(cluster);
  try {
    asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/** Why outage tests (their own cluster, beside the postgres project's TEST_DATABASE_URL) can't run here, or null. */
export const outageSkipReason: string | null =
  backend !== 'postgres'
    ? 'outage tests run a real PostgreSQL cluster: run them in the postgres project'
    : !process.env.TEST_DATABASE_URL
      ? 'TEST_DATABASE_URL is not set: PostgreSQL outage tests skipped'
      : postgresClusterSkipReason;
