import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedCarrier } from '../../src/infra/carrier/simulated.js';
import { backend, skipReason } from '../helpers/database.js';
import { eventually, feedListening, until } from '../helpers/lifecycle.js';
import { startTestServer, type Tenant, type TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';
import { subscribeWs, wsClient } from '../helpers/subscriptions.js';

const orderFields = `id status countryCode numberType exceptionReason requestedFocDate confirmedFocDate accountPinProvided
  phoneNumbers { e164 fastPortable losingCarrier } documents { kind filename contentType sizeBytes sha256 }
  history { fromStatus toStatus reason at } comments { author body } allowedFocWindows { startsAt endsAt }`;
const create = `mutation C($input: CreatePortingOrderInput!) { createPortingOrder(input: $input) {
  portingOrders { ${orderFields} } errors { code message field ... on NotPortableError { phoneNumbers } } } }`;
const update = `mutation U($input: UpdatePortingOrderInput!) {
  updatePortingOrder(input: $input) { portingOrder { ${orderFields} } errors { code message field } } }`;
const submit = `mutation S($id: ID!) { submitPortingOrder(input: { id: $id }) { portingOrder { ${orderFields} } errors { code message field } } }`;
const cancel = `mutation X($id: ID!) { cancelPortingOrder(input: { id: $id }) { portingOrder { id status } errors { code message field } } }`;
const uploadDoc = `mutation D($input: UploadPortingDocumentInput!) {
  uploadPortingDocument(input: $input) { document { kind filename sha256 sizeBytes contentType } errors { code message field } } }`;
const lookup = `query L($id: ID!) { node(id: $id) { ... on PortingOrder { ${orderFields} } } }`;
const check = `mutation P($n: [E164!]!) { checkPortability(input: { phoneNumbers: $n }) {
  results { phoneNumber portable fastPortable notPortableReason losingCarrier numberType countryCode } errors { code } } }`;

type Order = {
  id: string;
  status: string;
  countryCode: string;
  numberType: string;
  phoneNumbers: Array<{ e164: string; fastPortable: boolean }>;
  allowedFocWindows: Array<{ startsAt: string }>;
  history: Array<{ fromStatus: string | null; toStatus: string }>;
  comments: Array<{ body: string }>;
  exceptionReason: string | null;
  confirmedFocDate: string | null;
  documents: unknown[];
};
const pdf = (size = 600) => new Blob([Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(size, 0x20)])], { type: 'application/pdf' });

/** Numbers the simulated carrier (same seed as the server) says are portable, of one country/type. */
async function portableNumbers(count: number, prefix: string, fast?: boolean) {
  const carrier = new SimulatedCarrier({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: 42 });
  const found: string[] = [];
  for (let i = 0; found.length < count && i < 5000; i += 1) {
    const e164 = `${prefix}${String(3_000_000 + Math.floor(Math.random() * 6_000_000))}`;
    const [result] = await carrier.checkPortability([e164]);
    if (result!.portable && (fast === undefined || result!.fastPortable === fast) && !found.includes(e164)) found.push(e164);
  }
  return found;
}

const itPorting = serverTest({ PORT_STEP_MS: '300', DOCUMENT_MAX_BYTES: '4096' }, { tenants: { tenant: { balanceCents: 10_000 } } });
// Later steps far away, so every cancel lands while the order is SUBMITTED or IN_PROCESS.
const itCancelling = serverTest({ PORT_STEP_MS: '60000' });

