import { DomainError } from '../../domain/errors.js';
import { adjustBalance, createOrganization, reviewKyc, setOrganizationStatus } from '../../domain/operators.js';
import type { ApiKey, LedgerEntry, Organization } from '../../generated/prisma/client.js';
import { inputId } from '../global-id.js';
import { operatorBuilder as builder, type OperatorContext } from './builder.js';
import { ErrorCode, KycDecision } from './enums.js';

type OperatorError = { message: string; code: DomainError['code']; field: string[] | null };

const OperatorErrorType = builder.objectRef<OperatorError>('OperatorError').implement({
  description: 'Why a mutation did nothing; `field` is the path of the input at fault.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCode, resolve: (error) => error.code }),
    field: t.stringList({ nullable: true, resolve: (error) => error.field }),
  }),
});

type Payload<T> = Partial<T> & { errors: OperatorError[] };

async function asPayload<T extends object>(run: () => Promise<T>): Promise<Payload<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) return { errors: [{ message: error.message, code: error.code, field: error.field }] } as Payload<T>;
    throw error;
  }
}

const ApiKeyType = builder.prismaObject('ApiKey', {
  description: 'The organization’s first ADMIN key (live).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    displayPrefix: t.exposeString('displayPrefix'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const LedgerEntryType = builder.prismaObject('LedgerEntry', {
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind'),
    amountCents: t.exposeInt('amountCents'),
    balanceAfterCents: t.exposeInt('balanceAfterCents'),
    currency: t.exposeString('currency'),
    description: t.exposeString('description'),
    externalReference: t.exposeString('externalReference', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** A payload's `organization`, read again with the selection the client asked for. */
function reloadOrganization(query: object, result: { organization?: Pick<Organization, 'id'> }, _args: unknown, ctx: OperatorContext) {
  return result.organization ? ctx.prisma.organization.findUnique({ ...query, where: { id: result.organization.id } }) : null;
}

const CreateOrganizationPayload = builder
  .objectRef<Payload<{ organization: Organization; apiKey: ApiKey; secret: string }>>('CreateOrganizationPayload')
  .implement({
    fields: (t) => ({
      organization: t.prismaField({
        type: 'Organization',
        nullable: true,
        resolve: reloadOrganization,
      }),
      apiKey: t.field({ type: ApiKeyType, nullable: true, resolve: (result) => result.apiKey ?? null }),
      secret: t.string({
        nullable: true,
        description: 'The ADMIN key itself. Shown only in this response: hand it to the customer.',
        resolve: (r) => r.secret ?? null,
      }),
      errors: t.field({ type: [OperatorErrorType], resolve: (result) => result.errors }),
    }),
  });

const AdjustBalancePayload = builder
  .objectRef<Payload<{ organization: Organization; ledgerEntry: LedgerEntry; replayed: boolean }>>('AdjustBalancePayload')
  .implement({
    fields: (t) => ({
      organization: t.prismaField({
        type: 'Organization',
        nullable: true,
        resolve: reloadOrganization,
      }),
      ledgerEntry: t.field({ type: LedgerEntryType, nullable: true, resolve: (result) => result.ledgerEntry ?? null }),
      replayed: t.boolean({
        description: 'True when this idempotency key had already made the adjustment: nothing moved now.',
        resolve: (r) => r.replayed ?? false,
      }),
      errors: t.field({ type: [OperatorErrorType], resolve: (result) => result.errors }),
    }),
  });

const OrganizationPayload = builder.objectRef<Payload<{ organization: Organization }>>('OrganizationPayload').implement({
  fields: (t) => ({
    organization: t.prismaField({ type: 'Organization', nullable: true, resolve: reloadOrganization }),
    errors: t.field({ type: [OperatorErrorType], resolve: (result) => result.errors }),
  }),
});

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 100 characters.' }),
    billingEmail: t.string({ required: true }),
    country: t.field({ type: 'CountryCode', required: true }),
    adminKeyName: t.string({ required: false, description: 'Name of the first ADMIN key (default "Admin").' }),
  }),
});

const AdjustBalanceInput = builder.inputType('AdjustBalanceInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    amountCents: t.int({ required: true, description: 'Positive credits (a top-up), negative debits; never zero.' }),
    reason: t.string({ required: true, description: 'Shown to the customer as the ledger entry’s description.' }),
    externalReference: t.string({ required: true, description: 'Your reference: a payment id, an invoice, a ticket. At most 200 characters.' }),
    idempotencyKey: t.string({ required: true, description: 'The same key never moves money twice.' }),
  }),
});

const ReviewKycInput = builder.inputType('ReviewKycInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    decision: t.field({ type: KycDecision, required: true }),
    reason: t.string({ required: false, description: 'Required to decline; the customer sees it.' }),
  }),
});

const OrganizationStatusInput = builder.inputType('OrganizationStatusInput', {
  fields: (t) => ({ organizationId: t.id({ required: true }), reason: t.string({ required: true }) }),
});

const organizationId = (id: string) => inputId(id, 'Organization', ['input', 'organizationId']);

builder.mutationFields((t) => ({
  createOrganization: t.field({
    type: CreateOrganizationPayload,
    args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
    resolve: (_root, { input }, ctx) => asPayload(() => createOrganization(ctx.prisma, ctx.operator, input)),
  }),
  adjustBalance: t.field({
    type: AdjustBalancePayload,
    args: { input: t.arg({ type: AdjustBalanceInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const id = organizationId(input.organizationId);
        const result = await adjustBalance(ctx.tenants, ctx.operator, { ...input, organizationId: id });
        return { ...result, organization: { id } as Organization };
      }),
  }),
  reviewKyc: t.field({
    type: OrganizationPayload,
    args: { input: t.arg({ type: ReviewKycInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => ({ organization: await reviewKyc(ctx.tenants, ctx.operator, { ...input, organizationId: organizationId(input.organizationId) }) })),
  }),
  suspendOrganization: t.field({
    type: OrganizationPayload,
    args: { input: t.arg({ type: OrganizationStatusInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => ({
        organization: await setOrganizationStatus(ctx.tenants, ctx.operator, {
          organizationId: organizationId(input.organizationId),
          status: 'SUSPENDED',
          reason: input.reason,
        }),
      })),
  }),
  reactivateOrganization: t.field({
    type: OrganizationPayload,
    args: { input: t.arg({ type: OrganizationStatusInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => ({
        organization: await setOrganizationStatus(ctx.tenants, ctx.operator, {
          organizationId: organizationId(input.organizationId),
          status: 'ACTIVE',
          reason: input.reason,
        }),
      })),
  }),
}));
