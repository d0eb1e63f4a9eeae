import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { createOperatorKey } from '../../src/domain/operators.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { OrderNumbers, pickAvailable } from '../helpers/lifecycle.js';
import type { TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// KYC from the customer's side (upload evidence, submit details) through the operator's review to
// ordering: NOT_SUBMITTED → SUBMITTED → PENDING → DECLINED(reason) → SUBMITTED → VERIFIED, each step
// an event on the feed; documents checked as porting documents are and invisible to other tenants.

const it = serverTest({ DOCUMENT_MAX_BYTES: '4096' }, { tenants: { b: { kycStatus: 'NOT_SUBMITTED' } } });

const pdf = (size = 600) => new Blob([Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(size, 0x20)])], { type: 'application/pdf' });
const png = () => new Blob([Buffer.from('\x89PNG\r\n\x1a\n0000', 'latin1')], { type: 'image/png' });

const Upload = `mutation U($input: UploadKycDocumentInput!) {
  uploadKycDocument(input: $input) { document { id kind filename contentType submitted } errors { code field } }
}`;
const Submit = `mutation S($input: SubmitKycInput!) {
  submitKyc(input: $input) { submission { legalName country documents { kind filename } } errors { code field message } }
}`;
const Status = '{ viewer { organization { kycStatus kycDeclineReason kycSubmission { legalName documents { kind } } } } }';
const Review = `mutation R($input: ReviewKycInput!) { reviewKyc(input: $input) { organization { kycStatus } errors { code field } } }`;

type Json = Record<string, any>;

async function operator(server: TestServer) {
  const { secret } = await createOperatorKey(server.db.prisma, `kyc reviewer ${randomUUID().slice(0, 6)}`);
  return async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/operator/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query, variables }),
    });
    return ((await response.json()) as { data: Json }).data;
  };
}

async function newCustomer(op: Awaited<ReturnType<typeof operator>>) {
  const created = await op(
    'mutation C($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } secret errors { code } } }',
    { input: { name: `KYC ${randomUUID().slice(0, 8)}`, billingEmail: 'kyc@example.com', country: 'DE' } },
  );
  return { id: created.createOrganization.organization.id as string, key: created.createOrganization.secret as string };
}

async function upload(server: TestServer, key: string, kind: string, blob: Blob, filename: string) {
  const response = await server.upload(key, Upload, { input: { kind, file: null } }, { 0: { path: 'variables.input.file', blob, filename } });
  return response.data as Json;
}

const details = (documentIds: string[]) => ({
  legalName: 'Northwind Telecom GmbH',
  registrationNumber: 'HRB 12345',
  address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'de' },
  contact: { name: 'Erika Mustermann', email: 'erika@northwind.example', phone: '+4930123456' },
  documentIds,
});

