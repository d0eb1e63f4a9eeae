import { createApiKey, revokeApiKey } from '../domain/credentials.js';
import { notFound } from '../domain/errors.js';
import type { ApiKey, Organization } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { ApiKeyModeEnum, ApiKeyRoleEnum, KycStatusEnum, OrganizationStatusEnum } from './enums.js';
import { idOfType } from './global-id.js';
import { MoneyType, money } from './money.js';
import { asPayload, mutationPayload } from './mutation-payload.js';
import { pageSelection } from './page-selection.js';
import { namedConnection, newestFirstConnection } from './relay-lists.js';

builder.prismaNode('Organization', {
  id: { field: 'id' },
  fields: (t) => ({
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    balance: t.field({ type: MoneyType, resolve: (org) => money(org.balanceCents, org.currency) }),
    kycStatus: t.expose('kycStatus', { type: KycStatusEnum }),
    kycDeclineReason: t.exposeString('kycDeclineReason', { nullable: true, description: 'Why KYC was declined, when it was.' }),
    status: t.expose('status', {
      type: OrganizationStatusEnum,
      description: 'SUSPENDED: reads and export work; ordering answers ACCOUNT_SUSPENDED until the organization is reactivated.',
    }),
    statusReason: t.exposeString('statusReason', { nullable: true, description: 'Why the organization was last suspended or reactivated.' }),
    inventoryAlertThreshold: t.exposeInt('lowStockThreshold'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ApiKeyRef = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  description: 'An API key. The secret is shown once, when the key is created.',
  fields: (t) => ({
    name: t.exposeString('name'),
    role: t.expose('role', { type: ApiKeyRoleEnum }),
    mode: t.expose('mode', { type: ApiKeyModeEnum }),
    displayPrefix: t.exposeString('displayPrefix', { description: 'The first characters of the key, to tell keys apart.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

type Viewer = {
  organizationId: string;
  apiKeyId: string;
  /** The caller's organization row, read once however many viewer fields ask for it. */
  account: () => Promise<Organization>;
};

const ViewerType = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who is calling: the organization and API key behind this request.',
  fields: (t) => ({
    organization: t.prismaField({
      type: 'Organization',
      resolve: (query, viewer, _args, ctx) => ctx.db.organization.findUniqueOrThrow({ ...query, where: { id: viewer.organizationId } }),
    }),
    apiKey: t.prismaField({
      type: 'ApiKey',
      resolve: (query, viewer, _args, ctx) => ctx.db.apiKey.findUniqueOrThrow({ ...query, where: { id: viewer.apiKeyId } }),
    }),
    role: t.field({ type: ApiKeyRoleEnum, resolve: (_viewer, _args, ctx) => ctx.caller.role }),
    balance: t.field({ type: MoneyType, resolve: async (viewer) => money((await viewer.account()).balanceCents, (await viewer.account()).currency) }),
    kycStatus: t.field({ type: KycStatusEnum, resolve: async (viewer) => (await viewer.account()).kycStatus }),
    inventoryAlertThreshold: t.int({ resolve: async (viewer) => (await viewer.account()).lowStockThreshold }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerType,
    resolve: (_root, _args, ctx) => {
      let account: Promise<Organization> | undefined;
      return {
        organizationId: ctx.caller.organizationId,
        apiKeyId: ctx.caller.apiKeyId,
        account: () => (account ??= ctx.db.organization.findUniqueOrThrow({ where: { id: ctx.caller.organizationId } })),
      };
    },
  }),
);

builder.queryField('apiKeys', (t) =>
  t.connection(
    {
      type: ApiKeyRef,
      authScopes: { admin: true },
      description: "The organization's API keys, newest first, revoked ones included (ADMIN keys only). Secrets are never shown again.",
      resolve: (_root, args, ctx, info) =>
        newestFirstConnection(
          ctx,
          args,
          'apiKeys',
          {},
          pageSelection(ctx, info),
          (query) => ctx.db.apiKey.findMany(query),
          (where) => ctx.db.apiKey.count({ where }),
        ),
    },
    ...namedConnection('ApiKey'),
  ),
);

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 100 characters.' }),
    role: t.field({ type: ApiKeyRoleEnum, required: true }),
    mode: t.field({
      type: ApiKeyModeEnum,
      required: false,
      description:
        "LIVE or TEST; by default the calling key's own mode. A test-mode key can create only test-mode keys; a live key's TEST key " +
        "belongs to the organization's sandbox (made on first use), and is listed and revoked there, with test keys.",
    }),
  }),
});

const CreateApiKeyPayload = mutationPayload<{ apiKey: ApiKey; secret: string }>('CreateApiKeyPayload', {
  fields: (t) => ({
    // The row as created, not re-read: a test key made by a live key lives in the sandbox, out of the caller's scope.
    apiKey: t.field({ type: ApiKeyRef, nullable: true, resolve: (p) => p.apiKey ?? null }),
    secret: t.string({ nullable: true, description: 'The key itself. Shown only in this response.', resolve: (p) => p.secret ?? null }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const RevokeApiKeyPayload = mutationPayload<{ apiKey: ApiKey }>('RevokeApiKeyPayload', { rows: { apiKey: 'ApiKey' } });

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(() => createApiKey(ctx.db, { name: input.name, role: input.role, mode: input.mode ?? ctx.caller.mode }, ctx.services.sandboxes)),
  }),
  revokeApiKey: t.field({
    type: RevokeApiKeyPayload,
    authScopes: { admin: true },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const id = idOfType(input.id, 'ApiKey', ['input', 'id']);
        if (!id) throw notFound(['input', 'id'], 'API key');
        const apiKey = await revokeApiKey(ctx.db, id);
        return { apiKey };
      }),
  }),
}));
