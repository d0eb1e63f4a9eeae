// Load client of bench/read-path.ts, in its own process (forked with an IPC channel)
// so its CPU is not the server's. `wrk` is not installed here, and autocannon is not
// a dependency: this is a small node:http keep-alive client.
//
// On {type: 'run', …} it opens `connections` keep-alive sockets (one agent each, so
// one socket each) and has each send its share of `requests` POSTs one after another,
// cycling through `bodies` (page 1, 2, … of a walk, so each connection walks). Every
// response must be 200 and within a few bytes of the expected length (the cost
// bucket's figure may gain or lose a digit). It answers {type: 'done', …} with every
// latency in ms, the wall time and the errors.

import http from 'node:http';
import { performance } from 'node:perf_hooks';

export type LoadRequest = {
  type: 'run';
  port: number;
  headers: Record<string, string>;
  bodies: string[];
  /** Expected body length per entry of `bodies` (0: don't check). */
  lengths: number[];
  requests: number;
  connections: number;
};
export type LoadResult = { type: 'done'; latencies: number[]; elapsedMs: number; errors: number; firstError: string | null };

function one(agent: http.Agent, port: number, headers: Record<string, string>, body: string): Promise<{ status: number; length: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, length, ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('request timed out after 60 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(task: LoadRequest): Promise<LoadResult> {
  const perConnection = Math.ceil(task.requests / task.connections / task.bodies.length) * task.bodies.length;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: task.connections }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = 0; i < perConnection; i += 1) {
          const index = i % task.bodies.length;
          try {
            const r = await one(agent, task.port, task.headers, task.bodies[index]!);
            latencies.push(r.ms);
            const expected = task.lengths[index] ?? 0;
            if (r.status !== 200 || (expected && Math.abs(r.length - expected) > 8)) {
              errors += 1;
              firstError ??= `HTTP ${r.status}, ${r.length} bytes (expected ${expected}) for body #${index}`;
            }
          } catch (error) {
            errors += 1;
            firstError ??= String(error);
          }
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  return { type: 'done', latencies, elapsedMs: performance.now() - started, errors, firstError };
}

process.on('message', (message: LoadRequest) => {
  if (message?.type !== 'run') return;
  run(message).then(
    (result) => process.send!(result),
    (error) => process.send!({ type: 'done', latencies: [], elapsedMs: 0, errors: 1, firstError: String(error) } satisfies LoadResult),
  );
});
process.on('disconnect', () => process.exit(0));
