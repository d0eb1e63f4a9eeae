import type { PrismaClient } from '../generated/prisma/client.js';
import type { CarrierGateway } from '../infra/carrier/gateway.js';
import type { JobDefinition } from '../infra/jobs.js';
import { tenantClient } from '../infra/tenant-scope.js';
import { activateNumber, failActivation } from './activation.js';
import { billNumber } from './number-lifecycle.js';
import { expireReservation } from './reservations.js';

type Payload = Record<string, unknown>;
const str = (payload: Payload, key: string) => String(payload[key]);

/** Every kind of background job, bound to the domain function that does it. */
export function jobHandlers(prisma: PrismaClient, carrier: CarrierGateway): Record<string, JobDefinition> {
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
