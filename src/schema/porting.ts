import {
  allowedFocWindows,
  cancelPortingOrder,
  checkPortability,
  createPortingOrders,
  submitPortingOrder,
  updatePortingOrder,
  uploadPortingDocument,
} from '../domain/porting.js';
import type { PortingDocument, PortingOrder } from '../generated/prisma/client.js';
import { PortingDocumentKind } from '../generated/prisma/enums.js';
import type { PortabilityResult } from '../infra/carrier/gateway.js';
import { builder } from './builder.js';
import { carrierFor } from './context.js';
import { NumberTypeEnum, PortingOrderStatusEnum } from './enums.js';
import { inputId } from './global-id.js';
import { asPayload, mutationPayload } from './mutation-payload.js';
import { byStatusNewestFirst, namedConnection } from './relay-lists.js';

const PortingDocumentKindEnum = builder.enumType(PortingDocumentKind, { name: 'PortingDocumentKind' });

builder.scalarType('File', {
  description: 'A file sent as a part of a GraphQL multipart request.',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
  parseValue: (value) => {
    // Yoga hands over its own File implementation, so check the shape, not the class.
    const file = value as File;
    if (!file || typeof file.arrayBuffer !== 'function' || typeof file.name !== 'string' || typeof file.size !== 'number') {
      throw new Error('Expected a file in a multipart request');
    }
    return value as File;
  },
});

const PortabilityResultType = builder.objectRef<PortabilityResult>('PortabilityResult').implement({
  fields: (t) => ({
    phoneNumber: t.field({ type: 'E164', resolve: (r) => r.e164 }),
    countryCode: t.field({ type: 'CountryCode', nullable: true, resolve: (r) => r.countryCode }),
    numberType: t.field({ type: NumberTypeEnum, nullable: true, resolve: (r) => r.numberType }),
    portable: t.exposeBoolean('portable'),
    fastPortable: t.exposeBoolean('fastPortable', { description: 'Can be ported within a business day, without an invoice.' }),
    notPortableReason: t.exposeString('notPortableReason', { nullable: true }),
    losingCarrier: t.exposeString('losingCarrier', { nullable: true }),
  }),
});

const FocWindow = builder.objectRef<{ startsAt: Date; endsAt: Date }>('FocWindow').implement({
  fields: (t) => ({ startsAt: t.expose('startsAt', { type: 'DateTime' }), endsAt: t.expose('endsAt', { type: 'DateTime' }) }),
});

type ServiceAddressShape = { street: string; locality: string; region: string | null; postalCode: string; countryCode: string };

/** The order's service address; updatePortingOrder stores its required parts together, so one missing part means none was given. */
function serviceAddressOf(order: PortingOrder): ServiceAddressShape | null {
  const { serviceStreet: street, serviceLocality: locality, serviceRegion: region, servicePostalCode: postalCode, serviceCountryCode: countryCode } = order;
  return street && locality && postalCode && countryCode ? { street, locality, region, postalCode, countryCode } : null;
}

const ServiceAddress = builder.objectRef<ServiceAddressShape>('ServiceAddress').implement({
  fields: (t) => ({
    street: t.exposeString('street'),
    locality: t.exposeString('locality'),
    region: t.exposeString('region', { nullable: true }),
    postalCode: t.exposeString('postalCode'),
    countryCode: t.expose('countryCode', { type: 'CountryCode' }),
  }),
});

builder.prismaObject('PortingOrderNumber', {
  fields: (t) => ({
    e164: t.expose('e164', { type: 'E164' }),
    losingCarrier: t.exposeString('losingCarrier', { nullable: true }),
    fastPortable: t.exposeBoolean('fastPortable'),
  }),
});

