import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backend, skipReason } from '../helpers/database.js';
import { eventually, until } from '../helpers/lifecycle.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { createEndpoint, revokedKeyEvents } from '../helpers/webhooks.js';

// Webhook deliveries share an instance's webhook slots fairly, and several instances share the queue: one slow
// receiver holds only its own endpoint's few slots, and two instances on one database deliver each event once.

const SendTest = `mutation T($input: SendTestWebhookEventInput!) { sendTestWebhookEvent(input: $input) { errors { code } } }`;

const fair = serverTest(
  { WEBHOOK_CONCURRENCY: '5', WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '2', WEBHOOK_MAX_IN_FLIGHT_PER_ORGANIZATION: '3', WEBHOOK_TIMEOUT_MS: '20000' },
  { tenants: ['slow', 'quick'] },
);

describe.skipIf(skipReason)('slow receivers', () => {
  fair("hold at most their endpoint's and organization's share of the slots: another tenant is served meanwhile", async ({ server, slow, quick }) => {
    const stuck = await startWebhookReceiver({ status: 200, hangMs: 15_000 });
    const prompt = await startWebhookReceiver({ status: 204 });
    try {
      // Two endpoints, two slots each: four, were it not for the organization's three.
      await createEndpoint(server, slow, { url: stuck.url('/a'), eventTypes: ['API_KEY_REVOKED'] });
      await createEndpoint(server, slow, { url: stuck.url('/b'), eventTypes: ['API_KEY_REVOKED'] });
      const theirs = await createEndpoint(server, quick, { url: prompt.url(), eventTypes: ['WEBHOOK_TEST'] });
      await revokedKeyEvents(server, slow, 8);
      await until(() => stuck.received.length >= 3, 'the slow organization holding its three slots');
      await server.graphql(quick.keys.ADMIN, SendTest, { input: { endpointId: theirs.id } });
      await until(() => prompt.received.length === 1, "the other tenant's delivery");
      // Delivered while the slow receivers still held their requests, unanswered: never more than the organization's three,
      // and never more than two to one endpoint.
      expect(stuck.received.length).toBe(3);
      expect(Math.max(...['/a', '/b'].map((path) => stuck.received.filter((request) => request.path === path).length))).toBe(2);
    } finally {
      await stuck.close();
      await prompt.close();
    }
  });
});

describe.skipIf(skipReason || backend !== 'postgres')('two instances on one database', () => {
  let first: TestServer;
  let second: TestServer;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    first = await startTestServer();
    second = await startTestServer({}, first);
    receiver = await startWebhookReceiver({ status: 204 });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await receiver?.close();
  });

  test('deliver each event once between them', async () => {
    const tenant = await first.createTenant();
    await createEndpoint(first, tenant, { url: receiver.url(), eventTypes: ['API_KEY_REVOKED'] });
    await revokedKeyEvents(first, tenant, 6);
    await revokedKeyEvents(second, tenant, 6);
    const deliveries = await eventually(
      () => first.db.prisma.webhookDelivery.findMany({ where: { organizationId: tenant.organizationId } }),
      (rows) => rows.length === 12 && rows.every((row) => row.status === 'DELIVERED'),
    );
    expect(deliveries.every((row) => row.attempts === 1)).toBe(true);
    const ids = receiver.events().map((event) => event.id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });
});
