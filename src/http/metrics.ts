import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'numbers_api_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'numbers_api_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const graphqlOperations = new Counter({
    name: 'numbers_api_graphql_operations_total',
    help: 'GraphQL operations by type and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const compiledExecutions = new Counter({
    name: 'numbers_api_graphql_compiled_executions_total',
    help: 'GraphQL queries executed by their compiled (graphql-jit) form',
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, graphqlOperations, compiledExecutions };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Whether a request may read /metrics: any, without a token configured; otherwise only `Authorization: Bearer <token>`. */
export function mayReadMetrics(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1] ?? '';
  // Compared as hashes: constant time, whatever the lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}
