import { randomBytes } from 'node:crypto';
import type { EventType } from '../generated/prisma/enums.js';
import { enqueueJob, enqueueJobs } from '../infra/jobs.js';
import { advisoryLock, platformSql, type TenantDb } from '../infra/tenant-scope.js';
import { DomainError, invalidInput, notFound } from './errors.js';
import { checkText } from './input-rules.js';
import { inTransaction, type Tx } from './transactions.js';

// Webhook endpoints: where an organization's events are POSTed (delivery: webhook-deliveries.ts). Managed by
// ADMIN keys. The signing secret is shown once, at creation and at each rotation; the previous secret keeps
// signing (a second v1 in the signature) until its overlap ends, so a receiver can switch without a gap.

/** What endpoint management needs of the configuration and the network. */
export type WebhookSettings = {
  /** Why deliveries may not go to this URL (its form, its scheme, where its host resolves), or null. */
  checkDestination: (url: string) => Promise<string | null>;
  secretOverlapMs: number;
};

const maxWebhookEndpoints = 20;
const maxDescriptionLength = 500;
const maxOverlapSeconds = 7 * 86_400;

const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

type EndpointInput = { url?: string | null; eventTypes?: readonly EventType[] | null; connectionId?: string | null; description?: string | null };

async function checkedUrl(settings: WebhookSettings, url: string) {
  // The input guard's ceiling for any string (1,000) is the URL's cap too; the address guard allows up to 2,048.
  const trimmed = checkText(url, ['input', 'url']).trim();
  const problem = await settings.checkDestination(trimmed);
  if (problem) throw invalidInput(['input', 'url'], problem);
  return trimmed;
}

function checkedDescription(description: string | null) {
  if (description === null) return null;
  const trimmed = checkText(description, ['input', 'description'], maxDescriptionLength).trim();
  return trimmed || null;
}

async function checkedConnection(db: TenantDb, connectionId: string | null) {
  if (connectionId === null) return null;
  const connection = await db.connection.findUnique({ where: { id: connectionId }, select: { id: true } });
  if (!connection) throw notFound(['input', 'connectionId'], 'Connection');
  return connection.id;
}

/** The fields an input sets, checked; fields it leaves out are absent. */
async function endpointFields(db: TenantDb, settings: WebhookSettings, input: EndpointInput) {
  return {
    ...(input.url != null ? { url: await checkedUrl(settings, input.url) } : {}),
    ...(input.eventTypes != null ? { eventTypes: [...new Set(input.eventTypes)] } : {}),
    ...(input.connectionId !== undefined ? { connectionId: await checkedConnection(db, input.connectionId) } : {}),
    ...(input.description !== undefined ? { description: checkedDescription(input.description) } : {}),
  };
}

export async function createWebhookEndpoint(db: TenantDb, settings: WebhookSettings, input: EndpointInput & { url: string }) {
  const fields = await endpointFields(db, settings, input);
  const secret = newWebhookSecret();
  const endpoint = await inTransaction(db, async (tx) => {
    // Serialises creations, so two at once can't both pass the count.
    await advisoryLock(tx, `webhook-endpoints:${tx.tenant.organizationId}`);
    if ((await tx.webhookEndpoint.count()) >= maxWebhookEndpoints) {
      throw new DomainError('INVALID_STATE', `An organization has at most ${maxWebhookEndpoints} webhook endpoints; delete one first`, ['input']);
    }
    return tx.webhookEndpoint.create({ data: { organizationId: tx.tenant.organizationId, url: fields.url ?? input.url, ...fields, secret } });
  });
  return { endpoint, secret };
}

async function existing(tx: Tx | TenantDb, id: string) {
  const endpoint = await tx.webhookEndpoint.findUnique({ where: { id } });
  if (!endpoint) throw notFound(['input', 'id'], 'Webhook endpoint');
  return endpoint;
}

