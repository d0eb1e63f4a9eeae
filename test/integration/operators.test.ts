import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { encodeGlobalId, parseGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { balanceOf, expectLedgerReconciles, OrderNumbers, pickAvailable } from '../helpers/lifecycle.js';
import { AdjustBalance, type OperatorBody as Body, operatorCall, operatorKey } from '../helpers/operator.js';
import type { TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// The operator API (/operator/graphql): only operator keys reach it, and operator keys reach
// nothing else; an operator onboards an organization from nothing to its first order, moves money
// idempotently, reviews KYC, suspends and reactivates; every action is audited; bad input is refused
// by field with nothing written.

const it = serverTest({}, { tenants: ['a'] });

const CreateOrganization = `mutation C($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name status kycStatus billingEmail country balance { amountCents } }
    apiKey { id displayPrefix }
    secret
    errors { code field message }
  }
}`;
const ReviewKyc = `mutation R($input: ReviewKycInput!) {
  reviewKyc(input: $input) { organization { kycStatus kycDeclineReason } errors { code field } }
}`;
const Suspend = `mutation S($input: OrganizationStatusInput!) {
  suspendOrganization(input: $input) { organization { status statusReason } errors { code field } }
}`;
const Reactivate = `mutation S($input: OrganizationStatusInput!) {
  reactivateOrganization(input: $input) { organization { status statusReason } errors { code field } }
}`;
const Audit = `query Q($id: ID) {
  auditRecords(organizationId: $id, first: 50) { edges { node { action operatorName reason before after organization { id } } } }
}`;
const Viewer = 'query { viewer { organization { name status statusReason kycStatus kycDeclineReason } balance { amountCents } } }';

/** The database id behind an organization's global ID. */
const dbId = (globalId: string) => parseGlobalId(globalId)?.id ?? '';

async function onboard(server: TestServer, op: string, name = `Acme ${randomUUID().slice(0, 8)}`) {
  const created = await operatorCall(server, op, CreateOrganization, { input: { name, billingEmail: 'billing@acme.example', country: 'us' } });
  const payload = created.data?.createOrganization;
  expect(payload?.errors).toEqual([]);
  return { id: payload.organization.id as string, secret: payload.secret as string, payload };
}

/** What operator actions write (activations of earlier orders may still add their own ledger entries meanwhile). */
const writesOf = async (server: TestServer) => ({
  organizations: await server.db.prisma.organization.count(),
  audit: await server.db.prisma.auditRecord.count(),
  adjustments: await server.db.prisma.ledgerEntry.count({ where: { dedupeKey: { startsWith: 'operator-adjustment:' } } }),
  keys: await server.db.prisma.apiKey.count(),
  events: await server.db.prisma.event.count({ where: { type: { in: ['BALANCE_CHANGED', 'KYC_STATUS_CHANGED', 'ACCOUNT_STATUS_CHANGED'] } } }),
});

describe.skipIf(skipReason)('operator API', () => {
  it.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 500 });
  });

  it('is reachable only with an operator key, and an operator key reaches nothing else', async ({ server, a }) => {
    const op = await operatorKey(server);
    const { secret: liveAdmin } = await onboard(server, op);
    const query = '{ organizations(first: 1) { totalCount } }';
    expect((await operatorCall(server, op, query)).data?.organizations.totalCount).toBeGreaterThan(0);
    // Every tenant key (test-mode ADMIN, MEMBER, READ_ONLY; a live ADMIN), none, and junk: 401, and no schema is revealed.
    for (const key of [a.keys.ADMIN, a.keys.MEMBER, a.keys.READ_ONLY, liveAdmin, null, 'pn_op_short', `pn_op_${'x'.repeat(40)}`, `${op}x`]) {
      const refused = await operatorCall(server, key, query);
      expect(refused.status).toBe(401);
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(refused.data ?? null).toBeNull();
      const introspection = await operatorCall(server, key, '{ __schema { types { name } } }');
      expect(introspection.status).toBe(401);
    }
    // The operator key on the tenant API and its export.
    expect((await server.graphql(op, '{ viewer { role } }')).status).toBe(401);
    const exported = await fetch(`${server.url}/export/phone-numbers?format=csv`, { headers: { authorization: `Bearer ${op}` } });
    expect(exported.status).toBe(401);
    // The tenant schema has no operator fields for any role.
    const probe = await server.graphql(
      a.keys.ADMIN,
      'mutation { adjustBalance(input: { organizationId: "x", amountCents: 1, reason: "r", externalReference: "e", idempotencyKey: "k" }) { replayed } }',
    );
    expect(probe.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A revoked operator key stops working at once.
    await server.db.prisma.operatorKey.updateMany({ where: { revokedAt: null }, data: { revokedAt: new Date() } });
    expect((await operatorCall(server, op, query)).status).toBe(401);
  });

  it('onboards an organization from nothing to its first order, audited step by step', async ({ server }) => {
    const op = await operatorKey(server);
    const { id, secret, payload } = await onboard(server, op, 'Northwind Telecom');
    expect(payload.organization).toMatchObject({
      name: 'Northwind Telecom',
      status: 'ACTIVE',
      kycStatus: 'NOT_SUBMITTED',
      country: 'US',
      balance: { amountCents: 0 },
    });
    expect(secret).toMatch(/^pn_live_/);
    expect(payload.apiKey.displayPrefix).toBe(secret.slice(0, 12));
    // The secret is never stored.
    const stored = await server.db.prisma.apiKey.findMany({ where: { organizationId: dbId(id) } });
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(secret);

    const viewer = await server.graphql(secret, Viewer);
    expect((viewer.data as { viewer?: unknown } | undefined)?.viewer).toMatchObject({
      organization: { name: 'Northwind Telecom', status: 'ACTIVE', kycStatus: 'NOT_SUBMITTED' },
      balance: { amountCents: 0 },
    });

    const [number] = await pickAvailable(server, 1);
    const order = (key: string) => server.graphql(secret, OrderNumbers, { input: { phoneNumbers: [number.e164], idempotencyKey: key } });
    expect((await order('before-kyc')).data?.orderPhoneNumbers.errors.map((e) => e.code)).toEqual(['KYC_NOT_SUBMITTED']);

    const topUp = await operatorCall(server, op, AdjustBalance, {
      input: { organizationId: id, amountCents: 25_000, reason: 'Wire transfer', externalReference: 'WT-1001', idempotencyKey: 'wt-1001' },
    });
    expect(topUp.data?.adjustBalance).toMatchObject({
      errors: [],
      replayed: false,
      organization: { balance: { amountCents: 25_000 } },
      ledgerEntry: { kind: 'TOP_UP', amountCents: 25_000, balanceAfterCents: 25_000, description: 'Wire transfer', externalReference: 'WT-1001' },
    });
    const ledger = await server.graphql(secret, '{ ledger(first: 5) { edges { node { kind amount { amountCents } description externalReference } } } }');
    expect(ledger.data).toMatchObject({
      ledger: { edges: [{ node: { kind: 'TOP_UP', amount: { amountCents: 25_000 }, description: 'Wire transfer', externalReference: 'WT-1001' } }] },
    });

    expect((await operatorCall(server, op, ReviewKyc, { input: { organizationId: id, decision: 'APPROVE' } })).data?.reviewKyc).toEqual({
      organization: { kycStatus: 'VERIFIED', kycDeclineReason: null },
      errors: [],
    });
    const placed = await order('first-order');
    expect(placed.data?.orderPhoneNumbers.errors).toEqual([]);
    expect(placed.data?.orderPhoneNumbers.numberOrder?.status).toBe('PENDING');

    const audit = await operatorCall(server, op, Audit, { id });
    const records = (audit.data!.auditRecords.edges as Array<{ node: Record<string, any> }>).map((edge) => edge.node);
    expect(records.map((r) => r.action)).toEqual(['KYC_APPROVE', 'CREDIT_BALANCE', 'CREATE_ORGANIZATION']);
    for (const record of records) expect(record.organization).toEqual({ id });
    expect(records[0]).toMatchObject({ before: { kycStatus: 'NOT_SUBMITTED' }, after: { kycStatus: 'VERIFIED' } });
    expect(records[1]).toMatchObject({ reason: 'Wire transfer', before: { balanceCents: 0 }, after: { balanceCents: 25_000, externalReference: 'WT-1001' } });
    expect(records[2]?.operatorName).toMatch(/^operator /);
  });

  it('moves money once per idempotency key, even racing itself, orders and other top-ups; the ledger stays equal to the balance', async ({ server }) => {
    const op = await operatorKey(server);
    const { id, secret } = await onboard(server, op);
    const organizationId = dbId(id);
    await operatorCall(server, op, ReviewKyc, { input: { organizationId: id, decision: 'APPROVE' } });
    const credit = (key: string, amountCents: number, organization = id) =>
      operatorCall(server, op, AdjustBalance, {
        input: { organizationId: organization, amountCents, reason: 'Card payment', externalReference: key, idempotencyKey: key },
      });

    const same = await Promise.all(Array.from({ length: 10 }, () => credit('same-key', 10_000)));
    expect(same.map((r) => r.data?.adjustBalance.errors)).toEqual(Array(10).fill([]));
    expect(same.filter((r) => r.data?.adjustBalance.replayed === false)).toHaveLength(1);
    expect(await balanceOf(server, organizationId)).toBe(10_000);
    expect((await credit('same-key', 9_999)).data?.adjustBalance.errors).toEqual([{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] }]);
    const other = await onboard(server, op);
    expect((await credit('same-key', 10_000, other.id)).data?.adjustBalance.errors).toEqual([
      { code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] },
    ]);

    // Top-ups, debits and orders at once.
    const stock = await pickAvailable(server, 6);
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => credit(`top-up-${i}`, 1_000)),
      ...Array.from({ length: 3 }, (_, i) => credit(`debit-${i}`, -500)),
      ...stock.map((row, i) => server.graphql(secret, OrderNumbers, { input: { phoneNumbers: [row.e164], idempotencyKey: `race-${i}` } })),
    ]);
    for (const result of results) expect(result.errors ?? []).toEqual([]);
    await expectLedgerReconciles(server, organizationId, 0);

    // A debit the balance can't cover: refused, nothing written.
    const before = await writesOf(server);
    const tooMuch = await credit('too-much', -1_000_000);
    expect(tooMuch.data?.adjustBalance.errors).toEqual([{ code: 'BALANCE_INSUFFICIENT', field: ['input'] }]);
    expect(await writesOf(server)).toEqual(before);
  });

  it('suspends and reactivates: a suspended organization reads and exports but cannot order; KYC declines say why', async ({ server }) => {
    const op = await operatorKey(server);
    const { id, secret } = await onboard(server, op);
    await operatorCall(server, op, ReviewKyc, { input: { organizationId: id, decision: 'APPROVE' } });
    await operatorCall(server, op, AdjustBalance, {
      input: { organizationId: id, amountCents: 50_000, reason: 'r', externalReference: 'e', idempotencyKey: randomUUID() },
    });
    const [first, second] = await pickAvailable(server, 2);

    expect((await operatorCall(server, op, Suspend, { input: { organizationId: id, reason: 'Unpaid invoice 7' } })).data?.suspendOrganization).toEqual({
      organization: { status: 'SUSPENDED', statusReason: 'Unpaid invoice 7' },
      errors: [],
    });
    expect((await operatorCall(server, op, Suspend, { input: { organizationId: id, reason: 'again' } })).data?.suspendOrganization.errors).toEqual([
      { code: 'INVALID_STATE', field: ['input', 'organizationId'] },
    ]);
    const refused = await server.graphql(secret, OrderNumbers, { input: { phoneNumbers: [first.e164], idempotencyKey: 'while-suspended' } });
    expect(refused.data?.orderPhoneNumbers.errors.map((e) => e.code)).toEqual(['ACCOUNT_SUSPENDED']);
    // Even for numbers it could not have had: suspension answers first.
    const unknown = await server.graphql(secret, OrderNumbers, { input: { phoneNumbers: ['+15550000000'], idempotencyKey: 'unknown-number' } });
    expect(unknown.data?.orderPhoneNumbers.errors.map((e) => e.code)).toEqual(['ACCOUNT_SUSPENDED']);
    expect(((await server.graphql(secret, Viewer)).data as { viewer: { organization: unknown } } | undefined)?.viewer.organization).toMatchObject({
      status: 'SUSPENDED',
      statusReason: 'Unpaid invoice 7',
    });
    const exported = await fetch(`${server.url}/export/phone-numbers?format=csv`, { headers: { authorization: `Bearer ${secret}` } });
    expect(exported.status).toBe(200);
    const events = await server.graphql(secret, '{ events(first: 20) { edges { node { type } } } }');
    expect(((events.data as { events: unknown }).events as { edges: Array<{ node: { type: string } }> }).edges.map((e) => e.node.type)).toContain(
      'ACCOUNT_STATUS_CHANGED',
    );

    await operatorCall(server, op, Reactivate, { input: { organizationId: id, reason: 'Paid' } });
    const placed = await server.graphql(secret, OrderNumbers, { input: { phoneNumbers: [second.e164], idempotencyKey: 'after-reactivation' } });
    expect(placed.data?.orderPhoneNumbers.errors).toEqual([]);

    expect((await operatorCall(server, op, ReviewKyc, { input: { organizationId: id, decision: 'DECLINE' } })).data?.reviewKyc.errors).toEqual([
      { code: 'BAD_USER_INPUT', field: ['input', 'reason'] },
    ]);
    await operatorCall(server, op, ReviewKyc, { input: { organizationId: id, decision: 'DECLINE', reason: 'Registration number does not match' } });
    expect(((await server.graphql(secret, Viewer)).data as { viewer: { organization: unknown } } | undefined)?.viewer.organization).toMatchObject({
      kycStatus: 'DECLINED',
      kycDeclineReason: 'Registration number does not match',
    });
    const declined = await server.graphql(secret, OrderNumbers, { input: { phoneNumbers: [first.e164], idempotencyKey: 'declined' } });
    expect(declined.data?.orderPhoneNumbers.errors.map((e) => e.code)).toEqual(['KYC_DECLINED']);
  });

  it('refuses bad input by field with nothing written, and keeps serving', async ({ server, a }) => {
    const op = await operatorKey(server);
    const { id } = await onboard(server, op);
    const organizationInput = { name: 'Fine', billingEmail: 'ops@example.com', country: 'GB' };
    const create = (input: Record<string, unknown>) => operatorCall(server, op, CreateOrganization, { input: { ...organizationInput, ...input } });
    const adjust = (input: Record<string, unknown>) =>
      operatorCall(server, op, AdjustBalance, {
        input: { organizationId: id, amountCents: 100, reason: 'r', externalReference: 'e', idempotencyKey: randomUUID(), ...input },
      });
    const fieldOf = (body: Body, mutation: string) => body.data?.[mutation]?.errors?.[0]?.field ?? body.errors?.[0]?.extensions?.field ?? null;
    const before = await writesOf(server);
    const cases: Array<[Promise<Body>, string, string[]]> = [
      [create({ name: '' }), 'createOrganization', ['input', 'name']],
      [create({ name: 'a\u0000b' }), 'createOrganization', ['input', 'name']],
      [create({ name: 'x'.repeat(1_000_000) }), 'createOrganization', ['input', 'name']],
      [create({ billingEmail: 'not an email' }), 'createOrganization', ['input', 'billingEmail']],
      [create({ country: 'USA' }), 'createOrganization', ['input', 'country']],
      [create({ name: 42 }), 'createOrganization', ['input', 'name']],
      [adjust({ amountCents: 0 }), 'adjustBalance', ['input', 'amountCents']],
      [adjust({ amountCents: 2 ** 31 }), 'adjustBalance', ['input', 'amountCents']],
      [adjust({ amountCents: 'ten' }), 'adjustBalance', ['input', 'amountCents']],
      [adjust({ reason: '   ' }), 'adjustBalance', ['input', 'reason']],
      [adjust({ externalReference: '\u202Eevil' }), 'adjustBalance', ['input', 'externalReference']],
      // Refused, not cut to fit: a reference that loses its tail no longer matches the payment it names.
      [adjust({ externalReference: 'r'.repeat(201) }), 'adjustBalance', ['input', 'externalReference']],
      [adjust({ idempotencyKey: 'spaces are not allowed' }), 'adjustBalance', ['input', 'idempotencyKey']],
      [adjust({ organizationId: 'not-an-id' }), 'adjustBalance', ['input', 'organizationId']],
      [adjust({ organizationId: encodeGlobalId('Organization', randomUUID()) }), 'adjustBalance', ['input', 'organizationId']],
      [adjust({ organizationId: encodeGlobalId('PhoneNumber', a.organizationId) }), 'adjustBalance', ['input', 'organizationId']],
    ];
    for (const [call, mutation, field] of cases) {
      const body = await call;
      expect(body.status).toBeLessThan(500);
      expect(fieldOf(body, mutation)).toEqual(field);
    }
    expect(await writesOf(server)).toEqual(before);
    expect((await operatorCall(server, op, '{ organizations(first: 1) { totalCount } }')).status).toBe(200);
  });

  it('answers malformed IDs, foreign types, bad page sizes and cursors by argument, never with a failure', async ({ server, a }) => {
    const op = await operatorKey(server);
    const { id } = await onboard(server, op);
    const cases: Array<[string, string, string[]]> = [
      ['{ node(id: "garbage") { id } }', 'BAD_USER_INPUT', ['id']],
      ['{ nodes(ids: ["a", "b"]) { id } }', 'BAD_USER_INPUT', ['ids']],
      ['{ organization(id: "zzz") { id } }', 'BAD_USER_INPUT', ['id']],
      ['{ organizations(first: -1) { edges { node { id } } } }', 'BAD_USER_INPUT', ['first']],
      ['{ organizations(first: 1000) { edges { node { id } } } }', 'BAD_USER_INPUT', ['first']],
      ['{ organizations(after: "bogus") { edges { node { id } } } }', 'INVALID_CURSOR', ['after']],
      [`{ organizations(after: "${Buffer.from('GPC:S:xyz').toString('base64')}") { edges { node { id } } } }`, 'INVALID_CURSOR', ['after']],
      ['{ auditRecords(last: 5, before: "x") { edges { node { id } } } }', 'INVALID_CURSOR', ['before']],
    ];
    for (const [query, code, field] of cases) {
      const body = await operatorCall(server, op, query);
      expect(body.status, query).toBeLessThan(500);
      expect(
        body.errors?.map((e) => [e.extensions?.code, e.extensions?.field]),
        query,
      ).toEqual([[code, field]]);
    }
    // Well-formed IDs of other types, or of nothing, are null; an organization's is that organization.
    const phoneNumberId = encodeGlobalId('PhoneNumber', randomUUID());
    const looked = await operatorCall(server, op, `query N($ids: [ID!]!) { nodes(ids: $ids) { id ... on Organization { name balance { amountCents } } } }`, {
      ids: [id, phoneNumberId, encodeGlobalId('Organization', randomUUID()), encodeGlobalId('Organization', a.organizationId)],
    });
    expect(looked.errors).toBeUndefined();
    expect(looked.data?.nodes.map((n: { id: string } | null) => n?.id ?? null)).toEqual([id, null, null, encodeGlobalId('Organization', a.organizationId)]);
    const audit = (await operatorCall(server, op, Audit, { id })).data!.auditRecords.edges[0].node;
    expect(audit.action).toBe('CREATE_ORGANIZATION');
  });

  it('lists and searches organizations with balances, KYC and number counts, page by page', async ({ server }) => {
    const op = await operatorKey(server);
    const tag = randomUUID().slice(0, 8);
    const made = [];
    for (let i = 0; i < 3; i += 1) made.push(await onboard(server, op, `Search ${tag} ${i}`));
    const page = `query P($after: String, $search: String) {
      organizations(first: 2, after: $after, filter: { search: $search }) { totalCount pageInfo { hasNextPage endCursor }
        edges { node { id name kycStatus balance { amountCents } numberCounts { active pending } } } }
    }`;
    const first = await operatorCall(server, op, page, { search: tag });
    expect(first.data?.organizations).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    const second = await operatorCall(server, op, page, { search: tag, after: first.data?.organizations.pageInfo.endCursor });
    const names = [...first.data!.organizations.edges, ...second.data!.organizations.edges].map((e: { node: { name: string } }) => e.node.name);
    expect(names).toEqual([`Search ${tag} 2`, `Search ${tag} 1`, `Search ${tag} 0`]);
    expect(first.data!.organizations.edges[0].node).toMatchObject({
      kycStatus: 'NOT_SUBMITTED',
      balance: { amountCents: 0 },
      numberCounts: { active: 0, pending: 0 },
    });
    // A LIKE wildcard in the search is matched literally.
    expect((await operatorCall(server, op, page, { search: '%' })).data?.organizations.totalCount).toBe(0);
  });
});