describe.skipIf(skipReason)('porting numbers in', () => {
  // The helpers below close over the server and tenant, so they are kept here, not taken per test.
  let server: TestServer;
  let tenant: Tenant;

  itPorting.beforeAll(async ({ server: started, tenant: created }) => {
    server = started;
    tenant = created;
  });

  const gql = (query: string, variables: Record<string, unknown>, key = tenant.keys.MEMBER) =>
    server.graphql(key, query, variables) as Promise<{ data: Record<string, any>; errors?: unknown[] }>;

  async function draft(numbers: string[], key = tenant.keys.MEMBER) {
    const response = await gql(create, { input: { phoneNumbers: numbers } }, key);
    expect(response.data.createPortingOrder.errors).toEqual([]);
    return response.data.createPortingOrder.portingOrders as Order[];
  }

  async function complete(order: Order, accountNumber = '445566') {
    const window = order.allowedFocWindows[0];
    const details = await gql(update, {
      input: {
        id: order.id,
        authorizedPerson: 'Dana Whitfield',
        businessName: 'Acme Telecom LLC',
        accountNumber,
        accountPin: '4321',
        serviceAddress: { street: '500 W 2nd St', locality: 'Austin', region: 'TX', postalCode: '78701', countryCode: 'US' },
        requestedFocDate: new Date(Date.parse(window!.startsAt) + 3_600_000).toISOString(),
      },
    });
    expect(details.data.updatePortingOrder.errors, JSON.stringify(details.data.updatePortingOrder.errors)).toEqual([]);
    for (const kind of ['LOA', 'INVOICE']) {
      const uploaded = await server.upload(
        tenant.keys.MEMBER,
        uploadDoc,
        { input: { portingOrderId: order.id, kind, file: null } },
        {
          0: { path: 'variables.input.file', blob: pdf(), filename: `${kind.toLowerCase()}.pdf` },
        },
      );
      expect(uploaded.data).toMatchObject({ uploadPortingDocument: { errors: [], document: { kind, contentType: 'application/pdf' } } });
    }
  }

  const statusOf = (id: string) => gql(lookup, { id }, tenant.keys.READ_ONLY).then((r) => r.data.node as Order);

  itPorting('checks portability per number, deterministically', async () => {
    const [good] = await portableNumbers(1, '+1512');
    const response = await gql(check, { n: [good, '+33123456789'] });
    expect(response.data.checkPortability.results).toMatchObject([
      { phoneNumber: good, portable: true, countryCode: 'US', numberType: 'LOCAL' },
      { phoneNumber: '+33123456789', portable: false, notPortableReason: 'Outside the numbering plans we serve' },
    ]);
    const again = await gql(check, { n: [good] });
    expect(again.data.checkPortability.results[0]).toEqual(response.data.checkPortability.results[0]);
  });

  itPorting('happy path: check → drafts split by type → details → documents → submit → ported, with every transition on the feed in order', async () => {
    const local = await portableNumbers(2, '+1512', false);
    const tollFree = await portableNumbers(1, '+1888');
    const client = wsClient(server.url, tenant.keys.READ_ONLY);
    // From the start of this tenant's stream, so a slow subscribe can't miss the first events.
    const listening = server.app.feed.listenerCount();
    const feed = subscribeWs(client, `subscription { portingOrderStatusChanged(after: "0") { eventId portingOrderId previousStatus newStatus } }`);
    await feedListening(server, listening + 1);

    const orders = await draft([...local, ...tollFree]);
    expect(orders).toHaveLength(2);
    expect(orders.map((o) => [o.countryCode, o.numberType, o.phoneNumbers.length])).toEqual(
      expect.arrayContaining([
        ['US', 'LOCAL', 2],
        ['US', 'TOLL_FREE', 1],
      ]),
    );
    const order = orders.find((o) => o.phoneNumbers.length === 2)!;

    const incomplete = await gql(submit, { id: order.id });
    const missing = incomplete.data.submitPortingOrder.errors.map((e: { field: string[] }) => e.field.join('.'));
    expect(incomplete.data.submitPortingOrder.errors.every((e: { code: string }) => e.code === 'PORTING_ORDER_INCOMPLETE')).toBe(true);
    expect(missing).toEqual([
      'input.authorizedPerson',
      'input.accountNumber',
      'input.serviceAddress',
      'input.requestedFocDate',
      'input.documents.LOA',
      'input.documents.INVOICE',
    ]);
    expect((await statusOf(order.id)).status).toBe('DRAFT');

    await complete(order);
    const submitted = await gql(submit, { id: order.id });
    expect(submitted.data.submitPortingOrder).toMatchObject({ errors: [], portingOrder: { status: 'SUBMITTED', accountPinProvided: true } });
    const porting = await server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId, e164: { in: local } } });
    expect(porting.map((n) => n.status)).toEqual(['PORTING', 'PORTING']);

    const ported = await eventually(
      () => statusOf(order.id),
      (o) => o.status === 'PORTED',
      15_000,
    );
    expect(ported.history.map((h) => h.toStatus)).toEqual(['DRAFT', 'SUBMITTED', 'IN_PROCESS', 'FOC_DATE_CONFIRMED', 'PORTED']);
    expect(ported.confirmedFocDate).toBeTruthy();
    expect(ported.comments.map((c) => c.body).join(' ')).toMatch(/FOC date confirmed/);
    const active = await server.db.prisma.phoneNumber.findMany({ where: { organizationId: tenant.organizationId, e164: { in: local } } });
    expect(active.every((n) => n.status === 'ACTIVE' && n.activatedAt && n.nextBillingAt)).toBe(true);
    const charges = await server.db.prisma.ledgerEntry.count({
      where: { organizationId: tenant.organizationId, kind: 'MONTHLY_CHARGE', phoneNumberId: { in: active.map((n) => n.id) } },
    });
    expect(charges).toBe(2);
    const flips = await server.db.prisma.event.findMany({
      where: { organizationId: tenant.organizationId, type: 'NUMBER_STATUS_CHANGED', subjectId: { in: active.map((n) => n.id) } },
      orderBy: { id: 'asc' },
    });
    expect(flips.map((f) => (f.payload as { newStatus: string }).newStatus)).toEqual(['PORTING', 'PORTING', 'ACTIVE', 'ACTIVE']);

    const seen = await feed.waitFor(6);
    const forOrder = seen
      .map((s) => s.portingOrderStatusChanged as { portingOrderId: string; previousStatus: string | null; newStatus: string })
      .filter((e) => e.portingOrderId === order.id);
    expect(forOrder.map((e) => `${e.previousStatus}→${e.newStatus}`)).toEqual([
      'null→DRAFT',
      'DRAFT→SUBMITTED',
      'SUBMITTED→IN_PROCESS',
      'IN_PROCESS→FOC_DATE_CONFIRMED',
      'FOC_DATE_CONFIRMED→PORTED',
    ]);
    await feed.close();
    await client.dispose();
  });

  itPorting('exception → fix → resubmit → ported', async () => {
    const [order] = await draft(await portableNumbers(1, '+1214'));
    await complete(order!, '000111222');
    await gql(submit, { id: order!.id });
    const excepted = await eventually(
      () => statusOf(order!.id),
      (o) => o.status === 'EXCEPTION',
      15_000,
    );
    expect(excepted.exceptionReason).toMatch(/Account number/);
    expect(excepted.comments.at(-1)?.body).toMatch(/resubmit/);
    const fixed = await gql(update, { input: { id: order!.id, accountNumber: '778899' } });
    expect(fixed.data.updatePortingOrder.errors).toEqual([]);
    expect((await gql(submit, { id: order!.id })).data.submitPortingOrder.errors).toEqual([]);
    const ported = await eventually(
      () => statusOf(order!.id),
      (o) => o.status === 'PORTED',
      15_000,
    );
    expect(ported.history.map((h) => h.toStatus)).toEqual(['DRAFT', 'SUBMITTED', 'EXCEPTION', 'SUBMITTED', 'IN_PROCESS', 'FOC_DATE_CONFIRMED', 'PORTED']);
    expect(ported.exceptionReason).toBeNull();
  });

  itPorting('cancel works until the FOC date is confirmed, then not', async () => {
    const [first] = await draft(await portableNumbers(1, '+1415'));
    const cancelled = await gql(cancel, { id: first!.id });
    expect(cancelled.data.cancelPortingOrder).toMatchObject({ errors: [], portingOrder: { status: 'CANCELLED' } });
    expect((await gql(cancel, { id: first!.id })).data.cancelPortingOrder.errors[0]).toMatchObject({ code: 'INVALID_STATE', field: ['input', 'id'] });
    // Its number can be ported again in a new order.
    expect(await draft(first!.phoneNumbers.map((n) => n.e164))).toHaveLength(1);

    const [second] = await draft(await portableNumbers(1, '+1415'));
    await complete(second!);
    await gql(submit, { id: second!.id });
    await eventually(
      () => server.db.prisma.portingOrder.findUniqueOrThrow({ where: { id: Buffer.from(second!.id, 'base64url').toString().split(':')[1] } }),
      (o) => o.status === 'FOC_DATE_CONFIRMED',
      15_000,
    );
    const refused = await gql(cancel, { id: second!.id });
    expect(refused.data.cancelPortingOrder.errors[0]).toMatchObject({ code: 'INVALID_STATE' });
    await eventually(
      () => statusOf(second!.id),
      (o) => o.status === 'PORTED',
      15_000,
    );
  });

  itPorting('refuses non-portable numbers, numbers already here, numbers in another open order, and a FOC date outside the windows', async () => {
    const carrier = new SimulatedCarrier({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: 42 });
    let unportable = '';
    for (let i = 0; !unportable; i += 1) {
      const e164 = `+1512${3_100_000 + i}`;
      if (!(await carrier.checkPortability([e164]))[0]!.portable) unportable = e164;
    }
    const [portable] = await portableNumbers(1, '+1512');
    const refused = await gql(create, { input: { phoneNumbers: [portable, unportable] } });
    expect(refused.data.createPortingOrder).toMatchObject({
      portingOrders: [],
      errors: [{ code: 'NOT_PORTABLE', phoneNumbers: [unportable], field: ['input', 'phoneNumbers'] }],
    });

    const [order] = await draft([portable!]);
    const other = await server.createTenant();
    const clash = await gql(create, { input: { phoneNumbers: [portable] } }, other.keys.MEMBER);
    expect(clash.data.createPortingOrder.errors[0]).toMatchObject({ code: 'NOT_PORTABLE', phoneNumbers: [portable] });
    expect(clash.data.createPortingOrder.errors[0].message).not.toMatch(new RegExp(tenant.slug));

    const owned = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    const ownedClash = await gql(create, { input: { phoneNumbers: [owned.e164] } }, other.keys.MEMBER);
    expect(ownedClash.data.createPortingOrder.errors[0]?.code).toBe('NOT_PORTABLE');

    const saturday = new Date(order!.allowedFocWindows[0]!.startsAt);
    while (saturday.getUTCDay() !== 6) saturday.setUTCDate(saturday.getUTCDate() + 1);
    for (const requestedFocDate of [
      new Date(Date.now() + 3_600_000).toISOString(),
      saturday.toISOString(),
      new Date(Date.parse(order!.allowedFocWindows[0]!.startsAt) - 3_600_000).toISOString(),
    ]) {
      const bad = await gql(update, { input: { id: order!.id, requestedFocDate } });
      expect(bad.data.updatePortingOrder).toMatchObject({ portingOrder: null, errors: [{ code: 'BAD_USER_INPUT', field: ['input', 'requestedFocDate'] }] });
    }
  });

  itPorting('an invalid upload (too large, wrong type, type that lies) is refused and nothing is stored', async () => {
    const [order] = await draft(await portableNumbers(1, '+1206'));
    const cases: Array<[Blob, string]> = [
      [pdf(8000), 'big.pdf'],
      [new Blob(['just some text'], { type: 'text/plain' }), 'notes.txt'],
      [new Blob(['not really a pdf'], { type: 'application/pdf' }), 'fake.pdf'],
      [new Blob([Buffer.from('\x89PNG\r\n\x1a\n0000', 'latin1')], { type: 'application/pdf' }), 'image.pdf'],
      [new Blob([], { type: 'application/pdf' }), 'empty.pdf'],
    ];
    for (const [blob, filename] of cases) {
      const response = await server.upload(
        tenant.keys.MEMBER,
        uploadDoc,
        { input: { portingOrderId: order!.id, kind: 'LOA', file: null } },
        { 0: { path: 'variables.input.file', blob, filename } },
      );
      expect(response.status, filename).toBe(200);
      expect(response.data, filename).toMatchObject({
        uploadPortingDocument: { document: null, errors: [{ code: 'DOCUMENT_INVALID', field: ['input', 'file'] }] },
      });
    }
    expect((await statusOf(order!.id)).documents).toEqual([]);
    const dir = path.join(server.config.dataDir, 'documents', tenant.organizationId);
    const stored = existsSync(dir) ? readdirSync(dir) : [];
    const known = await server.db.prisma.portingDocument.findMany({ where: { organizationId: tenant.organizationId }, select: { sha256: true } });
    expect(stored.sort()).toEqual([...new Set(known.map((d) => d.sha256))].sort());
  });

  itPorting('another tenant can not see, update, upload to, submit or cancel the order', async () => {
    const [order] = await draft(await portableNumbers(1, '+1303'));
    const other: Tenant = await server.createTenant();
    expect((await gql(lookup, { id: order!.id }, other.keys.READ_ONLY)).data.node).toBeNull();
    const list = await gql(`{ portingOrders(first: 50) { totalCount } }`, {}, other.keys.READ_ONLY);
    expect(list.data.portingOrders.totalCount).toBe(0);
    for (const [query, variables] of [
      [update, { input: { id: order!.id, accountNumber: '1' } }],
      [submit, { id: order!.id }],
      [cancel, { id: order!.id }],
    ] as const) {
      const response = await gql(query, variables, other.keys.MEMBER);
      expect(Object.values(response.data)[0]).toMatchObject({ portingOrder: null, errors: [{ code: 'NOT_FOUND', field: ['input', 'id'] }] });
    }
    const upload = await server.upload(
      other.keys.MEMBER,
      uploadDoc,
      { input: { portingOrderId: order!.id, kind: 'LOA', file: null } },
      { 0: { path: 'variables.input.file', blob: pdf(), filename: 'x.pdf' } },
    );
    expect(upload.data).toMatchObject({ uploadPortingDocument: { document: null, errors: [{ code: 'NOT_FOUND', field: ['input', 'portingOrderId'] }] } });
    const mine = await statusOf(order!.id);
    expect(mine).toMatchObject({ status: 'DRAFT', documents: [] });
  });
});

