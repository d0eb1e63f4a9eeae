import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { CurrencyResolver, DateTimeResolver, NonNegativeIntResolver, UUIDResolver } from 'graphql-scalars';
import { roleAllows } from '../domain/api-keys.js';
import { invalidInput } from '../domain/errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from './context.js';
import { encodeGlobalId, invalidId, isMalformed, malformedGlobalId, parseGlobalId } from './global-id.js';
import { loadNodes, maxNodesPerRequest } from './nodes.js';
import { CountryCodeScalar, E164Scalar } from './scalars.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { member: boolean; admin: boolean };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    E164: { Input: string; Output: string };
    CountryCode: { Input: string; Output: string };
    UUID: { Input: string; Output: string };
    Currency: { Input: string; Output: string };
    NonNegativeInt: { Input: number; Output: number };
    File: { Input: File; Output: never };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      member: roleAllows(ctx.caller.role, 'MEMBER'),
      admin: roleAllows(ctx.caller.role, 'ADMIN'),
    }),
    unauthorizedError: () => new GraphQLError('This API key is not allowed to do that', { extensions: { code: 'FORBIDDEN' } }),
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    // A missing node, another tenant's (the scoped client can't see it) and an ID of a type
    // that is not a Node of this API are all null, never an error (see nodes.ts).
    nodeQueryOptions: {
      description: 'The object with this ID, or null when there is none you can see.',
      resolve: async (_root, { id }, ctx, info) => {
        if (isMalformed(id)) throw invalidId(['id']);
        const [node] = await loadNodes([id], ctx, info);
        return node as never;
      },
    },
    nodesQueryOptions: {
      description:
        `Up to ${maxNodesPerRequest} objects by ID, in the order given; null for an ID that names nothing you can see. ` +
        'More IDs are refused (BAD_USER_INPUT naming `ids`); each ID counts toward the query cost.',
      args: { ids: { description: `At most ${maxNodesPerRequest} IDs.` } },
      resolve: async (_root, { ids }, ctx, info) => {
        if (ids.length > maxNodesPerRequest) throw invalidInput(['ids'], `"ids" must have at most ${maxNodesPerRequest} items, got ${ids.length}`);
        if (ids.some(isMalformed)) throw invalidId(['ids']);
        return (await loadNodes(ids, ctx, info)) as never;
      },
    },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalId) => parseGlobalId(globalId) ?? malformedGlobalId(globalId),
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('E164', E164Scalar);
builder.addScalarType('CountryCode', CountryCodeScalar);
builder.addScalarType('UUID', UUIDResolver);
builder.addScalarType('Currency', CurrencyResolver);
builder.addScalarType('NonNegativeInt', NonNegativeIntResolver);

builder.queryType({});
// Every mutation needs at least a MEMBER key; read-only keys are refused here, once for all.
builder.mutationType({ authScopes: { member: true } });
