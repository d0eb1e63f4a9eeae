import { likeLiteral } from '../../domain/input-rules.js';
import { formatMoney } from '../../domain/money.js';
import type { PhoneNumberStatus } from '../../generated/prisma/enums.js';
import { idOfType } from '../global-id.js';
import { operatorBuilder as builder, type OperatorContext } from './builder.js';
import { KycStatus, OrganizationStatus } from './enums.js';

const NumberCounts = builder.objectRef<Partial<Record<PhoneNumberStatus, number>>>('NumberCounts').implement({
  description: "The organization's numbers by status (live and test).",
  fields: (t) => ({
    pending: t.int({ resolve: (counts) => counts.PENDING ?? 0 }),
    active: t.int({ resolve: (counts) => counts.ACTIVE ?? 0 }),
    suspended: t.int({ resolve: (counts) => counts.SUSPENDED ?? 0 }),
    porting: t.int({ resolve: (counts) => counts.PORTING ?? 0 }),
    released: t.int({ resolve: (counts) => counts.RELEASED ?? 0 }),
    failed: t.int({ resolve: (counts) => counts.FAILED ?? 0 }),
  }),
});

type Counts = Partial<Record<PhoneNumberStatus, number>>;
type Batch = { ids: Set<string>; result: Promise<Map<string, Counts>> };
const openBatches = new WeakMap<OperatorContext, Batch>();

/**
 * Number counts of every organization one request asks about in the same tick (a page of them), in one
 * grouped query rather than one each.
 */
function numberCountsOf(ctx: OperatorContext, organizationId: string): Promise<Counts> {
  let batch = openBatches.get(ctx);
  if (!batch) {
    const ids = new Set<string>();
    const result = Promise.resolve().then(async () => {
      openBatches.delete(ctx);
      const rows = await ctx.prisma.phoneNumber.groupBy({ by: ['organizationId', 'status'], where: { organizationId: { in: [...ids] } }, _count: true });
      const counts = new Map<string, Counts>();
      for (const row of rows) counts.set(row.organizationId, { ...counts.get(row.organizationId), [row.status]: row._count });
      return counts;
    });
    batch = { ids, result };
    openBatches.set(ctx, batch);
  }
  batch.ids.add(organizationId);
  return batch.result.then((counts) => counts.get(organizationId) ?? {});
}

const MoneyType = builder.objectRef<{ amountCents: number; currency: string }>('Money').implement({
  fields: (t) => ({
    amountCents: t.exposeInt('amountCents'),
    currency: t.exposeString('currency'),
    formatted: t.string({ resolve: (money) => formatMoney(money) }),
  }),
});

builder.prismaNode('Organization', {
  id: { field: 'id' },
  description: 'A customer organization (a tenant), as operators see it.',
  fields: (t) => ({
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    billingEmail: t.exposeString('billingEmail', { nullable: true }),
    country: t.expose('country', { type: 'CountryCode', nullable: true }),
    status: t.expose('status', { type: OrganizationStatus }),
    statusReason: t.exposeString('statusReason', { nullable: true, description: 'Why it was last suspended or reactivated.' }),
    kycStatus: t.expose('kycStatus', { type: KycStatus }),
    kycDeclineReason: t.exposeString('kycDeclineReason', { nullable: true }),
    balance: t.field({
      type: MoneyType,
      select: { balanceCents: true, currency: true },
      resolve: (org) => ({ amountCents: org.balanceCents, currency: org.currency }),
    }),
    numberCounts: t.field({ type: NumberCounts, select: { id: true }, resolve: (org, _args, ctx) => numberCountsOf(ctx, org.id) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const OrganizationFilter = builder.inputType('OrganizationFilter', {
  fields: (t) => ({
    search: t.string({ required: false, description: 'Part of the name, slug or billing email (case-insensitive).' }),
    status: t.field({ type: OrganizationStatus, required: false }),
    kycStatus: t.field({ type: KycStatus, required: false }),
  }),
});

builder.queryFields((t) => ({
  organizations: t.prismaConnection({
    type: 'Organization',
    cursor: 'id',
    description: 'Organizations, newest first.',
    maxSize: 100,
    defaultSize: 50,
    args: { filter: t.arg({ type: OrganizationFilter, required: false }) },
    totalCount: (_parent, args, ctx) => ctx.prisma.organization.count({ where: organizationWhere(args.filter) }),
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.organization.findMany({ ...query, where: organizationWhere(args.filter), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
  organization: t.prismaField({
    type: 'Organization',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => {
      const id = idOfType(args.id, 'Organization', ['id']);
      return id ? ctx.prisma.organization.findUnique({ ...query, where: { id } }) : null;
    },
  }),
}));

function organizationWhere(filter: { search?: string | null; status?: string | null; kycStatus?: string | null } | null | undefined) {
  const search = filter?.search?.trim();
  const contains = search ? { contains: likeLiteral(search), mode: 'insensitive' as const } : undefined;
  // Live organizations: a sandbox is its owner's test environment, not an account.
  return {
    environment: 'LIVE' as const,
    ...(filter?.status ? { status: filter.status as never } : {}),
    ...(filter?.kycStatus ? { kycStatus: filter.kycStatus as never } : {}),
    ...(contains ? { OR: [{ name: contains }, { slug: contains }, { billingEmail: contains }] } : {}),
  };
}

// What operators see of a KYC submission to review it: the details and each document's metadata.
builder.prismaObject('KycDocument', {
  fields: (t) => ({
    kind: t.exposeString('kind'),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType'),
    sizeBytes: t.exposeInt('sizeBytes'),
    sha256: t.exposeString('sha256'),
    storageKey: t.exposeString('storageKey', { description: 'Where the file is kept in document storage.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
builder.prismaObject('KycSubmission', {
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
      ctx.prisma.kycSubmission.findFirst({ ...query, where: { organizationId: org.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
);