describe.skipIf(skipReason ?? (backend !== 'postgres' ? 'restarting onto the same database needs a shared PostgreSQL' : null))(
  'porting across a restart',
  () => {
    it('a port in progress resumes where it was after the instance that started it goes away', async () => {
      const first = await startTestServer({ PORT_STEP_MS: '1500' });
      const tenant = await first.createTenant();
      const [e164] = await portableNumbers(1, '+1646');
      const g = (server: TestServer, query: string, variables: Record<string, unknown>) =>
        server.graphql(tenant.keys.MEMBER, query, variables) as Promise<{ data: Record<string, any> }>;
      const [order] = (await g(first, create, { input: { phoneNumbers: [e164] } })).data.createPortingOrder.portingOrders as Order[];
      await g(first, update, {
        input: {
          id: order!.id,
          authorizedPerson: 'A',
          accountNumber: '123',
          serviceAddress: { street: 's', locality: 'l', postalCode: 'p', countryCode: 'US' },
          requestedFocDate: new Date(Date.parse(order!.allowedFocWindows[0]!.startsAt) + 3_600_000).toISOString(),
        },
      });
      for (const kind of ['LOA', 'INVOICE'])
        await first.upload(
          tenant.keys.MEMBER,
          uploadDoc,
          { input: { portingOrderId: order!.id, kind, file: null } },
          { 0: { path: 'variables.input.file', blob: pdf(), filename: 'a.pdf' } },
        );
      await g(first, submit, { id: order!.id });
      const id = Buffer.from(order!.id, 'base64url').toString().split(':')[1];
      await eventually(
        () => first.db.prisma.portingOrder.findUniqueOrThrow({ where: { id } }),
        (o) => o.status === 'IN_PROCESS',
        15_000,
      );
      const second = await startTestServer({ PORT_STEP_MS: '200' }, first);
      await first.app.stop();
      try {
        const done = await eventually(
          () => second.db.prisma.portingOrder.findUniqueOrThrow({ where: { id } }),
          (o) => o.status === 'PORTED',
          20_000,
        );
        expect(done.status).toBe('PORTED');
        const transitions = await second.db.prisma.portingOrderTransition.findMany({ where: { portingOrderId: id }, orderBy: { createdAt: 'asc' } });
        expect(transitions.map((t) => t.toStatus)).toEqual(['DRAFT', 'SUBMITTED', 'IN_PROCESS', 'FOC_DATE_CONFIRMED', 'PORTED']);
      } finally {
        await second.stop();
        await first.db.drop();
      }
    });
  },
);

