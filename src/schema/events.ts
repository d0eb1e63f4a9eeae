import { GraphQLError } from 'graphql';
import { EventType, type NumberOrderStatus, type PhoneNumberStatus, type PortingOrderStatus } from '../generated/prisma/enums.js';
import type { BusEvent } from '../infra/event-bus.js';
import { toBusEvent } from '../infra/feed-events.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { NumberOrderStatusEnum, PhoneNumberStatusEnum, PortingOrderStatusEnum } from './enums.js';
import { encodeGlobalId, idOfType } from './global-id.js';
import { defaultEventPageSize, maxPageSize } from './pagination.js';

// The live feed. Every subscription is the caller's organization's stream
// (FeedHub keys listeners by organization), resumable with `after`.

export const EventTypeEnum = builder.enumType(EventType, { name: 'EventType' });
type FeedEvent = BusEvent;
type Payload = Record<string, unknown>;
const payloadOf = (event: FeedEvent) => event.payload as Payload;

const maxEventId = 2n ** 63n - 1n; // sequence is a PostgreSQL bigint

function parseEventCursor(after: string | null | undefined, field = 'after'): bigint | null {
  if (after === null || after === undefined) return null;
  if (!/^\d{1,19}$/.test(after) || BigInt(after) > maxEventId) {
    throw new GraphQLError(`"${field}" must be an eventId from this feed`, { extensions: { code: 'INVALID_CURSOR', field: [field] } });
  }
  return BigInt(after);
}

export const FeedEventInterface = builder.interfaceRef<FeedEvent>('FeedEvent').implement({
  description: 'Something that happened to your organization. `eventId` is the cursor to resume from.',
  resolveType: (event) =>
    ({
      NUMBER_STATUS_CHANGED: 'PhoneNumberStatusChangedEvent',
      NUMBER_ORDER_UPDATED: 'NumberOrderUpdatedEvent',
      RESERVATION_EXPIRED: 'ReservationExpiredEvent',
      INVENTORY_LOW: 'InventoryAlertRaisedEvent',
      PORTING_ORDER_STATUS_CHANGED: 'PortingOrderStatusChangedEvent',
    })[event.type] ?? 'OtherEvent',
  fields: (t) => ({
    eventId: t.exposeString('sequence'),
    type: t.field({ type: EventTypeEnum, resolve: (event) => event.type as EventType }),
    occurredAt: t.field({ type: 'DateTime', resolve: (event) => event.createdAt }),
  }),
});

const StatusChangedEvent = builder.objectRef<FeedEvent>('PhoneNumberStatusChangedEvent').implement({
  interfaces: [FeedEventInterface],
  fields: (t) => ({
    phoneNumber: t.prismaField({
      type: 'PhoneNumber',
      resolve: (query, event, _args, ctx) => ctx.db.phoneNumber.findUniqueOrThrow({ ...query, where: { id: event.subjectId } }),
    }),
    previousStatus: t.field({ type: PhoneNumberStatusEnum, nullable: true, resolve: (event) => payloadOf(event).previousStatus as PhoneNumberStatus | null }),
    newStatus: t.field({ type: PhoneNumberStatusEnum, resolve: (event) => payloadOf(event).newStatus as PhoneNumberStatus }),
  }),
});

const OrderUpdatedEvent = builder.objectRef<FeedEvent>('NumberOrderUpdatedEvent').implement({
  interfaces: [FeedEventInterface],
  fields: (t) => ({
    numberOrder: t.prismaField({
      type: 'NumberOrder',
      resolve: (query, event, _args, ctx) => ctx.db.numberOrder.findUniqueOrThrow({ ...query, where: { id: event.subjectId } }),
    }),
    previousStatus: t.field({
      type: NumberOrderStatusEnum,
      nullable: true,
      resolve: (event) => (payloadOf(event).previousStatus as NumberOrderStatus | null) ?? null,
    }),
    newStatus: t.field({ type: NumberOrderStatusEnum, resolve: (event) => payloadOf(event).newStatus as NumberOrderStatus }),
  }),
});

const ReservationExpiredEvent = builder.objectRef<FeedEvent>('ReservationExpiredEvent').implement({
  interfaces: [FeedEventInterface],
  fields: (t) => ({
    reservation: t.prismaField({
      type: 'Reservation',
      resolve: (query, event, _args, ctx) => ctx.db.reservation.findUniqueOrThrow({ ...query, where: { id: event.subjectId } }),
    }),
    phoneNumbers: t.field({ type: ['E164'], resolve: (event) => (payloadOf(event).phoneNumbers as string[]) ?? [] }),
  }),
});

