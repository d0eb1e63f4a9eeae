import { AsyncLocalStorage } from 'node:async_hooks';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { getDatamodel } from '../generated/pothos-types.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { ApiKeyMode, Environment } from '../generated/prisma/enums.js';
import type { CopyOut } from './copy-out.js';

// The one place tenant scope is enforced. Every request and job gets a client from
// `tenantClient`; every model is classified below, and a model that is not
// classified can't be touched through it, so a new table or resolver can't
// silently read across tenants. Raw SQL can't be checked that way, so the scoped
// client refuses it; the helpers at the end of this file are the ways through.

/** Tables whose rows belong to exactly one organization (column organizationId). */
const tenantOwnedModels = [
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
  'KycSubmission',
  'KycDocument',
  'WebhookEndpoint',
  'WebhookDelivery',
  'WebhookAttempt',
] as const satisfies readonly Prisma.ModelName[];
type TenantOwnedModel = (typeof tenantOwnedModels)[number];
const tenantOwned = new Set<string>(tenantOwnedModels);

/**
 * The purchasable stock: live stock (sandboxId null) has no owner and is visible to every live tenant; a
 * sandbox sees only its own test stock, so a test order never takes a live number, nor another sandbox's.
 */
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

function scopeCatalog(operation: string, args: Args, organizationId: string, environment: Environment): Args {
  if (readOps.has(operation) || whereWriteOps.has(operation)) {
    if (whereWriteOps.has(operation) && 'sandboxId' in ((args.data ?? {}) as object))
      throw new TenantScopeViolation('Cannot move stock out of its environment');
    return { ...args, where: { ...(args.where ?? {}), sandboxId: environment === 'TEST' ? organizationId : null } };
  }
  throw new TenantScopeViolation(`InventoryNumber.${operation} is not allowed through a tenant-scoped client`);
}

function scopeRows(model: string, operation: string, args: Args, organizationId: string, environment: Environment): Args {
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
  if (sharedCatalog.has(model)) return scopeCatalog(operation, args, organizationId, environment);
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

function relationsOf(model: string): Map<string, RelationField> {
  const relations = relationsByModel.get(model);
  if (!relations) throw new TenantScopeViolation(`${model} is not a model of this schema`);
  return relations;
}

type Selection = Record<string, unknown>;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function withOwner(args: unknown, organizationId: string): Selection {
  const nested = isObject(args) ? args : {};
  return { ...nested, where: { ...(isObject(nested.where) ? nested.where : {}), organizationId } };
}

function scopeCount(model: string, count: unknown, organizationId: string): unknown {
  const relations = relationsOf(model);
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
  const relations = relationsOf(model);
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

export function scopeArgs(model: string, operation: string, args: Args, tenant: Pick<Tenant, 'organizationId' | 'environment'>): Args {
  return scopeRelations(model, scopeRows(model, operation, args, tenant.organizationId, tenant.environment), tenant.organizationId);
}

/** Who a scoped client acts for. */
export type Tenant = {
  readonly organizationId: string;
  /** The calling API key's mode; null for work no key started (jobs). */
  readonly mode: ApiKeyMode | null;
  /** The organization's environment (a TEST organization is a sandbox): which stock it sees and which carrier serves it. */
  readonly environment: Environment;
};

export type TenantHooks = {
  /**
   * Runs after every transaction through `tenantTransaction` commits, never before and never on a rollback:
   * the app wakes its job runner and outbox relay, so what the transaction enqueued or recorded goes out now.
   * Must not throw (the transaction has committed by then).
   */
  afterCommit: () => void;
};

// Type-only brand: nothing at runtime carries it, so only the casts in this file make a TenantDb or TenantTx,
// and a plain PrismaClient (or an unscoped transaction client) can't be passed where one is expected.
declare const tenantBrand: unique symbol;
type RawMethod = '$queryRaw' | '$executeRaw' | '$queryRawUnsafe' | '$executeRawUnsafe';
type Scoped<Client, Kind extends string> = Omit<Client, RawMethod> & { readonly tenant: Tenant; readonly [tenantBrand]: Kind };

/** A client that can only see and write one organization's rows. Transactions go through `tenantTransaction`. */
export type TenantDb = Scoped<Omit<PrismaClient, '$transaction'>, 'client'>;
/** The same, inside one of its transactions. */
export type TenantTx = Scoped<Prisma.TransactionClient, 'transaction'>;
export type TenantClient = TenantDb | TenantTx;

const hooksByTenant = new WeakMap<Tenant, TenantHooks>();

/** Set only while one of the helpers below runs its statement; the scoped client refuses raw SQL otherwise. */
const rawPermit = new AsyncLocalStorage<true>();

function refuseRaw(method: RawMethod) {
  return ({ args, query }: { args: unknown; query: (args: never) => Promise<unknown> }) => {
    if (!rawPermit.getStore()) {
      throw new TenantScopeViolation(`${method} is not available through a tenant-scoped client; use tenantSql, lockRow, advisoryLock or platformSql`);
    }
    return query(args as never);
  };
}

/** A Prisma client that can only see and write the given organization's rows. */
export function tenantClient(prisma: PrismaClient, tenant: Tenant, hooks: TenantHooks): TenantDb {
  const owner: Tenant = Object.freeze({ organizationId: tenant.organizationId, mode: tenant.mode, environment: tenant.environment });
  hooksByTenant.set(owner, hooks);
  return prisma.$extends({
    name: 'tenant-scope',
    // Carried into the client's transactions too, so domain code reads the organization from the client it holds.
    client: { tenant: owner },
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          return query(scopeArgs(model, operation, args as Args, owner) as typeof args);
        },
      },
      $queryRaw: refuseRaw('$queryRaw'),
      $executeRaw: refuseRaw('$executeRaw'),
      $queryRawUnsafe: refuseRaw('$queryRawUnsafe'),
      $executeRawUnsafe: refuseRaw('$executeRawUnsafe'),
    },
  }) as unknown as TenantDb;
}

