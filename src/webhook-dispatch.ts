import type { Config } from './config.js';
import type { JobPayloads } from './domain/job-kinds.js';
import { type AttemptOutcome, attemptDelivery, type WebhookTransport } from './domain/webhook-deliveries.js';
import { attemptJobMaxAttempts } from './domain/webhook-endpoints.js';
import type { Metrics } from './http/metrics.js';
import { enqueueJob } from './infra/jobs.js';
import type { TenantDb } from './infra/tenant-scope.js';

// Wiring of webhook deliveries, next to job-handlers.ts: the domain's attempt, the HTTP transport, metrics,
// and caps on deliveries in flight to one endpoint and for one organization, so slow receivers hold a few of
// this instance's webhook slots, never all of them (other endpoints, other tenants, keep being served).

type DeliverPayload = JobPayloads['deliver-webhook'];

/** How long a delivery over its endpoint's cap waits before it is tried again (it has not been attempted). */
const deferMs = () => 200 + Math.floor(Math.random() * 300);

/** Counts of deliveries in flight, by key. */
class InFlight {
  private readonly counts = new Map<string, number>();
  has(key: string, cap: number) {
    return (this.counts.get(key) ?? 0) >= cap;
  }
  add(key: string) {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  remove(key: string) {
    const left = (this.counts.get(key) ?? 1) - 1;
    if (left) this.counts.set(key, left);
    else this.counts.delete(key);
  }
}

export function webhookDispatcher(transport: WebhookTransport, config: Config['webhooks'], metrics: Metrics) {
  const endpoints = new InFlight();
  const organizations = new InFlight();
  const observe = (outcome: AttemptOutcome) => {
    if (!('durationMs' in outcome)) return;
    metrics.webhookAttempts.inc({ result: outcome.result });
    metrics.webhookAttemptDuration.observe(outcome.durationMs / 1_000);
    if (outcome.result === 'delivered') metrics.webhookLag.observe(outcome.lagMs / 1_000);
  };
  return async (db: TenantDb, payload: DeliverPayload) => {
    if (endpoints.has(payload.endpointId, config.maxInFlightPerEndpoint) || organizations.has(payload.organizationId, config.maxInFlightPerOrganization)) {
      // No unique key: this attempt's own job is ending (as succeeded) and can't be rescheduled in place.
      await enqueueJob(db, 'deliver-webhook', payload, { runAt: new Date(Date.now() + deferMs()), maxAttempts: attemptJobMaxAttempts });
      return;
    }
    endpoints.add(payload.endpointId);
    organizations.add(payload.organizationId);
    try {
      observe(await attemptDelivery(db, transport, config, payload));
    } finally {
      endpoints.remove(payload.endpointId);
      organizations.remove(payload.organizationId);
    }
  };
}

export type WebhookDispatcher = ReturnType<typeof webhookDispatcher>;
