import { SimulatedCarrier } from '../../src/infra/carrier/simulated.js';
import { eventually } from './lifecycle.js';
import type { Tenant, TestServer } from './server.js';

// A tenant that owns one real object of every kind, made through the public API
// the way a client would: for tests that probe every operation taking an ID.

export type OwnedObjects = {
  organizationId: string;
  /** Global IDs by type, for `node(id:)`. */
  nodes: Record<string, string>;
  numbers: Array<{ id: string; e164: string }>;
  connectionId: string;
  reservationId: string;
  numberOrderId: string;
  portingOrderId: string;
  apiKeyId: string;
  ledgerEntryId: string;
  /** A KYC document uploaded and not submitted (not a Node: only `submitKyc` takes its ID). */
  kycDocumentId: string;
  webhookEndpointId: string;
  /** The feed eventId of the test event delivered to that endpoint. */
  eventId: string;
};

type Data = Record<string, any>;

async function call(server: TestServer, key: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await server.graphql(key, query, variables);
  if (response.errors?.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(response.errors)}`);
  const payload = Object.values(response.data as Data)[0] as Data;
  if (payload && Array.isArray(payload.errors) && payload.errors.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(payload.errors)}`);
  return payload;
}

/** Numbers the simulated carrier (same seed as the test server) would port in, never in our stock. */
export async function portableNumbers(server: TestServer, count: number, options: { sandbox?: boolean } = {}): Promise<string[]> {
  // A sandbox ports only fictional numbers: those outside its test stock (0100–0159) and not its magic 0197/0198.
  if (options.sandbox) return [160, 161, 162, 163, 164, 165, 166, 167].slice(0, count).map((n) => `+1512555${String(n).padStart(4, '0')}`);
  const carrier = new SimulatedCarrier({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: server.config.carrier.seed });
  const found: string[] = [];
  for (let tries = 0; found.length < count; tries += 1) {
    if (tries > 100 * count + 1000) throw new Error('no portable numbers found');
    const e164 = `+1512${String(3_000_000 + Math.floor(Math.random() * 6_000_000))}`;
    const [result] = await carrier.checkPortability([e164]);
    if (!result?.portable || found.includes(e164)) continue;
    if (await server.db.prisma.inventoryNumber.findFirst({ where: { e164 } })) continue;
    found.push(e164);
  }
  return found;
}

/** Available numbers found the way a client finds them: searching `availablePhoneNumbers`. */
export async function searchAvailable(server: TestServer, key: string, first = 100): Promise<string[]> {
  const page = await call(
    server,
    key,
    `query($f: AvailablePhoneNumberFilter!, $n: Int) { availablePhoneNumbers(filter: $f, first: $n) { edges { node { e164 } } } }`,
    {
      f: { countryCode: 'US', numberType: 'LOCAL' },
      n: first,
    },
  );
  return page.edges.map((edge: Data) => edge.node.e164 as string);
}