describe.skipIf(skipReason)('cancelling a port-in while the carrier takes its first step', () => {
  itCancelling(
    'a cancel sent 0–20 ms after submit always wins: SUBMITTED and IN_PROCESS are both cancellable',
    async ({ server }) => {
      const tenant = await server.createTenant();
      const gql = (query: string, variables: Record<string, unknown>) =>
        server.graphql(tenant.keys.MEMBER, query, variables) as Promise<{ data: Record<string, any>; errors?: unknown[] }>;
      const numbers = await portableNumbers(24, '+1512');
      expect(numbers).toHaveLength(24);
      const prepared = await Promise.all(
        numbers.map(async (e164) => {
          const [order] = (await gql(create, { input: { phoneNumbers: [e164] } })).data.createPortingOrder.portingOrders as Order[];
          const details = await gql(update, {
            input: {
              id: order!.id,
              authorizedPerson: 'A',
              accountNumber: '123',
              serviceAddress: { street: 's', locality: 'l', postalCode: 'p', countryCode: 'US' },
              requestedFocDate: new Date(Date.parse(order!.allowedFocWindows[0]!.startsAt) + 3_600_000).toISOString(),
            },
          });
          expect(details.data.updatePortingOrder.errors).toEqual([]);
          for (const kind of ['LOA', 'INVOICE'])
            await server.upload(
              tenant.keys.MEMBER,
              uploadDoc,
              { input: { portingOrderId: order!.id, kind, file: null } },
              { 0: { path: 'variables.input.file', blob: pdf(), filename: 'a.pdf' } },
            );
          return order;
        }),
      );
      // Real parallel requests: several orders at a time, each cancel 0–20 ms after its submit answered.
      const outcomes = [];
      for (let batch = 0; batch < prepared.length; batch += 6) {
        outcomes.push(
          ...(await Promise.all(
            prepared.slice(batch, batch + 6).map(async (order, i) => {
              const submitted = await gql(submit, { id: order!.id });
              expect(submitted.data.submitPortingOrder.errors).toEqual([]);
              // The pacing is the test: each cancel lands 0–20 ms after its submit.
              await new Promise((resolve) => setTimeout(resolve, ((batch + i) * 7) % 21));
              return (await gql(cancel, { id: order!.id })).data.cancelPortingOrder;
            }),
          )),
        );
      }
      expect(outcomes).toHaveLength(24);
      expect(outcomes.filter((o) => o.errors.length)).toEqual([]);
      expect(outcomes.every((o) => o.portingOrder.status === 'CANCELLED')).toBe(true);
      // The carrier's first steps still running or due have finished (later ones are a minute away).
      await until(
        async () => (await server.db.prisma.job.count({ where: { OR: [{ status: 'RUNNING' }, { status: 'PENDING', runAt: { lte: new Date() } }] } })) === 0,
        'no job running or due',
      );
      const rows = await server.db.prisma.portingOrder.findMany({ where: { organizationId: tenant.organizationId } });
      expect(rows.map((o) => o.status)).toEqual(rows.map(() => 'CANCELLED'));
      // The carrier's step, when it came second, left the cancelled order alone; no number is left PORTING.
      expect(await server.db.prisma.phoneNumber.count({ where: { organizationId: tenant.organizationId, status: 'PORTING' } })).toBe(0);
    },
    120_000,
  );
});
