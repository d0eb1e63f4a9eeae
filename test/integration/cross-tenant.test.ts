import { randomUUID } from 'node:crypto';
import { type GraphQLInputType, getNamedType, isEnumType } from 'graphql';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { SandboxCarrier } from '../../src/infra/carrier/sandbox.js';
import { SimulatedCarrier } from '../../src/infra/carrier/simulated.js';
import { decodeGlobalId, encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { eventually, feedListening, quietFor } from '../helpers/lifecycle.js';
import { createOwnedObjects, type OwnedObjects, portableNumbers, searchAvailable } from '../helpers/owned-objects.js';
import { sandboxOf } from '../helpers/sandbox.js';
import {
  buildArguments,
  inputCoordinates,
  isList,
  leafName,
  onTheWayTo,
  operationText,
  type RootField,
  rootFields,
  schema,
  selectionFor,
} from '../helpers/schema-walk.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';
import { settledSnapshot, snapshotDatabase, tenantRows } from '../helpers/snapshot.js';
import { subscribeSse, subscribeWs, wsClient } from '../helpers/subscriptions.js';

// Issue 9, "How to prove it": tenant B calls every query and mutation that takes a
// reference (an ID, or a number in E.164 form) with (a) tenant A's real ones and
// (b) made-up ones of the same kind. The answers must be the same once the
// references themselves are blanked out, and nothing may be written. Generated from
// the schema: a new argument that can carry a reference fails the coverage test
// until it is classified below.

/** What a reference-carrying input points at. */
type Target = 'Node' | 'PhoneNumber' | 'Connection' | 'Reservation' | 'PortingOrder' | 'ApiKey' | 'KycDocument' | 'WebhookEndpoint' | 'E164';

/**
 * Every ID- or E.164-typed input, and every list input, under Query and Mutation.
 * Each is either a reference probed below, or says why it is not one.
 */
const classification: Record<string, Target | { notAReference: string }> = {
  'Query.node(id)': 'Node',
  'Query.nodes(ids)': 'Node',
  'Query.phoneNumber(e164)': 'E164',
  'Query.portabilityCheck(phoneNumbers)': 'E164',
  'PhoneNumberFilter.connectionId': 'Connection',
  'PhoneNumberFilter.search': 'E164',
  'PhoneNumberFilter.tags': { notAReference: "the caller's own labels" },
  'CancelPortingOrderInput.id': 'PortingOrder',
  'CancelReservationInput.id': 'Reservation',
  'CheckPortabilityInput.phoneNumbers': 'E164',
  'ConfigurePhoneNumberInput.id': 'PhoneNumber',
  'ConfigurePhoneNumberInput.connectionId': 'Connection',
  'ConfigurePhoneNumberInput.forwardingNumber': { notAReference: 'any number may be a forwarding target; nothing owned is looked up' },
  'ConfigurePhoneNumberInput.tags': { notAReference: "the caller's own labels" },
  'CreatePortingOrderInput.phoneNumbers': 'E164',
  'OrderPhoneNumbersInput.phoneNumbers': 'E164',
  'OrderPhoneNumbersInput.reservationId': 'Reservation',
  'ReleasePhoneNumberInput.id': 'PhoneNumber',
  'ReservePhoneNumbersInput.phoneNumbers': 'E164',
  'RevokeApiKeyInput.id': 'ApiKey',
  'SubmitPortingOrderInput.id': 'PortingOrder',
  'UpdatePortingOrderInput.id': 'PortingOrder',
  'UploadPortingDocumentInput.portingOrderId': 'PortingOrder',
  'SubmitKycInput.documentIds': 'KycDocument',
  'KycContactInput.phone': { notAReference: "the contact's own phone number; nothing owned is looked up" },
  'CreateWebhookEndpointInput.connectionId': 'Connection',
  'UpdateWebhookEndpointInput.id': 'WebhookEndpoint',
  'UpdateWebhookEndpointInput.connectionId': 'Connection',
  'WebhookEndpointIdInput.id': 'WebhookEndpoint',
  'RotateWebhookEndpointSecretInput.id': 'WebhookEndpoint',
  'RedeliverWebhookEventInput.endpointId': 'WebhookEndpoint',
  'SendTestWebhookEventInput.endpointId': 'WebhookEndpoint',
};

const isReferenceType = (type: GraphQLInputType) => ['ID', 'E164'].includes(leafName(type));
/** Lists of enum values can't point at anything; every other list must be classified. */
const needsClassification = (type: GraphQLInputType) => isReferenceType(type) || (isList(type) && !isEnumType(getNamedType(type)));

type Probe = { name: string; root: RootField; path: string[]; target: Target; mine: string[]; made: string[] };

type Normalised = { status: number; body: unknown };

/** Blanks the probed references (encoded, decoded and digit forms) and drops per-request extensions. */
function normalise(response: { status: number; data?: unknown; errors?: unknown[] }, references: string[]): Normalised {
  let text = JSON.stringify({
    data: response.data,
    errors: (response.errors as Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }> | undefined)?.map((error) => ({
      message: error.message,
      path: error.path,
      code: error.extensions?.code,
      field: error.extensions?.field,
    })),
  });
  references.forEach((reference, index) => {
    const forms = [reference];
    if (reference.startsWith('+')) forms.push(reference.slice(1));
    else {
      try {
        forms.push(decodeGlobalId(reference).id);
      } catch {
        // not a global id
      }
    }
    for (const form of forms.sort((a, b) => b.length - a.length)) text = text.replaceAll(form, `<ref${index}>`);
  });
  return { status: response.status, body: JSON.parse(text) };
}

