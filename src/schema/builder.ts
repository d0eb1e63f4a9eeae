import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { CurrencyResolver, DateTimeResolver, NonNegativeIntResolver, UUIDResolver } from 'graphql-scalars';
import { roleAllows } from '../domain/api-keys.js';
import { invalidInput, notFound } from '../domain/errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from './context.js';
import { CountryCodeScalar, E164Scalar } from './scalars.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeGlobalId(globalId: string, field: string[] = ['id']): { typename: string; id: string } {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  const typename = decoded.slice(0, separator);
  const id = decoded.slice(separator + 1);
  if (separator <= 0 || !/^[A-Za-z]+$/.test(typename) || !uuidPattern.test(id)) {
    throw new GraphQLError(`"${field.join('.')}" is not a valid ID`, { extensions: { code: 'BAD_USER_INPUT', field } });
  }
  return { typename, id: id.toLowerCase() };
}

/** For mutation inputs: a malformed ID or one of another type becomes a payload error, not a top-level one. */
export function inputId(globalId: string, typename: string, field: string[]): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalId(globalId, field);
  } catch {
    throw invalidInput(field, `"${field.join('.')}" is not a valid ID`);
  }
  if (decoded.typename !== typename) throw notFound(field, typename.replace(/([a-z])([A-Z])/g, '$1 $2'));
  return decoded.id;
}

/** The database id behind a global ID that must name a `typename`; a wrong type reads as not found. */
export function idOfType(globalId: string, typename: string, field: string[]): string | null {
  const decoded = decodeGlobalId(globalId, field);
  return decoded.typename === typename ? decoded.id : null;
}

export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`).toString('base64url');
}

async function nullIfMissing<T>(lookup: Promise<T> | T): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if ((error as { code?: string }).code === 'P2025') return null;
    throw error;
  }
}

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
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      member: roleAllows(ctx.caller.role, 'MEMBER'),
      admin: roleAllows(ctx.caller.role, 'ADMIN'),
    }),
    unauthorizedError: () =>
      new GraphQLError('This API key is not allowed to do that', { extensions: { code: 'FORBIDDEN' } }),
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
    // A missing node (or another tenant's, which the scoped client can't see) is null, never an error.
    nodeQueryOptions: { resolve: (_root, { id }, _ctx, _info, resolveNode) => nullIfMissing(resolveNode(id)) },
    nodesQueryOptions: { resolve: (_root, { ids }, _ctx, _info, resolveNodes) => ids.map((id) => nullIfMissing(resolveNodes([id]).then(([node]) => node))) },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalId) => decodeGlobalId(globalId),
  },
  errors: { defaultTypes: [] },
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
