import { randomBytes, randomUUID } from 'node:crypto';
import type { Organization, PrismaClient } from '../generated/prisma/client.js';
import type { EventType, KycStatus, OrganizationStatus } from '../generated/prisma/enums.js';
import { isUniqueViolation } from '../infra/database-errors.js';
import { platformSql, type TenantScope } from '../infra/tenant-scope.js';
import { apiKeyRecord, generateApiKey, hashApiKey } from './api-keys.js';
import { DomainError, invalidInput, notFound } from './errors.js';
import { recordEvent } from './events.js';
import { checkIdempotencyKey, checkName, checkText } from './input-rules.js';
import { moveMoney } from './ledger.js';
import { inTransaction, type Tx } from './transactions.js';

// What the platform's operators do to organizations: onboard them, move money on their
// balances, review their KYC, suspend and reactivate them. Operators act on any organization,
// so these functions take the platform client; the work on one organization's data still runs
// through that organization's scoped client, in one transaction with the audit record that says
// who did it, when, why, and what the organization looked like before and after.

export type Operator = { operatorKeyId: string; name: string };

const operatorKeyPattern = /^pn_op_[A-Za-z0-9]{32,64}$/;

function looksLikeOperatorKey(key: string): boolean {
  return operatorKeyPattern.test(key);
}

/** A new operator secret; shown once, stored only as its hash. */
function generateOperatorKey(): string {
  return generateApiKey('LIVE').replace(/^pn_live_/, 'pn_op_');
}

export async function createOperatorKey(prisma: PrismaClient, rawName: string) {
  const name = checkName(rawName, ['name']);
  const secret = generateOperatorKey();
  const operatorKey = await prisma.operatorKey.create({ data: { name, secretHash: hashApiKey(secret), displayPrefix: secret.slice(0, 10) } });
  return { operatorKey, secret };
}

const lastUsedWriteInterval = 60_000;

