import { placeOrder } from '../domain/orders.js';
import type { NumberOrder } from '../generated/prisma/client.js';
import { NumberOrderItemStatus } from '../generated/prisma/enums.js';
import { builder } from './builder.js';
import { NumberOrderStatusEnum } from './enums.js';
import { inputId } from './global-id.js';
import { MoneyType, money } from './money.js';
import { asPayload, mutationPayload } from './mutation-payload.js';
import { byStatusNewestFirst, namedConnection } from './relay-lists.js';

const NumberOrderItemStatusEnum = builder.enumType(NumberOrderItemStatus, { name: 'NumberOrderItemStatus' });

builder.prismaObject('NumberOrderItem', {
  fields: (t) => ({
    e164: t.expose('e164', { type: 'E164' }),
    status: t.expose('status', { type: NumberOrderItemStatusEnum }),
    failureReason: t.exposeString('failureReason', { nullable: true }),
    activationPrice: t.field({
      type: MoneyType,
      select: { numberOrder: { select: { currency: true } } },
      resolve: (item) => money(item.activationPriceCents, item.numberOrder.currency),
    }),
    monthlyPrice: t.field({
      type: MoneyType,
      select: { numberOrder: { select: { currency: true } } },
      resolve: (item) => money(item.monthlyPriceCents, item.numberOrder.currency),
    }),
    phoneNumber: t.relation('phoneNumber', { nullable: true }),
  }),
});

const NumberOrderRef = builder.prismaNode('NumberOrder', {
  id: { field: 'id' },
  description: 'An order for one or more numbers. The activation total is charged when it is placed; numbers that fail to activate are refunded.',
  fields: (t) => ({
    idempotencyKey: t.exposeString('idempotencyKey'),
    status: t.expose('status', { type: NumberOrderStatusEnum }),
    activationTotal: t.field({ type: MoneyType, resolve: (order) => money(order.activationTotalCents, order.currency) }),
    monthlyTotal: t.field({ type: MoneyType, resolve: (order) => money(order.monthlyTotalCents, order.currency) }),
    items: t.relation('items', { query: { orderBy: { e164: 'asc' } } }),
    reservation: t.relation('reservation', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('numberOrders', (t) =>
  t.connection(
    {
      type: NumberOrderRef,
      args: { status: t.arg({ type: [NumberOrderStatusEnum] }) },
      resolve: byStatusNewestFirst<NumberOrder>('numberOrders', (db) => db.numberOrder),
    },
    ...namedConnection('NumberOrder'),
  ),
);

const OrderPhoneNumbersInput = builder.inputType('OrderPhoneNumbersInput', {
  fields: (t) => ({
    phoneNumbers: t.field({ type: ['E164'], required: true }),
    reservationId: t.id({ required: false, description: 'Order numbers you hold in this reservation; it is converted.' }),
    idempotencyKey: t.string({
      required: true,
      description: 'Retrying with the same key returns the same order and charges nothing more. 1 to 255 characters: letters, digits, "_", "-", ".", ":".',
    }),
  }),
});

const OrderPhoneNumbersPayload = mutationPayload<{ numberOrder: NumberOrder; replayed: boolean }>('OrderPhoneNumbersPayload', {
  rows: { numberOrder: 'NumberOrder' },
  fields: (t) => ({
    replayed: t.boolean({ description: 'True when this key had already placed the order: nothing new was charged.', resolve: (p) => p.replayed ?? false }),
  }),
});

builder.mutationField('orderPhoneNumbers', (t) =>
  t.field({
    type: OrderPhoneNumbersPayload,
    args: { input: t.arg({ type: OrderPhoneNumbersInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const reservationId = input.reservationId != null ? inputId(input.reservationId, 'Reservation', ['input', 'reservationId']) : null;
        const { order, replayed } = await placeOrder(ctx.db, { ...input, reservationId });
        return { numberOrder: order, replayed };
      }),
  }),
);