const it = serverTest();

/**
 * Who A, B (the intruder) and C (who holds A's numbers' twins) are: three organizations; or an organization's
 * live side probing its own sandbox (and another sandbox as C); or a sandbox probing its own live side.
 */
const variants: Array<[string, (server: TestServer) => Promise<[Tenant, Tenant, Tenant]>]> = [
  ['another organization', async (server) => [await server.createTenant(), await server.createTenant(), await server.createTenant()]],
  [
    'the live keys of the same organization, probing its sandbox',
    async (server) => {
      const [live, other] = [await server.createTenant(), await server.createTenant()];
      return [await sandboxOf(server, live), live, await sandboxOf(server, other)];
    },
  ],
  [
    'the sandbox of the same organization, probing its live side',
    async (server) => {
      const live = await server.createTenant();
      return [live, await sandboxOf(server, live), await server.createTenant()];
    },
  ],
];

describe.skipIf(skipReason).each(variants)('another tenant’s real IDs look exactly like made-up ones, and change nothing: B is %s', (_variant, tenantsFor) => {
  // The probes below close over the server and what the setup made, so they are kept here, not taken per test.
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let c: Tenant;
  let owned: OwnedObjects;
  let mine: OwnedObjects;
  /** A number tenant C holds, which the carrier judges exactly as it judges A's: the made-up counterpart of A's number. */
  let othersNumber: string;
  /** A number nobody here holds, which the carrier also judges as it judges A's. */
  let nobodysNumber: string;

  it.beforeAll(async ({ server: started }) => {
    server = started;
    await seedInventory(server.db.prisma, { count: 3000 });
    [a, b, c] = await tenantsFor(server);
    const found = await searchAvailable(server, a.keys.READ_ONLY, 100);
    // Two numbers B's carrier can't tell apart except by digits, so any difference in B's answers is tenancy.
    const bIsSandbox = b.keys.ADMIN.startsWith('pn_test_');
    const carrier = bIsSandbox
      ? new SandboxCarrier()
      : new SimulatedCarrier({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: server.config.carrier.seed });
    const byVerdict = new Map<string, string[]>();
    for (const result of await carrier.checkPortability(found)) {
      const verdict = JSON.stringify({ ...result, e164: undefined });
      byVerdict.set(verdict, [...(byVerdict.get(verdict) ?? []), result.e164]);
    }
    const [twinA, twinC] = [...byVerdict.values()].find((group) => group.length >= 2)!;
    const rest = found.filter((e164) => e164 !== twinA && e164 !== twinC);
    const portFor = async (tenant: Tenant, i: number) => (await portableNumbers(server, 3, { sandbox: tenant.keys.ADMIN.startsWith('pn_test_') }))[i]!;
    const ports = [await portFor(a, 0), await portFor(b, 1), await portFor(c, 2)];
    owned = await createOwnedObjects(server, a, { order: [twinA!, rest[0]!], reserve: [rest[1]!], port: ports[0]! });
    // B buys from its own stock (a sandbox's is not A's), none of what A or C take.
    const taken = new Set([twinA, twinC, ...rest.slice(0, 2), rest[4]]);
    const forB = (await searchAvailable(server, b.keys.READ_ONLY, 100)).filter((e164) => !taken.has(e164));
    mine = await createOwnedObjects(server, b, { order: [forB[0]!], reserve: [forB[1]!], port: ports[1]! });
    await createOwnedObjects(server, c, { order: [twinC!], reserve: [rest[4]!], port: ports[2]! });
    othersNumber = twinC!;
    const verdict = async (e164: string) => JSON.stringify({ ...(await carrier.checkPortability([e164]))[0], e164: undefined });
    const wanted = await verdict(twinA!);
    for (let tries = 0; !nobodysNumber; tries += 1) {
      if (tries > 100_000) throw new Error('no unheld number with the same carrier verdict');
      // A fictional number's made-up twin is fictional too (a sandbox's stock is 555-0100 to 0159).
      const candidate = twinA!.startsWith('+1512555')
        ? `+1512555${String(200 + Math.floor(Math.random() * 800)).padStart(4, '0')}`
        : `+1${twinA!.slice(2, 5)}${String(2_000_000 + Math.floor(Math.random() * 7_000_000))}`;
      if ((await verdict(candidate)) !== wanted || (await server.db.prisma.inventoryNumber.findFirst({ where: { e164: candidate } }))) continue;
      nobodysNumber = candidate;
    }
  });

  it('every reference-carrying or list input of every query and mutation is classified', () => {
    const unclassified = rootFields()
      .flatMap((root) => inputCoordinates(root))
      .filter((coordinate) => needsClassification(coordinate.type) && !(coordinate.coordinate in classification))
      .map((coordinate) => coordinate.coordinate);
    expect(unclassified, 'add these to `classification`: each is probed or says why it is not a reference').toEqual([]);
    const nodeTypes = schema
      .getPossibleTypes(schema.getType('Node') as never)
      .map((type) => type.name)
      .sort();
    expect(Object.keys(owned.nodes).sort(), 'tenant A must own one object of every Node type').toEqual(nodeTypes);
  });

  function probes(): Probe[] {
    const made = (id: string) => encodeGlobalId(decodeGlobalId(id).typename, randomUUID());
    const valuesFor = (target: Target, root: RootField): Array<{ label: string; mine: string[]; made: string[] }> => {
      switch (target) {
        case 'Node':
          return Object.entries(owned.nodes).map(([type, id]) => ({ label: type, mine: [id], made: [made(id)] }));
        case 'E164':
          // Whether a number is in service here at all is public (it can't be ordered or ported in),
          // so writes compare A's number with another tenant's; reads also with one nobody holds.
          return [
            { label: 'held by another tenant', mine: [owned.numbers[0]!.e164], made: [othersNumber] },
            ...(root.operation === 'query' ? [{ label: 'held by nobody', mine: [owned.numbers[0]!.e164], made: [nobodysNumber] }] : []),
          ];
        case 'PhoneNumber':
          return [{ label: '', mine: [owned.numbers[0]!.id], made: [made(owned.numbers[0]!.id)] }];
        default: {
          const id = {
            Connection: owned.connectionId,
            Reservation: owned.reservationId,
            PortingOrder: owned.portingOrderId,
            ApiKey: owned.apiKeyId,
            KycDocument: owned.kycDocumentId,
            WebhookEndpoint: owned.webhookEndpointId,
          }[target];
          return [{ label: '', mine: [id], made: [made(id)] }];
        }
      }
    };
    const list: Probe[] = [];
    for (const root of rootFields()) {
      for (const coordinate of inputCoordinates(root)) {
        const target = classification[coordinate.coordinate];
        if (!target || typeof target !== 'string') continue;
        const values = valuesFor(target, root);
        // A list of references: all of them at once as well as one by one.
        if (target === 'Node' && isList(coordinate.type)) {
          values.push({ label: 'all at once', mine: values.flatMap((v) => v.mine), made: values.flatMap((v) => v.made) });
          values.push({
            label: "beside one of B's own",
            mine: [mine.numbers[0]!.id, owned.nodes.PhoneNumber!],
            made: [mine.numbers[0]!.id, made(owned.nodes.PhoneNumber!)],
          });
        }
        for (const value of values) {
          list.push({
            name: `${root.name} ${coordinate.path.join('.')}${value.label ? ` (${value.label})` : ''}`,
            root,
            path: coordinate.path,
            target,
            mine: value.mine,
            made: value.made,
          });
        }
      }
    }
    return list;
  }

  /** B's call with `references` at the probed path; everything else valid and B's own. */
  async function callAsB(probe: Probe, references: string[]) {
    const pathKey = probe.path.join('.');
    const args = buildArguments(
      probe.root,
      (path, type) => {
        if (path.join('.') === pathKey) {
          if (leafName(type) === 'String') return references.join(' ');
          return isList(type) ? references : references[0];
        }
        if (leafName(type) === 'File') return null;
        if (leafName(type) === 'ID' && path.at(-1) === 'id') return mine.numbers[0]!.id; // only configurePhoneNumber needs one of B's own
        if (leafName(type) === 'E164') return isList(type) ? [mine.numbers[0]!.e164] : mine.numbers[0]!.e164;
        if (path.at(-1) === 'idempotencyKey') return `cross-tenant-${randomUUID()}`;
        return undefined;
      },
      onTheWayTo(probe.path),
    );
    const query = operationText(probe.root, selectionFor(probe.root.field.type, 2));
    const files = inputCoordinates(probe.root).filter((coordinate) => leafName(coordinate.type) === 'File');
    if (files.length) {
      const pdf = new Blob([Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(600, 0x20)])], { type: 'application/pdf' });
      return server.upload(
        b.keys.ADMIN,
        query,
        args,
        Object.fromEntries(files.map((file, i) => [String(i), { path: `variables.${file.path.join('.')}`, blob: pdf, filename: 'probe.pdf' }])),
      );
    }
    return server.graphql(b.keys.ADMIN, query, args);
  }

  it('B gets the same answer for A’s references as for made-up ones, and writes nothing', async () => {
    const list = probes();
    expect(list.length).toBeGreaterThan(20);
    const before = await settledSnapshot(server.db.prisma);
    const aRows = await tenantRows(server.db.prisma, a.organizationId);
    const failures: string[] = [];
    for (const probe of list) {
      const snapshot = await snapshotDatabase(server.db.prisma);
      const withMine = await callAsB(probe, probe.mine);
      const afterMine = await snapshotDatabase(server.db.prisma);
      if (JSON.stringify(afterMine) !== JSON.stringify(snapshot)) failures.push(`${probe.name}: A's references wrote something: ${JSON.stringify(withMine)}`);
      const withMade = await callAsB(probe, probe.made);
      const afterMade = await snapshotDatabase(server.db.prisma);
      if (JSON.stringify(afterMade) !== JSON.stringify(afterMine))
        failures.push(`${probe.name}: made-up references wrote something: ${JSON.stringify(withMade)}`);
      const left = normalise(withMine, probe.mine);
      const right = normalise(withMade, probe.made);
      if (JSON.stringify(left) !== JSON.stringify(right))
        failures.push(`${probe.name}: answers differ:\n  A's:      ${JSON.stringify(left)}\n  made-up:  ${JSON.stringify(right)}`);
      // A probe the server could not even run proves nothing: that is a bug in this test.
      if (
        withMade.status !== 200 ||
        withMade.errors?.some((error) => error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' || /^Variable "/.test(error.message))
      )
        failures.push(`${probe.name}: the probe itself is invalid: ${JSON.stringify(withMade.errors)}`);
      if (withMine.status >= 500 || JSON.stringify(withMine).includes('INTERNAL_SERVER_ERROR'))
        failures.push(`${probe.name}: internal error: ${JSON.stringify(withMine)}`);
    }
    expect(failures).toEqual([]);
    // The control: the same generated selection shows B its own object, so a null above means "not yours".
    const own = await server.graphql(
      b.keys.ADMIN,
      operationText(rootFields().find((root) => root.name === 'node')!, selectionFor(schema.getQueryType()!.getFields().node!.type, 2)),
      { id: mine.numbers[0]!.id },
    );
    expect(own.data).toMatchObject({ node: { id: mine.numbers[0]!.id, e164: mine.numbers[0]!.e164 } });
    expect(await snapshotDatabase(server.db.prisma)).toEqual(before);
    expect(await tenantRows(server.db.prisma, a.organizationId)).toEqual(aRows);
  });

  it('the export finds none of A’s numbers for B, exactly as for numbers nobody here holds', async () => {
    const get = async (search: string) => {
      const response = await fetch(`${server.url}/export/phone-numbers?format=json&search=${encodeURIComponent(search)}`, {
        headers: { authorization: `Bearer ${b.keys.READ_ONLY}` },
      });
      return { status: response.status, rows: response.headers.get('x-row-count'), body: await response.text() };
    };
    const ofA = await get(owned.numbers[0]!.e164);
    expect(ofA).toMatchObject({ status: 200, rows: '0' });
    expect(await get(othersNumber)).toEqual(ofA);
    expect(await get('+15005550199')).toEqual(ofA);
    expect(await get(owned.numbers[0]!.e164.slice(-7))).toEqual(ofA);
    // The control: B's own number is found, so the search itself works.
    expect((await get(mine.numbers[0]!.e164)).rows).toBe('1');
  });

  it('a subscription filtered on A’s number sends B nothing when it flips, as with a made-up id', async () => {
    const query = `subscription($f: PhoneNumberStatusChangedFilter) { phoneNumberStatusChanged(filter: $f) { eventId newStatus phoneNumber { id e164 } } }`;
    const flipped = owned.numbers[1];
    const ownerClient = wsClient(server.url, a.keys.READ_ONLY);
    const intruderClient = wsClient(server.url, b.keys.READ_ONLY);
    const listening = server.app.feed.listenerCount();
    const owner = subscribeWs(ownerClient, query, { f: { phoneNumberId: flipped!.id } });
    const withMine = subscribeWs(intruderClient, query, { f: { phoneNumberId: flipped!.id } });
    const madeId = encodeGlobalId('PhoneNumber', randomUUID());
    const withMade = subscribeWs(intruderClient, query, { f: { phoneNumberId: madeId } });
    const unfiltered = subscribeWs(intruderClient, `subscription { phoneNumberStatusChanged { eventId phoneNumber { id } } }`);
    const overSse = subscribeSse(server.url, b.keys.READ_ONLY, query, { f: { phoneNumberId: flipped!.id } });
    try {
      await feedListening(server, listening + 5);
      const release = await server.graphql(a.keys.ADMIN, `mutation($i: ReleasePhoneNumberInput!) { releasePhoneNumber(input: $i) { errors { code } } }`, {
        i: { id: flipped!.id },
      });
      expect(release.data).toEqual({ releasePhoneNumber: { errors: [] } });
      // The owner sees the flip, so the event was published while B was listening.
      await owner.waitFor(1);
      await eventually(
        async () => server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164: flipped!.e164, organizationId: a.organizationId } }),
        (n) => n.status === 'RELEASED',
      );
      // B's subscriptions must stay silent: an absence, watched for a while after the owner's event arrived.
      await quietFor(1_000);
      expect(withMine.received).toEqual([]);
      expect(withMade.received).toEqual([]);
      expect(unfiltered.received).toEqual([]);
      expect(await overSse.status).toBe(200);
      expect(overSse.received).toEqual([]);
      expect(normalise({ status: 200, errors: withMine.errors }, [flipped!.id])).toEqual(normalise({ status: 200, errors: withMade.errors }, [madeId]));
    } finally {
      await Promise.all([owner.close(), withMine.close(), withMade.close(), unfiltered.close(), overSse.close()]);
      await Promise.all([ownerClient.dispose(), intruderClient.dispose()]);
    }
  });
});