export async function updateWebhookEndpoint(db: TenantDb, settings: WebhookSettings, id: string, input: EndpointInput) {
  await existing(db, id);
  const fields = await endpointFields(db, settings, input);
  const [endpoint] = await db.webhookEndpoint.updateManyAndReturn({ where: { id }, data: fields });
  if (!endpoint) throw notFound(['input', 'id'], 'Webhook endpoint');
  return endpoint;
}

export async function deleteWebhookEndpoint(db: TenantDb, id: string) {
  // Its deliveries and attempts go with it (foreign keys cascade); their queued jobs find nothing and end.
  const { count } = await db.webhookEndpoint.deleteMany({ where: { id } });
  if (!count) throw notFound(['input', 'id'], 'Webhook endpoint');
}

/** Disables the endpoint; deliveries waiting for an attempt pause (enabling resumes them). */
export async function disableWebhookEndpoint(db: TenantDb, id: string) {
  return inTransaction(db, async (tx) => {
    const [endpoint] = await tx.webhookEndpoint.updateManyAndReturn({ where: { id }, data: { status: 'DISABLED', disabledReason: 'Disabled by the API' } });
    if (!endpoint) throw notFound(['input', 'id'], 'Webhook endpoint');
    await tx.webhookDelivery.updateMany({ where: { endpointId: id, status: 'PENDING' }, data: { status: 'PAUSED', nextAttemptAt: null } });
    return endpoint;
  });
}

/** Enables the endpoint and resumes the deliveries its disabling paused (each with its next attempt, now). */
export async function enableWebhookEndpoint(db: TenantDb, id: string) {
  return inTransaction(db, async (tx) => {
    const [endpoint] = await tx.webhookEndpoint.updateManyAndReturn({
      where: { id },
      data: { status: 'ENABLED', disabledReason: null, consecutiveFailures: 0 },
    });
    if (!endpoint) throw notFound(['input', 'id'], 'Webhook endpoint');
    const paused = await tx.webhookDelivery.updateManyAndReturn({
      where: { endpointId: id, status: 'PAUSED' },
      data: { status: 'PENDING', nextAttemptAt: new Date(), retryUntil: null },
      select: { id: true, endpointId: true, attempts: true },
    });
    await attemptNow(tx, paused);
    return endpoint;
  });
}

export async function rotateWebhookSecret(db: TenantDb, settings: WebhookSettings, id: string, overlapSeconds: number | null) {
  if (overlapSeconds !== null && (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > maxOverlapSeconds)) {
    throw invalidInput(['input', 'overlapSeconds'], `overlapSeconds must be an integer from 0 to ${maxOverlapSeconds}`);
  }
  const overlapMs = overlapSeconds === null ? settings.secretOverlapMs : overlapSeconds * 1_000;
  const secret = newWebhookSecret();
  const endpoint = await inTransaction(db, async (tx) => {
    const before = await existing(tx, id);
    const [after] = await tx.webhookEndpoint.updateManyAndReturn({
      where: { id, secret: before.secret },
      data: overlapMs
        ? { secret, previousSecret: before.secret, previousSecretExpiresAt: new Date(Date.now() + overlapMs) }
        : { secret, previousSecret: null, previousSecretExpiresAt: null },
    });
    // Another rotation won the row: this one's secret was never stored, so it must not be shown.
    if (!after) throw new DomainError('INVALID_STATE', 'The secret was rotated by another request meanwhile; rotate again', ['input', 'id']);
    return after;
  });
  return { endpoint, secret };
}

/** The job of a delivery's next attempt: one per attempt number, so a repeated schedule is a no-op. */
const attemptKey = (delivery: { id: string; attempts: number }) => `webhook:${delivery.id}:${delivery.attempts + 1}`;

/**
 * The runner retries an attempt's job only when the attempt could not run at all (the database failing; a failed
 * POST is not a job failure, it schedules the next attempt as a job of its own): often enough to outlast a long
 * outage (the runner's backoff is capped at 5 minutes), so that no delivery is ever left without a next attempt.
 */
export const attemptJobMaxAttempts = 1_000;

