import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { CarrierGateway } from '../infra/carrier/gateway.js';
import { enqueueJob, type JobDefinition } from '../infra/jobs.js';
import { tenantClient } from '../infra/tenant-scope.js';
import { activateNumber, failActivation } from './activation.js';
import { sweepTenant, tenantsHoldingNumbers } from './inventory-alerts.js';
import { billNumber } from './number-lifecycle.js';
import { advancePort } from './porting.js';
import { expireReservation } from './reservations.js';

type Payload = Record<string, unknown>;
const str = (payload: Payload, key: string) => String(payload[key]);

/** Every kind of background job, bound to the domain function that does it. */
/** Next 00:00 UTC after `from`. */
function nextMidnight(from = new Date()) {
  return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + 1));
}

/** Daily jobs reschedule themselves; this makes sure the chain exists (idempotent, run at start). */
export async function scheduleRecurringJobs(prisma: PrismaClient, from = new Date()) {
  const runAt = nextMidnight(from);
  for (const kind of ['inventory-sweep', 'event-retention']) {
    await enqueueJob(prisma, kind, {}, { runAt, uniqueKey: `${kind}:${runAt.toISOString()}` });
  }
}

export function jobHandlers(prisma: PrismaClient, carrier: CarrierGateway, config: Pick<Config, 'feed' | 'porting'>): Record<string, JobDefinition> {
  // Jobs act for one tenant each, through the same scoped client requests use.
  const scoped = (payload: Payload) => tenantClient(prisma, str(payload, 'organizationId'));
  return {
    'activate-number': {
      run: (payload) => activateNumber(scoped(payload), carrier, str(payload, 'phoneNumberId')),
      onFailed: (payload, error) => failActivation(scoped(payload), str(payload, 'phoneNumberId'), `Carrier did not activate the number: ${error}`),
    },
    'expire-reservation': {
      run: (payload) => expireReservation(scoped(payload), str(payload, 'organizationId'), str(payload, 'reservationId')),
      maxAttempts: 20,
    },
    'bill-number': {
      run: (payload) => billNumber(scoped(payload), str(payload, 'organizationId'), str(payload, 'phoneNumberId')),
    },
    'release-number': {
      run: (payload) => carrier.releaseNumber(str(payload, 'e164')),
    },
    'port-progress': {
      run: (payload) =>
        advancePort(
          scoped(payload),
          str(payload, 'organizationId'),
          carrier,
          { portingOrderId: str(payload, 'portingOrderId'), run: Number(payload.run), step: Number(payload.step) },
          config.porting.stepMs,
        ),
    },
    'inventory-sweep': {
      run: async (payload) => {
        const only = payload.organizationId ? [str(payload, 'organizationId')] : await tenantsHoldingNumbers(prisma);
        for (const organizationId of only) await sweepTenant(tenantClient(prisma, organizationId), organizationId);
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
        await scheduleRecurringJobs(prisma);
      },
    },
    'return-to-stock': {
      // Platform stock has no owner, so this one needs no tenant scope.
      run: async (payload) => {
        await prisma.inventoryNumber.updateMany({
          where: { id: str(payload, 'inventoryNumberId'), state: 'QUARANTINED', quarantinedUntil: { lte: new Date() } },
          data: { state: 'AVAILABLE', quarantinedUntil: null },
        });
      },
    },
  };
}
