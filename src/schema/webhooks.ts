import { invalidInput } from '../domain/errors.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  disableWebhookEndpoint,
  enableWebhookEndpoint,
  redeliverWebhookEvent,
  rotateWebhookSecret,
  sendTestWebhookEvent,
  updateWebhookEndpoint,
} from '../domain/webhook-endpoints.js';
import type { WebhookDelivery, WebhookEndpoint } from '../generated/prisma/client.js';
import { WebhookDeliveryStatus, WebhookEndpointStatus } from '../generated/prisma/enums.js';
import { toBusEvent } from '../infra/feed-events.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { EventTypeEnum, FeedEventInterface } from './events.js';
import { encodeGlobalId, inputId } from './global-id.js';
import { asPayload, mutationPayload } from './mutation-payload.js';
import { pageSelection } from './page-selection.js';
import { namedConnection, newestFirstConnection } from './relay-lists.js';

// Webhooks (ADMIN keys only): endpoints, their deliveries and each delivery's attempts. The signing secret is
// in the create and rotate payloads only. Delivery itself is background work (domain/webhook-deliveries.ts).

const WebhookEndpointStatusEnum = builder.enumType(WebhookEndpointStatus, { name: 'WebhookEndpointStatus' });
const WebhookDeliveryStatusEnum = builder.enumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus' });

