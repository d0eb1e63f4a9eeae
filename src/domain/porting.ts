import type { PortingOrder, Prisma } from '../generated/prisma/client.js';
import type { PortingDocumentKind, PortingOrderStatus } from '../generated/prisma/enums.js';
import type { CarrierGateway, PortableResult, PortSubmission } from '../infra/carrier/gateway.js';
import type { DocumentStorage } from '../infra/document-storage.js';
import { enqueueJob } from '../infra/jobs.js';
import { advisoryLock, lockRow, platformSql, type TenantClient, type TenantDb, tenantId, tenantSql } from '../infra/tenant-scope.js';
import { addMonth, chargeMonth } from './billing.js';
import { defaultMaxDocumentBytes, storeDocument, type Upload } from './documents.js';
import { DomainError, DomainErrors, invalidInput, notFound } from './errors.js';
import { recordEvent, recordStatusChanges } from './events.js';
import { checkBucket } from './inventory-alerts.js';
import { checkNumberList } from './number-selection.js';
import { classifyNumber } from './numbering-plan.js';
import { inTransaction, type Tx } from './transactions.js';

// Port-ins, modelled on how carriers run them (Telnyx porting v2): check,
// draft orders split by country and number type, LOA details and documents,
// a FOC date inside the allowed windows, submit, then the carrier moves the
// order along; an EXCEPTION is fixed and resubmitted.

const editable: PortingOrderStatus[] = ['DRAFT', 'EXCEPTION'];
const cancellable: PortingOrderStatus[] = ['DRAFT', 'SUBMITTED', 'IN_PROCESS', 'EXCEPTION'];
const open: PortingOrderStatus[] = ['DRAFT', 'SUBMITTED', 'IN_PROCESS', 'FOC_DATE_CONFIRMED', 'EXCEPTION'];

/** `field` is where the caller gave the list: the query's `phoneNumbers` argument or the mutation's `input.phoneNumbers`. */
export async function checkPortability(carrier: CarrierGateway, phoneNumbers: string[], field?: string[]) {
  return carrier.checkPortability(checkNumberList(phoneNumbers, field));
}

/** Business-day windows (09:00–17:00 UTC) a FOC date may be requested in: 1 business day ahead if every number is fast-portable, else 5. */
export function allowedFocWindows(allFastPortable: boolean, now = new Date(), count = 20) {
  const windows: Array<{ startsAt: Date; endsAt: Date }> = [];
  let businessDays = 0;
  const lead = allFastPortable ? 1 : 5;
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  while (windows.length < count) {
    day.setUTCDate(day.getUTCDate() + 1);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
    businessDays += 1;
    if (businessDays < lead) continue;
    windows.push({ startsAt: new Date(day.getTime() + 9 * 3_600_000), endsAt: new Date(day.getTime() + 17 * 3_600_000) });
  }
  return windows;
}

/** Where a number can be in service once: live, platform-wide; a sandbox, on its own. */
const serviceArea = (tx: Tx) => (tx.tenant.environment === 'LIVE' ? 'live' : tx.tenant.organizationId);

async function lockNumbers(tx: Tx, phoneNumbers: string[]) {
  // Serialises everyone porting the same numbers (across tenants, within the environment), so two drafts can't both claim one.
  for (const e164 of [...phoneNumbers].sort()) await advisoryLock(tx, `port:${serviceArea(tx)}:${e164}`);
}

/**
 * Numbers already in service here (any live tenant, or live stock) or in any open port-in. Only the numbers are
 * disclosed. Platform-wide on purpose (a number can be in service once), so it is platform SQL, not tenant SQL.
 * A sandbox is its own world: there only its own numbers, test stock and port-ins count.
 */
