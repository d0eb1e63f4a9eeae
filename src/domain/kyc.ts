import type { KycDocumentKind } from '../generated/prisma/enums.js';
import type { DocumentStorage } from '../infra/document-storage.js';
import type { TenantDb } from '../infra/tenant-scope.js';
import { defaultMaxDocumentBytes, storeDocument, type Upload } from './documents.js';
import { DomainError, invalidInput, notFound } from './errors.js';
import { recordEvent } from './events.js';
import { checkText } from './input-rules.js';
import { inTransaction } from './transactions.js';

// A customer's side of KYC: upload evidence, then submit the organization's legal details with
// it. NOT_SUBMITTED or DECLINED → SUBMITTED here; an operator takes it on to PENDING and to
// VERIFIED or DECLINED (src/domain/operators.ts). Ordering opens at VERIFIED.

export async function uploadKycDocument(
  db: TenantDb,
  storage: DocumentStorage,
  upload: Upload & { kind: KycDocumentKind },
  maxBytes = defaultMaxDocumentBytes,
) {
  const { organizationId } = db.tenant;
  const stored = await storeDocument(storage, organizationId, upload, maxBytes);
  return db.kycDocument.create({ data: { organizationId, kind: upload.kind, ...stored } });
}

export type KycDetails = {
  legalName: string;
  registrationNumber: string;
  address: { line1: string; line2?: string | null; city: string; region?: string | null; postalCode: string; country: string };
  contact: { name: string; email: string; phone?: string | null };
  documentIds: string[];
};

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function required(value: string, field: string[], max: number) {
  const text = checkText(value, field, max).trim();
  if (!text) throw invalidInput(field, `"${field.join('.')}" must not be empty`);
  return text;
}

function optional(value: string | null | undefined, field: string[], max: number) {
  return value == null ? null : checkText(value, field, max).trim() || null;
}

/** Submits KYC (from NOT_SUBMITTED, or again after a decline) with documents uploaded before and not yet submitted. */
export async function submitKyc(db: TenantDb, details: KycDetails) {
  const at = (...path: string[]) => ['input', ...path];
  const data = {
    legalName: required(details.legalName, at('legalName'), 200),
    registrationNumber: required(details.registrationNumber, at('registrationNumber'), 100),
    addressLine1: required(details.address.line1, at('address', 'line1'), 200),
    addressLine2: optional(details.address.line2, at('address', 'line2'), 200),
    city: required(details.address.city, at('address', 'city'), 100),
    region: optional(details.address.region, at('address', 'region'), 100),
    postalCode: required(details.address.postalCode, at('address', 'postalCode'), 20),
    country: details.address.country,
    contactName: required(details.contact.name, at('contact', 'name'), 100),
    contactEmail: required(details.contact.email, at('contact', 'email'), 254),
    contactPhone: details.contact.phone ?? null,
  };
  if (!/^[A-Z]{2}$/.test(data.country)) throw invalidInput(at('address', 'country'), '"input.address.country" must be an ISO 3166-1 alpha-2 code');
  if (!emailPattern.test(data.contactEmail)) throw invalidInput(at('contact', 'email'), '"input.contact.email" must be an email address');
  const documentIds = [...new Set(details.documentIds)];
  if (documentIds.length < 1 || documentIds.length > 10) throw invalidInput(at('documentIds'), 'Submit 1 to 10 documents');
  return inTransaction(db, async (tx) => {
    const { kycStatus: previousStatus } = await tx.organization.findFirstOrThrow({ select: { kycStatus: true } });
    if (previousStatus !== 'NOT_SUBMITTED' && previousStatus !== 'DECLINED') {
      throw new DomainError('INVALID_STATE', `KYC is ${previousStatus.toLowerCase()}; it can be submitted when not submitted yet or declined`, ['input']);
    }
    // Conditional: of two submissions at once, one wins and the other is told to look again.
    const [organization] = await tx.organization.updateManyAndReturn({
      where: { kycStatus: previousStatus },
      data: { kycStatus: 'SUBMITTED', kycDeclineReason: null },
    });
    if (!organization) throw new DomainError('INVALID_STATE', 'KYC changed while it was being submitted; read it again', ['input']);
    const submission = await tx.kycSubmission.create({ data: { organizationId: organization.id, ...data } });
    // Only this tenant's documents, not yet part of a submission: another tenant's look like unknown ones.
    const { count } = await tx.kycDocument.updateMany({ where: { id: { in: documentIds }, kycSubmissionId: null }, data: { kycSubmissionId: submission.id } });
    if (count !== documentIds.length) throw notFound(at('documentIds'), 'Unsubmitted KYC document');
    await recordEvent(tx, 'KYC_STATUS_CHANGED', organization.id, { previousStatus, newStatus: 'SUBMITTED', reason: null });
    return { organization, submission };
  });
}
