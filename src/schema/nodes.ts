import { brandWithType } from '@pothos/core';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { type GraphQLResolveInfo, isObjectType } from 'graphql';
import type { Context } from './context.js';
import type { GlobalId } from './global-id.js';

// `node(id:)` and `nodes(ids:)`. The relay plugin would load each id on its own
// (plugin-prisma gives a node only a one-id loader); here the ids are grouped by
// type and each type is one findMany through the tenant-scoped client, so a
// request costs one statement per type asked for (plus its nested relations),
// whatever the number of ids. An id of a type that is not a Node of this API
// (an internal table, an object type without ids), of another tenant, or that
// does not exist is null, the same answer in every case.

/** Most ids one `nodes` call takes, as GitHub's API caps it. */
export const maxNodesPerRequest = 100;

type Row = { id: string };
type Delegate = { findMany: (args: Record<string, unknown>) => Promise<Row[]> };

/** The Prisma model behind a Node type of this schema, or null when the name is not one. */
function nodeModel(info: GraphQLResolveInfo, typename: string): string | null {
  const type = info.schema.getType(typename);
  if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'Node')) return null;
  const model = type.extensions?.pothosPrismaModel;
  return typeof model === 'string' ? model : null;
}

async function loadType(ctx: Context, info: GraphQLResolveInfo, typename: string, model: string, ids: string[]): Promise<Row[]> {
  // The selection beneath the field for this type (fragments on it included), as plugin-prisma builds it for one node.
  const query = (await queryFromInfo({ context: ctx, info, typeName: typename, awaitSelections: true })) as { select?: Record<string, unknown> };
  const delegate = (ctx.db as unknown as Record<string, Delegate | undefined>)[model.charAt(0).toLowerCase() + model.slice(1)];
  if (!delegate) throw new Error(`No Prisma delegate for model ${model}`);
  // Every Node is keyed by its `id` column (see the prismaNode definitions); it is selected to match rows to ids.
  const rows = await delegate.findMany({ ...query, ...(query.select ? { select: { ...query.select, id: true } } : {}), where: { id: { in: ids } } });
  for (const row of rows) brandWithType(row, typename as never);
  return rows;
}

/** The nodes for these ids, in order; null where there is none the caller may see. */
export async function loadNodes(globalIds: ReadonlyArray<GlobalId | null | undefined>, ctx: Context, info: GraphQLResolveInfo): Promise<Array<Row | null>> {
  const wanted = new Map<string, { model: string; ids: Set<string> }>();
  for (const globalId of globalIds) {
    if (!globalId) continue;
    const model = nodeModel(info, globalId.typename);
    if (!model) continue;
    const entry = wanted.get(globalId.typename) ?? { model, ids: new Set<string>() };
    entry.ids.add(globalId.id);
    wanted.set(globalId.typename, entry);
  }
  const found = new Map<string, Row>();
  await Promise.all(
    [...wanted].map(async ([typename, { model, ids }]) => {
      for (const row of await loadType(ctx, info, typename, model, [...ids])) found.set(`${typename}:${row.id}`, row);
    }),
  );
  return globalIds.map((globalId) => (globalId ? (found.get(`${globalId.typename}:${globalId.id}`) ?? null) : null));
}