/** One client factory for the whole app, so every scoped client gets the same hooks. */
export type TenantScope = (tenant: Tenant) => TenantDb;

/** Scoped clients kept for reuse: building one (`$extends`) costs more CPU than a small read. */
const cachedTenantClients = 1_000;

export function tenantScope(prisma: PrismaClient, hooks: TenantHooks): TenantScope {
  // A scoped client holds no per-request state (the organization, mode and hooks are fixed when it is built),
  // so each (organization, mode) reuses one instead of building a new extended client for every request.
  const clients = new LRUCache<string, TenantDb>({ max: cachedTenantClients });
  return (tenant) => {
    const key = `${tenant.organizationId}:${tenant.mode ?? ''}:${tenant.environment}`;
    let client = clients.get(key);
    if (!client) {
      client = tenantClient(prisma, tenant, hooks);
      clients.set(key, client);
    }
    return client;
  };
}

export function isTenantClient(client: object): client is TenantClient {
  const { tenant } = client as { tenant?: unknown };
  return typeof tenant === 'object' && tenant !== null && hooksByTenant.has(tenant as Tenant);
}

/**
 * Runs `work` in one transaction on the scoped client, handing it the scoped transaction client;
 * once it has committed, the client's `afterCommit` hook runs. A rollback (anything `work` throws) skips it.
 */
export async function tenantTransaction<T>(db: TenantDb, work: (tx: TenantTx) => Promise<T>, options: { maxWait: number; timeout: number }): Promise<T> {
  const hooks = hooksByTenant.get(db.tenant);
  if (!hooks) throw new TenantScopeViolation('Not a tenant-scoped client');
  const result = await (db as unknown as PrismaClient).$transaction((tx) => work(tx as unknown as TenantTx), options);
  hooks.afterCommit();
  return result;
}

// Raw SQL through a scoped client. Each helper runs its one statement with the permit set,
// on the client it is given, so inside a transaction it runs in that transaction.

