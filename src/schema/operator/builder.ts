import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Logger } from 'pino';
import type { Operator } from '../../domain/operators.js';
import type PrismaTypes from '../../generated/pothos-types.js';
import { getDatamodel } from '../../generated/pothos-types.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { TenantScope } from '../../infra/tenant-scope.js';
import { encodeGlobalId, malformedGlobalId, parseGlobalId } from '../global-id.js';
import { CountryCodeScalar } from '../scalars.js';

// The operator API (/operator/graphql): a schema of its own, served only to operator keys. It is
// not a part of the tenant schema behind a role check: no tenant key, of any role or mode, can even
// name these fields, and no operator key is accepted on /graphql (src/http/operator.ts).

export type OperatorContext = {
  requestId: string;
  logger: Logger;
  operator: Operator;
  /** The platform client: operators work across organizations. */
  prisma: PrismaClient;
  /** Scoped clients for work on one organization's data (its ledger, its events). */
  tenants: TenantScope;
};

export const operatorBuilder = new SchemaBuilder<{
  Context: OperatorContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: { operator: boolean };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    CountryCode: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  // Every request here is an authenticated operator's (the endpoint refuses anything else before executing).
  scopeAuth: { authScopes: (ctx) => ({ operator: Boolean(ctx.operator) }) },
  prisma: { client: (ctx) => ctx.prisma, dmmf: getDatamodel(), filterConnectionTotalCount: true, onUnusedQuery: null },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalId) => parseGlobalId(globalId) ?? malformedGlobalId(globalId),
  },
});

operatorBuilder.addScalarType('DateTime', DateTimeResolver);
operatorBuilder.addScalarType('CountryCode', CountryCodeScalar);
operatorBuilder.addScalarType('JSON', JSONResolver);
operatorBuilder.queryType({});
operatorBuilder.mutationType({});
