import { cancelReservation, reservationTtl, reserveNumbers } from '../domain/reservations.js';
import type { Reservation } from '../generated/prisma/client.js';
import { ReservationStatus } from '../generated/prisma/enums.js';
import { builder } from './builder.js';
import { inputId } from './global-id.js';
import { asPayload, mutationPayload } from './mutation-payload.js';
import { byStatusNewestFirst, namedConnection } from './relay-lists.js';

const ReservationStatusEnum = builder.enumType(ReservationStatus, { name: 'ReservationStatus' });

const ReservationRef = builder.prismaNode('Reservation', {
  id: { field: 'id' },
  description: 'Numbers held for your organization until expiresAt; nobody else can reserve or order them meanwhile.',
  fields: (t) => ({
    status: t.expose('status', { type: ReservationStatusEnum }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    phoneNumbers: t.field({
      type: ['E164'],
      select: { items: { select: { e164: true } } },
      resolve: (reservation) => reservation.items.map((item) => item.e164),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('reservations', (t) =>
  t.connection(
    {
      type: ReservationRef,
      args: { status: t.arg({ type: [ReservationStatusEnum] }) },
      resolve: byStatusNewestFirst<Reservation>('reservations', (db) => db.reservation),
    },
    ...namedConnection('Reservation'),
  ),
);

const ReservationPayload = mutationPayload<{ reservation: Reservation }>('ReservationPayload', { rows: { reservation: 'Reservation' } });

const ReservePhoneNumbersInput = builder.inputType('ReservePhoneNumbersInput', {
  fields: (t) => ({
    phoneNumbers: t.field({ type: ['E164'], required: true }),
    ttlSeconds: t.int({
      required: false,
      description: `How long to hold them: ${reservationTtl.minSeconds} to ${reservationTtl.maxSeconds} seconds, default ${reservationTtl.defaultSeconds}.`,
    }),
  }),
});

const CancelReservationInput = builder.inputType('CancelReservationInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  reservePhoneNumbers: t.field({
    type: ReservationPayload,
    args: { input: t.arg({ type: ReservePhoneNumbersInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const reservation = await reserveNumbers(ctx.db, input);
        return { reservation };
      }),
  }),
  cancelReservation: t.field({
    type: ReservationPayload,
    args: { input: t.arg({ type: CancelReservationInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => ({
        reservation: await cancelReservation(ctx.db, inputId(input.id, 'Reservation', ['input', 'id'])),
      })),
  }),
}));
