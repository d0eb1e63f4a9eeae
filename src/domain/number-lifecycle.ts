import type { Prisma } from '../generated/prisma/client.js';
import type { InboundCallScreening, TollFreeVerificationStatus } from '../generated/prisma/enums.js';
import { enqueueJob } from '../infra/jobs.js';
import type { TenantDb } from '../infra/tenant-scope.js';
import { addMonth, chargeMonth } from './billing.js';
import { DomainError, invalidInput, notFound } from './errors.js';
import { recordEvent, recordStatusChanges } from './events.js';
import { tagSeparator } from './export.js';
import { checkBucket } from './inventory-alerts.js';
import { maxTagLength } from './phone-numbers.js';
import { inTransaction } from './transactions.js';

/** Absent (undefined) fields are left alone; null clears a nullable field. */
export type ConfigureInput = {
  customerReference?: string | null;
  label?: string | null;
  tags?: string[] | null;
  cnamLookupEnabled?: boolean | null;
  cnamDisplayName?: string | null;
  techPrefixEnabled?: boolean | null;
  inboundCallScreening?: InboundCallScreening | null;
  messagingEnabled?: boolean | null;
  connectionId?: string | null;
  forwardingNumber?: string | null;
  assignedTo?: string | null;
  allowInbound?: boolean | null;
  allowOutbound?: boolean | null;
  complianceProfileId?: string | null;
  tfvStatus?: TollFreeVerificationStatus | null;
};

const limits = { customerReference: 120, label: 100, cnamDisplayName: 15, assignedTo: 200, complianceProfileId: 100, tag: maxTagLength, tags: 20 };

function text(value: string | null | undefined, name: keyof typeof limits, pattern?: RegExp, hint?: string) {
  if (value === undefined || value === null) return value;
  if (value.length > limits[name]) throw invalidInput(['input', name], `${name} must be at most ${limits[name]} characters`);
  if (pattern && value && !pattern.test(value)) throw invalidInput(['input', name], `${name} ${hint}`);
  return value === '' ? null : value;
}

const booleanFields = ['cnamLookupEnabled', 'techPrefixEnabled', 'messagingEnabled', 'allowInbound', 'allowOutbound'] as const;

