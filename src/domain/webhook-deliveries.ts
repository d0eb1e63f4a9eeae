import { enqueueJob } from '../infra/jobs.js';
import { type TenantDb, tenantId, tenantSql } from '../infra/tenant-scope.js';
import { recordEvent } from './events.js';
import { encodeGlobalId } from './global-ids.js';
import { inTransaction } from './transactions.js';
import { attemptJob, attemptPayload } from './webhook-endpoints.js';
import { signWebhookPayload, webhookEventIdHeader, webhookSignatureHeader } from './webhook-signature.js';

// One attempt of a webhook delivery: POST the event, record what came back, then either finish the delivery,
// schedule the next attempt (exponential backoff with jitter, until the retry horizon), or give up. Each
// attempt is a job of its own (queue "webhooks"), so retries survive restarts and run once across instances.
// At least once: a crash between the POST and its record repeats the POST, with the same event id.

/** What a receiver answered, or why there was no answer (timeout, refused connection, forbidden address). */
export type WebhookResponse = { statusCode: number | null; body: string; error: string | null; durationMs: number };

/** POSTs one body; never rejects. The HTTP side, the address guard and the timeout are infra's (webhook-transport.ts). */
export type WebhookTransport = (request: { url: string; body: string; headers: Record<string, string> }) => Promise<WebhookResponse>;

export type WebhookRetryPolicy = { retryBaseMs: number; retryMaxMs: number; retryHorizonMs: number; disableAfterFailures: number };

export type AttemptOutcome =
  | { result: 'delivered'; lagMs: number; durationMs: number }
  | { result: 'retrying' | 'gave-up' | 'endpoint-disabled'; durationMs: number }
  | { result: 'skipped' | 'paused' };

/** How much of a response body an attempt keeps. */
const keptResponseBytes = 1_024;

