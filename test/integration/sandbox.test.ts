import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { sandboxOpeningCents } from '../../src/domain/sandbox.js';
import { skipReason } from '../helpers/database.js';
import { balanceOf, eventually, expectLedgerReconciles, OrderNumbers } from '../helpers/lifecycle.js';
import { sandboxOf } from '../helpers/sandbox.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Test mode is a sandbox: a pn_test_ key reaches its organization's sandbox alone (own stock, balance,
// numbers, ledger, events, export); live keys never see it; the sandbox's carrier is the simulated one whatever
// the live carrier does, and its magic numbers pick each outcome.

// The live carrier here refuses every activation: a sandbox must not notice.
const it = serverTest({ CARRIER_FAILURE_RATE: '1' }, { tenants: ['acme'] });

const Available = `query A($f: AvailablePhoneNumberFilter!) { availablePhoneNumbers(filter: $f, first: 100) { totalCount edges { node { e164 } } } }`;
const Mine = `{ viewer { balance { amountCents } } phoneNumbers(first: 50) { totalCount edges { node { id e164 status } } } ledger(first: 50) { totalCount }
  events(first: 100) { edges { node { eventId type } } } }`;
const AddTestFunds = `mutation F($input: AddTestFundsInput!) {
  addTestFunds(input: $input) { replayed ledgerEntry { kind amount { amountCents } description } errors { code field } }
}`;
const Portability = `query P($n: [E164!]!) { portabilityCheck(phoneNumbers: $n) { phoneNumber portable notPortableReason } }`;

type MineData = {
  viewer: { balance: { amountCents: number } };
  phoneNumbers: { totalCount: number; edges: Array<{ node: { id: string; e164: string; status: string } }> };
  ledger: { totalCount: number };
  events: { edges: Array<{ node: { eventId: string; type: string } }> };
};

async function mine(server: TestServer, key: string) {
  const response = await server.graphql(key, Mine);
  expect(response.errors).toBeUndefined();
  return response.data as MineData;
}

async function order(server: TestServer, tenant: Tenant, e164: string) {
  const response = await server.graphql(tenant.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [e164], idempotencyKey: `order-${e164.slice(1)}` } });
  expect(response.data?.orderPhoneNumbers.errors).toEqual([]);
  return eventually(
    () => server.db.prisma.phoneNumber.findFirstOrThrow({ where: { organizationId: tenant.organizationId, e164 } }),
    (number) => number.status !== 'PENDING',
  );
}