export async function createOwnedObjects(
  server: TestServer,
  tenant: Tenant,
  numbers: { order: string[]; reserve: string[]; port: string },
): Promise<OwnedObjects> {
  const key = tenant.keys.ADMIN;
  const order = await call(
    server,
    key,
    `mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { numberOrder { id } errors { code field message } } }`,
    {
      i: { idempotencyKey: `own-${tenant.slug}`, phoneNumbers: numbers.order },
    },
  );
  await eventually(
    () => server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId } }),
    (rows) => rows.length === numbers.order.length && rows.every((row) => row.status === 'ACTIVE'),
  );
  const page = await call(server, key, `{ phoneNumbers(first: 100) { edges { node { id e164 } } } }`);
  const owned = (page.edges as Data[])
    .map((edge) => edge.node as { id: string; e164: string })
    .sort((a, b) => numbers.order.indexOf(a.e164) - numbers.order.indexOf(b.e164));
  const [first] = owned;
  if (!first) throw new Error(`${tenant.slug} owns no numbers after ordering ${numbers.order.length}`);

  const connection = await call(
    server,
    key,
    `mutation($i: CreateConnectionInput!) { createConnection(input: $i) { connection { id } errors { code field message } } }`,
    { i: { name: `main ${tenant.slug}` } },
  );
  await call(server, key, `mutation($i: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $i) { errors { code field message } } }`, {
    i: { id: first.id, connectionId: connection.connection.id, label: 'owned', tags: ['owned'], customerReference: 'cust-1' },
  });
  const reservation = await call(
    server,
    key,
    `mutation($i: ReservePhoneNumbersInput!) { reservePhoneNumbers(input: $i) { reservation { id } errors { code field message } } }`,
    {
      i: { phoneNumbers: numbers.reserve, ttlSeconds: 86_400 },
    },
  );
  const porting = await call(
    server,
    key,
    `mutation($i: CreatePortingOrderInput!) { createPortingOrder(input: $i) { portingOrders { id } errors { code field message } } }`,
    {
      i: { phoneNumbers: [numbers.port] },
    },
  );
  const portingOrderId = porting.portingOrders[0].id as string;
  const pdf = new Blob([Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(600, 0x20)])], { type: 'application/pdf' });
  const uploaded = await server.upload(
    key,
    `mutation($i: UploadPortingDocumentInput!) { uploadPortingDocument(input: $i) { document { id } errors { code field message } } }`,
    { i: { portingOrderId, kind: 'LOA', file: null } },
    {
      0: { path: 'variables.i.file', blob: pdf, filename: 'loa.pdf' },
    },
  );
  if ((uploaded.data as Data)?.uploadPortingDocument?.errors?.length !== 0) throw new Error(`upload: ${JSON.stringify(uploaded)}`);
  const kyc = await server.upload(
    key,
    `mutation($i: UploadKycDocumentInput!) { uploadKycDocument(input: $i) { document { id } errors { code field message } } }`,
    { i: { kind: 'OTHER', file: null } },
    { 0: { path: 'variables.i.file', blob: pdf, filename: 'evidence.pdf' } },
  );
  const kycDocumentId = (kyc.data as Data)?.uploadKycDocument?.document?.id as string | undefined;
  if (!kycDocumentId) throw new Error(`KYC upload: ${JSON.stringify(kyc)}`);
  const apiKey = await call(server, key, `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } errors { code field message } } }`, {
    i: { name: 'spare', role: 'READ_ONLY' },
  });
  // Delivered to the server's own health check, which answers 200: nothing is left retrying in the background.
  const endpoint = await call(
    server,
    key,
    `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { webhookEndpoint { id } errors { code field message } } }`,
    { i: { url: `${server.url}/healthz`, eventTypes: ['WEBHOOK_TEST'], description: 'owned' } },
  );
  const webhookEndpointId = endpoint.webhookEndpoint.id as string;
  const test = await call(
    server,
    key,
    `mutation($i: SendTestWebhookEventInput!) { sendTestWebhookEvent(input: $i) { webhookDelivery { id } errors { code field message } } }`,
    { i: { endpointId: webhookEndpointId } },
  );
  const delivered = await eventually(
    async () =>
      (
        await server.graphql<{ node: { deliveryAttempts: { edges: Array<{ node: { id: string; eventId: string; succeeded: boolean } }> } } }, unknown>(
          key,
          `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveryAttempts(first: 1) { edges { node { id eventId succeeded } } } } } }`,
          { id: webhookEndpointId },
        )
      ).data?.node.deliveryAttempts.edges[0]?.node,
    (attempt) => attempt?.succeeded === true,
  );
  const ledger = await call(server, key, `{ ledger(first: 1) { edges { node { id } } } }`);
  const viewer = await call(server, key, `{ viewer { organization { id } } }`);

  const objects = {
    organizationId: viewer.organization.id as string,
    numbers: owned,
    connectionId: connection.connection.id as string,
    reservationId: reservation.reservation.id as string,
    numberOrderId: order.numberOrder.id as string,
    portingOrderId,
    apiKeyId: apiKey.apiKey.id as string,
    ledgerEntryId: ledger.edges[0].node.id as string,
    kycDocumentId,
    webhookEndpointId,
    eventId: delivered!.eventId,
  };
  return {
    ...objects,
    nodes: {
      Organization: objects.organizationId,
      PhoneNumber: first.id,
      Connection: objects.connectionId,
      Reservation: objects.reservationId,
      NumberOrder: objects.numberOrderId,
      PortingOrder: objects.portingOrderId,
      ApiKey: objects.apiKeyId,
      LedgerEntry: objects.ledgerEntryId,
      WebhookEndpoint: webhookEndpointId,
      WebhookDelivery: test.webhookDelivery.id as string,
      WebhookDeliveryAttempt: delivered!.id,
    },
  };
}

/** The columns of an active local US number owned by `organizationId`, for tests that insert rows directly. */
export function activeNumberRow(organizationId: string, e164: string, links: { connectionId: string | null; numberOrderId: string | null }) {
  return {
    organizationId,
    e164,
    countryCode: 'US',
    areaCode: e164.slice(2, 5),
    numberType: 'LOCAL' as const,
    capabilities: ['VOICE' as const],
    provider: 'Bandwidth',
    activationPriceCents: 100,
    monthlyPriceCents: 150,
    status: 'ACTIVE' as const,
    ...links,
  };
}

/** A Relay global ID as the API writes one (src/schema/global-id.ts), spelled out here so tests don't trust the code they check. */
export const globalId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64url');