async function numbersInUse(tx: Tx, phoneNumbers: string[]): Promise<string[]> {
  if (tx.tenant.environment === 'TEST') {
    const rows = await tenantSql(tx).query<Array<{ e164: string }>>`
      SELECT e164 FROM "PhoneNumber" WHERE "organizationId" = ${tenantId} AND e164 = ANY(${phoneNumbers}::text[]) AND status::text NOT IN ('RELEASED', 'FAILED')
      UNION SELECT e164 FROM "InventoryNumber" WHERE "sandboxId" = ${tenantId} AND e164 = ANY(${phoneNumbers}::text[])
      UNION SELECT n.e164 FROM "PortingOrderNumber" n JOIN "PortingOrder" o ON o.id = n."portingOrderId"
        WHERE o."organizationId" = ${tenantId} AND n.e164 = ANY(${phoneNumbers}::text[]) AND o.status::text = ANY(${open}::text[])`;
    return rows.map((row) => row.e164);
  }
  const rows = await platformSql(tx).query<Array<{ e164: string }>>`
    SELECT e164 FROM "PhoneNumber" WHERE e164 = ANY(${phoneNumbers}::text[]) AND status::text NOT IN ('RELEASED', 'FAILED')
      AND "organizationId" IN (SELECT id FROM "Organization" WHERE environment = 'LIVE')
    UNION SELECT e164 FROM "InventoryNumber" WHERE "sandboxId" IS NULL AND e164 = ANY(${phoneNumbers}::text[])
    UNION SELECT n.e164 FROM "PortingOrderNumber" n JOIN "PortingOrder" o ON o.id = n."portingOrderId"
      WHERE n.e164 = ANY(${phoneNumbers}::text[]) AND o.status::text = ANY(${open}::text[])
      AND o."organizationId" IN (SELECT id FROM "Organization" WHERE environment = 'LIVE')`;
  return rows.map((row) => row.e164);
}

async function recordTransition(tx: Tx, order: { id: string; status: PortingOrderStatus | null }, to: PortingOrderStatus, reason: string | null = null) {
  await tx.portingOrderTransition.create({
    data: { organizationId: tx.tenant.organizationId, portingOrderId: order.id, fromStatus: order.status, toStatus: to, reason },
  });
  await recordEvent(tx, 'PORTING_ORDER_STATUS_CHANGED', order.id, {
    portingOrderId: order.id,
    previousStatus: order.status,
    newStatus: to,
    reason,
  });
}

/**
 * Moves an order from one status to another, or returns null when it is in none of `from`.
 * The row is locked first, so concurrent moves (a cancel racing the carrier's step) take
 * turns and each judges the status the other left, not the one it saw before waiting.
 */
async function transition(
  tx: Tx,
  id: string,
  from: PortingOrderStatus[],
  to: PortingOrderStatus,
  data: Prisma.PortingOrderUncheckedUpdateManyInput = {},
  reason: string | null = null,
) {
  await lockRow(tx, 'PortingOrder', id);
  const before = await tx.portingOrder.findFirst({ where: { id, status: { in: from } } });
  if (!before) return null;
  const [after] = await tx.portingOrder.updateManyAndReturn({ where: { id, status: before.status }, data: { ...data, status: to } });
  if (!after) return null;
  await recordTransition(tx, before, to, reason);
  return after;
}

export async function createPortingOrders(db: TenantDb, carrier: CarrierGateway, input: { phoneNumbers: string[]; customerReference?: string | null }) {
  const phoneNumbers = checkNumberList(input.phoneNumbers);
  const customerReference = text(input.customerReference, 'customerReference', 120) ?? null;
  const checks = await carrier.checkPortability(phoneNumbers);
  const refused = checks.filter((check) => !check.portable);
  const portable = checks.filter((check): check is PortableResult => check.portable);
  if (refused.length) {
    throw new DomainError('NOT_PORTABLE', `Not portable: ${refused.map((r) => `${r.e164} (${r.notPortableReason})`).join(', ')}`, ['input', 'phoneNumbers'], {
      phoneNumbers: refused.map((r) => r.e164),
    });
  }
  const { organizationId } = db.tenant;
  return inTransaction(db, async (tx) => {
    await lockNumbers(tx, phoneNumbers);
    const inUse = await numbersInUse(tx, phoneNumbers);
    if (inUse.length) {
      throw new DomainError('NOT_PORTABLE', `Already in service on this platform or in an open porting order: ${inUse.join(', ')}`, ['input', 'phoneNumbers'], {
        phoneNumbers: inUse,
      });
    }
    // Carriers take one country and number type per order.
    const groups = new Map<string, { countryCode: string; numberType: PortableResult['numberType']; checks: PortableResult[] }>();
    for (const check of portable) {
      const key = `${check.countryCode}:${check.numberType}`;
      const group = groups.get(key) ?? { countryCode: check.countryCode, numberType: check.numberType, checks: [] };
      group.checks.push(check);
      groups.set(key, group);
    }
    const orders: PortingOrder[] = [];
    for (const { countryCode, numberType, checks: group } of groups.values()) {
      const order = await tx.portingOrder.create({ data: { organizationId, countryCode, numberType, customerReference } });
      await tx.portingOrderNumber.createMany({
        data: group.map((check) => ({
          organizationId,
          portingOrderId: order.id,
          e164: check.e164,
          losingCarrier: check.losingCarrier,
          fastPortable: check.fastPortable,
        })),
      });
      await recordTransition(tx, { id: order.id, status: null }, 'DRAFT');
      orders.push(order);
    }
    return orders;
  });
}