const WebhookEndpointRef = builder.prismaNode('WebhookEndpoint', {
  id: { field: 'id' },
  authScopes: { admin: true },
  description: "Where your organization's events are POSTed, signed with the endpoint's secret (ADMIN keys only).",
  fields: (t) => ({
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    eventTypes: t.field({
      type: [EventTypeEnum],
      description: 'The event types delivered; empty means every type.',
      select: { eventTypes: true },
      resolve: (endpoint) => endpoint.eventTypes,
    }),
    connection: t.relation('connection', { nullable: true, description: 'When set, only events about numbers on this connection are delivered.' }),
    status: t.expose('status', { type: WebhookEndpointStatusEnum }),
    disabledReason: t.exposeString('disabledReason', { nullable: true }),
    consecutiveFailures: t.exposeInt('consecutiveFailures', { description: 'Failed attempts since the last delivered one; reset by enabling.' }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'While a rotation overlaps: until when deliveries are also signed with the previous secret.',
      select: { previousSecretExpiresAt: true },
      resolve: (endpoint) => (endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date() ? endpoint.previousSecretExpiresAt : null),
    }),
    deliveryAttempts: t.connection(
      {
        type: WebhookAttemptRef,
        description: 'Every POST to this endpoint, newest first.',
        select: { id: true },
        resolve: (endpoint, args, ctx, info) =>
          newestFirstConnection(
            ctx,
            args,
            `webhookAttempts:${endpoint.id}`,
            { endpointId: endpoint.id },
            pageSelection(ctx, info),
            (query) => ctx.db.webhookAttempt.findMany(query),
            (where) => ctx.db.webhookAttempt.count({ where }),
          ),
      },
      ...namedConnection('WebhookDeliveryAttempt'),
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('WebhookDelivery', {
  id: { field: 'id' },
  authScopes: { admin: true },
  description: 'One event on its way to one endpoint.',
  fields: (t) => ({
    endpoint: t.relation('endpoint'),
    event: t.field({
      type: FeedEventInterface,
      nullable: true,
      description: 'Null only for a moment after sendTestWebhookEvent, until its event has its place in the feed.',
      select: { event: true },
      resolve: (delivery) => (delivery.event.sequence === null ? null : toBusEvent(delivery.event)),
    }),
    status: t.expose('status', { type: WebhookDeliveryStatusEnum }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const WebhookAttemptRef = builder.prismaNode('WebhookAttempt', {
  name: 'WebhookDeliveryAttempt',
  id: { field: 'id' },
  authScopes: { admin: true },
  description: 'One POST of a delivery: what the receiver answered, or why there was no answer.',
  fields: (t) => ({
    delivery: t.relation('delivery'),
    eventId: t.string({
      description: "The event's feed eventId.",
      select: { delivery: { select: { event: { select: { sequence: true } } } } },
      resolve: (attempt) => String(attempt.delivery.event.sequence ?? ''),
    }),
    attempt: t.exposeInt('attempt', { description: '1 for the first POST of the delivery, then 2, 3, …' }),
    succeeded: t.exposeBoolean('succeeded', { description: 'The receiver answered 2xx in time.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'Null when there was no HTTP answer (see error).' }),
    durationMs: t.exposeInt('durationMs'),
    error: t.exposeString('error', { nullable: true }),
    responseBody: t.exposeString('responseBody', { nullable: true, description: 'The first 1 KB of the response body.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('webhookEndpoints', (t) =>
  t.connection(
    {
      type: WebhookEndpointRef,
      authScopes: { admin: true },
      description: "The organization's webhook endpoints, newest first (ADMIN keys only).",
      resolve: (_root, args, ctx, info) =>
        newestFirstConnection(
          ctx,
          args,
          'webhookEndpoints',
          {},
          pageSelection(ctx, info),
          (query) => ctx.db.webhookEndpoint.findMany(query),
          (where) => ctx.db.webhookEndpoint.count({ where }),
        ),
    },
    ...namedConnection('WebhookEndpoint'),
  ),
);

const eventTypesDescription = 'Event types to deliver; empty or absent: every type. WEBHOOK_TEST events reach only the endpoint they test.';

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'https URL (http outside production) of a public host; at most 1000 characters.' }),
    eventTypes: t.field({ type: [EventTypeEnum], description: eventTypesDescription }),
    connectionId: t.id({ description: 'Only events about numbers on this connection.' }),
    description: t.string({ description: 'At most 500 characters.' }),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  description: 'Only the fields you give change; null clears connectionId or description.',
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string({ description: 'As in createWebhookEndpoint: https (http outside production), a public host, at most 1000 characters.' }),
    eventTypes: t.field({ type: [EventTypeEnum], description: eventTypesDescription }),
    connectionId: t.id(),
    description: t.string(),
  }),
});

const EndpointIdInput = builder.inputType('WebhookEndpointIdInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const RotateSecretInput = builder.inputType('RotateWebhookEndpointSecretInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    overlapSeconds: t.int({ description: 'How long the previous secret keeps signing too: 0 to 604800 seconds; default 86400 (24 hours).' }),
  }),
});

const RedeliverInput = builder.inputType('RedeliverWebhookEventInput', {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    eventId: t.string({ required: true, description: "The event's feed eventId (from `events` or a delivery)." }),
  }),
});

const SendTestInput = builder.inputType('SendTestWebhookEventInput', { fields: (t) => ({ endpointId: t.id({ required: true }) }) });

const EndpointPayload = mutationPayload<{ webhookEndpoint: WebhookEndpoint }>('WebhookEndpointPayload', { rows: { webhookEndpoint: 'WebhookEndpoint' } });

const EndpointSecretPayload = mutationPayload<{ webhookEndpoint: WebhookEndpoint; signingSecret: string }>('WebhookEndpointSecretPayload', {
  rows: { webhookEndpoint: 'WebhookEndpoint' },
  fields: (t) => ({
    signingSecret: t.string({
      nullable: true,
      description: 'The signing secret: shown this once. Verify each delivery\'s "numbers-signature" header with it.',
      resolve: (payload) => payload.signingSecret ?? null,
    }),
  }),
});

const DeletePayload = mutationPayload<{ deletedWebhookEndpointId: string }>('DeleteWebhookEndpointPayload', {
  fields: (t) => ({ deletedWebhookEndpointId: t.id({ nullable: true, resolve: (payload) => payload.deletedWebhookEndpointId ?? null }) }),
});

const DeliveryPayload = mutationPayload<{ webhookDelivery: WebhookDelivery }>('WebhookDeliveryPayload', { rows: { webhookDelivery: 'WebhookDelivery' } });

const endpointId = (id: string, field = ['input', 'id']) => inputId(id, 'WebhookEndpoint', field);
const connectionId = (id: string | null | undefined) =>
  id === undefined ? undefined : id === null ? null : inputId(id, 'Connection', ['input', 'connectionId']);

function feedEventId(eventId: string): bigint {
  if (!/^\d{1,19}$/.test(eventId) || BigInt(eventId) > 2n ** 63n - 1n) {
    throw invalidInput(['input', 'eventId'], '"input.eventId" must be an eventId from the feed');
  }
  return BigInt(eventId);
}

const settings = (ctx: Context) => ctx.services.webhooks;

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: EndpointSecretPayload,
    authScopes: { admin: true },
    description: 'Adds an endpoint (at most 20). Its signing secret is in this payload only.',
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const { endpoint, secret } = await createWebhookEndpoint(ctx.db, settings(ctx), { ...input, connectionId: connectionId(input.connectionId) });
        return { webhookEndpoint: endpoint, signingSecret: secret };
      }),
  }),
  updateWebhookEndpoint: t.field({
    type: EndpointPayload,
    authScopes: { admin: true },
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => ({
        webhookEndpoint: await updateWebhookEndpoint(ctx.db, settings(ctx), endpointId(input.id), { ...input, connectionId: connectionId(input.connectionId) }),
      })),
  }),
  disableWebhookEndpoint: t.field({
    type: EndpointPayload,
    authScopes: { admin: true },
    description: 'Stops deliveries; those under way pause and resume when the endpoint is enabled again.',
    args: { input: t.arg({ type: EndpointIdInput, required: true }) },
    resolve: (_root, { input }, ctx) => asPayload(async () => ({ webhookEndpoint: await disableWebhookEndpoint(ctx.db, endpointId(input.id)) })),
  }),
  enableWebhookEndpoint: t.field({
    type: EndpointPayload,
    authScopes: { admin: true },
    description: 'Resumes deliveries (paused ones first get their next attempt now) and resets consecutiveFailures.',
    args: { input: t.arg({ type: EndpointIdInput, required: true }) },
    resolve: (_root, { input }, ctx) => asPayload(async () => ({ webhookEndpoint: await enableWebhookEndpoint(ctx.db, endpointId(input.id)) })),
  }),
  deleteWebhookEndpoint: t.field({
    type: DeletePayload,
    authScopes: { admin: true },
    description: 'Deletes the endpoint with its deliveries and attempts.',
    args: { input: t.arg({ type: EndpointIdInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const id = endpointId(input.id);
        await deleteWebhookEndpoint(ctx.db, id);
        return { deletedWebhookEndpointId: encodeGlobalId('WebhookEndpoint', id) };
      }),
  }),
  rotateWebhookEndpointSecret: t.field({
    type: EndpointSecretPayload,
    authScopes: { admin: true },
    description: 'A new signing secret, shown this once; the previous one keeps signing too until the overlap ends.',
    args: { input: t.arg({ type: RotateSecretInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const { endpoint, secret } = await rotateWebhookSecret(ctx.db, settings(ctx), endpointId(input.id), input.overlapSeconds ?? null);
        return { webhookEndpoint: endpoint, signingSecret: secret };
      }),
  }),
  redeliverWebhookEvent: t.field({
    type: DeliveryPayload,
    authScopes: { admin: true },
    description: 'Sends a stored event to the endpoint again, now, with a fresh retry horizon.',
    args: { input: t.arg({ type: RedeliverInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const id = endpointId(input.endpointId, ['input', 'endpointId']);
        return { webhookDelivery: await redeliverWebhookEvent(ctx.db, id, feedEventId(input.eventId)) };
      }),
  }),
  sendTestWebhookEvent: t.field({
    type: DeliveryPayload,
    authScopes: { admin: true },
    description: 'Delivers a WEBHOOK_TEST event to this endpoint only (it also appears on the feed).',
    args: { input: t.arg({ type: SendTestInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => ({ webhookDelivery: await sendTestWebhookEvent(ctx.db, endpointId(input.endpointId, ['input', 'endpointId'])) })),
  }),
}));
