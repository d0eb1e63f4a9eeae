import type { Config } from './config.js';
import type { JobPayloads } from './domain/job-kinds.js';
import { type AttemptOutcome, attemptDelivery, type WebhookTransport } from './domain/webhook-deliveries.js';
import { attemptJobMaxAttempts } from './domain/webhook-endpoints.js';
import type { Metrics } from './http/metrics.js';
import { enqueueJob } from './infra/jobs.js';
import type { TenantDb } from './infra/tenant-scope.js';

// Wiring of webhook deliveries, next to job-handlers.ts: the domain's attempt, the HTTP transport, metrics,
// and a cap on deliveries in flight to one endpoint, so one slow receiver holds a few of this instance's
// webhook slots, never all of them (other endpoints, other tenants, keep being served).

type DeliverPayload = JobPayloads['deliver-webhook'];

/** How long a delivery over its endpoint's cap waits before it is tried again (it has not been attempted). */
const deferMs = () => 200 + Math.floor(Math.random() * 300);

export function webhookDispatcher(transport: WebhookTransport, config: Config['webhooks'], metrics: Metrics) {
  const inFlight = new Map<string, number>();
  const observe = (outcome: AttemptOutcome) => {
    if (!('durationMs' in outcome)) return;
    metrics.webhookAttempts.inc({ result: outcome.result });
    metrics.webhookAttemptDuration.observe(outcome.durationMs / 1_000);
    if (outcome.result === 'delivered') metrics.webhookLag.observe(outcome.lagMs / 1_000);
  };
  return async (db: TenantDb, payload: DeliverPayload) => {
    const running = inFlight.get(payload.endpointId) ?? 0;
    if (running >= config.maxInFlightPerEndpoint) {
      // No unique key: this attempt's own job is ending (as succeeded) and can't be rescheduled in place.
      await enqueueJob(db, 'deliver-webhook', payload, { runAt: new Date(Date.now() + deferMs()), maxAttempts: attemptJobMaxAttempts });
      return;
    }
    inFlight.set(payload.endpointId, running + 1);
    try {
      observe(await attemptDelivery(db, transport, config, payload));
    } finally {
      const left = (inFlight.get(payload.endpointId) ?? 1) - 1;
      if (left) inFlight.set(payload.endpointId, left);
      else inFlight.delete(payload.endpointId);
    }
  };
}

export type WebhookDispatcher = ReturnType<typeof webhookDispatcher>;
