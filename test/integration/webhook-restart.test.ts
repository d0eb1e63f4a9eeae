import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoTenants } from '../../prisma/seed.js';
import { verifyWebhookSignature } from '../../src/domain/webhook-signature.js';
import { backend, createTestDatabase, skipReason, type TestDatabase } from '../helpers/database.js';
import { until } from '../helpers/lifecycle.js';
import { killServerProcesses, startServerProcess } from '../helpers/server-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// The server is killed (SIGKILL) while webhook deliveries are in flight, then started again on the same
// database: every event reaches the receiver, signed, none is lost (a delivery cut short is sent again: at
// least once). Runs the real server as `npm start` runs it.

const acme = demoTenants.find((tenant) => tenant.slug === 'acme-telecom')!;
const adminKey = acme.keys.find((key) => key.role === 'ADMIN' && key.key.startsWith('pn_live_'))!.key;
const eventCount = 6;

async function gql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

const serverEnv = {
  SEED_DEMO_DATA: 'true',
  JOB_POLL_MS: '50',
  JOB_LEASE_MS: '1500',
  JOB_BACKOFF_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '200',
  WEBHOOK_TIMEOUT_MS: '30000',
};

describe.skipIf(skipReason)('server killed with webhook deliveries in flight, then restarted on the same database', () => {
  let dataDir: string | undefined;
  let postgres: TestDatabase | undefined;
  let receiver: WebhookReceiver | undefined;

  afterAll(async () => {
    await killServerProcesses();
    await receiver?.close();
    await postgres?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('every event is delivered, signed, after the restart; none is lost', async () => {
    let databaseEnv: Record<string, string>;
    if (backend === 'postgres') {
      postgres = await createTestDatabase();
      databaseEnv = { DATABASE_URL: postgres.url! };
    } else {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'numbers-webhook-restart-'));
      databaseEnv = { DATA_DIR: dataDir };
    }
    // The receiver holds every request open: deliveries are in flight when the server dies.
    receiver = await startWebhookReceiver({ status: 200, hangMs: 60_000 });
    const first = await startServerProcess({ ...serverEnv, ...databaseEnv });
    const created = await gql(
      first.url,
      `mutation C($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { signingSecret errors { code } } }`,
      { input: { url: receiver.url(), eventTypes: ['API_KEY_REVOKED'] } },
    );
    const secret = created.createWebhookEndpoint.signingSecret as string;
    for (let index = 0; index < eventCount; index++) {
      const key = await gql(first.url, `mutation { createApiKey(input: { name: "restart ${index}", role: READ_ONLY }) { apiKey { id } } }`);
      await gql(first.url, `mutation R($id: ID!) { revokeApiKey(input: { id: $id }) { errors { code } } }`, { id: key.createApiKey.apiKey.id });
    }
    await until(() => receiver!.received.length >= 1, 'a delivery in flight', 15_000);
    expect(await first.kill()).toBe('SIGKILL');
    const inFlight = new Set(receiver.events().map((event) => event.id));

    receiver.fallback = { status: 204 };
    const second = await startServerProcess({ ...serverEnv, ...databaseEnv });
    const Attempts = `{ webhookEndpoints(first: 1) { edges { node { deliveryAttempts(first: 100) { edges { node { succeeded delivery { status } } } } } } } }`;
    type Attempt = { succeeded: boolean; delivery: { status: string } };
    const attemptsNow = async (): Promise<Attempt[]> =>
      (await gql(second.url, Attempts)).webhookEndpoints.edges[0].node.deliveryAttempts.edges.map((edge: { node: Attempt }) => edge.node);
    await until(async () => (await attemptsNow()).filter((attempt) => attempt.succeeded).length >= eventCount, `all ${eventCount} delivered`, 30_000);
    const ids = new Set(receiver.events().map((event) => event.id));
    expect(ids.size).toBe(eventCount);
    // What was in flight at the kill was sent again (the first POST never got its answer recorded).
    const after = receiver.received.filter((request) => inFlight.has(JSON.parse(request.rawBody).id));
    expect(after.length).toBeGreaterThan(inFlight.size);
    for (const request of receiver.received) {
      expect(verifyWebhookSignature(request.rawBody, request.headers['numbers-signature'] as string, secret)).toBe(true);
    }
    const sequences = receiver.events().map((event) => event.sequence);
    expect(new Set(sequences).size).toBe(eventCount);
    // Each delivery ends DELIVERED once: none is acknowledged twice.
    const attempts = await attemptsNow();
    expect(attempts.filter((attempt) => attempt.succeeded)).toHaveLength(eventCount);
    expect(new Set(attempts.map((attempt) => attempt.delivery.status))).toEqual(new Set(['DELIVERED']));
  });
});
