import { defaultThreshold, listBuckets, setThreshold } from '../domain/inventory-alerts.js';
import type { Organization } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { InventoryAlertType } from './events.js';
import { asPayload, mutationPayload } from './mutation-payload.js';

const InventoryAlerts = builder.objectRef<{ includeHealthy: boolean }>('InventoryAlerts').implement({
  fields: (t) => ({
    alerts: t.field({
      type: [InventoryAlertType],
      description: 'Buckets below the threshold (all buckets with includeHealthy).',
      resolve: async ({ includeHealthy }, _args, ctx) => {
        const buckets = await listBuckets(ctx.db);
        return includeHealthy ? buckets : buckets.filter((bucket) => bucket.availableCount < bucket.threshold);
      },
    }),
    threshold: t.int({
      resolve: async (_parent, _args, ctx) => (await ctx.db.organization.findFirstOrThrow({ select: { lowStockThreshold: true } })).lowStockThreshold,
    }),
    defaultThreshold: t.int({ resolve: () => defaultThreshold }),
  }),
});

builder.queryField('inventoryAlerts', (t) =>
  t.field({
    type: InventoryAlerts,
    description: 'Low-stock buckets: per (country, area code) where you hold numbers, the active numbers not yet assigned.',
    args: { includeHealthy: t.arg.boolean({ defaultValue: false }) },
    resolve: (_root, args) => ({ includeHealthy: args.includeHealthy ?? false }),
  }),
);

const SetThresholdInput = builder.inputType('SetInventoryAlertThresholdInput', { fields: (t) => ({ threshold: t.int({ required: true }) }) });

const SetThresholdPayload = mutationPayload<{ organization: Organization }>('SetInventoryAlertThresholdPayload', {
  fields: (t) => ({ threshold: t.int({ nullable: true, resolve: (payload) => payload.organization?.lowStockThreshold ?? null }) }),
});

builder.mutationField('setInventoryAlertThreshold', (t) =>
  t.field({
    type: SetThresholdPayload,
    authScopes: { admin: true },
    args: { input: t.arg({ type: SetThresholdInput, required: true }) },
    resolve: (_root, { input }, ctx) => asPayload(async () => ({ organization: await setThreshold(ctx.db, input.threshold) })),
  }),
);
