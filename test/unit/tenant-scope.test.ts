import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Prisma, type PrismaClient } from '../../src/generated/prisma/client.js';
import { lockRow, scopeArgs as scopeFor, type TenantDb, TenantScopeViolation, type TenantTx, tenantId, tenantSql } from '../../src/infra/tenant-scope.js';

const org = 'org-a';
type ScopedArgs = Parameters<typeof scopeFor>[2];
/** scopeArgs for a tenant of the given organization (live unless said otherwise). */
const scopeArgs = (model: string, operation: string, args: ScopedArgs, organizationId: string, environment: 'LIVE' | 'TEST' = 'LIVE') =>
  scopeFor(model, operation, args, { organizationId, environment });
const other = 'org-b';

describe('scopeArgs on tenant-owned models', () => {
  it.each(['findMany', 'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'count', 'aggregate', 'groupBy'])(
    'forces organizationId into where for %s',
    (operation) => {
      const args = { where: { status: 'ACTIVE' }, take: 5 };
      expect(scopeArgs('PhoneNumber', operation, args, org)).toEqual({ where: { status: 'ACTIVE', organizationId: org }, take: 5 });
    },
  );

  it('adds a where clause when the caller gave none', () => {
    expect(scopeArgs('LedgerEntry', 'findMany', {}, org)).toEqual({ where: { organizationId: org } });
    expect(scopeArgs('Event', 'count', {}, org)).toEqual({ where: { organizationId: org } });
  });

  it('overwrites a caller-supplied organizationId of another organization', () => {
    expect(scopeArgs('Event', 'findMany', { where: { organizationId: other } }, org).where).toEqual({ organizationId: org });
    expect(scopeArgs('Event', 'findMany', { where: { organizationId: { not: org } } }, org).where).toEqual({ organizationId: org });
  });

  it('keeps unique keys at the top level of where (findUnique/update need them there)', () => {
    expect(scopeArgs('PhoneNumber', 'findUnique', { where: { id: 'pn-1' } }, org).where).toEqual({ id: 'pn-1', organizationId: org });
  });

  it('does not mutate the caller args', () => {
    const args = { where: { id: 'pn-1' } };
    scopeArgs('PhoneNumber', 'findUnique', args, org);
    expect(args).toEqual({ where: { id: 'pn-1' } });
  });

  it.each(['update', 'updateMany', 'updateManyAndReturn', 'delete', 'deleteMany'])('scopes where for %s', (operation) => {
    const args = { where: { id: 'pn-1', organizationId: other }, data: { label: 'x' } };
    expect(scopeArgs('PhoneNumber', operation, args, org)).toEqual({ where: { id: 'pn-1', organizationId: org }, data: { label: 'x' } });
  });

  it('allows an update that restates the own organizationId', () => {
    expect(() => scopeArgs('PhoneNumber', 'update', { where: { id: 'pn-1' }, data: { organizationId: org } }, org)).not.toThrow();
  });

  it.each(['update', 'updateMany'])('refuses %s moving a row to another organization', (operation) => {
    expect(() => scopeArgs('PhoneNumber', operation, { where: { id: 'pn-1' }, data: { organizationId: other } }, org)).toThrow(TenantScopeViolation);
    expect(() => scopeArgs('PhoneNumber', operation, { where: {}, data: { organizationId: { set: other } } }, org)).toThrow(TenantScopeViolation);
    expect(() => scopeArgs('PhoneNumber', operation, { where: {}, data: { organization: { connect: { id: other } } } }, org)).toThrow(TenantScopeViolation);
  });

  it('stamps organizationId on create', () => {
    expect(scopeArgs('Event', 'create', { data: { type: 'x' } }, org)).toEqual({ data: { type: 'x', organizationId: org } });
    expect(scopeArgs('Event', 'create', { data: { type: 'x', organizationId: org } }, org).data).toEqual({ type: 'x', organizationId: org });
  });

  it.each(['createMany', 'createManyAndReturn'])('stamps every row on %s', (operation) => {
    const args = { data: [{ amountCents: 1 }, { amountCents: 2 }], skipDuplicates: true };
    expect(scopeArgs('LedgerEntry', operation, args, org)).toEqual({
      data: [
        { amountCents: 1, organizationId: org },
        { amountCents: 2, organizationId: org },
      ],
      skipDuplicates: true,
    });
  });

  it('refuses to create rows that name another organization', () => {
    expect(() => scopeArgs('Event', 'create', { data: { organizationId: other } }, org)).toThrow(TenantScopeViolation);
    expect(() => scopeArgs('LedgerEntry', 'createMany', { data: [{ organizationId: org }, { organizationId: other }] }, org)).toThrow(TenantScopeViolation);
  });

  it('scopes upsert where and create', () => {
    const args = { where: { id: 'c-1' }, create: { name: 'n', organizationId: org }, update: { name: 'n2' } };
    expect(scopeArgs('Connection', 'upsert', args, org)).toEqual({
      where: { id: 'c-1', organizationId: org },
      create: { name: 'n', organizationId: org },
      update: { name: 'n2' },
    });
  });

  it('refuses upsert that would create or move a row into another organization', () => {
    expect(() => scopeArgs('Connection', 'upsert', { where: { id: 'c' }, create: { organizationId: other }, update: {} }, org)).toThrow(TenantScopeViolation);
    expect(() => scopeArgs('Connection', 'upsert', { where: { id: 'c' }, create: {}, update: { organizationId: other } }, org)).toThrow(TenantScopeViolation);
  });
});

describe('scopeArgs on Organization', () => {
  it.each(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findMany', 'count', 'aggregate', 'update', 'updateMany', 'updateManyAndReturn'])(
    'ANDs the own id into where for %s',
    (operation) => {
      expect(scopeArgs('Organization', operation, { where: { id: other } }, org).where).toEqual({ id: other, AND: [{ id: org }] });
    },
  );

  it('adds a where clause when none was given', () => {
    expect(scopeArgs('Organization', 'findFirst', {}, org).where).toEqual({ AND: [{ id: org }] });
  });

  it('keeps an existing AND object', () => {
    const where = { AND: { name: 'Acme' } };
    expect(scopeArgs('Organization', 'findFirst', { where }, org).where).toEqual({ AND: [{ name: 'Acme' }, { id: org }] });
  });

  it('keeps existing AND array entries', () => {
    const where = { AND: [{ name: 'Acme' }, { kycStatus: 'VERIFIED' }] };
    expect(scopeArgs('Organization', 'findMany', { where }, org).where).toEqual({
      AND: [{ name: 'Acme' }, { kycStatus: 'VERIFIED' }, { id: org }],
    });
  });

  it.each(['create', 'createMany', 'upsert', 'delete', 'deleteMany'])('refuses %s', (operation) => {
    expect(() => scopeArgs('Organization', operation, { data: { name: 'x' } }, org)).toThrow(TenantScopeViolation);
  });
});

describe('scopeArgs on unscoped models', () => {
  it('scopes the stock (InventoryNumber) to the environment: live stock for live tenants, its own test stock for a sandbox', () => {
    const args = { where: { state: 'AVAILABLE' }, take: 10 };
    for (const operation of ['findMany', 'findUnique', 'count', 'updateMany', 'updateManyAndReturn']) {
      expect(scopeArgs('InventoryNumber', operation, args, org)).toEqual({ where: { state: 'AVAILABLE', sandboxId: null }, take: 10 });
      expect(scopeArgs('InventoryNumber', operation, args, org, 'TEST')).toEqual({ where: { state: 'AVAILABLE', sandboxId: org }, take: 10 });
    }
    // A caller's own sandboxId can't widen it, stock can't be moved between environments, nor made by a tenant.
    expect(scopeArgs('InventoryNumber', 'findMany', { where: { sandboxId: other } }, org).where).toEqual({ sandboxId: null });
    expect(() => scopeArgs('InventoryNumber', 'updateMany', { where: {}, data: { sandboxId: org } }, org)).toThrow(TenantScopeViolation);
    expect(() => scopeArgs('InventoryNumber', 'create', { data: { e164: '+15125550100' } }, org)).toThrow(TenantScopeViolation);
  });

  it.each([
    'findMany',
    'findUnique',
    'findFirst',
    'count',
    'aggregate',
    'groupBy',
    'create',
    'createMany',
    'update',
    'updateMany',
    'upsert',
    'delete',
    'deleteMany',
  ])('refuses Job.%s', (operation) => {
    expect(() => scopeArgs('Job', operation, {}, org)).toThrow(TenantScopeViolation);
  });

  it('refuses an unknown model', () => {
    expect(() => scopeArgs('NotAModel', 'findMany', {}, org)).toThrow(/NotAModel\.findMany/);
  });
});

// Restated here on purpose (not imported from src): reclassifying a model must fail this test.
const expectedTenantOwned = [
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
];

describe('model classification', () => {
  function classify(model: string): string {
    const args = {};
    let scoped: ReturnType<typeof scopeArgs>;
    try {
      scoped = scopeArgs(model, 'findMany', args, org);
    } catch (error) {
      if (error instanceof TenantScopeViolation) return 'refused';
      throw error;
    }
    if (scoped === args) return 'shared';
    if (scoped.where && 'sandboxId' in scoped.where) return 'stock';
    if (scoped.where?.organizationId === org) return 'tenant';
    if (JSON.stringify(scoped.where?.AND) === JSON.stringify([{ id: org }])) return 'organization';
    return 'unknown';
  }

  it('classifies every model of the generated Prisma client exactly as expected', () => {
    const expected: Record<string, string> = {
      Organization: 'organization',
      InventoryNumber: 'stock',
      Job: 'refused',
      Deployment: 'refused',
      // The platform's operators and their audit trail: no tenant client reaches them.
      OperatorKey: 'refused',
      AuditRecord: 'refused',
    };
    for (const model of expectedTenantOwned) expected[model] = 'tenant';
    const actual = Object.fromEntries(Object.values(Prisma.ModelName).map((model) => [model, classify(model)]));
    expect(actual).toEqual(expected);
  });
});

describe('nested writes', () => {
  const org = 'org-a';
  it('refuses nested creates and relation connects on tenant-owned models', () => {
    expect(() => scopeArgs('Reservation', 'create', { data: { items: { create: [{ organizationId: 'org-b', inventoryNumberId: 'i' }] } } }, org)).toThrow(
      TenantScopeViolation,
    );
    expect(() => scopeArgs('PhoneNumber', 'update', { where: { id: 'pn-1' }, data: { connection: { connect: { id: 'conn-b' } } } }, org)).toThrow(
      TenantScopeViolation,
    );
    expect(() => scopeArgs('PhoneNumber', 'upsert', { where: { id: 'pn-1' }, create: {}, update: { connection: { disconnect: true } } }, org)).toThrow(
      TenantScopeViolation,
    );
  });
  it('allows scalar update operators and list values', () => {
    expect(() =>
      scopeArgs(
        'PhoneNumber',
        'update',
        { where: { id: 'pn-1' }, data: { tags: { set: ['a'] }, monthlyPriceCents: { increment: 1 }, connectionId: 'c' } },
        org,
      ),
    ).not.toThrow();
    expect(() => scopeArgs('PhoneNumber', 'createMany', { data: [{ tags: ['x'], createdAt: new Date() }] }, org)).not.toThrow();
  });
});

describe('nested loads', () => {
  const org = 'org-a';
  const owned = { organizationId: org };

  it('merges the organization into the where of every to-many relation a read includes', () => {
    const args = { where: { id: 'po-1' }, include: { numbers: { orderBy: { e164: 'asc' } }, documents: true, comments: false } };
    expect(scopeArgs('PortingOrder', 'findUnique', args, org)).toEqual({
      where: { id: 'po-1', organizationId: org },
      include: { numbers: { orderBy: { e164: 'asc' }, where: owned }, documents: { where: owned }, comments: false },
    });
  });

  it('keeps a nested where and overrides any organizationId in it', () => {
    const scoped = scopeArgs(
      'NumberOrder',
      'findMany',
      { select: { items: { where: { status: 'ACTIVE', organizationId: 'org-b' }, select: { e164: true } } } },
      org,
    );
    expect(scoped.select).toEqual({ items: { where: { status: 'ACTIVE', organizationId: org }, select: { e164: true } } });
  });

  it('scopes relation counts, including `_count: true`', () => {
    expect(scopeArgs('Connection', 'findMany', { select: { id: true, _count: { select: { phoneNumbers: true } } } }, org).select).toEqual({
      id: true,
      _count: { select: { phoneNumbers: { where: owned } } },
    });
    expect(scopeArgs('PortingOrder', 'findFirst', { include: { _count: true } }, org).include).toEqual({
      _count: {
        select: {
          numbers: { where: owned },
          documents: { where: owned },
          transitions: { where: owned },
          comments: { where: owned },
          phoneNumbers: { where: owned },
        },
      },
    });
  });

  it('recurses through to-one relations (keyed by organizationId, left as they are) into their to-many relations and counts', () => {
    const args = {
      select: {
        items: {
          orderBy: { e164: 'asc' },
          select: {
            e164: true,
            numberOrder: { select: { currency: true } },
            phoneNumber: { select: { id: true, connection: { select: { name: true, _count: { select: { phoneNumbers: true } } } } } },
          },
        },
        reservation: true,
      },
    };
    expect(scopeArgs('NumberOrder', 'findMany', args, org).select).toEqual({
      items: {
        orderBy: { e164: 'asc' },
        where: owned,
        select: {
          e164: true,
          numberOrder: { select: { currency: true } },
          phoneNumber: { select: { id: true, connection: { select: { name: true, _count: { select: { phoneNumbers: { where: owned } } } } } } },
        },
      },
      reservation: true,
    });
  });

  it('scopes relations loaded by writes and by Organization reads', () => {
    const update = scopeArgs(
      'PhoneNumber',
      'update',
      { where: { id: 'pn-1' }, data: { label: 'x' }, include: { connection: { include: { phoneNumbers: true } } } },
      org,
    );
    expect(update.include).toEqual({ connection: { include: { phoneNumbers: { where: owned } } } });
    const organization = scopeArgs('Organization', 'findUnique', { where: { id: org }, include: { phoneNumbers: { take: 1 }, apiKeys: true } }, org);
    expect(organization.include).toEqual({ phoneNumbers: { take: 1, where: owned }, apiKeys: { where: owned } });
  });

  it('leaves relations to the shared catalog and to Organization unfiltered', () => {
    expect(scopeArgs('Reservation', 'findMany', { include: { inventoryNumbers: true } }, org).include).toEqual({ inventoryNumbers: true });
    expect(scopeArgs('PhoneNumber', 'findMany', { include: { organization: { select: { name: true } } } }, org).include).toEqual({
      organization: { select: { name: true } },
    });
  });

  it('refuses a to-one relation into a tenant-owned model that is not keyed by organizationId', () => {
    expect(() => scopeArgs('InventoryNumber', 'findMany', { include: { reservation: true } }, org)).toThrow(
      /InventoryNumber\.reservation is not keyed by organizationId/,
    );
    expect(() => scopeArgs('Reservation', 'findMany', { include: { inventoryNumbers: { include: { reservation: true } } } }, org)).toThrow(
      TenantScopeViolation,
    );
  });

  it('does not mutate the caller args', () => {
    const args = { include: { numbers: { orderBy: { e164: 'asc' } } } };
    scopeArgs('PortingOrder', 'findMany', args, org);
    expect(args).toEqual({ include: { numbers: { orderBy: { e164: 'asc' } } } });
  });
});

describe('schema rule: relations between tenant-owned models are keyed by (organizationId, id)', () => {
  const tenantModels = new Set(expectedTenantOwned);
  const schema = readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8');

  it('every such relation in prisma/schema.prisma matches organizationId to organizationId', () => {
    const offenders: string[] = [];
    let checked = 0;
    for (const block of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
      const [, model = '', body = ''] = block;
      for (const line of body.matchAll(/^\s+(\w+)\s+(\w+)\??\s+@relation\(([^)]*)\)/gm)) {
        const [, field, target = '', options = ''] = line;
        if (!tenantModels.has(model) || !tenantModels.has(target)) continue;
        const fields =
          /fields:\s*\[([^\]]*)\]/
            .exec(options)?.[1]
            ?.split(',')
            .map((name) => name.trim()) ?? [];
        const references =
          /references:\s*\[([^\]]*)\]/
            .exec(options)?.[1]
            ?.split(',')
            .map((name) => name.trim()) ?? [];
        checked += 1;
        const at = fields.indexOf('organizationId');
        if (at < 0 || references[at] !== 'organizationId') offenders.push(`${model}.${field}`);
      }
    }
    expect(offenders).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(13);
  });
});

