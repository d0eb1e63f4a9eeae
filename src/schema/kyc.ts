import { submitKyc, uploadKycDocument } from '../domain/kyc.js';
import type { KycDocument, KycSubmission } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { KycDocumentKindEnum } from './enums.js';
import { encodeGlobalId, inputId } from './global-id.js';
import { asPayload, mutationPayload } from './mutation-payload.js';

// KYC as the customer does it: upload documents, submit legal details with them (ADMIN keys).

builder.prismaObject('KycDocument', {
  description: 'A file uploaded as KYC evidence. Its bytes are never served back.',
  fields: (t) => ({
    id: t.id({ resolve: (document) => encodeGlobalId('KycDocument', document.id) }),
    kind: t.expose('kind', { type: KycDocumentKindEnum }),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType'),
    sizeBytes: t.exposeInt('sizeBytes'),
    sha256: t.exposeString('sha256'),
    submitted: t.boolean({ description: 'Part of a submission already.', select: { kycSubmissionId: true }, resolve: (d) => d.kycSubmissionId !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('KycSubmission', {
  description: 'What the organization submitted for KYC review.',
  fields: (t) => ({
    legalName: t.exposeString('legalName'),
    registrationNumber: t.exposeString('registrationNumber'),
    addressLine1: t.exposeString('addressLine1'),
    addressLine2: t.exposeString('addressLine2', { nullable: true }),
    city: t.exposeString('city'),
    region: t.exposeString('region', { nullable: true }),
    postalCode: t.exposeString('postalCode'),
    country: t.expose('country', { type: 'CountryCode' }),
    contactName: t.exposeString('contactName'),
    contactEmail: t.exposeString('contactEmail'),
    contactPhone: t.exposeString('contactPhone', { nullable: true }),
    documents: t.relation('documents', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Organization', 'kycSubmission', (t) =>
  t.prismaField({
    type: 'KycSubmission',
    nullable: true,
    description: 'The latest KYC submission, if any.',
    resolve: (query, org, _args, ctx) =>
      ctx.db.kycSubmission.findFirst({ ...query, where: { organizationId: org.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
);

const UploadKycDocumentPayload = mutationPayload<{ document: KycDocument }>('UploadKycDocumentPayload', { rows: { document: 'KycDocument' } });
const SubmitKycPayload = mutationPayload<{ submission: KycSubmission }>('SubmitKycPayload', { rows: { submission: 'KycSubmission' } });

const KycAddressInput = builder.inputType('KycAddressInput', {
  fields: (t) => ({
    line1: t.string({ required: true }),
    line2: t.string({ required: false }),
    city: t.string({ required: true }),
    region: t.string({ required: false }),
    postalCode: t.string({ required: true }),
    country: t.field({ type: 'CountryCode', required: true }),
  }),
});

const KycContactInput = builder.inputType('KycContactInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    phone: t.field({ type: 'E164', required: false }),
  }),
});

builder.mutationFields((t) => ({
  uploadKycDocument: t.field({
    type: UploadKycDocumentPayload,
    authScopes: { admin: true },
    description: 'Multipart upload of a PDF, PNG or JPEG, checked as porting documents are; name it in `submitKyc`.',
    args: {
      input: t.arg({
        type: builder.inputType('UploadKycDocumentInput', {
          fields: (f) => ({ kind: f.field({ type: KycDocumentKindEnum, required: true }), file: f.field({ type: 'File', required: true }) }),
        }),
        required: true,
      }),
    },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const file = input.file;
        const upload = {
          kind: input.kind,
          filename: file.name,
          contentType: file.type,
          size: file.size,
          read: async () => new Uint8Array(await file.arrayBuffer()),
        };
        return { document: await uploadKycDocument(ctx.db, ctx.services.documents, upload, ctx.services.maxDocumentBytes) };
      }),
  }),
  submitKyc: t.field({
    type: SubmitKycPayload,
    authScopes: { admin: true },
    description: 'Submits the legal details with 1 to 10 uploaded documents: NOT_SUBMITTED or DECLINED → SUBMITTED.',
    args: {
      input: t.arg({
        type: builder.inputType('SubmitKycInput', {
          fields: (f) => ({
            legalName: f.string({ required: true, description: 'At most 200 characters.' }),
            registrationNumber: f.string({ required: true, description: 'Company registration or tax number, at most 100 characters.' }),
            address: f.field({ type: KycAddressInput, required: true }),
            contact: f.field({ type: KycContactInput, required: true }),
            documentIds: f.idList({ required: true, description: 'Documents from uploadKycDocument not yet submitted.' }),
          }),
        }),
        required: true,
      }),
    },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const documentIds = input.documentIds.map((id, i) => inputId(id, 'KycDocument', ['input', 'documentIds', String(i)]));
        const { submission } = await submitKyc(ctx.db, { ...input, documentIds });
        return { submission };
      }),
  }),
}));
