import type { GenericFieldRef } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from './context.js';
import { pageSelection } from './page-selection.js';
import { type ConnectionArgs, type KeysetConnection, keysetConnection, type OrderKey, type PageQuery, type RowSelection } from './pagination.js';

// Relay lists: the PhoneNumberConnection / PhoneNumberEdge types and the keyset-paged resolvers behind them.
// (connection.ts is the domain's Connection, a group of numbers; this file is about Relay's pattern.)

type CountFieldBuilder = {
  int: (options: { description: string; nullable: false; resolve: (connection: unknown) => Promise<number> }) => GenericFieldRef<number | null | undefined>;
};

/**
 * Trailing arguments of `t.connection(…, ...namedConnection('PhoneNumber'))`: types named
 * PhoneNumberConnection / PhoneNumberEdge, with `totalCount` counted only when asked for.
 */
export function namedConnection(nodeName: string) {
  return [
    {
      name: `${nodeName}Connection`,
      fields: (t: CountFieldBuilder) => ({
        totalCount: t.int({
          description: 'Number of items matching the filter, across all pages.',
          nullable: false,
          resolve: (connection) => (connection as KeysetConnection<unknown>).totalCount(),
        }),
      }),
    },
    { name: `${nodeName}Edge` },
  ] as const;
}

const newestFirst: OrderKey[] = [
  { field: 'createdAt', kind: 'date', direction: 'desc' },
  { field: 'id', kind: 'string', direction: 'desc' },
];

/** A tenant's list, newest first: the shape most lists in this API take. */
export function newestFirstConnection<Row extends Record<string, unknown>>(
  ctx: Context,
  args: ConnectionArgs,
  list: string,
  where: Record<string, unknown>,
  selection: RowSelection,
  findMany: (query: PageQuery) => Promise<Row[]>,
  count: (where: Record<string, unknown>) => Promise<number>,
) {
  return keysetConnection({ args, cursors: ctx.cursors, scope: `${ctx.caller.organizationId}:${list}`, keys: newestFirst, where, selection, findMany, count });
}

type Delegate<Row> = {
  findMany: (args: PageQuery) => Promise<Row[]>;
  count: (args: { where: Record<string, unknown> }) => Promise<number>;
};

/** Resolver for a tenant list filtered by `status`, newest first, loading what the query selects. */
export function byStatusNewestFirst<Row extends Record<string, unknown>>(list: string, delegateOf: (db: Context['db']) => unknown) {
  return (_root: unknown, args: ConnectionArgs & { status?: readonly string[] | null }, ctx: Context, info: GraphQLResolveInfo) => {
    const selection = pageSelection(ctx, info);
    const delegate = delegateOf(ctx.db) as Delegate<Row>;
    return newestFirstConnection(
      ctx,
      args,
      `${list}:${(args.status ?? []).join(',')}`,
      args.status?.length ? { status: { in: [...args.status] } } : {},
      selection,
      (query) => delegate.findMany(query),
      (where) => delegate.count({ where }),
    );
  };
}