/** The operator behind `key`; null for a missing, malformed, unknown or revoked key (and for every tenant key). */
export async function authenticateOperator(prisma: PrismaClient, key: string | null): Promise<Operator | null> {
  if (!key || !looksLikeOperatorKey(key)) return null;
  const record = await prisma.operatorKey.findUnique({ where: { secretHash: hashApiKey(key) } });
  if (!record || record.revokedAt) return null;
  if (!record.lastUsedAt || Date.now() - record.lastUsedAt.getTime() > lastUsedWriteInterval) {
    void prisma.operatorKey.update({ where: { id: record.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  return { operatorKeyId: record.id, name: record.name };
}

/** What an audit record keeps of an organization before and after an action. */
function snapshot(org: Pick<Organization, 'status' | 'statusReason' | 'kycStatus' | 'kycDeclineReason' | 'balanceCents'>) {
  return {
    status: org.status,
    statusReason: org.statusReason,
    kycStatus: org.kycStatus,
    kycDeclineReason: org.kycDeclineReason,
    balanceCents: org.balanceCents,
  };
}

type AuditEntry = { action: string; reason?: string | null; before?: unknown; after?: unknown };

/**
 * Writes the audit record in the transaction doing the action. The trail belongs to the platform,
 * not to the tenant (no tenant key can read it), hence platform SQL on the transaction's connection.
 */
async function audit(tx: Tx, operator: Operator, entry: AuditEntry) {
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  await platformSql(tx).execute`
    INSERT INTO "AuditRecord" (id, "operatorKeyId", action, "organizationId", reason, before, after, "createdAt")
    VALUES (${randomUUID()}::uuid, ${operator.operatorKeyId}::uuid, ${entry.action}, ${tx.tenant.organizationId}::uuid, ${entry.reason ?? null},
      ${json(entry.before)}::jsonb, ${json(entry.after)}::jsonb, ${new Date()})`;
}

/** Runs `work` on one organization in a transaction of its scoped (live) client; NOT_FOUND naming `field` when there is no such organization. */
async function onOrganization<T>(tenants: TenantScope, organizationId: string, field: string[], work: (tx: Tx, before: Organization) => Promise<T>) {
  const db = tenants({ organizationId, mode: 'LIVE', environment: 'LIVE' });
  return inTransaction(db, async (tx) => {
    // Locked (a real UPDATE), so concurrent operator actions on one organization see each other's result.
    // Live organizations only: a sandbox is its owner's, funded and run from its test keys.
    const [locked] = await tx.organization.updateManyAndReturn({ where: { id: organizationId, environment: 'LIVE' }, data: { updatedAt: new Date() } });
    if (!locked) throw notFound(field, 'Organization');
    return work(tx, locked);
  });
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkReason(reason: string, field: string[], maxLength = 500) {
  const trimmed = checkText(reason, field, maxLength).trim();
  if (!trimmed) throw invalidInput(field, `"${field.join('.')}" must not be empty`);
  return trimmed;
}

function slugFor(name: string) {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'org'}-${randomBytes(3).toString('hex')}`;
}

export type NewOrganization = { name: string; billingEmail: string; country: string; adminKeyName?: string | null };

/** A new organization (ACTIVE, KYC not submitted, balance zero) and its first ADMIN live key, whose secret is returned once. */
export async function createOrganization(prisma: PrismaClient, operator: Operator, input: NewOrganization) {
  const name = checkName(checkText(input.name, ['input', 'name']), ['input', 'name']);
  const billingEmail = checkText(input.billingEmail, ['input', 'billingEmail'], 254).trim();
  if (!emailPattern.test(billingEmail)) throw invalidInput(['input', 'billingEmail'], '"input.billingEmail" must be an email address');
  if (!/^[A-Z]{2}$/.test(input.country)) throw invalidInput(['input', 'country'], '"input.country" must be an ISO 3166-1 alpha-2 code');
  const keyName = checkName(checkText(input.adminKeyName ?? 'Admin', ['input', 'adminKeyName']), ['input', 'adminKeyName']);
  const secret = generateApiKey('LIVE');
  // On the platform client: the organization does not exist yet, so there is no tenant to scope to.
  return prisma.$transaction(async (tx) => {
    const organization = await tx.organization.create({ data: { name, slug: slugFor(name), billingEmail, country: input.country } });
    const apiKey = await tx.apiKey.create({ data: apiKeyRecord(secret, { organizationId: organization.id, name: keyName, role: 'ADMIN' }) });
    await tx.auditRecord.create({
      data: {
        operatorKeyId: operator.operatorKeyId,
        organizationId: organization.id,
        action: 'CREATE_ORGANIZATION',
        after: { ...snapshot(organization), name, billingEmail, country: input.country, adminKeyId: apiKey.id },
      },
    });
    return { organization, apiKey, secret };
  });
}

export type BalanceAdjustment = { organizationId: string; amountCents: number; reason: string; externalReference: string; idempotencyKey: string };

/**
 * Credits (positive) or debits (negative) a balance as a ledger entry, with the operator's reason and
 * external reference. The idempotency key makes it happen once: the same key again answers with the
 * entry it made (`replayed`), with another organization or amount it is IDEMPOTENCY_KEY_REUSED. A debit
 * can't take the balance below zero (BALANCE_INSUFFICIENT).
 */
export async function adjustBalance(tenants: TenantScope, operator: Operator, input: BalanceAdjustment) {
  checkIdempotencyKey(input.idempotencyKey);
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents === 0 || Math.abs(input.amountCents) > 1_000_000_000) {
    throw invalidInput(['input', 'amountCents'], '"input.amountCents" must be a non-zero whole number of cents, at most 1,000,000,000 either way');
  }
  const reason = checkReason(input.reason, ['input', 'reason']);
  const externalReference = checkReason(input.externalReference, ['input', 'externalReference'], 200);
  const dedupeKey = `operator-adjustment:${input.idempotencyKey}`;
  const reused = () =>
    new DomainError('IDEMPOTENCY_KEY_REUSED', 'This idempotencyKey already made a different balance adjustment', ['input', 'idempotencyKey']);
  return onOrganization(tenants, input.organizationId, ['input', 'organizationId'], async (tx, before) => {
    const moved = await moveMoney(tx, {
      amountCents: input.amountCents,
      kind: input.amountCents > 0 ? 'TOP_UP' : 'ADJUSTMENT',
      description: reason,
      externalReference,
      dedupeKey,
    }).catch((error: unknown) => {
      // The key's entry is another organization's (the dedupe check sees only this one's): its unique index refuses a second.
      throw isUniqueViolation(error) ? reused() : error;
    });
    const entry = await tx.ledgerEntry.findUnique({ where: { dedupeKey } });
    if (!moved) {
      // Made before, by this key: for this organization (the scoped client sees it) and this amount, or not at all.
      if (!entry || entry.amountCents !== input.amountCents) throw reused();
      return { ledgerEntry: entry, replayed: true };
    }
    if (!entry) throw new Error(`The ledger entry of adjustment ${dedupeKey} is missing`);
    await recordEvent(tx, 'BALANCE_CHANGED', tx.tenant.organizationId, { amountCents: input.amountCents, balanceCents: moved.balanceCents, reason });
    await audit(tx, operator, {
      action: input.amountCents > 0 ? 'CREDIT_BALANCE' : 'DEBIT_BALANCE',
      reason,
      before: snapshot(before),
      after: { ...snapshot(before), balanceCents: moved.balanceCents, ledgerEntryId: entry.id, externalReference },
    });
    return { ledgerEntry: entry, replayed: false };
  });
}

async function changeOrganization(
  tx: Tx,
  operator: Operator,
  before: Organization,
  change: { action: string; reason: string | null; data: Partial<Pick<Organization, 'status' | 'statusReason' | 'kycStatus' | 'kycDeclineReason'>> },
  event: { type: EventType; payload: Record<string, unknown> },
) {
  const [after] = await tx.organization.updateManyAndReturn({ where: { id: before.id }, data: change.data });
  if (!after) throw notFound(['input', 'organizationId'], 'Organization');
  await recordEvent(tx, event.type, before.id, event.payload);
  await audit(tx, operator, { action: change.action, reason: change.reason, before: snapshot(before), after: snapshot(after) });
  return after;
}

export type KycDecision = 'START_REVIEW' | 'APPROVE' | 'DECLINE';

const decided: Record<KycDecision, KycStatus> = { START_REVIEW: 'PENDING', APPROVE: 'VERIFIED', DECLINE: 'DECLINED' };

/**
 * START_REVIEW takes a SUBMITTED KYC to PENDING; APPROVE (VERIFIED) and DECLINE (DECLINED, with the reason the
 * customer is shown) end a review, or stand for one done outside the API for a managed account.
 */
export async function reviewKyc(tenants: TenantScope, operator: Operator, input: { organizationId: string; decision: KycDecision; reason?: string | null }) {
  const reason = input.reason == null ? null : checkReason(input.reason, ['input', 'reason']);
  if (input.decision === 'DECLINE' && !reason) throw invalidInput(['input', 'reason'], 'A declined review needs a reason');
  const kycStatus = decided[input.decision];
  return onOrganization(tenants, input.organizationId, ['input', 'organizationId'], (tx, before) => {
    if (input.decision === 'START_REVIEW' && before.kycStatus !== 'SUBMITTED') {
      throw new DomainError('INVALID_STATE', `KYC is ${before.kycStatus.toLowerCase()}; only a submitted one can be taken into review`, ['input', 'decision']);
    }
    if (before.kycStatus === kycStatus) throw new DomainError('INVALID_STATE', `KYC is already ${kycStatus.toLowerCase()}`, ['input', 'decision']);
    return changeOrganization(
      tx,
      operator,
      before,
      { action: `KYC_${input.decision}`, reason, data: { kycStatus, kycDeclineReason: kycStatus === 'DECLINED' ? reason : null } },
      { type: 'KYC_STATUS_CHANGED', payload: { previousStatus: before.kycStatus, newStatus: kycStatus, reason: kycStatus === 'DECLINED' ? reason : null } },
    );
  });
}

/** Suspends an ACTIVE organization or reactivates a SUSPENDED one; INVALID_STATE when it already is what was asked. */
export async function setOrganizationStatus(
  tenants: TenantScope,
  operator: Operator,
  input: { organizationId: string; status: OrganizationStatus; reason: string },
) {
  const reason = checkReason(input.reason, ['input', 'reason']);
  return onOrganization(tenants, input.organizationId, ['input', 'organizationId'], (tx, before) => {
    if (before.status === input.status)
      throw new DomainError('INVALID_STATE', `The organization is already ${input.status.toLowerCase()}`, ['input', 'organizationId']);
    return changeOrganization(
      tx,
      operator,
      before,
      {
        action: input.status === 'SUSPENDED' ? 'SUSPEND_ORGANIZATION' : 'REACTIVATE_ORGANIZATION',
        reason,
        data: { status: input.status, statusReason: reason },
      },
      { type: 'ACCOUNT_STATUS_CHANGED', payload: { previousStatus: before.status, newStatus: input.status, reason } },
    );
  });
}