export const InventoryAlertType = builder
  .objectRef<{ countryCode: string; areaCodePrefix: string; availableCount: number; threshold: number }>('InventoryAlert')
  .implement({
    description: 'A (country, area code) bucket where you hold numbers: how many active, unassigned numbers you have there.',
    fields: (t) => ({
      countryCode: t.field({ type: 'CountryCode', resolve: (alert) => alert.countryCode }),
      areaCodePrefix: t.exposeString('areaCodePrefix'),
      availableCount: t.exposeInt('availableCount'),
      threshold: t.exposeInt('threshold'),
    }),
  });

const InventoryAlertRaisedEvent = builder.objectRef<FeedEvent>('InventoryAlertRaisedEvent').implement({
  interfaces: [FeedEventInterface],
  fields: (t) => ({
    alert: t.field({ type: InventoryAlertType, resolve: (event) => payloadOf(event) as never }),
  }),
});

const PortingOrderStatusChangedEvent = builder.objectRef<FeedEvent>('PortingOrderStatusChangedEvent').implement({
  interfaces: [FeedEventInterface],
  fields: (t) => ({
    portingOrderId: t.id({ resolve: (event) => encodeGlobalId('PortingOrder', event.subjectId) }),
    previousStatus: t.field({
      type: PortingOrderStatusEnum,
      nullable: true,
      resolve: (event) => (payloadOf(event).previousStatus as PortingOrderStatus | null) ?? null,
    }),
    newStatus: t.field({ type: PortingOrderStatusEnum, resolve: (event) => payloadOf(event).newStatus as PortingOrderStatus }),
    reason: t.string({ nullable: true, resolve: (event) => (payloadOf(event).reason as string | null) ?? null }),
  }),
});

builder.objectRef<FeedEvent>('OtherEvent').implement({
  description: 'Any other event (reservations created or cancelled, configuration changes).',
  interfaces: [FeedEventInterface],
  fields: (t) => ({
    subjectId: t.id({ resolve: (event) => event.subjectId }),
  }),
});

/**
 * What a subscription's subscribe resolver opened, by the operation's context: the shared execution
 * of events (http/subscription-groups.ts) reads it itself, so that an event is executed once per group
 * of identical subscriptions rather than once per subscriber.
 */
export type FeedSource = {
  /** The caller's stream: stored events after the cursor, then live ones. Nothing is read or held until its first `next`. */
  stream: AsyncIterator<FeedEvent>;
  /** Without a cursor, the stream is the organization's live events that `wanted` accepts, from now on. */
  live: boolean;
  organizationId: string;
  wanted: (event: FeedEvent) => boolean;
};

const eventSources = new WeakMap<object, FeedSource>();

/** What this operation's subscribe resolver opened, if anything; handed out once. */
export function takeEventSource(context: object): FeedSource | undefined {
  const source = eventSources.get(context);
  eventSources.delete(context);
  return source;
}