export type PortingDetails = {
  customerReference?: string | null;
  authorizedPerson?: string | null;
  businessName?: string | null;
  accountNumber?: string | null;
  accountPin?: string | null;
  serviceAddress?: { street: string; locality: string; region?: string | null; postalCode: string; countryCode: string } | null;
  requestedFocDate?: Date | null;
};

/** `field` is where the caller named the order: `input.id`, or `input.portingOrderId` for uploads. */
async function editableOrder(client: TenantClient, id: string, field = ['input', 'id']) {
  const order = await client.portingOrder.findUnique({ where: { id }, include: { numbers: { select: { fastPortable: true, e164: true } } } });
  if (!order) throw notFound(field, 'Porting order');
  if (!editable.includes(order.status)) {
    throw new DomainError('INVALID_STATE', `The order is ${order.status.toLowerCase()}; it can be changed only as a draft or in exception`, field);
  }
  return order;
}

function text(value: string | null | undefined, field: string, max: number) {
  if (value === undefined) return undefined;
  if (value === null || value.trim() === '') return null;
  if (value.length > max) throw invalidInput(['input', field], `${field} must be at most ${max} characters`);
  return value.trim();
}

export async function updatePortingOrder(db: TenantDb, id: string, input: PortingDetails, now = new Date()) {
  const data: Prisma.PortingOrderUncheckedUpdateInput = {
    customerReference: text(input.customerReference, 'customerReference', 120),
    authorizedPerson: text(input.authorizedPerson, 'authorizedPerson', 120),
    businessName: text(input.businessName, 'businessName', 200),
    accountNumber: text(input.accountNumber, 'accountNumber', 64),
  };
  if (input.accountPin !== undefined) {
    if (input.accountPin !== null && !/^[A-Za-z0-9]{1,20}$/.test(input.accountPin))
      throw invalidInput(['input', 'accountPin'], 'accountPin must be 1 to 20 letters or digits');
    data.accountPin = input.accountPin;
  }
  if (input.serviceAddress !== undefined) {
    const address = input.serviceAddress;
    data.serviceStreet = address ? text(address.street, 'serviceAddress.street', 200) : null;
    data.serviceLocality = address ? text(address.locality, 'serviceAddress.locality', 100) : null;
    data.serviceRegion = address ? text(address.region, 'serviceAddress.region', 100) : null;
    data.servicePostalCode = address ? text(address.postalCode, 'serviceAddress.postalCode', 20) : null;
    data.serviceCountryCode = address?.countryCode ?? null;
  }
  return inTransaction(db, async (tx) => {
    const order = await editableOrder(tx, id);
    if (input.requestedFocDate !== undefined && input.requestedFocDate !== null) {
      const windows = allowedFocWindows(
        order.numbers.every((n) => n.fastPortable),
        now,
      );
      const date = input.requestedFocDate;
      if (!windows.some((w) => date >= w.startsAt && date <= w.endsAt)) {
        throw invalidInput(
          ['input', 'requestedFocDate'],
          `requestedFocDate must fall in one of allowedFocWindows (business days 09:00–17:00 UTC from ${windows[0]?.startsAt.toISOString()})`,
        );
      }
    }
    if (input.requestedFocDate !== undefined) data.requestedFocDate = input.requestedFocDate;
    // Conditional, so an order submitted meanwhile is not changed under the carrier.
    const [updated] = await tx.portingOrder.updateManyAndReturn({
      where: { id, status: { in: editable } },
      data: data as Prisma.PortingOrderUncheckedUpdateManyInput,
    });
    if (!updated)
      throw new DomainError('INVALID_STATE', 'The order changed while it was being updated; it can be changed only as a draft or in exception', [
        'input',
        'id',
      ]);
    return updated;
  });
}

export async function uploadPortingDocument(
  db: TenantDb,
  storage: DocumentStorage,
  input: Upload & { portingOrderId: string; kind: PortingDocumentKind },
  maxBytes = defaultMaxDocumentBytes,
) {
  await editableOrder(db, input.portingOrderId, ['input', 'portingOrderId']);
  const { organizationId } = db.tenant;
  const stored = await storeDocument(storage, organizationId, input, maxBytes);
  return db.portingDocument.create({ data: { organizationId, portingOrderId: input.portingOrderId, kind: input.kind, ...stored } });
}