describe.skipIf(skipReason)('test mode: a sandbox per organization', () => {
  it.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 500 });
  });

  it('a test key sees its own stock, funds, numbers, ledger and events; live keys see none of it, and live stock is untouched', async ({ server, acme }) => {
    const liveBefore = await mine(server, acme.keys.READ_ONLY);
    const liveStock = await server.db.prisma.inventoryNumber.count({ where: { sandboxId: null, state: 'AVAILABLE' } });
    const sandbox = await sandboxOf(server, acme);

    // Its own stock: the documented test numbers, none of the live ones.
    const filter = { f: { countryCode: 'US', areaCode: '512' } };
    const testStock = (await server.graphql(sandbox.keys.READ_ONLY, Available, filter)).data as { availablePhoneNumbers: { totalCount: number; edges: any[] } };
    expect(testStock.availablePhoneNumbers.totalCount).toBe(60);
    expect(testStock.availablePhoneNumbers.edges.every((edge) => /^\+151255501[0-5]\d$/.test(edge.node.e164))).toBe(true);
    const liveView = (await server.graphql(acme.keys.READ_ONLY, Available, filter)).data as { availablePhoneNumbers: { edges: any[] } };
    expect(liveView.availablePhoneNumbers.edges.some((edge) => edge.node.e164.startsWith('+1512555'))).toBe(false);
    // A live key can't buy a test number.
    const crossing = await server.graphql(acme.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: ['+15125550100'], idempotencyKey: 'cross' } });
    expect(crossing.data?.orderPhoneNumbers.errors).toMatchObject([{ code: 'NUMBER_NOT_AVAILABLE' }]);

    // Its own funds, and an order that the live carrier (refusing everything) would fail.
    expect((await mine(server, sandbox.keys.READ_ONLY)).viewer.balance.amountCents).toBe(sandboxOpeningCents);
    expect(await order(server, sandbox, '+15125550100')).toMatchObject({ status: 'ACTIVE' });
    const testSide = await mine(server, sandbox.keys.READ_ONLY);
    expect(testSide.phoneNumbers.edges.map((edge) => edge.node.e164)).toEqual(['+15125550100']);
    expect(testSide.viewer.balance.amountCents).toBe(sandboxOpeningCents - 200);
    expect(testSide.ledger.totalCount).toBe(3);
    expect(testSide.events.edges.map((edge) => edge.node.type)).toContain('NUMBER_STATUS_CHANGED');
    await expectLedgerReconciles(server, sandbox.organizationId, 0);

    // Nothing of it on the live side: same numbers, balance, ledger, events; live stock unchanged.
    expect(await mine(server, acme.keys.READ_ONLY)).toEqual(liveBefore);
    expect(await server.db.prisma.inventoryNumber.count({ where: { sandboxId: null, state: 'AVAILABLE' } })).toBe(liveStock);
    const liveExport = await fetch(`${server.url}/export/phone-numbers?format=json`, { headers: { authorization: `Bearer ${acme.keys.READ_ONLY}` } });
    expect(liveExport.headers.get('x-row-count')).toBe(String(liveBefore.phoneNumbers.totalCount));
    const testExport = await fetch(`${server.url}/export/phone-numbers?format=json`, { headers: { authorization: `Bearer ${sandbox.keys.READ_ONLY}` } });
    expect(await testExport.text()).toContain('+15125550100');
    // And the live side, whose carrier refuses, fails where the sandbox succeeded.
    const [liveNumber] = (await server.db.prisma.inventoryNumber.findMany({ where: { sandboxId: null, state: 'AVAILABLE', countryCode: 'US' }, take: 1 })).map(
      (row) => row.e164,
    );
    expect(await order(server, acme, liveNumber!)).toMatchObject({ status: 'FAILED' });
  });

  it('magic numbers choose the carrier outcome: refused, timing out then active, not portable; a released test number is back at once', async ({ server }) => {
    const live = await server.createTenant();
    const sandbox = await sandboxOf(server, live);
    const refused = await order(server, sandbox, '+15125550150');
    expect(refused.status).toBe('FAILED');
    const refund = await server.db.prisma.ledgerEntry.findFirstOrThrow({ where: { organizationId: sandbox.organizationId, kind: 'ACTIVATION_REFUND' } });
    expect(refund.amountCents).toBe(200);
    const slow = await order(server, sandbox, '+15125550151');
    expect(slow.status).toBe('ACTIVE');
    const job = await server.db.prisma.job.findFirstOrThrow({ where: { uniqueKey: `activate:${slow.id}` } });
    expect(job.attempts).toBe(3);

    const checked = await server.graphql(sandbox.keys.READ_ONLY, Portability, { n: ['+15125550198', '+15125550197', '+12025550143', '+15127771234'] });
    expect(checked.data).toMatchObject({
      portabilityCheck: [
        { phoneNumber: '+15125550198', portable: false },
        { phoneNumber: '+15125550197', portable: true },
        { phoneNumber: '+12025550143', portable: true },
        { phoneNumber: '+15127771234', portable: false, notPortableReason: expect.stringMatching(/only fictional numbers/) },
      ],
    });

    // Released, a test number is at once back in its sandbox's stock (no quarantine).
    const released = await server.graphql(sandbox.keys.ADMIN, `mutation R($id: ID!) { releasePhoneNumber(input: { id: $id }) { errors { code } } }`, {
      id: (await mine(server, sandbox.keys.READ_ONLY)).phoneNumbers.edges.find((edge) => edge.node.e164 === '+15125550151')?.node.id ?? '',
    });
    expect(released.data).toEqual({ releasePhoneNumber: { errors: [] } });
    await eventually(
      () => server.db.prisma.inventoryNumber.findFirstOrThrow({ where: { sandboxId: sandbox.organizationId, e164: '+15125550151' } }),
      (row) => row.state === 'AVAILABLE',
    );
  });

  it('first test keys made at once: one sandbox, its test stock and opening funds once', async ({ server }) => {
    const live = await server.createTenant();
    const made = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        server.graphql(live.keys.ADMIN, `mutation { createApiKey(input: { name: "k${i}", role: MEMBER, mode: TEST }) { secret errors { code } } }`),
      ),
    );
    expect(made.map((r) => (r.data as any)?.createApiKey.errors)).toEqual(Array(6).fill([]));
    const sandboxes = await server.db.prisma.organization.findMany({ where: { liveOrganizationId: live.organizationId } });
    expect(sandboxes).toHaveLength(1);
    const entries = await server.db.prisma.ledgerEntry.findMany({ where: { organizationId: sandboxes[0]!.id } });
    expect(entries.map((entry) => [entry.kind, entry.amountCents])).toEqual([['TOP_UP', sandboxOpeningCents]]);
    expect(await server.db.prisma.inventoryNumber.count({ where: { sandboxId: sandboxes[0]!.id } })).toBe(120);
    expect(await server.db.prisma.apiKey.count({ where: { organizationId: sandboxes[0]!.id } })).toBe(6);
  });

  it('a sandbox whose making was cut short (row only, no stock, no funds) is completed by the next test key', async ({ server }) => {
    const live = await server.createTenant();
    const row = await server.db.prisma.organization.create({
      data: { name: 'cut short (test)', slug: `${live.slug}.test`, environment: 'TEST', liveOrganizationId: live.organizationId, kycStatus: 'VERIFIED' },
    });
    const sandbox = await sandboxOf(server, live);
    expect(sandbox.organizationId).toBe(row.id);
    expect(await server.db.prisma.inventoryNumber.count({ where: { sandboxId: row.id } })).toBe(120);
    expect(await balanceOf(server, row.id)).toBe(sandboxOpeningCents);
    // And again: nothing more.
    await sandboxOf(server, live);
    expect(await server.db.prisma.inventoryNumber.count({ where: { sandboxId: row.id } })).toBe(120);
    expect(await balanceOf(server, row.id)).toBe(sandboxOpeningCents);
    await expectLedgerReconciles(server, row.id, 0);
  });

  it('addTestFunds: test ADMIN keys only, once per idempotency key; live keys are refused', async ({ server }) => {
    const live = await server.createTenant({ balanceCents: 0 });
    const sandbox = await sandboxOf(server, live);
    const input = { amountCents: 5_000, idempotencyKey: 'funds-1' };
    const twice = await Promise.all([0, 1, 2].map(() => server.graphql(sandbox.keys.ADMIN, AddTestFunds, { input })));
    expect(twice.map((r) => (r.data as any).addTestFunds.errors)).toEqual([[], [], []]);
    expect(twice.filter((r) => (r.data as any).addTestFunds.replayed === false)).toHaveLength(1);
    expect(await balanceOf(server, sandbox.organizationId)).toBe(sandboxOpeningCents + 5_000);
    const reused = await server.graphql(sandbox.keys.ADMIN, AddTestFunds, { input: { ...input, amountCents: 1 } });
    expect((reused.data as any).addTestFunds.errors).toEqual([{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] }]);
    for (const [amountCents, field] of [
      [0, ['input', 'amountCents']],
      [10_000_001, ['input', 'amountCents']],
    ] as const) {
      const bad = await server.graphql(sandbox.keys.ADMIN, AddTestFunds, { input: { amountCents, idempotencyKey: `bad-${amountCents}` } });
      expect((bad.data as any).addTestFunds.errors).toEqual([{ code: 'BAD_USER_INPUT', field }]);
    }
    const liveTry = await server.graphql(live.keys.ADMIN, AddTestFunds, { input: { amountCents: 5_000, idempotencyKey: 'live' } });
    expect((liveTry.data as any).addTestFunds.errors).toMatchObject([{ code: 'FORBIDDEN' }]);
    const member = await server.graphql(sandbox.keys.MEMBER, AddTestFunds, { input: { amountCents: 5_000, idempotencyKey: 'member' } });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await balanceOf(server, live.organizationId)).toBe(0);
    expect(await balanceOf(server, sandbox.organizationId)).toBe(sandboxOpeningCents + 5_000);
    await expectLedgerReconciles(server, sandbox.organizationId, 0);
  });
});