builder.prismaObject('PortingDocument', {
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: PortingDocumentKindEnum }),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType'),
    sizeBytes: t.exposeInt('sizeBytes'),
    sha256: t.exposeString('sha256'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('PortingOrderTransition', {
  fields: (t) => ({
    fromStatus: t.expose('fromStatus', { type: PortingOrderStatusEnum, nullable: true }),
    toStatus: t.expose('toStatus', { type: PortingOrderStatusEnum }),
    reason: t.exposeString('reason', { nullable: true }),
    at: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('PortingComment', {
  fields: (t) => ({
    author: t.exposeString('author'),
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const PortingOrderRef = builder.prismaNode('PortingOrder', {
  id: { field: 'id' },
  description: 'Bringing numbers in from another carrier: one country and number type per order.',
  fields: (t) => ({
    status: t.expose('status', { type: PortingOrderStatusEnum }),
    countryCode: t.expose('countryCode', { type: 'CountryCode' }),
    numberType: t.expose('numberType', { type: NumberTypeEnum }),
    customerReference: t.exposeString('customerReference', { nullable: true }),
    authorizedPerson: t.exposeString('authorizedPerson', { nullable: true }),
    businessName: t.exposeString('businessName', { nullable: true }),
    accountNumber: t.exposeString('accountNumber', { nullable: true }),
    accountPinProvided: t.boolean({ description: 'The PIN itself is never returned.', resolve: (o) => Boolean(o.accountPin) }),
    serviceAddress: t.field({ type: ServiceAddress, nullable: true, resolve: serviceAddressOf }),
    requestedFocDate: t.expose('requestedFocDate', { type: 'DateTime', nullable: true }),
    confirmedFocDate: t.expose('confirmedFocDate', {
      type: 'DateTime',
      nullable: true,
      description: 'Set by the carrier; may differ from the requested date.',
    }),
    allowedFocWindows: t.field({
      type: [FocWindow],
      select: { numbers: { select: { fastPortable: true } } },
      resolve: (o) => allowedFocWindows(o.numbers.every((n) => n.fastPortable)),
    }),
    exceptionReason: t.exposeString('exceptionReason', { nullable: true }),
    carrierReference: t.exposeString('carrierReference', { nullable: true }),
    phoneNumbers: t.relation('numbers', { query: { orderBy: { e164: 'asc' } } }),
    documents: t.relation('documents', { query: { orderBy: { createdAt: 'asc' } } }),
    history: t.relation('transitions', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    comments: t.relation('comments', { query: { orderBy: { createdAt: 'asc' } } }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    portedAt: t.expose('portedAt', { type: 'DateTime', nullable: true }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  portabilityCheck: t.field({
    type: [PortabilityResultType],
    args: { phoneNumbers: t.arg({ type: ['E164'], required: true }) },
    resolve: (_root, args, ctx) => checkPortability(carrierFor(ctx), args.phoneNumbers, ['phoneNumbers']),
  }),
  portingOrders: t.connection(
    {
      type: PortingOrderRef,
      args: { status: t.arg({ type: [PortingOrderStatusEnum] }) },
      resolve: byStatusNewestFirst<PortingOrder>('portingOrders', (db) => db.portingOrder),
    },
    ...namedConnection('PortingOrder'),
  ),
}));

const PortingOrderPayload = mutationPayload<{ portingOrder: PortingOrder }>('PortingOrderPayload', { rows: { portingOrder: 'PortingOrder' } });

const CheckPortabilityPayload = mutationPayload<{ results: PortabilityResult[] }>('CheckPortabilityPayload', {
  fields: (t) => ({ results: t.field({ type: [PortabilityResultType], resolve: (p) => p.results ?? [] }) }),
});

const CreatePortingOrderPayload = mutationPayload<{ portingOrders: PortingOrder[] }>('CreatePortingOrderPayload', {
  fields: (t) => ({
    portingOrders: t.prismaField({
      type: ['PortingOrder'],
      description: 'One draft per country and number type.',
      resolve: (query, payload, _args, ctx) =>
        payload.portingOrders
          ? ctx.db.portingOrder.findMany({ ...query, where: { id: { in: payload.portingOrders.map((o) => o.id) } }, orderBy: { createdAt: 'asc' } })
          : [],
    }),
  }),
});

const UploadPayload = mutationPayload<{ document: PortingDocument }>('UploadPortingDocumentPayload', { rows: { document: 'PortingDocument' } });

const ServiceAddressInput = builder.inputType('ServiceAddressInput', {
  fields: (t) => ({
    street: t.string({ required: true, description: 'At most 200 characters.' }),
    locality: t.string({ required: true, description: 'At most 100 characters.' }),
    region: t.string({ description: 'At most 100 characters.' }),
    postalCode: t.string({ required: true, description: 'At most 20 characters.' }),
    countryCode: t.field({ type: 'CountryCode', required: true }),
  }),
});

const IdInput = (name: string) => builder.inputType(name, { fields: (t) => ({ id: t.id({ required: true }) }) });
const SubmitInput = IdInput('SubmitPortingOrderInput');
const CancelInput = IdInput('CancelPortingOrderInput');

builder.mutationFields((t) => ({
  checkPortability: t.field({
    type: CheckPortabilityPayload,
    args: {
      input: t.arg({
        type: builder.inputType('CheckPortabilityInput', { fields: (f) => ({ phoneNumbers: f.field({ type: ['E164'], required: true }) }) }),
        required: true,
      }),
    },
    resolve: (_root, { input }, ctx) => asPayload(async () => ({ results: await checkPortability(carrierFor(ctx), input.phoneNumbers) })),
  }),
  createPortingOrder: t.field({
    type: CreatePortingOrderPayload,
    args: {
      input: t.arg({
        type: builder.inputType('CreatePortingOrderInput', {
          fields: (f) => ({
            phoneNumbers: f.field({ type: ['E164'], required: true }),
            customerReference: f.string({ description: 'At most 120 characters.' }),
          }),
        }),
        required: true,
      }),
    },
    resolve: (_root, { input }, ctx) => asPayload(async () => ({ portingOrders: await createPortingOrders(ctx.db, carrierFor(ctx), input) })),
  }),
  updatePortingOrder: t.field({
    type: PortingOrderPayload,
    description: 'Only the fields you give change. Allowed while the order is a draft or in exception.',
    args: {
      input: t.arg({
        type: builder.inputType('UpdatePortingOrderInput', {
          fields: (f) => ({
            id: f.id({ required: true }),
            customerReference: f.string({ description: 'At most 120 characters.' }),
            authorizedPerson: f.string({ description: 'At most 120 characters.' }),
            businessName: f.string({ description: 'At most 200 characters.' }),
            accountNumber: f.string({ description: 'At most 64 characters.' }),
            accountPin: f.string({ description: '1 to 20 letters or digits; never returned.' }),
            serviceAddress: f.field({ type: ServiceAddressInput }),
            requestedFocDate: f.field({ type: 'DateTime', description: 'Must fall in one of allowedFocWindows.' }),
          }),
        }),
        required: true,
      }),
    },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const { id, ...details } = input;
        return { portingOrder: await updatePortingOrder(ctx.db, inputId(id, 'PortingOrder', ['input', 'id']), details) };
      }),
  }),
  uploadPortingDocument: t.field({
    type: UploadPayload,
    description: 'Multipart upload of a PDF, PNG or JPEG (LOA, recent invoice, other).',
    args: {
      input: t.arg({
        type: builder.inputType('UploadPortingDocumentInput', {
          fields: (f) => ({
            portingOrderId: f.id({ required: true }),
            kind: f.field({ type: PortingDocumentKindEnum, required: true }),
            file: f.field({ type: 'File', required: true }),
          }),
        }),
        required: true,
      }),
    },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const portingOrderId = inputId(input.portingOrderId, 'PortingOrder', ['input', 'portingOrderId']);
        const file = input.file;
        const upload = {
          portingOrderId,
          kind: input.kind,
          filename: file.name,
          contentType: file.type,
          size: file.size,
          read: async () => new Uint8Array(await file.arrayBuffer()),
        };
        return { document: await uploadPortingDocument(ctx.db, ctx.services.documents, upload, ctx.services.maxDocumentBytes) };
      }),
  }),
  submitPortingOrder: t.field({
    type: PortingOrderPayload,
    description: 'Refused with one error per missing requirement; a complete order goes to the carrier.',
    args: { input: t.arg({ type: SubmitInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const portingOrder = await submitPortingOrder(ctx.db, carrierFor(ctx), inputId(input.id, 'PortingOrder', ['input', 'id']));
        return { portingOrder };
      }),
  }),
  cancelPortingOrder: t.field({
    type: PortingOrderPayload,
    description: 'Possible until the carrier confirms the FOC date.',
    args: { input: t.arg({ type: CancelInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const portingOrder = await cancelPortingOrder(ctx.db, inputId(input.id, 'PortingOrder', ['input', 'id']));
        return { portingOrder };
      }),
  }),
}));
