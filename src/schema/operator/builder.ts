import SchemaBuilder, { brandWithType } from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Logger } from 'pino';
import { invalidInput } from '../../domain/errors.js';
import type { Operator } from '../../domain/operators.js';
import type PrismaTypes from '../../generated/pothos-types.js';
import { getDatamodel } from '../../generated/pothos-types.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { TenantScope } from '../../infra/tenant-scope.js';
import { encodeGlobalId, type GlobalId, invalidId, isMalformed, malformedGlobalId, parseGlobalId } from '../global-id.js';
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
    // Organizations and audit records by global ID; anything else (another type, a malformed ID) is null or
    // BAD_USER_INPUT naming the argument, never a failure.
    nodeQueryOptions: {
      resolve: async (_root, { id }, ctx) => {
        if (isMalformed(id)) throw invalidId(['id']);
        return (await operatorNodes(ctx, [id]))[0] as never;
      },
    },
    nodesQueryOptions: {
      resolve: async (_root, { ids }, ctx) => {
        if (ids.length > 100) throw invalidInput(['ids'], '"ids" must have at most 100 items');
        if (ids.some(isMalformed)) throw invalidId(['ids']);
        return (await operatorNodes(ctx, ids)) as never;
      },
    },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalId) => parseGlobalId(globalId) ?? malformedGlobalId(globalId),
  },
});

/** The rows behind global IDs, in order, branded with their type; null where there is none. */
async function operatorNodes(ctx: OperatorContext, ids: GlobalId[]): Promise<Array<object | null>> {
  const wanted = (typename: string) => ids.filter((id) => id.typename === typename).map((id) => id.id);
  const [organizations, audits] = await Promise.all([
    ctx.prisma.organization.findMany({ where: { id: { in: wanted('Organization') }, environment: 'LIVE' } }),
    ctx.prisma.auditRecord.findMany({ where: { id: { in: wanted('AuditRecord') } }, include: { operatorKey: { select: { name: true } } } }),
  ]);
  const found = new Map<string, object>();
  for (const row of organizations) {
    brandWithType(row, 'Organization' as never);
    found.set(`Organization:${row.id}`, row);
  }
  for (const row of audits) {
    brandWithType(row, 'AuditRecord' as never);
    found.set(`AuditRecord:${row.id}`, row);
  }
  return ids.map((id) => found.get(`${id.typename}:${id.id}`) ?? null);
}

operatorBuilder.addScalarType('DateTime', DateTimeResolver);
operatorBuilder.addScalarType('CountryCode', CountryCodeScalar);
operatorBuilder.addScalarType('JSON', JSONResolver);
operatorBuilder.queryType({});
operatorBuilder.mutationType({});