/** Validates the whole input before anything is written, and returns the update to make. */
function configurationUpdate(input: ConfigureInput): Prisma.PhoneNumberUncheckedUpdateInput {
  const data: Prisma.PhoneNumberUncheckedUpdateInput = {};
  const set = <K extends keyof Prisma.PhoneNumberUncheckedUpdateInput>(key: K, value: Prisma.PhoneNumberUncheckedUpdateInput[K] | undefined) => {
    if (value !== undefined) data[key] = value;
  };
  set('customerReference', text(input.customerReference, 'customerReference'));
  set('label', text(input.label, 'label'));
  // Caller ID names: letters, digits, spaces and a little punctuation, as CNAM databases accept.
  set('cnamDisplayName', text(input.cnamDisplayName, 'cnamDisplayName', /^[A-Za-z0-9 .,&'-]+$/, "may contain only letters, digits, spaces and . , & ' -"));
  set('assignedTo', text(input.assignedTo, 'assignedTo'));
  set('complianceProfileId', text(input.complianceProfileId, 'complianceProfileId'));
  for (const field of booleanFields) {
    if (input[field] === null) throw invalidInput(['input', field], `${field} can't be null`);
    set(field, input[field]);
  }
  if (input.inboundCallScreening === null) throw invalidInput(['input', 'inboundCallScreening'], "inboundCallScreening can't be null");
  set('inboundCallScreening', input.inboundCallScreening);
  // Toll-free verification is the carrier's verdict, not the customer's to set (issue: a customer set VERIFIED on a local number).
  if (input.tfvStatus !== undefined) {
    throw new DomainError('READ_ONLY_FIELD', "tfvStatus is the carrier's toll-free verification result and can't be set", ['input', 'tfvStatus']);
  }
  set('forwardingNumber', input.forwardingNumber);
  if (input.tags !== undefined) {
    const tags = [...new Set((input.tags ?? []).map((tag) => tag.trim()))];
    if (tags.length > limits.tags) throw invalidInput(['input', 'tags'], `At most ${limits.tags} tags`);
    const bad = tags.find((tag) => tag.length === 0 || tag.length > limits.tag);
    if (bad !== undefined) throw invalidInput(['input', 'tags'], `Each tag must be 1 to ${limits.tag} characters`);
    // The export joins tags with it, so a tag containing it could not be told from two.
    if (tags.some((tag) => tag.includes(tagSeparator)))
      throw invalidInput(['input', 'tags'], `A tag can't contain "${tagSeparator}" (it separates tags in the export)`);
    data.tags = tags;
  }
  if (input.assignedTo !== undefined) data.assignedAt = data.assignedTo ? new Date() : null;
  return data;
}

export async function configureNumber(db: TenantDb, phoneNumberId: string, input: ConfigureInput) {
  const data = configurationUpdate(input);
  return inTransaction(db, async (tx) => {
    const number = await tx.phoneNumber.findUnique({ where: { id: phoneNumberId } });
    if (!number) throw notFound(['input', 'id'], 'Phone number');
    if (number.status === 'PENDING' || number.status === 'PORTING') {
      throw new DomainError('NUMBER_NOT_YET_ACTIVE', `${number.e164} is ${number.status.toLowerCase()}; configure it once it is active`, ['input', 'id']);
    }
    if (number.status === 'RELEASED' || number.status === 'FAILED') {
      throw new DomainError('INVALID_STATE', `${number.e164} is ${number.status.toLowerCase()} and can no longer be configured`, ['input', 'id']);
    }
    if (input.connectionId !== undefined) {
      if (input.connectionId !== null && !(await tx.connection.findUnique({ where: { id: input.connectionId }, select: { id: true } }))) {
        throw notFound(['input', 'connectionId'], 'Connection');
      }
      data.connectionId = input.connectionId;
    }
    if (data.assignedAt && number.assignedTo === data.assignedTo) data.assignedAt = number.assignedAt;
    // Conditional, so a number released meanwhile is not reconfigured.
    const [updated] = await tx.phoneNumber.updateManyAndReturn({
      where: { id: phoneNumberId, status: { in: ['ACTIVE', 'SUSPENDED'] } },
      data: data as Prisma.PhoneNumberUncheckedUpdateManyInput,
    });
    if (!updated) throw new DomainError('INVALID_STATE', `${number.e164} changed while it was being configured; try again`, ['input', 'id']);
    await recordEvent(tx, 'NUMBER_CONFIGURED', phoneNumberId, { phoneNumberId, e164: number.e164, fields: Object.keys(input) });
    if (input.assignedTo !== undefined) await checkBucket(tx, number.countryCode, number.areaCode);
    return updated;
  });
}

/**
 * Soft release: the row stays for audit, billing ends with the period already
 * paid, the carrier is told by a job, and the number returns to stock after quarantine.
 */
export async function releaseNumber(db: TenantDb, phoneNumberId: string, quarantineDays: number) {
  return inTransaction(db, async (tx) => {
    const number = await tx.phoneNumber.findUnique({ where: { id: phoneNumberId } });
    if (!number) throw notFound(['input', 'id'], 'Phone number');
    const releasedAt = new Date();
    const [released] = await tx.phoneNumber.updateManyAndReturn({
      where: { id: phoneNumberId, status: { in: ['ACTIVE', 'SUSPENDED'] } },
      data: { status: 'RELEASED', releasedAt, billingEndsAt: number.nextBillingAt },
    });
    if (!released) {
      const why = number.status === 'RELEASED' ? 'is already released' : `is ${number.status.toLowerCase()}; only active or suspended numbers can be released`;
      throw new DomainError('INVALID_STATE', `${number.e164} ${why}`, ['input', 'id']);
    }
    await recordStatusChanges(tx, [{ phoneNumberId, e164: number.e164, previousStatus: number.status, newStatus: 'RELEASED' }]);
    await checkBucket(tx, number.countryCode, number.areaCode);
    await enqueueJob(
      tx,
      'release-number',
      { e164: number.e164, organizationId: tx.tenant.organizationId },
      { uniqueKey: `release:${phoneNumberId}`, maxAttempts: 10 },
    );
    if (number.inventoryNumberId) {
      // A sandbox's test stock is its own: a released test number is back at once, for the next test run.
      const days = tx.tenant.environment === 'TEST' ? 0 : quarantineDays;
      const quarantinedUntil = new Date(releasedAt.getTime() + days * 86_400_000);
      await tx.inventoryNumber.updateMany({ where: { id: number.inventoryNumberId, state: 'ASSIGNED' }, data: { state: 'QUARANTINED', quarantinedUntil } });
      await enqueueJob(
        tx,
        'return-to-stock',
        { inventoryNumberId: number.inventoryNumberId },
        { runAt: quarantinedUntil, uniqueKey: `return:${phoneNumberId}` },
      );
    }
    return released;
  });
}

/** Charges one month when it is due, advances the cycle, schedules the next. Stops once released. */
export async function billNumber(db: TenantDb, phoneNumberId: string, graceMs: number) {
  await inTransaction(db, async (tx) => {
    const number = await tx.phoneNumber.findUnique({ where: { id: phoneNumberId } });
    if (!number?.nextBillingAt || !['ACTIVE', 'SUSPENDED'].includes(number.status)) return;
    const period = number.nextBillingAt;
    if (period > new Date()) throw new Error(`Billing for ${number.e164} is not due until ${period.toISOString()}`);
    const advanced = await tx.phoneNumber.updateMany({ where: { id: phoneNumberId, nextBillingAt: period }, data: { nextBillingAt: addMonth(period) } });
    if (!advanced.count) return;
    await chargeMonth(tx, number, period, graceMs);
  });
}
