import { describe, expect } from 'vitest';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { eventually, feedListening, quietFor } from '../helpers/lifecycle.js';
import { serverTest } from '../helpers/server-fixture.js';
import { subscribeWs, wsClient } from '../helpers/subscriptions.js';

const alertsSubscription = `subscription { inventoryAlertRaised { eventId alert { countryCode areaCodePrefix availableCount threshold } } }`;
const assign = `mutation A($input: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $input) { errors { code field } } }`;
const alertsQuery = `query { inventoryAlerts { threshold defaultThreshold alerts { countryCode areaCodePrefix availableCount threshold } } }`;
const setThreshold = `mutation T($threshold: Int!) { setInventoryAlertThreshold(input: { threshold: $threshold }) { threshold errors { code field } } }`;

const it = serverTest();

describe.skipIf(skipReason)('low-stock inventory alerts', () => {
  it('assigning numbers until a bucket drops below the threshold raises exactly one alert; the sweep raises the rest', async ({ server }) => {
    const tenant = await server.createTenant();
    const austin = await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 5, { areaCode: '737' });
    await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 4, { areaCode: '512' });
    const rows = await server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId, e164: { in: austin } } });
    const listening = server.app.feed.listenerCount();
    const client = wsClient(server.url, tenant.keys.READ_ONLY);
    const alerts = subscribeWs(client, alertsSubscription);
    await feedListening(server, listening + 1);

    // 5 → 4 → 3 → 2 (crosses below 3) → 1 → 0: one crossing, one alert.
    for (const row of rows) {
      const response = await server.graphql(tenant.keys.MEMBER, assign, { input: { id: encodeGlobalId('PhoneNumber', row.id), assignedTo: 'pool:sales' } });
      expect((response.data as { configurePhoneNumber: { errors: unknown[] } }).configurePhoneNumber.errors).toEqual([]);
    }
    const [first] = await alerts.waitFor(1);
    expect(first!.inventoryAlertRaised).toMatchObject({ alert: { countryCode: 'US', areaCodePrefix: '737', availableCount: 2, threshold: 3 } });
    await quietFor(500);
    expect(alerts.received).toHaveLength(1);
    expect(await server.db.prisma.event.count({ where: { organizationId: tenant.organizationId, type: 'INVENTORY_LOW' } })).toBe(1);

    const before = (await server.graphql(tenant.keys.READ_ONLY, alertsQuery)).data as {
      inventoryAlerts: { alerts: unknown[]; threshold: number; defaultThreshold: number };
    };
    expect(before.inventoryAlerts).toEqual({
      threshold: 3,
      defaultThreshold: 3,
      alerts: [{ countryCode: 'US', areaCodePrefix: '737', availableCount: 0, threshold: 3 }],
    });

    // Raise the threshold above the 512 bucket's 4, then the daily sweep raises one alert per low bucket.
    const raised = await server.graphql(tenant.keys.ADMIN, setThreshold, { threshold: 5 });
    expect(raised.data).toEqual({ setInventoryAlertThreshold: { threshold: 5, errors: [] } });
    await server.db.prisma.job.create({ data: { kind: 'inventory-sweep', payload: { organizationId: tenant.organizationId } } });
    server.app.jobs.nudge();
    const swept = await alerts.waitFor(3);
    expect(
      swept
        .slice(1)
        .map((r) => (r.inventoryAlertRaised as { alert: { areaCodePrefix: string; availableCount: number } }).alert)
        .sort((x, y) => x.areaCodePrefix.localeCompare(y.areaCodePrefix)),
    ).toEqual([
      { countryCode: 'US', areaCodePrefix: '512', availableCount: 4, threshold: 5 },
      { countryCode: 'US', areaCodePrefix: '737', availableCount: 0, threshold: 5 },
    ]);
    const after = (await server.graphql(tenant.keys.READ_ONLY, alertsQuery)).data as { inventoryAlerts: { alerts: Array<{ areaCodePrefix: string }> } };
    expect(after.inventoryAlerts.alerts.map((a) => a.areaCodePrefix)).toEqual(['512', '737']);
    await alerts.close();
    await client.dispose();
  });

  it('unassigning re-arms a bucket, so the next crossing alerts again', async ({ server }) => {
    const tenant = await server.createTenant();
    await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 3, { areaCode: '415' });
    const rows = await server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId } });
    const setAssignee = (i: number, assignedTo: string | null) =>
      server.graphql(tenant.keys.MEMBER, assign, { input: { id: encodeGlobalId('PhoneNumber', rows[i]!.id), assignedTo } });
    await setAssignee(0, 'u1'); // 3 → 2: alert
    await setAssignee(0, null); // 2 → 3: recovered
    await setAssignee(1, 'u2'); // 3 → 2: alert again
    await setAssignee(2, 'u3'); // 2 → 1: still low, no alert
    const events = await eventually(
      () => server.db.prisma.event.findMany({ where: { organizationId: tenant.organizationId, type: 'INVENTORY_LOW' } }),
      (list) => list.length >= 2,
    );
    expect(events.map((e) => (e.payload as { availableCount: number }).availableCount)).toEqual([2, 2]);
  });

  it('lowering the threshold re-arms a bucket it makes healthy: the next drop below the new threshold alerts once', async ({ server }) => {
    const tenant = await server.createTenant();
    await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 5, { areaCode: '305' });
    const rows = await server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId }, orderBy: { e164: 'asc' } });
    const assignNext = async (i: number) => {
      const response = await server.graphql(tenant.keys.MEMBER, assign, { input: { id: encodeGlobalId('PhoneNumber', rows[i]!.id), assignedTo: `u${i}` } });
      expect((response.data as { configurePhoneNumber: { errors: unknown[] } }).configurePhoneNumber.errors).toEqual([]);
    };
    const alerts = () => server.db.prisma.event.findMany({ where: { organizationId: tenant.organizationId, type: 'INVENTORY_LOW' }, orderBy: { id: 'asc' } });
    for (const i of [0, 1, 2]) await assignNext(i); // 5 → 2: below 3, one alert
    expect((await alerts()).map((e) => e.payload)).toEqual([{ countryCode: 'US', areaCodePrefix: '305', availableCount: 2, threshold: 3 }]);

    // 2 is not below 2: the bucket is healthy now, with no change to its numbers.
    expect((await server.graphql(tenant.keys.ADMIN, setThreshold, { threshold: 2 })).data).toEqual({
      setInventoryAlertThreshold: { threshold: 2, errors: [] },
    });
    await assignNext(3); // 2 → 1: crosses below 2
    await assignNext(4); // 1 → 0: still low, no alert
    expect((await alerts()).map((e) => e.payload)).toEqual([
      { countryCode: 'US', areaCodePrefix: '305', availableCount: 2, threshold: 3 },
      { countryCode: 'US', areaCodePrefix: '305', availableCount: 1, threshold: 2 },
    ]);
  });

  it('the threshold is an admin setting and must be sensible', async ({ server }) => {
    const tenant = await server.createTenant();
    const member = await server.graphql(tenant.keys.MEMBER, setThreshold, { threshold: 10 });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const negative = await server.graphql(tenant.keys.ADMIN, setThreshold, { threshold: -1 });
    expect(negative.data).toEqual({ setInventoryAlertThreshold: { threshold: null, errors: [{ code: 'BAD_USER_INPUT', field: ['input', 'threshold'] }] } });
    expect((await server.db.prisma.organization.findUniqueOrThrow({ where: { id: tenant.organizationId } })).lowStockThreshold).toBe(3);
  });
});