/** The caller's stream after `after`, narrowed to some event types and, optionally, a predicate. */
function tenantStream(ctx: Context, after: string | null | undefined, types: EventType[] | null, accept: (event: FeedEvent) => boolean = () => true) {
  const cursor = parseEventCursor(after);
  const source = ctx.services.feed.stream(ctx.caller.organizationId, cursor, async (from, limit) => {
    const rows = await ctx.db.event.findMany({
      where: { sequence: { gt: from }, ...(types ? { type: { in: types } } : {}) },
      orderBy: { sequence: 'asc' },
      take: limit,
    });
    return rows.map((row) => toBusEvent(row));
  });
  const wanted = (event: FeedEvent) => (!types || types.includes(event.type as EventType)) && accept(event);
  const stream = {
    async next(): Promise<IteratorResult<FeedEvent>> {
      for (;;) {
        const result = await source.next();
        if (result.done || wanted(result.value)) return result;
      }
    },
    return: async (value?: unknown): Promise<IteratorResult<FeedEvent>> => (await source.return?.(value)) ?? { done: true, value },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  eventSources.set(ctx, { stream, live: cursor === null, organizationId: ctx.caller.organizationId, wanted });
  return stream;
}

const PhoneNumberStatusFilter = builder.inputType('PhoneNumberStatusChangedFilter', {
  fields: (t) => ({
    phoneNumberId: t.id({ required: false }),
    statuses: t.field({ type: [PhoneNumberStatusEnum], required: false, description: 'Only flips into one of these statuses.' }),
  }),
});

builder.subscriptionType({});

builder.subscriptionFields((t) => {
  const after = () => t.arg.string({ description: 'An eventId you already have: stored events after it are replayed first, then live ones.' });
  return {
    events: t.field({
      type: FeedEventInterface,
      description: 'Everything that happens to your organization.',
      args: { types: t.arg({ type: [EventTypeEnum] }), after: after() },
      subscribe: (_root, args, ctx) => tenantStream(ctx, args.after, args.types?.length ? args.types : null),
      resolve: (event) => event,
    }),
    phoneNumberStatusChanged: t.field({
      type: StatusChangedEvent,
      args: { filter: t.arg({ type: PhoneNumberStatusFilter }), after: after() },
      subscribe: (_root, args, ctx) => {
        const phoneNumberId =
          args.filter?.phoneNumberId != null ? (idOfType(args.filter.phoneNumberId, 'PhoneNumber', ['filter', 'phoneNumberId']) ?? 'none') : null;
        const statuses = args.filter?.statuses;
        return tenantStream(
          ctx,
          args.after,
          ['NUMBER_STATUS_CHANGED'],
          (event) =>
            (!phoneNumberId || event.subjectId === phoneNumberId) && (!statuses?.length || statuses.includes(payloadOf(event).newStatus as PhoneNumberStatus)),
        );
      },
      resolve: (event) => event,
    }),
    numberOrderUpdated: t.field({
      type: OrderUpdatedEvent,
      args: { after: after() },
      subscribe: (_root, args, ctx) => tenantStream(ctx, args.after, ['NUMBER_ORDER_UPDATED']),
      resolve: (event) => event,
    }),
    reservationExpired: t.field({
      type: ReservationExpiredEvent,
      args: { after: after() },
      subscribe: (_root, args, ctx) => tenantStream(ctx, args.after, ['RESERVATION_EXPIRED']),
      resolve: (event) => event,
    }),
    portingOrderStatusChanged: t.field({
      type: PortingOrderStatusChangedEvent,
      args: { after: after() },
      subscribe: (_root, args, ctx) => tenantStream(ctx, args.after, ['PORTING_ORDER_STATUS_CHANGED']),
      resolve: (event) => event,
    }),
    inventoryAlertRaised: t.field({
      type: InventoryAlertRaisedEvent,
      args: { after: after() },
      subscribe: (_root, args, ctx) => tenantStream(ctx, args.after, ['INVENTORY_LOW']),
      resolve: (event) => event,
    }),
  };
});

const EventEdge = builder.objectRef<{ cursor: string; node: FeedEvent }>('FeedEventEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: FeedEventInterface, resolve: (edge) => edge.node }) }),
});

type EventPageShape = { edges: Array<{ cursor: string; node: FeedEvent }>; hasNextPage: boolean; resumeFrom: string };

const EventPage = builder.objectRef<EventPageShape>('FeedEventConnection').implement({
  description: 'Stored events in feed order. Cursors are eventIds, so a page can be followed by a subscription with `after: endCursor`.',
  fields: (t) => ({
    edges: t.field({ type: [EventEdge], resolve: (page) => page.edges }),
    endCursor: t.string({
      nullable: true,
      description:
        "Where to resume: the last edge's cursor, or on an empty page the `after` you gave (your current position in the feed when you gave none). Never null.",
      resolve: (page) => page.resumeFrom,
    }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});

/**
 * The caller's position in the feed: its newest event's id ("0" before the first). Safe to resume
 * from whatever the types filter: sequences are assigned in commit order, so any event of
 * this tenant not yet visible will get a higher one.
 */
async function feedPosition(ctx: Context): Promise<string> {
  const newest = await ctx.db.event.findFirst({ where: { sequence: { not: null } }, orderBy: { sequence: 'desc' }, select: { sequence: true } });
  return (newest?.sequence ?? 0n).toString();
}

builder.queryField('events', (t) =>
  t.field({
    type: EventPage,
    args: { after: t.arg.string(), first: t.arg.int({ defaultValue: defaultEventPageSize }), types: t.arg({ type: [EventTypeEnum] }) },
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? defaultEventPageSize;
      if (first < 0 || first > maxPageSize) {
        throw new GraphQLError(`Argument "first" must be between 0 and ${maxPageSize}, got ${first}`, {
          extensions: { code: 'BAD_USER_INPUT', field: ['first'] },
        });
      }
      const given = parseEventCursor(args.after);
      const after = given ?? 0n;
      const rows = await ctx.db.event.findMany({
        where: { sequence: { gt: after }, ...(args.types?.length ? { type: { in: args.types } } : {}) },
        orderBy: { sequence: 'asc' },
        take: first + 1,
      });
      const edges = rows.slice(0, first).map((row) => {
        const node = toBusEvent(row);
        return { cursor: node.sequence, node };
      });
      const resumeFrom = edges.at(-1)?.cursor ?? (given !== null ? given.toString() : await feedPosition(ctx));
      return { edges, hasNextPage: rows.length > first, resumeFrom };
    },
  }),
);