describe('scoped client types', () => {
  it('a plain or unscoped client is not a scoped one, the brand cannot be forged, and a scoped client has no raw SQL', () => {
    // Checked by the type checker (npm run typecheck): each @ts-expect-error fails the build if its line compiles.
    const checks = (plain: PrismaClient, unscopedTx: Prisma.TransactionClient, db: TenantDb, tx: TenantTx) => {
      // @ts-expect-error a PrismaClient carries no tenant
      const client: TenantDb = plain;
      // @ts-expect-error nor does a transaction client of an unscoped client
      const transaction: TenantTx = unscopedTx;
      // @ts-expect-error adding a tenant property does not make one: only tenant-scope.ts brands clients
      const forged: TenantDb = Object.assign(plain, { tenant: { organizationId: org, mode: null } });
      // @ts-expect-error a transaction is not the client (it can't open another transaction)
      const nested: TenantDb = tx;
      // @ts-expect-error raw SQL is not available on the scoped client…
      void db.$queryRaw;
      // @ts-expect-error …nor in its transactions
      void tx.$executeRawUnsafe;
      return [client, transaction, forged, nested, db.tenant.organizationId, tx.tenant.mode];
    };
    expect(checks).toBeTypeOf('function');
  });
});

describe('tenantSql', () => {
  function recordingClient() {
    const sent: Prisma.Sql[] = [];
    const client = {
      tenant: { organizationId: org, mode: null },
      $queryRaw: async (sql: Prisma.Sql) => {
        sent.push(sql);
        return [];
      },
      $executeRaw: async (sql: Prisma.Sql) => {
        sent.push(sql);
        return 0;
      },
    };
    return { sent, tx: client as unknown as TenantTx };
  }

  it("binds the client's organization wherever the statement names it", async () => {
    const { sent, tx } = recordingClient();
    await tenantSql(tx).query`SELECT id FROM "PhoneNumber" WHERE "organizationId" = ${tenantId} AND e164 = ${'+15125550100'}`;
    await tenantSql(tx).execute`INSERT INTO "InventoryAlertState" (id, "organizationId") VALUES (gen_random_uuid(), ${tenantId})`;
    expect(sent.map((sql) => [sql.text, sql.values])).toEqual([
      ['SELECT id FROM "PhoneNumber" WHERE "organizationId" = $1::uuid AND e164 = $2', [org, '+15125550100']],
      ['INSERT INTO "InventoryAlertState" (id, "organizationId") VALUES (gen_random_uuid(), $1::uuid)', [org]],
    ]);
  });

  it('refuses a statement that does not name the tenant, before sending anything', async () => {
    const { sent, tx } = recordingClient();
    await expect(tenantSql(tx).query`SELECT id FROM "PhoneNumber" WHERE "organizationId" = ${other}::uuid`).rejects.toBeInstanceOf(TenantScopeViolation);
    await expect(tenantSql(tx).execute`DELETE FROM "PhoneNumber"`).rejects.toBeInstanceOf(TenantScopeViolation);
    expect(sent).toEqual([]);
  });

  it("lockRow locks the tenant's row by id and organization, and only on tenant-owned tables", async () => {
    const { sent, tx } = recordingClient();
    await lockRow(tx, 'PortingOrder', 'po-1');
    expect(sent.map((sql) => [sql.text, sql.values])).toEqual([
      ['SELECT id FROM "PortingOrder" WHERE id = $1::uuid AND "organizationId" = $2::uuid FOR UPDATE', ['po-1', org]],
    ]);
    await expect(lockRow(tx, 'InventoryNumber' as never, 'inv-1')).rejects.toBeInstanceOf(TenantScopeViolation);
    expect(sent).toHaveLength(1);
  });
});
