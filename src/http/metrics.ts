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
  const webhookAttempts = new Counter({
    name: 'numbers_api_webhook_attempts_total',
    help: 'Webhook delivery attempts by result: delivered, retrying, gave-up (retry horizon reached), endpoint-disabled',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const webhookAttemptDuration = new Histogram({
    name: 'numbers_api_webhook_attempt_duration_seconds',
    help: "Time from a webhook POST to the receiver's answer (or the timeout)",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const webhookLag = new Histogram({
    name: 'numbers_api_webhook_delivery_lag_seconds',
    help: 'Time from the commit of an event to its delivery being acknowledged by the receiver (retries included)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3_600, 86_400],
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, graphqlOperations, compiledExecutions, webhookAttempts, webhookAttemptDuration, webhookLag };
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
