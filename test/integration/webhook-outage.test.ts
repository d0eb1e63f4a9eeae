import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTenants } from '../../prisma/seed.js';
import { type Database, openDatabase } from '../../src/infra/database.js';
import { until } from '../helpers/lifecycle.js';
import { outageSkipReason, type PostgresCluster, startPostgresCluster } from '../helpers/postgres-cluster.js';
import { killServerProcesses, startServerProcess } from '../helpers/server-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// The server's own PostgreSQL cluster is killed while webhook deliveries are in flight: the receivers' answers
// come back into a dead database, so nothing about those attempts can be recorded. Once the database is back,
// every event is delivered (those in flight again: at least once), and the process served throughout.

const skipReason = outageSkipReason;
if (skipReason) console.warn(`[skip] ${skipReason}`);

const acme = demoTenants.find((tenant) => tenant.slug === 'acme-telecom')!;
const adminKey = acme.keys.find((key) => key.role === 'ADMIN' && key.key.startsWith('pn_live_'))!.key;
const eventCount = 5;

describe.skipIf(skipReason)('PostgreSQL killed with webhook deliveries in flight', () => {
  let cluster: PostgresCluster;
  let inspect: Database | undefined;
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    await killServerProcesses();
    await receiver?.close();
    await inspect?.close().catch(() => {});
    await cluster?.destroy();
  });

  it('every event is delivered once the database is back; the process keeps running', async () => {
    const url = await cluster.createDatabase(`numbers_${randomBytes(4).toString('hex')}`);
    inspect = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
    // Each request is answered after 1.5 s: by then the database is gone.
    receiver = await startWebhookReceiver({ status: 200, hangMs: 1_500 });
    const server = await startServerProcess({
      DATABASE_URL: url,
      SEED_DEMO_DATA: 'true',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '1000',
      JOB_POLL_MS: '50',
      JOB_LEASE_MS: '3000',
      JOB_BACKOFF_MS: '50',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '200',
    });
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
    };
    const created = await gql(`mutation C($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { errors { code } } }`, {
      input: { url: receiver.url(), eventTypes: ['API_KEY_REVOKED'] },
    });
    expect(created.data?.createWebhookEndpoint.errors).toEqual([]);
    for (let index = 0; index < eventCount; index++) {
      const key = await gql(`mutation { createApiKey(input: { name: "outage ${index}", role: READ_ONLY }) { apiKey { id } } }`);
      await gql(`mutation R($id: ID!) { revokeApiKey(input: { id: $id }) { errors { code } } }`, { id: key.data!.createApiKey.apiKey.id });
    }
    await until(() => receiver!.received.length >= 1, 'a delivery in flight', 15_000);
    await cluster.kill();
    // Whatever was in flight is answered into a dead database.
    await until(() => receiver!.received.length > 0 && Date.now() - receiver!.received.at(-1)!.receivedAt > 2_000, 'answers returned', 15_000);
    expect(server.alive(), server.output()).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    receiver.fallback = { status: 204 };
    await cluster.start();
    await until(
      async () => {
        const rows = await inspect!.prisma.webhookDelivery.findMany().catch(() => []);
        return rows.length === eventCount && rows.every((row) => row.status === 'DELIVERED');
      },
      `all ${eventCount} deliveries DELIVERED after the restart`,
      60_000,
    );
    expect(new Set(receiver.events().map((event) => event.id)).size).toBe(eventCount);
    // No delivery was left without a next attempt, and none is acknowledged twice.
    const attempts = await inspect.prisma.webhookAttempt.findMany({ where: { succeeded: true } });
    expect(new Set(attempts.map((attempt) => attempt.deliveryId)).size).toBe(eventCount);
    expect(attempts).toHaveLength(eventCount);
    expect(server.alive()).toBe(true);
  });
});
