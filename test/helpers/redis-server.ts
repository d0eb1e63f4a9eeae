import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

// A private redis-server for tests that break Redis (kill, restart, ACLs):
// never the machine's shared one. Its own port, no persistence.

/** Why these tests can't run here, or null when they can. */
export const redisServerSkipReason: string | null =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0 ? null : 'redis-server is not installed: tests that run their own Redis skipped';
if (redisServerSkipReason) console.warn(`[skip] ${redisServerSkipReason}`);

export type RedisServer = {
  url: string;
  port: number;
  /** A client for inspecting or poking the server (PUBSUB, PUBLISH, ACL); closed by stop(). */
  admin: () => Redis;
  /** SIGKILL, as a crash would. */
  kill: () => Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers (a hung server, a silent network). */
  freeze: () => void;
  /** SIGCONT after freeze. */
  thaw: () => void;
  /** Starts it again on the same port (after kill), empty. */
  start: () => Promise<void>;
  restart: () => Promise<void>;
  stop: () => Promise<void>;
};

async function waitUntilServing(port: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not yet
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const admins: Redis[] = [];

  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitUntilServing(port);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    admin: () => {
      const client = new Redis({ port, host: '127.0.0.1' });
      client.on('error', () => {});
      admins.push(client);
      return client;
    },
    kill,
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    start,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      for (const client of admins) client.disconnect();
      await kill();
    },
  };
}