/** Delay before attempt `attempt + 1`: base · 2^(attempt-1), capped, then between half and all of that (so retries spread). */
export function retryDelayMs(policy: WebhookRetryPolicy, attempt: number, random = Math.random) {
  const ceiling = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

// Subjects by event type, as the feed's typed events name them.
const subjectTypes: Partial<Record<string, string>> = {
  NUMBER_STATUS_CHANGED: 'PhoneNumber',
  NUMBER_CONFIGURED: 'PhoneNumber',
  NUMBER_ORDER_UPDATED: 'NumberOrder',
  RESERVATION_CREATED: 'Reservation',
  RESERVATION_EXPIRED: 'Reservation',
  RESERVATION_CANCELLED: 'Reservation',
  PORTING_ORDER_STATUS_CHANGED: 'PortingOrder',
  API_KEY_REVOKED: 'ApiKey',
  KYC_STATUS_CHANGED: 'Organization',
  ACCOUNT_STATUS_CHANGED: 'Organization',
  BALANCE_CHANGED: 'Organization',
  WEBHOOK_TEST: 'WebhookEndpoint',
  WEBHOOK_ENDPOINT_DISABLED: 'WebhookEndpoint',
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `data` of a webhook body: the feed event's fields, with the API's global IDs where the event names its own
 * rows (`phoneNumberId`, `numberOrderId`, …, and `subjectId` for the thing it is about).
 */
export function webhookData(event: { type: string; subjectId: string; payload: unknown }) {
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  const subjectType = subjectTypes[event.type];
  data.subjectId = subjectType && uuid.test(event.subjectId) ? encodeGlobalId(subjectType, event.subjectId) : event.subjectId;
  for (const [key, value] of Object.entries(payload)) {
    const typename = key.endsWith('Id') ? key.charAt(0).toUpperCase() + key.slice(1, -2) : null;
    data[key] = typename && typeof value === 'string' && uuid.test(value) ? encodeGlobalId(typename, value) : value;
  }
  return data;
}

type EventRow = { id: bigint; sequence: bigint | null; type: string; subjectId: string; payload: unknown; createdAt: Date };

/** The JSON body of an event's webhook: the same bytes at every attempt (only the signature's timestamp changes). */
export function webhookBody(event: EventRow & { sequence: bigint }) {
  return JSON.stringify({
    id: `evt_${event.id}`,
    type: event.type,
    occurredAt: event.createdAt.toISOString(),
    // A JSON number: exact below 2^53, which a feed position will not reach.
    sequence: Number(event.sequence),
    data: webhookData(event),
  });
}

function signingSecrets(endpoint: Pick<DeliveryRow, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, now: Date) {
  const overlapping = endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now;
  return overlapping ? [endpoint.secret, endpoint.previousSecret as string] : [endpoint.secret];
}

/**
 * The common case, in one statement and no transaction: the delivery is marked DELIVERED (if this attempt is still
 * the one it waits for) and the attempt recorded with it, or neither. The endpoint's failure count is reset only
 * when there is one.
 */
async function recordDelivered(
  db: TenantDb,
  delivery: DeliveryRow,
  endpoint: { id: string; consecutiveFailures: number },
  attempt: number,
  response: WebhookResponse,
  responseBody: string | null,
): Promise<AttemptOutcome> {
  const recorded = await tenantSql(db).query<Array<{ createdAt: Date }>>`
    WITH claimed AS (
      UPDATE "WebhookDelivery" SET attempts = ${attempt}, status = 'DELIVERED', "deliveredAt" = now(), "nextAttemptAt" = NULL,
        "lastStatusCode" = ${response.statusCode}, "lastError" = NULL, "updatedAt" = now()
      WHERE id = ${delivery.id}::uuid AND "organizationId" = ${tenantId} AND attempts = ${attempt - 1} AND status = 'PENDING'
      RETURNING id, "organizationId"
    )
    INSERT INTO "WebhookAttempt"
      (id, "organizationId", "endpointId", "deliveryId", attempt, succeeded, "statusCode", "durationMs", error, "responseBody", "createdAt")
    SELECT gen_random_uuid(), "organizationId", ${endpoint.id}::uuid, id, ${attempt}, true, ${response.statusCode}, ${response.durationMs}, NULL,
      ${responseBody}, now()
    FROM claimed
    RETURNING "createdAt"`;
  const [row] = recorded;
  if (!row) return { result: 'skipped' };
  if (endpoint.consecutiveFailures > 0) {
    await db.webhookEndpoint.updateMany({ where: { id: endpoint.id, consecutiveFailures: { gt: 0 } }, data: { consecutiveFailures: 0 } });
  }
  return { result: 'delivered', lagMs: row.createdAt.getTime() - delivery.event.createdAt.getTime(), durationMs: response.durationMs };
}

/** PostgreSQL text can't hold NUL; a receiver's bytes are kept as they read otherwise. */
const storable = (text: string | null) => (text === null ? null : text.replaceAll('\u0000', '\uFFFD'));

/** A delivery with what its attempt needs of its endpoint and event, read in one statement. */
type DeliveryRow = {
  id: string;
  status: string;
  attempts: number;
  retryUntil: Date | null;
  endpointId: string;
  url: string;
  endpointStatus: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  consecutiveFailures: number;
  event: EventRow;
};

async function loadDelivery(db: TenantDb, deliveryId: string): Promise<DeliveryRow | null> {
  const [row] = await tenantSql(db).query<Array<Omit<DeliveryRow, 'event'> & { eventRowId: bigint } & Omit<EventRow, 'id'>>>`
    SELECT d.id, d.status::text AS status, d.attempts, d."retryUntil", w.id AS "endpointId", w.url, w.status::text AS "endpointStatus",
      w.secret, w."previousSecret", w."previousSecretExpiresAt", w."consecutiveFailures",
      v.id AS "eventRowId", v.sequence, v.type::text AS type, v."subjectId", v.payload, v."createdAt"
    FROM "WebhookDelivery" d
    JOIN "WebhookEndpoint" w ON w.id = d."endpointId" AND w."organizationId" = d."organizationId"
    JOIN "Event" v ON v.id = d."eventId" AND v."organizationId" = d."organizationId"
    WHERE d.id = ${deliveryId}::uuid AND d."organizationId" = ${tenantId}`;
  if (!row) return null;
  const { eventRowId, sequence, type, subjectId, payload, createdAt, ...delivery } = row;
  return { ...delivery, event: { id: eventRowId, sequence, type, subjectId, payload, createdAt } };
}

export async function attemptDelivery(
  db: TenantDb,
  transport: WebhookTransport,
  policy: WebhookRetryPolicy,
  job: { deliveryId: string; attempt: number },
): Promise<AttemptOutcome> {
  const delivery = await loadDelivery(db, job.deliveryId);
  // Deleted with its endpoint, or this attempt already ran (a job taken over after its runner died).
  if (delivery?.status !== 'PENDING' || delivery.attempts >= job.attempt) return { result: 'skipped' };
  const { event } = delivery;
  const endpoint = { id: delivery.endpointId, url: delivery.url, consecutiveFailures: delivery.consecutiveFailures };
  if (delivery.endpointStatus === 'DISABLED') {
    await db.webhookDelivery.updateMany({ where: { id: delivery.id, status: 'PENDING' }, data: { status: 'PAUSED', nextAttemptAt: null } });
    return { result: 'paused' };
  }
  // The relay numbers an event moments after its commit; a test event can be picked up first. The runner retries soon.
  if (event.sequence === null) throw new Error(`Event ${event.id} has no feed sequence yet`);
  const body = webhookBody({ ...event, sequence: event.sequence });
  const now = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'NumbersAPI-Webhooks/1',
    [webhookEventIdHeader]: `evt_${event.id}`,
    [webhookSignatureHeader]: signWebhookPayload(body, signingSecrets(delivery, now), Math.floor(now.getTime() / 1000)),
    'numbers-delivery-attempt': String(job.attempt),
  };
  const response = await transport({ url: endpoint.url, body, headers });
  const succeeded = response.statusCode !== null && response.statusCode >= 200 && response.statusCode < 300;
  const responseBody = storable(response.body.slice(0, keptResponseBytes)) || null;
  if (succeeded) return recordDelivered(db, delivery, endpoint, job.attempt, response, responseBody);
  const error = response.error ?? `HTTP ${response.statusCode}`;
  return inTransaction(db, async (tx): Promise<AttemptOutcome> => {
    const finishedAt = new Date();
    // Conditional on the attempt count: of two runs of one attempt, only the first is recorded and followed up.
    const claimed = await tx.webhookDelivery.updateMany({
      where: { id: delivery.id, attempts: job.attempt - 1, status: 'PENDING' },
      data: { attempts: job.attempt, lastStatusCode: response.statusCode, lastError: storable(error) },
    });
    if (!claimed.count) return { result: 'skipped' };
    await tx.webhookAttempt.create({
      data: {
        organizationId: tx.tenant.organizationId,
        endpointId: endpoint.id,
        deliveryId: delivery.id,
        attempt: job.attempt,
        succeeded: false,
        statusCode: response.statusCode,
        durationMs: response.durationMs,
        error: storable(error),
        responseBody,
      },
    });
    const [counted] = await tx.webhookEndpoint.updateManyAndReturn({
      where: { id: endpoint.id },
      data: { consecutiveFailures: { increment: 1 } },
      select: { consecutiveFailures: true, status: true },
    });
    if (counted && counted.status === 'ENABLED' && counted.consecutiveFailures >= policy.disableAfterFailures) {
      const reason = `Disabled after ${counted.consecutiveFailures} consecutive failed deliveries (last: ${error})`;
      const disabled = await tx.webhookEndpoint.updateMany({
        where: { id: endpoint.id, status: 'ENABLED' },
        data: { status: 'DISABLED', disabledReason: storable(reason.slice(0, 1_000)) },
      });
      if (disabled.count) {
        await recordEvent(tx, 'WEBHOOK_ENDPOINT_DISABLED', endpoint.id, {
          webhookEndpointId: endpoint.id,
          url: endpoint.url,
          consecutiveFailures: counted.consecutiveFailures,
          reason,
        });
      }
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'PAUSED', nextAttemptAt: null } });
      return { result: 'endpoint-disabled', durationMs: response.durationMs };
    }
    const retryUntil = delivery.retryUntil ?? new Date(now.getTime() + policy.retryHorizonMs);
    const next = new Date(finishedAt.getTime() + retryDelayMs(policy, job.attempt));
    if (next > retryUntil) {
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'FAILED', nextAttemptAt: null, retryUntil } });
      return { result: 'gave-up', durationMs: response.durationMs };
    }
    const recorded = { id: delivery.id, endpointId: endpoint.id, attempts: job.attempt };
    await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { nextAttemptAt: next, retryUntil } });
    await enqueueJob(tx, 'deliver-webhook', attemptPayload(tx, recorded), attemptJob(recorded, next));
    return { result: 'retrying', durationMs: response.durationMs };
  });
}
