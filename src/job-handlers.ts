import { LRUCache } from 'lru-cache';
import type { Config } from './config.js';
import { activateNumber, failActivation } from './domain/activation.js';
import { suspendUnpaidNumber } from './domain/arrears.js';
import { sweepTenant, tenantsHoldingNumbers } from './domain/inventory-alerts.js';
import type { JobKind } from './domain/job-kinds.js';
import { billNumber } from './domain/number-lifecycle.js';
import { advancePort } from './domain/porting.js';
import { expireReservation } from './domain/reservations.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { Environment } from './generated/prisma/enums.js';
import type { CarrierGateway } from './infra/carrier/gateway.js';
import { enqueueJob, type JobHandlers } from './infra/jobs.js';
import type { TenantDb, TenantScope } from './infra/tenant-scope.js';
import type { WebhookDispatcher } from './webhook-dispatch.js';

// Wiring, next to app.ts: binds every job kind the domain declares (domain/job-kinds.ts) to the domain
// function that does it, with the infrastructure (database, carrier, configuration) that function needs.
// It lives outside domain/ because it depends on infrastructure the domain rules are not meant to know of.

/** Next 00:00 UTC after `from`. */
function nextMidnight(from = new Date()) {
  return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + 1));
}

const dailyJobs = ['inventory-sweep', 'event-retention'] as const satisfies JobKind[];

/** Daily jobs reschedule themselves; this makes sure the chain exists (idempotent, run at start). */
export async function scheduleRecurringJobs(prisma: PrismaClient, from = new Date()) {
  const runAt = nextMidnight(from);
  for (const kind of dailyJobs) {
    await enqueueJob(prisma, kind, {}, { runAt, uniqueKey: `${kind}:${runAt.toISOString()}` });
  }
}

/** Every kind of background job, bound to the domain function that does it. */
export function jobHandlers(
  tenants: TenantScope,
  prisma: PrismaClient,
  carriers: Record<Environment, CarrierGateway>,
  config: Pick<Config, 'feed' | 'porting' | 'billing'>,
  deliverWebhook: WebhookDispatcher,
): JobHandlers {
  // Jobs act for one tenant each, through the same scoped client (and after-commit hook) requests use. No API key
  // started them: no mode. The environment is the organization's, which never changes once it exists.
  const environments = new LRUCache<string, Environment>({ max: 10_000 });
  const environmentOf = async (organizationId: string): Promise<Environment> => {
    let environment = environments.get(organizationId);
    if (!environment) {
      const organization = await prisma.organization.findUnique({ where: { id: organizationId }, select: { environment: true } });
      environment = organization?.environment ?? 'LIVE';
      environments.set(organizationId, environment);
    }
    return environment;
  };
  const scoped = async (payload: { organizationId: string }) =>
    tenants({ organizationId: payload.organizationId, mode: null, environment: await environmentOf(payload.organizationId) });
  const carrierOf = (db: TenantDb) => carriers[db.tenant.environment];
  return {
    'activate-number': {
      run: async (payload) => {
        const db = await scoped(payload);
        return activateNumber(db, carrierOf(db), payload.phoneNumberId);
      },
      onFailed: async (payload, error) => failActivation(await scoped(payload), payload.phoneNumberId, `Carrier did not activate the number: ${error}`),
    },
    'expire-reservation': {
      run: async (payload) => expireReservation(await scoped(payload), payload.reservationId),
    },
    'bill-number': {
      run: async (payload) => billNumber(await scoped(payload), payload.phoneNumberId, config.billing.graceMs),
    },
    'suspend-unpaid-number': {
      run: async (payload) => suspendUnpaidNumber(await scoped(payload), payload.phoneNumberId),
    },
    'release-number': {
      // Jobs enqueued before releases named their organization are live ones.
      run: async (payload) => carriers[payload.organizationId ? await environmentOf(payload.organizationId) : 'LIVE'].releaseNumber(payload.e164),
    },
    'port-progress': {
      run: async (payload) => {
        const db = await scoped(payload);
        const step = { portingOrderId: payload.portingOrderId, run: payload.run, step: payload.step };
        return advancePort(db, carrierOf(db), step, { stepMs: config.porting.stepMs, graceMs: config.billing.graceMs });
      },
    },
    'inventory-sweep': {
      run: async (payload) => {
        const only = payload.organizationId ? [payload.organizationId] : await tenantsHoldingNumbers(prisma);
        for (const organizationId of only) await sweepTenant(await scoped({ organizationId }));
        if (!payload.organizationId) await scheduleRecurringJobs(prisma);
      },
    },
    'event-retention': {
      run: async () => {
        const cutoff = new Date(Date.now() - config.feed.retentionDays * 86_400_000);
        // The newest event is kept whatever its age: it anchors the feed's sequence.
        await prisma.$executeRaw`
          DELETE FROM "Event" WHERE "createdAt" < ${cutoff} AND sequence IS NOT NULL
            AND sequence < (SELECT MAX(sequence) FROM "Event")`;
        // A delivery attempt's job is done with once it ran; its delivery and attempts keep the story.
        await prisma.$executeRaw`
          DELETE FROM "Job" WHERE kind = 'deliver-webhook' AND status IN ('SUCCEEDED', 'FAILED') AND "updatedAt" < ${cutoff}`;
        await scheduleRecurringJobs(prisma);
      },
    },
    'deliver-webhook': {
      run: async (payload) => deliverWebhook(await scoped(payload), payload),
    },
    'return-to-stock': {
      // Platform stock has no owner, so this one needs no tenant scope.
      run: async (payload) => {
        await prisma.inventoryNumber.updateMany({
          where: { id: payload.inventoryNumberId, state: 'QUARANTINED', quarantinedUntil: { lte: new Date() } },
          data: { state: 'AVAILABLE', quarantinedUntil: null },
        });
      },
    },
  };
}