type Raw = Pick<PrismaClient, '$queryRaw' | '$executeRaw'>;
const unscoped = (client: TenantClient) => client as unknown as Raw;

function permitted<T>(statement: () => PromiseLike<T>): Promise<T> {
  // Awaited inside `run`, because Prisma sends a statement only when it is awaited.
  return rawPermit.run(true, async () => await statement());
}

/** Stands for the client's organization id in a `tenantSql` statement; bound as a uuid parameter. */
export const tenantId: unique symbol = Symbol('tenantId');

function bindTenant(tenant: Tenant, strings: TemplateStringsArray, values: unknown[]): Prisma.Sql {
  let bound = 0;
  const resolved = values.map((value) => {
    if (value !== tenantId) return value;
    bound += 1;
    return Prisma.sql`${tenant.organizationId}::uuid`;
  });
  if (!bound) throw new TenantScopeViolation('Raw tenant SQL must bind its tenant: interpolate tenantId where the statement names the organization');
  return Prisma.sql(strings, ...resolved);
}

/**
 * Raw SQL on tenant data, as a tagged template that must contain `${tenantId}` (for example
 * `"organizationId" = ${tenantId}`): the statement is refused without it, and it is bound to the client's organization.
 */
export function tenantSql(client: TenantClient) {
  return {
    query: <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
      permitted(() => unscoped(client).$queryRaw<T>(bindTenant(client.tenant, strings, values))),
    execute: (strings: TemplateStringsArray, ...values: unknown[]) => permitted(() => unscoped(client).$executeRaw(bindTenant(client.tenant, strings, values))),
  };
}

/** Locks one of the tenant's rows until the transaction ends (SELECT … FOR UPDATE); a row of another tenant is not touched. */
export async function lockRow(tx: TenantTx, table: TenantOwnedModel, id: string): Promise<void> {
  if (!tenantOwned.has(table)) throw new TenantScopeViolation(`${table} is not a tenant-owned table`);
  await tenantSql(tx).query`SELECT id FROM ${Prisma.raw(`"${table}"`)} WHERE id = ${id}::uuid AND "organizationId" = ${tenantId} FOR UPDATE`;
}

/** A transaction-scoped advisory lock (pg_advisory_xact_lock) on `key`; not tenant data, so the caller says in the key what it serialises. */
export async function advisoryLock(tx: TenantTx, key: string): Promise<void> {
  await permitted(() => unscoped(tx).$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))::text`);
}

/**
 * Raw SQL that is deliberately not scoped to the tenant, on the scoped client's connection (inside its
 * transaction): platform tables (the job queue) and platform-wide checks that disclose nothing of another
 * tenant (which numbers are in service anywhere). Each use says why; tenant data goes through `tenantSql`.
 */
export function platformSql(client: TenantClient) {
  return {
    query: <T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => permitted(() => unscoped(client).$queryRaw<T>(query, ...values)),
    execute: (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => permitted(() => unscoped(client).$executeRaw(query, ...values)),
  };
}

// COPY takes no bind parameters, so a COPY statement carries its values as literals, written here and nowhere else.
function literal(value: unknown): string {
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new TenantScopeViolation('A NUL character cannot be written into a COPY statement');
    return pg.escapeLiteral(value);
  }
  if ((typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'bigint') return `(${value})`;
  throw new TenantScopeViolation(`A ${typeof value} value cannot be written into a COPY statement`);
}

/**
 * `COPY (SELECT …) TO …` on tenant data, for bulk reads (the export): the same contract as `tenantSql` — a tagged
 * template that must contain `${tenantId}`, bound to the client's organization — run by `copyOut` with the given
 * COPY options; resolves to the statement's whole output.
 */
export function tenantCopy(client: TenantClient, copyOut: CopyOut, options: string) {
  return (strings: TemplateStringsArray, ...values: unknown[]) => {
    const bound = bindTenant(client.tenant, strings, values);
    const select = bound.strings.reduce((text, part, i) => `${text}${literal(bound.values[i - 1])}${part}`);
    return copyOut(select, options);
  };
}
