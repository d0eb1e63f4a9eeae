import { afterAll, beforeAll, describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { verifyWebhookSignature } from '../../src/domain/webhook-signature.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { eventually, OrderNumbers, pickAvailable, quietFor } from '../helpers/lifecycle.js';
import { globalId } from '../helpers/owned-objects.js';
import { serverTest } from '../helpers/server-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { createEndpoint, EndpointAttempts, endpointState, revokedKeyEvents } from '../helpers/webhooks.js';

// Webhooks through the API, to a real HTTP receiver: signed bodies in the feed's order, retries on 500 and on
// timeouts, giving up at the horizon, auto-disable and resume, secret rotation, redelivery, and tenants apart.

const it = serverTest(
  { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '100', WEBHOOK_TIMEOUT_MS: '400', WEBHOOK_DISABLE_AFTER_FAILURES: '4' },
  { tenants: ['acme', 'globex'] },
);

const Feed = `{ events(first: 100) { edges { node { eventId type } } } }`;
const Redeliver = `mutation R($input: RedeliverWebhookEventInput!) {
  redeliverWebhookEvent(input: $input) { webhookDelivery { status attempts } errors { code field } } }`;
const SendTest = `mutation T($input: SendTestWebhookEventInput!) { sendTestWebhookEvent(input: $input) { webhookDelivery { id } errors { code field } } }`;
const Rotate = `mutation R($input: RotateWebhookEndpointSecretInput!) {
  rotateWebhookEndpointSecret(input: $input) { signingSecret webhookEndpoint { previousSecretExpiresAt } errors { code field } } }`;
const Enable = `mutation E($input: WebhookEndpointIdInput!) { enableWebhookEndpoint(input: $input) { webhookEndpoint { status } errors { code field } } }`;
const Update = `mutation U($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { url } errors { code field } } }`;
const Delete = `mutation D($input: WebhookEndpointIdInput!) { deleteWebhookEndpoint(input: $input) { deletedWebhookEndpointId errors { code field } } }`;
const List = `{ webhookEndpoints(first: 50) { totalCount edges { node { id url } } } }`;

describe.skipIf(skipReason)('webhooks', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  it.beforeAll(async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 1000 });
  });
  afterAll(() => receiver.close());

  it('delivers signed events in the feed shape, to the tenant that owns the endpoint only', async ({ server, acme, globex }) => {
    const path = '/signed';
    const mine = await createEndpoint(server, acme, { url: receiver.url(path), description: 'back office' });
    expect(mine.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const theirs = await createEndpoint(server, globex, { url: receiver.url('/other-tenant') });
    const [stock] = await pickAvailable(server, 1);
    const e164 = stock.e164;
    const ordered = await server.graphql(acme.keys.MEMBER, OrderNumbers, { input: { phoneNumbers: [e164], idempotencyKey: 'webhook-order' } });
    expect(ordered.data?.orderPhoneNumbers.errors).toEqual([]);
    // PENDING, then ACTIVE, of the number; the order's PENDING and COMPLETED.
    const seen = () => receiver.received.filter((request) => request.path === path);
    await eventually(
      async () => seen().length,
      (count) => count >= 4,
    );
    const feed = (await server.graphql<{ events: { edges: Array<{ node: { eventId: string; type: string } }> } }, unknown>(acme.keys.READ_ONLY, Feed)).data!;
    for (const request of seen()) {
      expect(verifyWebhookSignature(request.rawBody, request.headers['numbers-signature'] as string, [mine.secret])).toBe(true);
      expect(verifyWebhookSignature(request.rawBody, request.headers['numbers-signature'] as string, [theirs.secret])).toBe(false);
      const body = JSON.parse(request.rawBody);
      expect(Object.keys(body).sort()).toEqual(['data', 'id', 'occurredAt', 'sequence', 'type']);
      expect(request.headers['numbers-event-id']).toBe(body.id);
      expect(request.headers['content-type']).toBe('application/json');
      // The event is the feed's: same position, same type.
      expect(feed.events.edges.map((edge) => edge.node)).toContainEqual({ eventId: String(body.sequence), type: body.type });
    }
    const bodies = seen().map((request) => JSON.parse(request.rawBody));
    const statusFlip = bodies.find((body) => body.type === 'NUMBER_STATUS_CHANGED' && body.data.newStatus === 'ACTIVE');
    expect(statusFlip.data).toMatchObject({ e164, previousStatus: 'PENDING', newStatus: 'ACTIVE' });
    expect(statusFlip.data.subjectId).toBe(statusFlip.data.phoneNumberId);
    expect(Buffer.from(statusFlip.data.phoneNumberId, 'base64url').toString()).toMatch(/^PhoneNumber:[0-9a-f-]{36}$/);
    // Every attempt is listed, with what the receiver said.
    const state = await endpointState(server, acme, mine.id);
    expect(state.deliveryAttempts.totalCount).toBe(seen().length);
    expect(state.deliveryAttempts.edges[0]!.node).toMatchObject({ succeeded: true, statusCode: 200, responseBody: 'ok', error: null });
    // The other tenant's endpoint got nothing of acme's.
    expect(receiver.received.some((request) => request.path === '/other-tenant')).toBe(false);
  });

  it('filters by event type', async ({ server, acme }) => {
    await createEndpoint(server, acme, { url: receiver.url('/revocations-only'), eventTypes: ['API_KEY_REVOKED'] });
    await createEndpoint(server, acme, { url: receiver.url('/orders-only'), eventTypes: ['NUMBER_ORDER_UPDATED'] });
    await revokedKeyEvents(server, acme, 2);
    await eventually(
      async () => receiver.received.filter((request) => request.path === '/revocations-only').length,
      (count) => count === 2,
    );
    await quietFor(300);
    const types = receiver.received.filter((request) => request.path === '/revocations-only').map((request) => JSON.parse(request.rawBody).type);
    expect(types).toEqual(['API_KEY_REVOKED', 'API_KEY_REVOKED']);
    expect(receiver.received.filter((request) => request.path === '/orders-only')).toEqual([]);
  });

  it('a connection-scoped endpoint gets the events of numbers on that connection only', async ({ server, globex }) => {
    const connection = await server.graphql<{ createConnection: { connection: { id: string } } }, unknown>(
      globex.keys.MEMBER,
      `mutation { createConnection(input: { name: "scoped" }) { connection { id } } }`,
    );
    const connectionId = connection.data!.createConnection.connection.id;
    await createEndpoint(server, globex, { url: receiver.url('/scoped'), connectionId });
    const [onIt, elsewhere] = await insertOwnedNumbers(server.db.prisma, globex.organizationId, 2);
    const ids = await server.db.prisma.phoneNumber.findMany({ where: { e164: { in: [onIt, elsewhere] } }, select: { id: true, e164: true } });
    const idOf = (e164: string) => globalId('PhoneNumber', ids.find((row) => row.e164 === e164)!.id);
    const configure = (e164: string, input: Record<string, unknown>) =>
      server.graphql(globex.keys.MEMBER, `mutation C($input: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $input) { errors { code } } }`, {
        input: { id: idOf(e164), ...input },
      });
    await configure(onIt, { connectionId });
    await configure(elsewhere, { label: 'not on the connection' });
    await configure(onIt, { label: 'on the connection' });
    await eventually(
      async () => receiver.received.filter((request) => request.path === '/scoped').length,
      (count) => count >= 2,
    );
    await quietFor(300);
    const scoped = receiver.received.filter((request) => request.path === '/scoped').map((request) => JSON.parse(request.rawBody));
    expect(scoped.map((body) => [body.type, body.data.e164])).toEqual([
      ['NUMBER_CONFIGURED', onIt],
      ['NUMBER_CONFIGURED', onIt],
    ]);
  });

  it('keeps the first KB of a large response, reads no more than its limit, and counts attempts in /metrics', async ({ server, globex }) => {
    const chatty = await startWebhookReceiver({ status: 200, body: 'x'.repeat(2_000_000) });
    try {
      const endpoint = await createEndpoint(server, globex, { url: chatty.url(), eventTypes: ['WEBHOOK_TEST'] });
      await server.graphql(globex.keys.ADMIN, SendTest, { input: { endpointId: endpoint.id } });
      const state = await eventually(
        () => endpointState(server, globex, endpoint.id),
        // The page and its count are two reads: wait for the page itself.
        (s) => s.deliveryAttempts.edges.length > 0,
      );
      expect(state.deliveryAttempts.edges[0]!.node).toMatchObject({ succeeded: true, statusCode: 200, responseBody: 'x'.repeat(1_024) });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/numbers_api_webhook_attempts_total\{result="delivered"\} [1-9]/);
      expect(metrics).toMatch(/numbers_api_webhook_delivery_lag_seconds_count [1-9]/);
    } finally {
      await chatty.close();
    }
  });

  it('retries a 500 and a timeout with the same event id until a 2xx', async ({ server, globex }) => {
    const failing = await startWebhookReceiver();
    try {
      failing.answers.push({ status: 500, body: 'boom' }, { status: 200, hangMs: 2_000 }, { status: 302, headers: { location: 'http://169.254.169.254/' } });
      const endpoint = await createEndpoint(server, globex, { url: failing.url(), eventTypes: ['API_KEY_REVOKED'] });
      await revokedKeyEvents(server, globex, 1);
      const state = await eventually(
        () => endpointState(server, globex, endpoint.id),
        (s) => s.deliveryAttempts.edges.some((edge) => edge.node.succeeded),
      );
      const attempts = state.deliveryAttempts.edges.map((edge) => edge.node).reverse();
      expect(attempts.map((a) => [a.attempt, a.succeeded, a.statusCode])).toEqual([
        [1, false, 500],
        [2, false, null],
        [3, false, 302],
        [4, true, 200],
      ]);
      expect(attempts[0]!.responseBody).toBe('boom');
      expect(attempts[1]!.error).toMatch(/No response within 400 ms/);
      expect(attempts[3]!.delivery).toMatchObject({ status: 'DELIVERED', attempts: 4 });
      // The redirect was not followed: nothing else was asked for.
      const ids = new Set(failing.events().map((event) => event.id));
      expect(ids.size).toBe(1);
      expect(failing.received.every((request) => request.path === '/hook')).toBe(true);
      expect(state.consecutiveFailures).toBe(0);
    } finally {
      await failing.close();
    }
  });

  it('gives up at the retry horizon, and redelivery sends the event again', async ({ server, globex }) => {
    const down = await startWebhookReceiver({ status: 503 });
    try {
      const endpoint = await createEndpoint(server, globex, { url: down.url(), eventTypes: ['WEBHOOK_TEST'] });
      const sent = await server.graphql<{ sendTestWebhookEvent: { errors: unknown[] } }, unknown>(globex.keys.ADMIN, SendTest, {
        input: { endpointId: endpoint.id },
      });
      expect(sent.data?.sendTestWebhookEvent.errors).toEqual([]);
      await eventually(
        async () => down.received.length,
        (count) => count >= 2,
      );
      // Hold the delivery at the horizon by moving it into the past, then let the next failure end it.
      await server.db.prisma.webhookDelivery.updateMany({ where: { endpointId: globalIdToUuid(endpoint.id) }, data: { retryUntil: new Date(0) } });
      const failed = await eventually(
        () => endpointState(server, globex, endpoint.id),
        (s) => s.deliveryAttempts.edges[0]?.node.delivery.status === 'FAILED',
      );
      const eventId = failed.deliveryAttempts.edges[0]!.node.eventId;
      const count = down.received.length;
      down.fallback = { status: 204 };
      const again = await server.graphql<{ redeliverWebhookEvent: { webhookDelivery: { status: string }; errors: unknown[] } }, unknown>(
        globex.keys.ADMIN,
        Redeliver,
        { input: { endpointId: endpoint.id, eventId } },
      );
      expect(again.data?.redeliverWebhookEvent).toMatchObject({ errors: [], webhookDelivery: { status: 'PENDING' } });
      await eventually(
        () => endpointState(server, globex, endpoint.id),
        (s) => s.deliveryAttempts.edges[0]?.node.delivery.status === 'DELIVERED',
      );
      expect(down.received.length).toBe(count + 1);
      expect(JSON.parse(down.received.at(-1)!.rawBody).type).toBe('WEBHOOK_TEST');
    } finally {
      await down.close();
    }
  });

  it('disables an endpoint after consecutive failures (with an event), and enabling resumes what was paused', async ({ server, acme }) => {
    const flaky = await startWebhookReceiver({ status: 500 });
    try {
      const endpoint = await createEndpoint(server, acme, { url: flaky.url(), eventTypes: ['API_KEY_REVOKED'] });
      await revokedKeyEvents(server, acme, 1);
      const disabled = await eventually(
        () => endpointState(server, acme, endpoint.id),
        (s) => s.status === 'DISABLED',
      );
      expect(disabled.consecutiveFailures).toBe(4);
      expect(disabled.disabledReason).toMatch(/4 consecutive failed deliveries/);
      expect(disabled.deliveryAttempts.edges[0]!.node.delivery.status).toBe('PAUSED');
      const feed = (await server.graphql<{ events: { edges: Array<{ node: { type: string } }> } }, unknown>(acme.keys.READ_ONLY, Feed)).data!;
      expect(feed.events.edges.map((edge) => edge.node.type)).toContain('WEBHOOK_ENDPOINT_DISABLED');
      // Disabled: new events don't go there.
      await revokedKeyEvents(server, acme, 1);
      await quietFor(300);
      expect(new Set(flaky.events().map((event) => event.id)).size).toBe(1);
      flaky.fallback = { status: 200 };
      const enabled = await server.graphql(acme.keys.ADMIN, Enable, { input: { id: endpoint.id } });
      expect(enabled.data).toMatchObject({ enableWebhookEndpoint: { webhookEndpoint: { status: 'ENABLED' }, errors: [] } });
      const resumed = await eventually(
        () => endpointState(server, acme, endpoint.id),
        (s) => s.deliveryAttempts.edges[0]?.node.succeeded === true,
      );
      expect(resumed.consecutiveFailures).toBe(0);
      expect(resumed.deliveryAttempts.edges[0]!.node.delivery.status).toBe('DELIVERED');
    } finally {
      await flaky.close();
    }
  });

  it('disabling while a retry waits, then enabling, delivers it (the waiting retry found its delivery paused)', async ({ server, acme }) => {
    const failing = await startWebhookReceiver({ status: 500 });
    try {
      const endpoint = await createEndpoint(server, acme, { url: failing.url(), eventTypes: ['WEBHOOK_TEST'] });
      await server.graphql(acme.keys.ADMIN, SendTest, { input: { endpointId: endpoint.id } });
      await eventually(
        async () => failing.received.length,
        (count) => count >= 2,
      );
      const disabled = await server.graphql(
        acme.keys.ADMIN,
        `mutation D($input: WebhookEndpointIdInput!) { disableWebhookEndpoint(input: $input) { errors { code } } }`,
        {
          input: { id: endpoint.id },
        },
      );
      expect(disabled.data).toEqual({ disableWebhookEndpoint: { errors: [] } });
      const [delivery] = await server.db.prisma.webhookDelivery.findMany({ where: { endpointId: globalIdToUuid(endpoint.id) } });
      expect(delivery!.status).toBe('PAUSED');
      // The retry that was waiting runs, finds the delivery paused, and ends without an attempt.
      await eventually(
        () => server.db.prisma.job.count({ where: { status: { in: ['PENDING', 'RUNNING'] }, payload: { path: ['deliveryId'], equals: delivery!.id } } }),
        (count) => count === 0,
      );
      const posts = failing.received.length;
      failing.fallback = { status: 200 };
      await server.graphql(acme.keys.ADMIN, Enable, { input: { id: endpoint.id } });
      const resumed = await eventually(
        () => server.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery!.id } }),
        (row) => row.status === 'DELIVERED',
      );
      expect(resumed.attempts).toBe(delivery!.attempts + 1);
      expect(failing.received.length).toBe(posts + 1);
    } finally {
      await failing.close();
    }
  });

  it('rotating the secret signs with both until the overlap ends; no overlap signs with the new one only', async ({ server, globex }) => {
    const path = '/rotation';
    const endpoint = await createEndpoint(server, globex, { url: receiver.url(path), eventTypes: ['WEBHOOK_TEST'] });
    const rotate = async (overlapSeconds?: number) => {
      const response = await server.graphql<{ rotateWebhookEndpointSecret: { signingSecret: string; webhookEndpoint: unknown; errors: unknown[] } }, unknown>(
        globex.keys.ADMIN,
        Rotate,
        { input: { id: endpoint.id, ...(overlapSeconds === undefined ? {} : { overlapSeconds }) } },
      );
      expect(response.data?.rotateWebhookEndpointSecret.errors).toEqual([]);
      return response.data!.rotateWebhookEndpointSecret;
    };
    const sendAndReceive = async () => {
      const before = receiver.received.filter((request) => request.path === path).length;
      await server.graphql(globex.keys.ADMIN, SendTest, { input: { endpointId: endpoint.id } });
      await eventually(
        async () => receiver.received.filter((request) => request.path === path).length,
        (count) => count > before,
      );
      const last = receiver.received.filter((request) => request.path === path).at(-1)!;
      return { body: last.rawBody, header: last.headers['numbers-signature'] as string };
    };
    const rotated = await rotate();
    expect(rotated.signingSecret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.webhookEndpoint ? (rotated.webhookEndpoint as { previousSecretExpiresAt: string }).previousSecretExpiresAt : '')).toBeGreaterThan(
      Date.now() + 23 * 3_600_000,
    );
    const during = await sendAndReceive();
    expect(during.header.match(/v1=/g)).toHaveLength(2);
    expect(verifyWebhookSignature(during.body, during.header, endpoint.secret)).toBe(true);
    expect(verifyWebhookSignature(during.body, during.header, rotated.signingSecret)).toBe(true);
    const final = await rotate(0);
    const after = await sendAndReceive();
    expect(after.header.match(/v1=/g)).toHaveLength(1);
    expect(verifyWebhookSignature(after.body, after.header, final.signingSecret)).toBe(true);
    expect(verifyWebhookSignature(after.body, after.header, [endpoint.secret, rotated.signingSecret])).toBe(false);
    const bad = await server.graphql<{ rotateWebhookEndpointSecret: { errors: unknown[] } }, unknown>(globex.keys.ADMIN, Rotate, {
      input: { id: endpoint.id, overlapSeconds: 8 * 86_400 },
    });
    expect(bad.data?.rotateWebhookEndpointSecret.errors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'overlapSeconds'] }]);
  });

  it("another tenant's endpoint ids answer exactly as random ones, in every operation", async ({ server, acme, globex }) => {
    const endpoint = await createEndpoint(server, acme, { url: receiver.url('/private') });
    const random = globalId('WebhookEndpoint', '00000000-0000-4000-8000-000000000000');
    const answers = async (id: string) => {
      const key = globex.keys.ADMIN;
      return [
        (await server.graphql(key, EndpointAttempts, { id })).data,
        (await server.graphql(key, Update, { input: { id, url: receiver.url('/stolen') } })).data,
        (await server.graphql(key, Enable, { input: { id } })).data,
        (await server.graphql(key, Rotate, { input: { id } })).data,
        (await server.graphql(key, SendTest, { input: { endpointId: id } })).data,
        (await server.graphql(key, Redeliver, { input: { endpointId: id, eventId: '1' } })).data,
        (await server.graphql(key, Delete, { input: { id } })).data,
      ];
    };
    const theirs = await answers(endpoint.id);
    expect(theirs).toEqual(await answers(random));
    expect(JSON.stringify(theirs)).toContain('NOT_FOUND');
    const list = await server.graphql<{ webhookEndpoints: { edges: Array<{ node: { id: string } }> } }, unknown>(globex.keys.ADMIN, List);
    expect(list.data!.webhookEndpoints.edges.map((edge) => edge.node.id)).not.toContain(endpoint.id);
    // Untouched.
    const row = await server.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: globalIdToUuid(endpoint.id) } });
    expect(row).toMatchObject({ url: receiver.url('/private'), secret: endpoint.secret, status: 'ENABLED' });
  });

  it('is for ADMIN keys: MEMBER and READ_ONLY keys can neither manage nor read endpoints', async ({ server, acme }) => {
    const endpoint = await createEndpoint(server, acme, { url: receiver.url('/admin-only') });
    for (const key of [acme.keys.MEMBER, acme.keys.READ_ONLY]) {
      const created = await server.graphql(key, `mutation { createWebhookEndpoint(input: { url: "${receiver.url('/x')}" }) { signingSecret } }`);
      expect(created.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const listed = await server.graphql(key, List);
      expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const node = await server.graphql<{ node: unknown }, unknown>(key, `query N($id: ID!) { node(id: $id) { ... on WebhookEndpoint { url } } }`, {
        id: endpoint.id,
      });
      expect(JSON.stringify(node.data?.node ?? null)).not.toContain('admin-only');
    }
  });

  it('refuses bad input naming the field, and writes nothing', async ({ server, globex }) => {
    const before = await server.db.prisma.webhookEndpoint.count({ where: { organizationId: globex.organizationId } });
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ url: 'ftp://example.com/hook' }, ['input', 'url']],
      [{ url: 'not a url' }, ['input', 'url']],
      [{ url: '' }, ['input', 'url']],
      [{ url: `https://example.com/${'a'.repeat(3_000)}` }, ['input', 'url']],
      [{ url: 'https://user:pass@example.com/hook' }, ['input', 'url']],
      [{ url: 'https://exa\u0000mple.com/hook' }, ['input', 'url']],
      [{ url: receiver.url(), description: 'x'.repeat(501) }, ['input', 'description']],
      [{ url: receiver.url(), connectionId: globalId('Connection', '00000000-0000-4000-8000-000000000000') }, ['input', 'connectionId']],
      [{ url: receiver.url(), connectionId: 'garbage' }, ['input', 'connectionId']],
    ];
    for (const [input, field] of cases) {
      const response = await server.graphql<{ createWebhookEndpoint: { errors: Array<{ field: string[] }> } }, unknown>(
        globex.keys.ADMIN,
        `mutation C($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { signingSecret errors { code field } } }`,
        { input },
      );
      const named = response.data?.createWebhookEndpoint?.errors?.[0]?.field ?? response.errors?.[0]?.extensions?.field;
      expect(named, JSON.stringify(input).slice(0, 80)).toEqual(field);
      expect(response.status).toBeLessThan(500);
    }
    const wrongTypes = await server.graphql(
      globex.keys.ADMIN,
      `mutation C($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { signingSecret } }`,
      {
        input: { url: 42, eventTypes: ['NOPE'] },
      },
    );
    expect(wrongTypes.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const redeliver = await server.graphql<{ redeliverWebhookEvent: { errors: unknown[] } }, unknown>(globex.keys.ADMIN, Redeliver, {
      input: { endpointId: globalId('WebhookEndpoint', '00000000-0000-4000-8000-000000000000'), eventId: '-1' },
    });
    expect(redeliver.data?.redeliverWebhookEvent.errors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'eventId'] }]);
    expect(await server.db.prisma.webhookEndpoint.count({ where: { organizationId: globex.organizationId } })).toBe(before);
  });
});

