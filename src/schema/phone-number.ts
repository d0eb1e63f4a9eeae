import { maxFilterTags, maxSearchLength, maxTagLength, phoneNumberOrderColumns, phoneNumberWhere } from '../domain/phone-numbers.js';
import { builder } from './builder.js';
import { CapabilityEnum, InboundCallScreeningEnum, NumberTypeEnum, PhoneNumberStatusEnum, SortDirectionEnum, TollFreeVerificationStatusEnum } from './enums.js';
import { idOfType } from './global-id.js';
import { MoneyType, money } from './money.js';
import { pageSelection } from './page-selection.js';
import { keysetConnection } from './pagination.js';
import { namedConnection } from './relay-lists.js';

const PhoneNumberRef = builder.prismaNode('PhoneNumber', {
  id: { field: 'id' },
  description: "A phone number owned by the caller's organization (including released ones, kept for audit).",
  fields: (t) => ({
    e164: t.expose('e164', { type: 'E164' }),
    countryCode: t.expose('countryCode', { type: 'CountryCode' }),
    areaCode: t.exposeString('areaCode', { description: 'National destination code, e.g. "512".' }),
    region: t.exposeString('region', { nullable: true }),
    locality: t.exposeString('locality', { nullable: true }),
    numberType: t.expose('numberType', { type: NumberTypeEnum }),
    capabilities: t.expose('capabilities', { type: [CapabilityEnum] }),
    provider: t.exposeString('provider'),
    activationPrice: t.field({
      type: MoneyType,
      select: { activationPriceCents: true, currency: true },
      resolve: (n) => money(n.activationPriceCents, n.currency),
    }),
    monthlyPrice: t.field({ type: MoneyType, select: { monthlyPriceCents: true, currency: true }, resolve: (n) => money(n.monthlyPriceCents, n.currency) }),
    status: t.expose('status', { type: PhoneNumberStatusEnum }),
    customerReference: t.exposeString('customerReference', { nullable: true }),
    label: t.exposeString('label', { nullable: true }),
    tags: t.exposeStringList('tags'),
    cnamLookupEnabled: t.exposeBoolean('cnamLookupEnabled'),
    cnamDisplayName: t.exposeString('cnamDisplayName', { nullable: true }),
    techPrefixEnabled: t.exposeBoolean('techPrefixEnabled'),
    inboundCallScreening: t.expose('inboundCallScreening', { type: InboundCallScreeningEnum }),
    messagingEnabled: t.exposeBoolean('messagingEnabled'),
    connection: t.relation('connection', { nullable: true }),
    forwardingNumber: t.expose('forwardingNumber', { type: 'E164', nullable: true }),
    assignedTo: t.exposeString('assignedTo', { nullable: true, description: 'Campaign, sender pool or user the number is handed to.' }),
    allowInbound: t.exposeBoolean('allowInbound'),
    allowOutbound: t.exposeBoolean('allowOutbound'),
    complianceProfileId: t.exposeString('complianceProfileId', { nullable: true }),
    tfvStatus: t.expose('tfvStatus', { type: TollFreeVerificationStatusEnum, nullable: true }),
    orderedAt: t.expose('orderedAt', { type: 'DateTime', nullable: true }),
    activatedAt: t.expose('activatedAt', { type: 'DateTime', nullable: true }),
    assignedAt: t.expose('assignedAt', { type: 'DateTime', nullable: true }),
    releasedAt: t.expose('releasedAt', { type: 'DateTime', nullable: true }),
    nextBillingAt: t.expose('nextBillingAt', { type: 'DateTime', nullable: true }),
    billingEndsAt: t.expose('billingEndsAt', { type: 'DateTime', nullable: true }),
    graceEndsAt: t.expose('graceEndsAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'Set while a monthly charge of this number is unpaid (the balance is below zero): the number is suspended at this time ' +
        'unless the balance is brought back to zero or above first. Null once the arrears are paid.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const PhoneNumberFilterInput = builder.inputType('PhoneNumberFilter', {
  fields: (t) => ({
    status: t.field({ type: [PhoneNumberStatusEnum], required: false }),
    numberType: t.field({ type: [NumberTypeEnum], required: false }),
    countryCode: t.field({ type: 'CountryCode', required: false }),
    connectionId: t.id({ required: false, description: 'Global ID of a Connection.' }),
    search: t.string({
      required: false,
      description:
        'Matches digits of the number, label, customer reference or assignee; the text literally (% and _ are not wildcards), ignoring case. ' +
        `At most ${maxSearchLength} characters.`,
    }),
    tags: t.stringList({
      required: false,
      description: `Numbers carrying all of these tags; at most ${maxFilterTags}, each at most ${maxTagLength} characters.`,
    }),
  }),
});

const PhoneNumberOrderFieldEnum = builder.enumType('PhoneNumberOrderField', { values: ['CREATED_AT', 'UPDATED_AT', 'E164'] as const });

const PhoneNumberOrderInput = builder.inputType('PhoneNumberOrder', {
  fields: (t) => ({
    field: t.field({ type: PhoneNumberOrderFieldEnum, required: true }),
    direction: t.field({ type: SortDirectionEnum, required: true }),
  }),
});

builder.queryFields((t) => ({
  phoneNumbers: t.connection(
    {
      type: PhoneNumberRef,
      args: {
        filter: t.arg({ type: PhoneNumberFilterInput }),
        orderBy: t.arg({ type: PhoneNumberOrderInput }),
      },
      resolve: (_root, args, ctx, info) => {
        const connectionId = args.filter?.connectionId;
        // A Connection id of another type matches nothing (the nil UUID), as another tenant's would.
        const filter = args.filter
          ? {
              ...args.filter,
              connectionId:
                connectionId != null ? (idOfType(connectionId, 'Connection', ['filter', 'connectionId']) ?? '00000000-0000-0000-0000-000000000000') : null,
            }
          : null;
        const order = args.orderBy ?? { field: 'CREATED_AT', direction: 'DESC' };
        const { field, kind } = phoneNumberOrderColumns[order.field];
        const direction = order.direction === 'ASC' ? 'asc' : 'desc';
        const selection = pageSelection(ctx, info);
        return keysetConnection({
          args,
          cursors: ctx.cursors,
          scope: `${ctx.caller.organizationId}:phoneNumbers:${order.field}:${direction}`,
          keys: [
            { field, kind, direction },
            { field: 'id', kind: 'string', direction },
          ],
          where: phoneNumberWhere(filter),
          selection,
          findMany: (query) => ctx.db.phoneNumber.findMany(query),
          count: (where) => ctx.db.phoneNumber.count({ where }),
        });
      },
    },
    ...namedConnection('PhoneNumber'),
  ),
  phoneNumber: t.prismaField({
    type: 'PhoneNumber',
    nullable: true,
    description: 'One of your numbers by its E.164 form (the current holding if it was owned more than once).',
    args: { e164: t.arg({ type: 'E164', required: true }) },
    resolve: (query, _root, args, ctx) => ctx.db.phoneNumber.findFirst({ ...query, where: { e164: args.e164 }, orderBy: { createdAt: 'desc' } }),
  }),
}));