export const attemptJob = (delivery: { id: string; attempts: number }, runAt?: Date) => ({
  uniqueKey: attemptKey(delivery),
  maxAttempts: attemptJobMaxAttempts,
  ...(runAt ? { runAt } : {}),
});
export const attemptPayload = (tx: Tx, delivery: { id: string; endpointId: string; attempts: number }) => ({
  organizationId: tx.tenant.organizationId,
  endpointId: delivery.endpointId,
  deliveryId: delivery.id,
  attempt: delivery.attempts + 1,
});

/** The endpoint something is about to be sent to: it must exist and be enabled. */
async function enabledEndpoint(tx: Tx, endpointId: string) {
  const endpoint = await tx.webhookEndpoint.findUnique({ where: { id: endpointId }, select: { status: true } });
  if (!endpoint) throw notFound(['input', 'endpointId'], 'Webhook endpoint');
  if (endpoint.status === 'DISABLED') throw new DomainError('INVALID_STATE', 'The endpoint is disabled; enable it first', ['input', 'endpointId']);
}

type Resumed = { id: string; endpointId: string; attempts: number };

/**
 * Makes each delivery's next attempt run now: its job, if one is waiting, is brought forward; otherwise a job is
 * added. The attempt's usual key may be spent already (a job that found its delivery paused ended without an
 * attempt), so an added job has no key: attemptDelivery's attempt-number check keeps any second run from
 * recording the attempt twice.
 */
async function attemptNow(tx: Tx, deliveries: Resumed[]) {
  if (!deliveries.length) return;
  // The queue is platform data: this moves only the jobs named by these (tenant-checked) deliveries' keys.
  const moved = await platformSql(tx).query<Array<{ uniqueKey: string }>>`
    UPDATE "Job" SET "runAt" = now() WHERE "uniqueKey" = ANY(${deliveries.map(attemptKey)}::text[]) AND status = 'PENDING' RETURNING "uniqueKey"`;
  const waiting = new Set(moved.map((row) => row.uniqueKey));
  const added = deliveries.filter((delivery) => !waiting.has(attemptKey(delivery)));
  await enqueueJobs(
    tx,
    'deliver-webhook',
    added.map((delivery) => ({ payload: attemptPayload(tx, delivery), options: { maxAttempts: attemptJobMaxAttempts } })),
  );
}

/**
 * Sends one stored event to an endpoint again, now, whether it was delivered, failed or never sent there: the
 * delivery gets a fresh retry horizon. A delivery already waiting for a retry has that retry brought forward.
 */
export async function redeliverWebhookEvent(db: TenantDb, endpointId: string, eventSequence: bigint) {
  return inTransaction(db, async (tx) => {
    await enabledEndpoint(tx, endpointId);
    const event = await tx.event.findFirst({ where: { sequence: eventSequence }, select: { id: true } });
    if (!event) throw notFound(['input', 'eventId'], 'Event');
    const now = new Date();
    const delivery = await tx.webhookDelivery.upsert({
      where: { endpointId_eventId: { endpointId, eventId: event.id } },
      create: { organizationId: tx.tenant.organizationId, endpointId, eventId: event.id, nextAttemptAt: now },
      update: { status: 'PENDING', nextAttemptAt: now, retryUntil: null },
    });
    await attemptNow(tx, [delivery]);
    return delivery;
  });
}

/**
 * A WEBHOOK_TEST event, delivered to this endpoint only (whatever its event-type filter), signed and retried
 * like any other: on the feed too, so an ops console sees the test go by.
 */
export async function sendTestWebhookEvent(db: TenantDb, endpointId: string) {
  return inTransaction(db, async (tx) => {
    await enabledEndpoint(tx, endpointId);
    const { organizationId } = tx.tenant;
    const event = await tx.event.create({
      data: { organizationId, type: 'WEBHOOK_TEST', subjectId: endpointId, payload: { webhookEndpointId: endpointId } },
      select: { id: true },
    });
    const delivery = await tx.webhookDelivery.create({ data: { organizationId, endpointId, eventId: event.id, nextAttemptAt: new Date() } });
    await enqueueJob(tx, 'deliver-webhook', attemptPayload(tx, delivery), attemptJob(delivery));
    return delivery;
  });
}