const ssrf = serverTest({ WEBHOOK_ALLOWED_HOSTS: '', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '50' }, { tenants: ['acme'] });

describe.skipIf(skipReason)('webhooks never reach private, loopback or metadata addresses without the allowlist', () => {
  ssrf('refuses such endpoints when they are made or changed', async ({ server, acme }) => {
    const refused = [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.8/hook',
      'http://192.168.1.1/hook',
      'http://2130706433/hook',
      'http://metadata.google.internal/computeMetadata/v1/',
    ];
    for (const url of refused) {
      const response = await server.graphql<{ createWebhookEndpoint: { errors: Array<{ code: string; field: string[] }> } }, unknown>(
        acme.keys.ADMIN,
        `mutation C($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { signingSecret errors { code field message } } }`,
        { input: { url } },
      );
      expect(response.data?.createWebhookEndpoint.errors, url).toMatchObject([{ code: 'BAD_USER_INPUT', field: ['input', 'url'] }]);
    }
    expect(await server.db.prisma.webhookEndpoint.count({ where: { organizationId: acme.organizationId } })).toBe(0);
  });

  ssrf('checks the address again at every delivery (a host that resolves elsewhere later is refused then)', async ({ server, acme }) => {
    const receiver = await startWebhookReceiver();
    try {
      // As if its host had resolved to a public address when the endpoint was made: written past the API's check.
      const port = new URL(receiver.url()).port;
      const row = await server.db.prisma.webhookEndpoint.create({
        data: { organizationId: acme.organizationId, url: `http://localhost:${port}/hook`, secret: 'whsec_test', eventTypes: ['API_KEY_REVOKED'] },
      });
      await revokedKeyEvents(server, acme, 1);
      const attempts = await eventually(
        () => server.db.prisma.webhookAttempt.findMany({ where: { endpointId: row.id } }),
        (rows) => rows.length >= 2,
      );
      expect(attempts.every((attempt) => attempt.statusCode === null && /Refused: .*localhost/.test(attempt.error ?? ''))).toBe(true);
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

function globalIdToUuid(id: string) {
  return Buffer.from(id, 'base64url').toString().split(':')[1]!;
}