function missingRequirements(order: PortingOrder & { numbers: Array<{ fastPortable: boolean }>; documents: Array<{ kind: PortingDocumentKind }> }, now: Date) {
  const missing: DomainError[] = [];
  const need = (ok: unknown, field: string[], what: string) => {
    if (!ok) missing.push(new DomainError('PORTING_ORDER_INCOMPLETE', `Missing ${what}`, field));
  };
  need(order.authorizedPerson, ['authorizedPerson'], 'the authorized person on the account');
  need(order.accountNumber, ['accountNumber'], 'the account number with the losing carrier');
  need(order.serviceStreet && order.serviceLocality && order.servicePostalCode && order.serviceCountryCode, ['serviceAddress'], 'the service address');
  need(order.requestedFocDate, ['requestedFocDate'], 'a requested FOC date');
  const focDate = order.requestedFocDate;
  if (focDate) {
    const windows = allowedFocWindows(
      order.numbers.every((n) => n.fastPortable),
      now,
    );
    need(
      windows.some((w) => focDate >= w.startsAt && focDate <= w.endsAt),
      ['requestedFocDate'],
      'a FOC date that is still within allowedFocWindows',
    );
  }
  need(
    order.documents.some((d) => d.kind === 'LOA'),
    ['documents', 'LOA'],
    'a signed letter of authorization (LOA)',
  );
  need(
    order.numbers.every((n) => n.fastPortable) || order.documents.some((d) => d.kind === 'INVOICE'),
    ['documents', 'INVOICE'],
    'a recent invoice from the losing carrier',
  );
  return missing;
}

function submissionOf(order: PortingOrder, phoneNumbers: string[]): PortSubmission {
  const { requestedFocDate, accountNumber, authorizedPerson } = order;
  // Submission checked these (missingRequirements); an order reaching the carrier without them is a bug.
  if (!requestedFocDate || !accountNumber || !authorizedPerson) throw new Error(`Porting order ${order.id} was submitted incomplete`);
  return { portingOrderId: order.id, run: order.submissions, phoneNumbers, requestedFocDate, accountNumber, authorizedPerson };
}

export async function submitPortingOrder(db: TenantDb, carrier: CarrierGateway, id: string, now = new Date()) {
  const { organizationId } = db.tenant;
  const submitted = await inTransaction(db, async (tx) => {
    const order = await editableOrder(tx, id);
    const documents = await tx.portingDocument.findMany({ where: { portingOrderId: id }, select: { kind: true } });
    const missing = missingRequirements({ ...order, documents }, now);
    DomainErrors.throwIfAny(missing.map((error) => new DomainError(error.code, error.message, ['input', ...(error.field ?? [])])));
    const moved = await transition(tx, id, editable, 'SUBMITTED', { submissions: { increment: 1 }, submittedAt: now, exceptionReason: null });
    if (!moved) throw new DomainError('INVALID_STATE', 'The order changed while it was being submitted; try again', ['input', 'id']);
    // The numbers show in your inventory as PORTING from now on.
    const existing = await tx.phoneNumber.findMany({ where: { portingOrderId: id }, select: { e164: true } });
    const known = new Set(existing.map((n) => n.e164));
    const fresh = order.numbers.filter((n) => !known.has(n.e164));
    const created = await tx.phoneNumber.createManyAndReturn({
      data: fresh.map(({ e164 }) => {
        const plan = classifyNumber(e164);
        return {
          organizationId,
          portingOrderId: id,
          e164,
          countryCode: order.countryCode,
          areaCode: plan?.areaCode ?? '',
          region: plan?.region ?? null,
          locality: plan?.locality ?? null,
          numberType: order.numberType,
          capabilities: order.numberType === 'TOLL_FREE' ? ['VOICE' as const, 'SMS' as const] : ['VOICE' as const, 'SMS' as const, 'MMS' as const],
          provider: 'Port-in',
          activationPriceCents: 0,
          monthlyPriceCents: plan?.monthlyPriceCents ?? 100,
          status: 'PORTING' as const,
        };
      }),
      select: { id: true, e164: true },
    });
    await recordStatusChanges(
      tx,
      created.map((n) => ({ phoneNumberId: n.id, e164: n.e164, previousStatus: null, newStatus: 'PORTING' as const })),
    );
    await enqueueJob(
      tx,
      'port-progress',
      { organizationId, portingOrderId: id, run: moved.submissions, step: 1 },
      { uniqueKey: `port:${id}:${moved.submissions}:1`, maxAttempts: 10 },
    );
    return { order: moved, phoneNumbers: order.numbers.map((n) => n.e164) };
  });
  // Told after commit; the progress job carries on from here even if this call fails.
  const { carrierReference } = await carrier.submitPort(submissionOf(submitted.order, submitted.phoneNumbers));
  return db.portingOrder.update({ where: { id }, data: { carrierReference } });
}

