import { availableNumberWhere } from '../domain/phone-numbers.js';
import { builder } from './builder.js';
import { CapabilityEnum, NumberTypeEnum } from './enums.js';
import { MoneyType, money } from './money.js';
import { pageSelection } from './page-selection.js';
import { keysetConnection } from './pagination.js';
import { namedConnection } from './relay-lists.js';

const AvailablePhoneNumberRef = builder.prismaObject('InventoryNumber', {
  name: 'AvailablePhoneNumber',
  description: "A number in the platform's stock that can be reserved or ordered now.",
  fields: (t) => ({
    e164: t.expose('e164', { type: 'E164' }),
    countryCode: t.expose('countryCode', { type: 'CountryCode' }),
    areaCode: t.exposeString('areaCode'),
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
  }),
});

const AvailablePhoneNumberFilterInput = builder.inputType('AvailablePhoneNumberFilter', {
  fields: (t) => ({
    countryCode: t.field({ type: 'CountryCode', required: true }),
    numberType: t.field({ type: NumberTypeEnum, required: false }),
    areaCode: t.string({ required: false, description: 'National destination code, 1 to 6 digits, e.g. "512".' }),
    locality: t.string({ required: false, description: 'Matched exactly, ignoring case; at most 100 characters.' }),
    region: t.string({ required: false, description: 'Matched exactly, ignoring case; at most 100 characters.' }),
    contains: t.string({ required: false, description: 'Digits the number must contain, 1 to 15 digits, e.g. "2024".' }),
    capabilities: t.field({ type: [CapabilityEnum], required: false, description: 'Numbers with all of these capabilities.' }),
  }),
});

builder.queryFields((t) => ({
  availablePhoneNumbers: t.connection(
    {
      type: AvailablePhoneNumberRef,
      args: { filter: t.arg({ type: AvailablePhoneNumberFilterInput, required: true }) },
      resolve: (_root, args, ctx, info) => {
        const selection = pageSelection(ctx, info, 'AvailablePhoneNumber');
        return keysetConnection({
          args,
          cursors: ctx.cursors,
          scope: `${ctx.caller.organizationId}:availablePhoneNumbers`,
          keys: [{ field: 'e164', kind: 'string', direction: 'asc' }],
          where: availableNumberWhere(args.filter),
          findMany: (query) => ctx.db.inventoryNumber.findMany({ ...selection, ...query }),
          count: (where) => ctx.db.inventoryNumber.count({ where }),
        });
      },
    },
    ...namedConnection('AvailablePhoneNumber'),
  ),
}));
