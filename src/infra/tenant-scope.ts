import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

// The one place tenant scope is enforced. Every request gets a client from
// `tenantClient`; every model is classified below, and a model that is not
// classified can't be touched through it, so a new table or resolver can't
// silently read across tenants.

/** Tables whose rows belong to exactly one organization (column organizationId). */
const tenantOwned = new Set<string>([
  'ApiKey',
  'PhoneNumber',
  'Connection',
  'Reservation',
  'ReservationItem',
  'NumberOrder',
  'NumberOrderItem',
  'PortingOrder',
  'PortingOrderNumber',
  'PortingDocument',
  'PortingOrderTransition',
  'PortingComment',
  'LedgerEntry',
  'Event',
  'InventoryAlertState',
]);

/** The platform's purchasable stock: no owner, visible to every tenant. */
const sharedCatalog = new Set<string>(['InventoryNumber']);

const readOps = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);
const whereWriteOps = new Set(['update', 'updateMany', 'updateManyAndReturn', 'delete', 'deleteMany']);
const createOps = new Set(['create', 'createMany', 'createManyAndReturn']);

export class TenantScopeViolation extends Error {}

type Args = Record<string, unknown> & { where?: Record<string, unknown>; data?: unknown; create?: Record<string, unknown>; update?: unknown };

function stampOwner(data: unknown, organizationId: string): unknown {
  if (Array.isArray(data)) return data.map((row) => stampOwner(row, organizationId));
  const row = (data ?? {}) as Record<string, unknown>;
  if (row.organizationId !== undefined && row.organizationId !== organizationId) {
    throw new TenantScopeViolation('Cannot write a row for another organization');
  }
  return { ...row, organizationId };
}

function refuseOwnerChange(data: unknown, organizationId: string) {
  const row = (data ?? {}) as Record<string, unknown>;
  if ('organizationId' in row && row.organizationId !== organizationId) {
    throw new TenantScopeViolation('Cannot move a row to another organization');
  }
  if ('organization' in row) throw new TenantScopeViolation('Cannot change the owner of a row');
}

// Nested writes would reach tables (and owners) this extension never sees, and
// single-column foreign keys would let a row link to another tenant's row. So
// writes through a tenant client are flat: relations are set by their id columns.
const relationWriteOps = new Set(['create', 'createMany', 'connect', 'connectOrCreate', 'upsert', 'disconnect', 'delete', 'deleteMany', 'update', 'updateMany']);

function refuseNestedWrites(data: unknown) {
  for (const row of Array.isArray(data) ? data : [data]) {
    for (const [field, value] of Object.entries((row ?? {}) as Record<string, unknown>)) {
      if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && Object.keys(value).some((op) => relationWriteOps.has(op))) {
        throw new TenantScopeViolation(`Nested write to "${field}" is not allowed through a tenant-scoped client; set its id column instead`);
      }
    }
  }
}

export function scopeArgs(model: string, operation: string, args: Args, organizationId: string): Args {
  if (tenantOwned.has(model)) {
    if (readOps.has(operation) || whereWriteOps.has(operation)) {
      if (whereWriteOps.has(operation)) {
        refuseOwnerChange(args.data, organizationId);
        refuseNestedWrites(args.data);
      }
      // Spread, not AND: unique lookups (findUnique, update) must keep their unique key at top level.
      return { ...args, where: { ...(args.where ?? {}), organizationId } };
    }
    if (createOps.has(operation)) {
      refuseNestedWrites(args.data);
      return { ...args, data: stampOwner(args.data, organizationId) };
    }
    if (operation === 'upsert') {
      refuseOwnerChange(args.update, organizationId);
      refuseNestedWrites(args.create);
      refuseNestedWrites(args.update);
      return { ...args, where: { ...(args.where ?? {}), organizationId }, create: stampOwner(args.create, organizationId) as Args['create'] };
    }
  }
  if (model === 'Organization') {
    if (readOps.has(operation) || operation === 'update' || operation === 'updateMany' || operation === 'updateManyAndReturn') {
      // AND, so a lookup of another organization's id finds nothing instead of being rewritten to ours.
      const where = args.where ?? {};
      const and = where.AND === undefined ? [] : Array.isArray(where.AND) ? where.AND : [where.AND];
      return { ...args, where: { ...where, AND: [...and, { id: organizationId }] } };
    }
  }
  if (sharedCatalog.has(model)) return args;
  throw new TenantScopeViolation(`${model}.${operation} is not allowed through a tenant-scoped client`);
}

/** A Prisma client that can only see and write the given organization's rows. */
export function tenantClient(prisma: PrismaClient, organizationId: string) {
  return prisma.$extends({
    name: 'tenant-scope',
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          return query(scopeArgs(model, operation, args as Args, organizationId) as typeof args);
        },
      },
    },
  }) as unknown as PrismaClient;
}

export type TenantDb = PrismaClient;
export { Prisma };
