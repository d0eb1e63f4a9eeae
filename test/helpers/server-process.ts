import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

// The real server, started as `npm start` starts it, as a child process, for
// tests about the process itself: signals, exit codes, surviving outages.

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const startScript = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;

export type ServerProcess = {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | string | null>;
  /** Whether it is still running. */
  alive: () => boolean;
  /** SIGKILL to its process group if still running; resolves with how it ended. */
  kill: () => Promise<number | string | null>;
  /** SIGTERM, as an operator stops it; SIGKILL to the group if it is still running after `timeoutMs`. Resolves with how it ended. */
  stop: (timeoutMs?: number) => Promise<number | string | null>;
};

const running = new Set<ServerProcess>();

/** Starts the server with `env` over a clean environment and waits until it answers /healthz (or /readyz with `ready`). */
export async function startServerProcess(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'DATA_DIR',
    'REDIS_URL',
    'TEST_DATABASE_URL',
    'TEST_REDIS_URL',
    'TEST_BACKEND',
    'VITEST',
    'VITEST_POOL_ID',
    'VITEST_WORKER_ID',
  ])
    delete childEnv[name];
  Object.assign(childEnv, { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env });
  // Exactly what `npm start` runs (npm hands the script to sh with node_modules/.bin on PATH), so signals
  // take the path an operator's SIGTERM takes.
  childEnv.PATH = `${path.join(repoRoot, 'node_modules/.bin')}:${path.dirname(process.execPath)}:${childEnv.PATH ?? ''}`;
  // Its own process group, so kill() also reaches anything the start script left behind.
  const child = spawn('sh', ['-c', startScript], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const handle: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    exited,
    alive: () => !gone,
    kill: async () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      const status = await exited;
      running.delete(handle);
      return status;
    },
    stop: async (timeoutMs = 20_000) => {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => void handle.kill(), timeoutMs);
      const status = await exited;
      clearTimeout(timer);
      running.delete(handle);
      return status;
    },
  };
  running.add(handle);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (gone) throw new Error(`server exited (${await exited}) before it was ready:\n${output}`);
    try {
      if ((await fetch(`${handle.url}/readyz`)).status === 200) return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.kill();
      throw new Error(`server not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** For afterAll: no child outlives its test file. */
export async function killServerProcesses() {
  for (const handle of [...running]) await handle.kill();
}