describe.skipIf(skipReason)('KYC', () => {
  it.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 300 });
  });

  it('a customer submits, an operator reviews and declines with a reason, the customer resubmits and is verified, then orders', async ({ server }) => {
    const op = await operator(server);
    const { id, key } = await newCustomer(op);
    const status = async () => ((await server.graphql(key, Status)).data as Json).viewer.organization;
    expect(await status()).toEqual({ kycStatus: 'NOT_SUBMITTED', kycDeclineReason: null, kycSubmission: null });

    const certificate = await upload(server, key, 'REGISTRATION_CERTIFICATE', pdf(), 'handelsregister.pdf');
    const proof = await upload(server, key, 'PROOF_OF_ADDRESS', png(), 'utility bill.png');
    expect(certificate.uploadKycDocument).toMatchObject({
      document: { kind: 'REGISTRATION_CERTIFICATE', contentType: 'application/pdf', submitted: false },
      errors: [],
    });
    const ids = [certificate.uploadKycDocument.document.id, proof.uploadKycDocument.document.id];
    const submitted = (await server.graphql(key, Submit, { input: details(ids) })).data as Json;
    expect(submitted.submitKyc).toMatchObject({ submission: { legalName: 'Northwind Telecom GmbH', country: 'DE' }, errors: [] });
    expect(submitted.submitKyc.submission.documents.map((d: Json) => d.kind).sort()).toEqual(['PROOF_OF_ADDRESS', 'REGISTRATION_CERTIFICATE']);
    expect(await status()).toMatchObject({ kycStatus: 'SUBMITTED', kycSubmission: { legalName: 'Northwind Telecom GmbH' } });
    // Not twice.
    expect(((await server.graphql(key, Submit, { input: details(ids) })).data as Json).submitKyc.errors).toEqual([
      expect.objectContaining({ code: 'INVALID_STATE', field: ['input'] }),
    ]);

    await op('mutation A($input: AdjustBalanceInput!) { adjustBalance(input: $input) { errors { code } } }', {
      input: { organizationId: id, amountCents: 10_000, reason: 'Top-up', externalReference: 'T-1', idempotencyKey: randomUUID() },
    });
    const [number] = await pickAvailable(server, 1);
    const order = async (idempotencyKey: string) =>
      (await server.graphql(key, OrderNumbers, { input: { phoneNumbers: [number.e164], idempotencyKey } })).data?.orderPhoneNumbers.errors.map((e) => e.code);
    expect(await order('submitted')).toEqual(['KYC_PENDING']);

    // Operators see what was submitted.
    const reviewed = await op('query O($id: ID!) { organization(id: $id) { kycStatus kycSubmission { registrationNumber documents { kind sizeBytes } } } }', {
      id,
    });
    expect(reviewed.organization).toMatchObject({ kycStatus: 'SUBMITTED', kycSubmission: { registrationNumber: 'HRB 12345' } });
    expect((await op(Review, { input: { organizationId: id, decision: 'START_REVIEW' } })).reviewKyc).toEqual({
      organization: { kycStatus: 'PENDING' },
      errors: [],
    });
    expect((await op(Review, { input: { organizationId: id, decision: 'START_REVIEW' } })).reviewKyc.errors).toEqual([
      { code: 'INVALID_STATE', field: ['input', 'decision'] },
    ]);
    expect(await order('pending')).toEqual(['KYC_PENDING']);
    await op(Review, { input: { organizationId: id, decision: 'DECLINE', reason: 'The certificate is older than three months' } });
    expect(await status()).toMatchObject({ kycStatus: 'DECLINED', kycDeclineReason: 'The certificate is older than three months' });
    expect(await order('declined')).toEqual(['KYC_DECLINED']);

    // A resubmission takes new documents: the submitted ones are part of the first submission.
    expect(((await server.graphql(key, Submit, { input: details(ids) })).data as Json).submitKyc.errors).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'documentIds'] }),
    ]);
    expect((await status()).kycStatus).toBe('DECLINED');
    const fresh = await upload(server, key, 'REGISTRATION_CERTIFICATE', pdf(700), 'handelsregister-2026.pdf');
    const again = (await server.graphql(key, Submit, { input: details([fresh.uploadKycDocument.document.id]) })).data as Json;
    expect(again.submitKyc.errors).toEqual([]);
    expect(await status()).toMatchObject({
      kycStatus: 'SUBMITTED',
      kycDeclineReason: null,
      kycSubmission: { documents: [{ kind: 'REGISTRATION_CERTIFICATE' }] },
    });
    await op(Review, { input: { organizationId: id, decision: 'APPROVE' } });
    expect(await order('verified')).toEqual([]);

    const events = (await server.graphql(key, '{ events(first: 50) { edges { node { type } } } }')).data as Json;
    const kycEvents = events.events.edges.filter((e: Json) => e.node.type === 'KYC_STATUS_CHANGED');
    expect(kycEvents).toHaveLength(5);
  });

  it('refuses bad documents and details by field, writing nothing; other tenants’ documents look unknown', async ({ server, b }) => {
    const op = await operator(server);
    const { key } = await newCustomer(op);
    const documents = () => server.db.prisma.kycDocument.count();
    const before = await documents();
    const badFiles: Array<[Blob, string]> = [
      [new Blob([], { type: 'application/pdf' }), 'empty.pdf'],
      [new Blob(['hello'], { type: 'text/plain' }), 'note.txt'],
      [new Blob([Buffer.from('\x89PNG\r\n\x1a\n0000', 'latin1')], { type: 'application/pdf' }), 'image.pdf'],
      [pdf(5000), 'large.pdf'],
    ];
    for (const [blob, filename] of badFiles) {
      expect((await upload(server, key, 'OTHER', blob, filename)).uploadKycDocument, filename).toEqual({
        document: null,
        errors: [{ code: 'DOCUMENT_INVALID', field: ['input', 'file'] }],
      });
    }
    expect(await documents()).toBe(before);

    const mine = (await upload(server, key, 'OTHER', pdf(), 'ok.pdf')).uploadKycDocument.document.id as string;
    const theirs = (await upload(server, b.keys.ADMIN, 'OTHER', pdf(), 'theirs.pdf')).uploadKycDocument.document.id as string;
    const bad: Array<[Record<string, unknown>, string[]]> = [
      [{ legalName: '' }, ['input', 'legalName']],
      [{ legalName: 'a\u0000b' }, ['input', 'legalName']],
      [{ legalName: 'x'.repeat(201) }, ['input', 'legalName']],
      [{ registrationNumber: '   ' }, ['input', 'registrationNumber']],
      [{ contact: { name: 'E', email: 'not-an-email' } }, ['input', 'contact', 'email']],
      [{ address: { line1: 'l', city: 'c', postalCode: 'p', country: 'DE', region: '\u202Ex' } }, ['input', 'address', 'region']],
      [{ documentIds: [] }, ['input', 'documentIds']],
      [{ documentIds: [theirs] }, ['input', 'documentIds']],
      [{ documentIds: [mine, encodeGlobalId('KycDocument', randomUUID())] }, ['input', 'documentIds']],
      [{ documentIds: ['not-an-id'] }, ['input', 'documentIds', '0']],
    ];
    for (const [override, field] of bad) {
      const response = await server.graphql(key, Submit, { input: { ...details([mine]), ...override } });
      // Refused in the payload, or before execution by the input guard (control characters): either way naming the field.
      const fields = response.data
        ? (response.data as Json).submitKyc.errors.map((e: Json) => e.field)
        : (response.errors ?? []).map((e) => (e.extensions as Json | undefined)?.field);
      expect(response.status, JSON.stringify(override)).toBeLessThan(500);
      expect(fields, JSON.stringify(override)).toEqual([field]);
    }
    expect(((await server.graphql(key, Status)).data as Json).viewer.organization).toMatchObject({ kycStatus: 'NOT_SUBMITTED', kycSubmission: null });
    const stillLoose = await server.db.prisma.kycDocument.findMany({ where: { kycSubmissionId: { not: null }, filename: { in: ['ok.pdf', 'theirs.pdf'] } } });
    expect(stillLoose).toEqual([]);

    // Only ADMIN keys submit KYC or upload its documents.
    for (const role of ['MEMBER', 'READ_ONLY'] as const) {
      const refused = await server.graphql(b.keys[role], Submit, { input: details([theirs]) });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    // The other tenant sees none of this organization's KYC.
    expect(((await server.graphql(b.keys.ADMIN, Status)).data as Json).viewer.organization.kycSubmission).toBeNull();
  });
});