export async function cancelPortingOrder(db: TenantDb, id: string) {
  return inTransaction(db, async (tx) => {
    const order = await tx.portingOrder.findUnique({ where: { id } });
    if (!order) throw notFound(['input', 'id'], 'Porting order');
    const cancelled = await transition(tx, id, cancellable, 'CANCELLED', { cancelledAt: new Date() });
    if (!cancelled) {
      const current = await tx.portingOrder.findUniqueOrThrow({ where: { id: order.id }, select: { status: true } });
      throw new DomainError('INVALID_STATE', `The order is ${current.status.toLowerCase()}; it can be cancelled only until the FOC date is confirmed`, [
        'input',
        'id',
      ]);
    }
    const porting = await tx.phoneNumber.updateManyAndReturn({ where: { portingOrderId: id, status: 'PORTING' }, data: { status: 'FAILED' } });
    await recordStatusChanges(
      tx,
      porting.map((n) => ({ phoneNumberId: n.id, e164: n.e164, previousStatus: 'PORTING' as const, newStatus: 'FAILED' as const })),
    );
    return cancelled;
  });
}

async function completePort(tx: Tx, id: string, graceMs: number) {
  const ported = await transition(tx, id, ['FOC_DATE_CONFIRMED'], 'PORTED', { portedAt: new Date() });
  if (!ported) return;
  const activatedAt = new Date();
  const nextBillingAt = addMonth(activatedAt);
  const numbers = await tx.phoneNumber.updateManyAndReturn({
    where: { portingOrderId: id, status: 'PORTING' },
    data: { status: 'ACTIVE', activatedAt, nextBillingAt },
  });
  for (const number of numbers) await chargeMonth(tx, number, activatedAt, graceMs);
  await recordStatusChanges(
    tx,
    numbers.map((n) => ({ phoneNumberId: n.id, e164: n.e164, previousStatus: 'PORTING' as const, newStatus: 'ACTIVE' as const })),
  );
  const buckets = new Map(numbers.map((n) => [`${n.countryCode}:${n.areaCode}`, n]));
  for (const { countryCode, areaCode } of buckets.values()) await checkBucket(tx, countryCode, areaCode);
}

/** The carrier-driven progress job: one step per run, the next scheduled after `stepMs`. Stale runs do nothing. */
export async function advancePort(
  db: TenantDb,
  carrier: CarrierGateway,
  input: { portingOrderId: string; run: number; step: number },
  timing: { stepMs: number; graceMs: number },
) {
  const { stepMs, graceMs } = timing;
  const { organizationId } = db.tenant;
  const order = await db.portingOrder.findUnique({ where: { id: input.portingOrderId }, include: { numbers: { select: { e164: true } } } });
  if (!order || order.submissions !== input.run || !['SUBMITTED', 'IN_PROCESS', 'FOC_DATE_CONFIRMED'].includes(order.status)) return;
  const progress = await carrier.portProgress(
    submissionOf(
      order,
      order.numbers.map((n) => n.e164),
    ),
    input.step,
  );
  await inTransaction(db, async (tx) => {
    const next = () =>
      enqueueJob(
        tx,
        'port-progress',
        { organizationId, portingOrderId: order.id, run: input.run, step: input.step + 1 },
        {
          runAt: new Date(Date.now() + stepMs),
          uniqueKey: `port:${order.id}:${input.run}:${input.step + 1}`,
          maxAttempts: 10,
        },
      );
    if (progress.status === 'IN_PROCESS') {
      if (await transition(tx, order.id, ['SUBMITTED'], 'IN_PROCESS')) await next();
    } else if (progress.status === 'FOC_DATE_CONFIRMED') {
      const moved = await transition(tx, order.id, ['IN_PROCESS'], 'FOC_DATE_CONFIRMED', { confirmedFocDate: progress.focDate });
      if (moved) {
        await tx.portingComment.create({
          data: { organizationId, portingOrderId: order.id, author: 'carrier', body: `FOC date confirmed for ${progress.focDate.toISOString().slice(0, 10)}` },
        });
        await next();
      }
    } else if (progress.status === 'EXCEPTION') {
      const moved = await transition(tx, order.id, ['SUBMITTED', 'IN_PROCESS'], 'EXCEPTION', { exceptionReason: progress.reason }, progress.reason);
      if (moved)
        await tx.portingComment.create({
          data: { organizationId, portingOrderId: order.id, author: 'carrier', body: `${progress.reason}. Correct the order and resubmit it.` },
        });
    } else {
      await completePort(tx, order.id, graceMs);
    }
  });
}
