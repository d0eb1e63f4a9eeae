import { getDatamodel } from '../generated/pothos-types.js';
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
const relationWriteOps = new Set([
  'create',
  'createMany',
  'connect',
  'connectOrCreate',
  'upsert',
  'disconnect',
  'delete',
  'deleteMany',
  'update',
  'updateMany',
]);

function refuseNestedWrites(data: unknown) {
  for (const row of Array.isArray(data) ? data : [data]) {
    for (const [field, value] of Object.entries((row ?? {}) as Record<string, unknown>)) {
      if (
        value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        !(value instanceof Date) &&
        Object.keys(value).some((op) => relationWriteOps.has(op))
      ) {
        throw new TenantScopeViolation(`Nested write to "${field}" is not allowed through a tenant-scoped client; set its id column instead`);
      }
    }
  }
}

function scopeRows(model: string, operation: string, args: Args, organizationId: string): Args {
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

// Nested loads. Prisma sends a separate statement for each relation a query
// includes or selects (and for each `_count`), which the top-level `where` above
// never reaches. To-many relations get the organization merged into their own
// `where`. To-one relations take no `where`, so between tenant-owned models they
// must be keyed by (organizationId, id) in the schema: the load then matches on the
// parent's organizationId, and the database refuses a link to another tenant's row.

type RelationField = { name: string; type: string; isList: boolean; relationName: string; relationFromFields?: readonly string[] };

const relationsByModel = new Map<string, Map<string, RelationField>>(
  Object.entries(getDatamodel().datamodel.models).map(([model, { fields }]) => [
    model,
    new Map(fields.filter((field) => field.kind === 'object').map((field) => [field.name, field as unknown as RelationField])),
  ]),
);

/** True when a to-one relation matches on organizationId as well as the id (the foreign key is on either side). */
function keyedByOrganization(model: string, relation: RelationField): boolean {
  if (relation.relationFromFields?.length) return relation.relationFromFields.includes('organizationId');
  const opposite = [...(relationsByModel.get(relation.type)?.values() ?? [])].find(
    (field) => field.relationName === relation.relationName && (relation.type !== model || field.name !== relation.name),
  );
  return Boolean(opposite?.relationFromFields?.includes('organizationId'));
}

type Selection = Record<string, unknown>;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function withOwner(args: unknown, organizationId: string): Selection {
  const nested = isObject(args) ? args : {};
  return { ...nested, where: { ...(isObject(nested.where) ? nested.where : {}), organizationId } };
}

function scopeCount(model: string, count: unknown, organizationId: string): unknown {
  const relations = relationsByModel.get(model)!;
  let select: Selection;
  // `_count: true` counts every to-many relation; spell them out so each can be scoped.
  if (count === true) select = Object.fromEntries([...relations.values()].filter((field) => field.isList).map((field) => [field.name, true]));
  else if (isObject(count) && isObject(count.select)) select = count.select;
  else return count;
  const scoped: Selection = {};
  for (const [name, value] of Object.entries(select)) {
    const target = relations.get(name)?.type;
    scoped[name] = value && target && tenantOwned.has(target) ? withOwner(value, organizationId) : value;
  }
  return { ...(isObject(count) ? count : {}), select: scoped };
}

function scopeSelection(model: string, selection: Selection, organizationId: string): Selection {
  const relations = relationsByModel.get(model)!;
  const scoped: Selection = {};
  for (const [name, value] of Object.entries(selection)) {
    const relation = relations.get(name);
    if (name === '_count') {
      scoped[name] = scopeCount(model, value, organizationId);
    } else if (!relation || !value) {
      scoped[name] = value;
    } else {
      const target = relation.type;
      if (!tenantOwned.has(target) && target !== 'Organization' && !sharedCatalog.has(target)) {
        throw new TenantScopeViolation(`${model}.${name} loads ${target}, which is not allowed through a tenant-scoped client`);
      }
      if (tenantOwned.has(target) && !relation.isList && !keyedByOrganization(model, relation)) {
        throw new TenantScopeViolation(`${model}.${name} is not keyed by organizationId, so it can't be loaded through a tenant-scoped client`);
      }
      const nested = relation.isList && tenantOwned.has(target) ? withOwner(value, organizationId) : value;
      scoped[name] = isObject(nested) ? scopeRelations(target, nested, organizationId) : nested;
    }
  }
  return scoped;
}

/** Scopes every relation `args` loads (include, select, _count), at any depth. */
function scopeRelations<T extends Selection>(model: string, args: T, organizationId: string): T {
  if (!isObject(args.include) && !isObject(args.select)) return args;
  const scoped: Selection = { ...args };
  if (isObject(args.include)) scoped.include = scopeSelection(model, args.include, organizationId);
  if (isObject(args.select)) scoped.select = scopeSelection(model, args.select, organizationId);
  return scoped as T;
}

export function scopeArgs(model: string, operation: string, args: Args, organizationId: string): Args {
  return scopeRelations(model, scopeRows(model, operation, args, organizationId), organizationId);
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
