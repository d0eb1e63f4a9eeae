import { randomUUID } from 'node:crypto';
import { type GraphQLInputType, getNamedType, getNullableType, isEnumType, isInputObjectType, isListType, isNonNullType } from 'graphql';
import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { decodeGlobalId, encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { until } from '../helpers/lifecycle.js';
import { createOwnedObjects, type OwnedObjects, portableNumbers } from '../helpers/owned-objects.js';
import {
  buildArguments,
  type InputCoordinate,
  inputCoordinates,
  isList,
  leafName,
  onTheWayTo,
  operationText,
  type RootField,
  rootFields,
} from '../helpers/schema-walk.js';
import type { GraphqlResponse, Tenant, TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';
import { type DatabaseSnapshot, settledSnapshot, snapshotDatabase } from '../helpers/snapshot.js';
import { subscribeWs, wsClient } from '../helpers/subscriptions.js';

// Issue 9, "How to prove it": every argument and every input-object field of every
// query and mutation, walked from the schema, gets hostile values through variables
// (what clients send) while every other field stays valid. Whatever comes back:
// no 5xx, no masked internal error; a refusal names the fuzzed field and writes
// nothing; the server keeps answering.

type Hostile = { label: string; value: unknown /** Refused whatever the field: wrong type, NUL, over any cap, unparsable. */; mustRefuse: boolean };

const megabyte = 'x'.repeat(1_000_000);
const deepList = (depth: number): unknown => (depth === 0 ? 'x' : [deepList(depth - 1)]);
const deepObject = (depth: number): unknown => (depth === 0 ? 1 : { a: deepObject(depth - 1) });

/** The type named in a valid global id (so a made-up id can be of the type the field expects). */
function typeOfId(valid: unknown): string | null {
  if (typeof valid !== 'string') return null;
  try {
    return decodeGlobalId(valid).typename;
  } catch {
    return null;
  }
}

/** A representative set per kind of input; `valid` is a good value of the same kind, for lists. */
function hostileValues(type: GraphQLInputType, valid: unknown): Hostile[] {
  const nullable = getNullableType(type);
  const values: Hostile[] = [];
  if (isNonNullType(type)) values.push({ label: 'null for a required value', value: null, mustRefuse: true });
  if (isListType(nullable)) {
    const item = Array.isArray(valid) && valid.length ? valid[0] : 'x';
    values.push(
      { label: 'object for a list', value: { a: 1 }, mustRefuse: true },
      { label: '10,000 items', value: Array.from({ length: 10_000 }, () => item), mustRefuse: true },
      { label: 'lists nested 100 deep', value: deepList(100), mustRefuse: true },
      { label: 'empty list', value: [], mustRefuse: false },
    );
    if (isNonNullType(nullable.ofType)) values.push({ label: 'null item', value: [null], mustRefuse: true });
    // The items themselves, one hostile item in an otherwise valid list.
    for (const inner of hostileValues(getNullableType(nullable.ofType) as GraphQLInputType, item)) {
      values.push({ label: `item: ${inner.label}`, value: [inner.value], mustRefuse: inner.mustRefuse });
    }
    return values;
  }
  if (isInputObjectType(nullable)) {
    values.push(
      { label: 'string for an object', value: 'x', mustRefuse: true },
      { label: 'number for an object', value: 42, mustRefuse: true },
      { label: 'list for an object', value: [], mustRefuse: true },
      { label: 'unknown field', value: { ...(valid as object), bogus: 1 }, mustRefuse: true },
      { label: 'objects nested 1,000 deep', value: deepObject(1000), mustRefuse: true },
    );
    return values;
  }
  if (isEnumType(nullable)) {
    return [
      ...values,
      { label: 'unknown enum value', value: 'NOPE', mustRefuse: true },
      { label: 'empty string', value: '', mustRefuse: true },
      { label: 'number for an enum', value: 1, mustRefuse: true },
      { label: 'NUL', value: 'A\u0000', mustRefuse: true },
    ];
  }
  switch (nullable.name) {
    case 'Int':
    case 'NonNegativeInt':
    case 'Float':
      return [
        ...values,
        { label: '-1', value: -1, mustRefuse: nullable.name === 'NonNegativeInt' },
        { label: '2^31-1', value: 2 ** 31 - 1, mustRefuse: false },
        { label: '2^31', value: 2 ** 31, mustRefuse: nullable.name !== 'Float' },
        { label: '2^53', value: 2 ** 53, mustRefuse: nullable.name !== 'Float' },
        { label: '1e308', value: 1e308, mustRefuse: nullable.name !== 'Float' },
        { label: '1.5', value: 1.5, mustRefuse: nullable.name !== 'Float' },
        { label: 'string for a number', value: '12', mustRefuse: true },
      ];
    case 'Boolean':
      return [...values, { label: 'string for a boolean', value: 'true', mustRefuse: true }, { label: 'number for a boolean', value: 1, mustRefuse: true }];
    case 'File':
      return [...values, { label: 'string for a file', value: 'x', mustRefuse: true }, { label: 'object for a file', value: { a: 1 }, mustRefuse: true }];
    default: {
      // Strings and every scalar carried as a string (ID, E164, CountryCode, DateTime…).
      const free = nullable.name === 'String';
      const ids: Hostile[] =
        nullable.name === 'ID'
          ? [
              { label: 'well-formed id nobody has', value: encodeGlobalId(typeOfId(valid) ?? 'PhoneNumber', randomUUID()), mustRefuse: false },
              { label: 'id of an internal type', value: encodeGlobalId('Job', randomUUID()), mustRefuse: false },
              { label: 'id whose key is not a uuid', value: encodeGlobalId('PortingOrder', "1' OR '1'='1"), mustRefuse: false },
            ]
          : [];
      return [
        ...values,
        ...ids,
        { label: '20 digits', value: '99999999999999999999', mustRefuse: false },
        { label: 'empty string', value: '', mustRefuse: !free },
        { label: 'NUL inside', value: 'a\u0000b', mustRefuse: true },
        { label: '1 MB string', value: megabyte, mustRefuse: true },
        { label: 'emoji', value: '📞😀', mustRefuse: !free && nullable.name !== 'ID' },
        { label: 'bidi override (display spoofing)', value: '\u202Eevil', mustRefuse: true },
        { label: 'right-to-left script', value: 'שלום', mustRefuse: !free && nullable.name !== 'ID' },
        { label: 'combining marks', value: 'e\u0301\u0301\u0301', mustRefuse: !free && nullable.name !== 'ID' },
        { label: 'lone surrogate', value: '\ud800x', mustRefuse: true },
        { label: 'number for a string', value: 12345, mustRefuse: nullable.name !== 'ID' },
        { label: 'object for a string', value: { a: 1 }, mustRefuse: true },
        { label: 'boolean for a string', value: true, mustRefuse: true },
      ];
    }
  }
}

/** The input paths a response's errors name: extensions.field, payload errors' field, or graphql-js variable errors. */
function namedPaths(response: GraphqlResponse<unknown>, root: string): string[][] {
  const named: string[][] = [];
  const asPath = (field: unknown) => (Array.isArray(field) ? field.map(String) : typeof field === 'string' ? field.split('.') : null);
  const withoutIndexes = (path: string[]) => path.filter((segment) => !/^\d+$/.test(segment));
  for (const error of response.errors ?? []) {
    const field = asPath(error.extensions?.field);
    if (field) named.push(withoutIndexes(field));
    const variable = /^Variable "\$(\w+)"/.exec(error.message);
    if (variable) {
      const at = /\bat "([^"]+)"/.exec(error.message);
      named.push(at ? withoutIndexes(at[1]!.replace(/\[\d+\]/g, '').split('.')) : [variable[1]!]);
    }
  }
  const payload = (response.data as Record<string, { errors?: Array<{ field?: unknown }> } | null> | null | undefined)?.[root];
  for (const error of payload?.errors ?? []) {
    const field = asPath(error.field);
    if (field) named.push(withoutIndexes(field));
  }
  return named;
}

function isRefused(response: GraphqlResponse<unknown>, root: string) {
  if (response.errors?.length) return true;
  const payload = (response.data as Record<string, { errors?: unknown[] } | null> | null | undefined)?.[root];
  return Boolean(payload && Array.isArray(payload.errors) && payload.errors.length);
}

type Case = { root: RootField; coordinate: InputCoordinate; hostile: Hostile };
type Outcome = { kase: Case; response: GraphqlResponse<unknown>; refused: boolean };

const describeCase = ({ root, coordinate, hostile }: Case) => `${root.name} ${coordinate.path.join('.')} = ${hostile.label}`;
const brief = (response: GraphqlResponse<unknown>) => JSON.stringify({ status: response.status, errors: response.errors, data: response.data }).slice(0, 400);

async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

const it = serverTest();

describe.skipIf(skipReason)('fuzzing every input of every query and mutation', () => {
  // The case builders below close over the server and what the setup made, so they are kept here, not taken per test.
  let server: TestServer;
  let tenant: Tenant;
  let owned: OwnedObjects;
  let stock: string[];
  let portable: string[];
  let serial = 0;

  it.beforeAll(async ({ server: started }) => {
    server = started;
    await seedInventory(server.db.prisma, { count: 3000 });
    tenant = await server.createTenant({ balanceCents: 10_000_000 });
    const available = (
      await server.db.prisma.inventoryNumber.findMany({
        where: { state: 'AVAILABLE', countryCode: 'US', numberType: 'LOCAL' },
        take: 600,
        orderBy: { e164: 'asc' },
      })
    ).map((n) => n.e164);
    const ports = await portableNumbers(server, 120);
    owned = await createOwnedObjects(server, tenant, { order: available.slice(0, 2), reserve: [available[2]!], port: ports[0]! });
    stock = available.slice(3);
    portable = ports.slice(1);
  });

  /** Valid values of this tenant's own, fresh where a value is used up once accepted (numbers, names, keys). */
  function validValue(path: string[], type: GraphQLInputType, coordinate: string): unknown {
    serial += 1;
    const name = leafName(type);
    const one = (value: unknown) => (isList(type) ? [value] : value);
    if (name === 'ID') {
      const last = path.at(-1)!;
      if (last === 'connectionId') return one(owned.connectionId);
      if (last === 'reservationId') return one(owned.reservationId);
      if (last === 'portingOrderId' || coordinate.includes('PortingOrder')) return one(owned.portingOrderId);
      if (coordinate.includes('Reservation')) return one(owned.reservationId);
      if (coordinate.includes('ApiKey')) return one(owned.apiKeyId);
      if (coordinate.includes('Webhook')) return one(owned.webhookEndpointId);
      if (coordinate === 'SubmitKycInput.documentIds') return one(owned.kycDocumentId);
      return one(owned.numbers[0]!.id);
    }
    if (name === 'E164') {
      if (coordinate.startsWith('OrderPhoneNumbers') || coordinate.startsWith('ReservePhoneNumbers')) return one(stock.pop());
      if (coordinate.startsWith('CreatePortingOrder')) return one(portable.pop() ?? '+15005550100');
      return one(owned.numbers[0]!.e164);
    }
    if (coordinate === 'OrderPhoneNumbersInput.idempotencyKey') return `fuzz-${serial}`;
    if (coordinate === 'CreateConnectionInput.name') return `fuzz ${serial}`;
    // Endpoints made by accepted cases answer 200 at once (the server's own health check): nothing keeps retrying.
    if (coordinate === 'CreateWebhookEndpointInput.url' || coordinate === 'UpdateWebhookEndpointInput.url') return `${server.url}/healthz`;
    if (coordinate === 'RedeliverWebhookEventInput.eventId') return owned.eventId;
    if (coordinate === 'SetInventoryAlertThresholdInput.threshold') return 3;
    if (coordinate === 'KycContactInput.email') return 'fuzz@example.com';
    if (name === 'File') return null;
    return undefined;
  }

  function argumentsFor(kase: Case) {
    const target = kase.coordinate.path.join('.');
    return buildArguments(
      kase.root,
      (path, type, coordinate) => (path.join('.') === target ? kase.hostile.value : validValue(path, type, coordinate)),
      onTheWayTo(kase.coordinate.path),
    );
  }

  async function send(kase: Case): Promise<GraphqlResponse<unknown>> {
    const args = argumentsFor(kase);
    const query = operationText(
      kase.root,
      kase.root.field.type.toString().includes('Payload') ? '{ __typename errors { code field message } }' : selection(kase.root),
    );
    const files = inputCoordinates(kase.root).filter((c) => leafName(c.type) === 'File' && c.path.join('.') !== kase.coordinate.path.join('.'));
    if (files.length) {
      const pdf = new Blob([Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(600, 0x20)])], { type: 'application/pdf' });
      return server.upload(
        tenant.keys.ADMIN,
        query,
        args,
        Object.fromEntries(files.map((file, i) => [String(i), { path: `variables.${file.path.join('.')}`, blob: pdf, filename: 'fuzz.pdf' }])),
      ) as Promise<GraphqlResponse<unknown>>;
    }
    return server.graphql(tenant.keys.ADMIN, query, args);
  }

  const selection = (root: RootField) => {
    const named = getNamedType(root.field.type);
    return 'getFields' in named ? '{ __typename }' : '';
  };

  function casesFor(root: RootField): Case[] {
    return inputCoordinates(root).flatMap((coordinate) => {
      const valid = buildArguments(root, validValue, onTheWayTo(coordinate.path));
      const validHere = coordinate.path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], valid);
      return hostileValues(coordinate.type, validHere).map((hostile) => ({ root, coordinate, hostile }));
    });
  }

  function judge(outcome: Outcome): string[] {
    const { kase, response, refused } = outcome;
    const problems: string[] = [];
    const text = JSON.stringify(response);
    if (response.status >= 500) problems.push(`HTTP ${response.status}`);
    if (text.includes('INTERNAL_SERVER_ERROR') || /internal server error/i.test(text)) problems.push('masked internal error');
    if (kase.hostile.mustRefuse && !refused) problems.push('accepted');
    const stateRefusal = refusedByState[kase.root.name];
    const refusedForState = Boolean(stateRefusal) && !kase.hostile.mustRefuse && new RegExp(`"code":"${stateRefusal}"`).test(text);
    if (refused && !refusedForState) {
      const fuzzed = kase.coordinate.path;
      const named = namedPaths(response, kase.root.name);
      if (!named.some((path) => fuzzed.every((segment, i) => path[i] === segment)))
        problems.push(`refusal does not name ${fuzzed.join('.')} (names: ${JSON.stringify(named)})`);
    }
    return problems.length ? [`${describeCase(kase)}: ${problems.join('; ')} — ${brief(response)}`] : [];
  }

  async function run(cases: Case[]): Promise<Outcome[]> {
    return inParallel(cases, 8, async (kase) => {
      const response = await send(kase);
      return { kase, response, refused: isRefused(response, kase.root.name) };
    });
  }

  const stillServing = async () => {
    const viewer = await server.graphql(tenant.keys.READ_ONLY, `{ viewer { organization { id } } }`);
    expect(viewer.status).toBe(200);
    expect(viewer.data).toEqual({ viewer: { organization: { id: owned.organizationId } } });
  };

  it('queries: no internal errors, refusals name the field, nothing written', async () => {
    const cases = rootFields()
      .filter((root) => root.operation === 'query')
      .flatMap(casesFor);
    expect(cases.length).toBeGreaterThan(200);
    const before = await settledSnapshot(server.db.prisma);
    const outcomes = await run(cases);
    console.log(`query fuzz: ${outcomes.length} cases, ${outcomes.filter((o) => o.refused).length} refused`);
    if (process.env.FUZZ_DEBUG)
      console.log(
        outcomes
          .filter((o) => !o.refused)
          .map((o) => describeCase(o.kase))
          .join('\n'),
      );
    const failures = outcomes.flatMap(judge);
    if (failures.length) console.log(`query fuzz failures (${failures.length}):\n${failures.join('\n')}`);
    expect(await snapshotDatabase(server.db.prisma)).toEqual(before);
    await stillServing();
    expect(failures).toEqual([]);
  });

  it('mutations: no internal errors, refusals name the field and write nothing', async () => {
    const failures: string[] = [];
    let total = 0;
    let refusedTotal = 0;
    let baseline: DatabaseSnapshot = await settledSnapshot(server.db.prisma);
    for (const root of rootFields().filter((r) => r.operation === 'mutation')) {
      const cases = casesFor(root);
      for (let start = 0; start < cases.length; start += 8) {
        const batch = cases.slice(start, start + 8);
        const outcomes = await run(batch);
        total += outcomes.length;
        if (process.env.FUZZ_DEBUG)
          console.log(
            outcomes
              .filter((o) => !o.refused)
              .map((o) => `accepted: ${describeCase(o.kase)}`)
              .join('\n'),
          );
        refusedTotal += outcomes.filter((o) => o.refused).length;
        failures.push(...outcomes.flatMap(judge));
        const after = await snapshotDatabase(server.db.prisma);
        if (outcomes.every((o) => o.refused)) {
          if (JSON.stringify(after) !== JSON.stringify(baseline))
            failures.push(`${root.name}: refused inputs wrote something (${inputsOf(batch)}): ${diff(baseline, after)}`);
          continue;
        }
        // Some were accepted (and may have written): judge the refused ones again, alone.
        baseline = await settledSnapshot(server.db.prisma);
        const refused = outcomes.filter((o) => o.refused).map((o) => o.kase);
        const again = await run(refused);
        const afterAgain = await snapshotDatabase(server.db.prisma);
        if (again.every((o) => o.refused) && JSON.stringify(afterAgain) !== JSON.stringify(baseline)) {
          failures.push(`${root.name}: refused inputs wrote something (${inputsOf(refused)}): ${diff(baseline, afterAgain)}`);
        }
        baseline = await settledSnapshot(server.db.prisma);
      }
      await stillServing();
    }
    console.log(`mutation fuzz: ${total} cases, ${refusedTotal} refused`);
    if (failures.length) console.log(`mutation fuzz failures (${failures.length}):\n${failures.join('\n')}`);
    expect(failures).toEqual([]);
  });

  it('the export route: hostile query parameters get a 400 naming the parameter or a normal export, never a 5xx', async () => {
    // Raw (already percent-encoded) values: invalid UTF-8, NUL, an encoded lone surrogate, wildcards, long text.
    const values = [
      '',
      '%00',
      'a%00b',
      '%FF%FE',
      '%ED%A0%80',
      '%F0%9F%93%9E',
      '%E2%80%AEevil',
      '%25',
      '_',
      '%5C',
      'x'.repeat(10_000),
      `ACTIVE,${'X'.repeat(5_000)}`,
      '%3D1%2B1',
      '9'.repeat(25),
    ];
    const parameters = ['format', 'status', 'country_code', 'search', 'unknown_parameter'];
    const before = await settledSnapshot(server.db.prisma);
    const failures: string[] = [];
    const cases = parameters.flatMap((parameter) => values.map((value) => ({ parameter, value })));
    await inParallel(cases, 8, async ({ parameter, value }) => {
      const response = await fetch(`${server.url}/export/phone-numbers?${parameter}=${value}&${parameter === 'format' ? '' : 'format=json'}`, {
        headers: { authorization: `Bearer ${tenant.keys.READ_ONLY}` },
      });
      const text = await response.text();
      const label = `export ${parameter}=${value.slice(0, 40)}: HTTP ${response.status} ${text.slice(0, 200)}`;
      if (response.status >= 500 || /internal server error/i.test(text)) failures.push(label);
      else if (response.status === 400 && (JSON.parse(text) as { error?: { parameter?: string } }).error?.parameter !== parameter)
        failures.push(`${label} (does not name ${parameter})`);
      else if (![200, 400, 414, 431].includes(response.status)) failures.push(label);
    });
    expect(await snapshotDatabase(server.db.prisma)).toEqual(before);
    await stillServing();
    expect(failures).toEqual([]);
  });

  it('GET /graphql and POST bodies: malformed variables, extensions and bodies are client errors, never 5xx', async () => {
    const query = encodeURIComponent('query Q($f: PhoneNumberFilter) { phoneNumbers(first: 1, filter: $f) { totalCount } }');
    const raw = [
      '%7Bbad',
      '%00',
      '%5B%5D',
      '%22x%22',
      '1',
      'null',
      '%7B%22f%22%3A',
      '%FF',
      'x'.repeat(5_000),
      '%7B%22f%22%3A%7B%22search%22%3A%22a%5Cu0000%22%7D%7D',
    ];
    const failures: string[] = [];
    const check = async (label: string, response: Response) => {
      const text = await response.text();
      if (response.status >= 500 || /internal server error/i.test(text) || !/^[[{]/.test(text.trim()))
        failures.push(`${label}: HTTP ${response.status} ${text.slice(0, 200)}`);
    };
    const headers = { authorization: `Bearer ${tenant.keys.READ_ONLY}`, accept: 'application/graphql-response+json, application/json' };
    await inParallel(
      raw.flatMap((value) => ['variables', 'extensions', 'operationName'].map((parameter) => ({ parameter, value }))),
      8,
      async ({ parameter, value }) =>
        check(`GET ${parameter}=${value.slice(0, 30)}`, await fetch(`${server.url}/graphql?query=${query}&${parameter}=${value}`, { headers })),
    );
    const bodies = [
      '{bad',
      '',
      'null',
      '[]',
      '"x"',
      '{"query": 1}',
      '{"query": "{ viewer { role } }", "variables": "x"}',
      '{"query": "{ viewer { role } }", "extensions": []}',
      `{"query": "${'{'.repeat(5_000)}"}`,
    ];
    await inParallel(bodies, 8, async (body) =>
      check(
        `POST ${body.slice(0, 40)}`,
        await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body }),
      ),
    );
    await stillServing();
    expect(failures).toEqual([]);
  });

  it('subscriptions over graphql-ws: a refused argument is an error for that operation only, naming the field', async () => {
    let closed: { code: number; reason: string } | null = null;
    const client = wsClient(server.url, tenant.keys.READ_ONLY, (event) => {
      closed = event;
    });
    // A live subscription on the same socket that must outlive every refusal.
    const control = subscribeWs(client, `subscription { events { eventId } }`);
    const cases = rootFields(['subscription'])
      .flatMap(casesFor)
      .filter((kase) => kase.hostile.mustRefuse);
    expect(cases.length).toBeGreaterThan(50);
    const failures: string[] = [];
    try {
      await inParallel(cases, 8, async (kase) => {
        const subscription = subscribeWs(client, operationText(kase.root, '{ eventId }'), argumentsFor(kase));
        // No answer within the deadline is not thrown here: it is judged below, as a case that was not refused.
        await until(() => subscription.errors.length > 0 || subscription.received.length > 0, 'an answer to the subscription', 5_000).catch(() => {});
        await subscription.close();
        const errors = subscription.errors.flatMap((error) => (Array.isArray(error) ? error : [error])) as GraphqlResponse<unknown>['errors'];
        const response = { status: 200, headers: new Headers(), errors, data: null } as GraphqlResponse<unknown>;
        if (!errors?.length) failures.push(`${describeCase(kase)}: not refused (${subscription.received.length} events)`);
        else failures.push(...judge({ kase, response, refused: true }));
      });
      expect(closed, 'the socket must stay open through per-operation refusals').toBeNull();
      // The control still receives: a change now reaches it over the same socket.
      await server.graphql(tenant.keys.ADMIN, `mutation { setInventoryAlertThreshold(input: { threshold: 4 }) { errors { code } } }`);
      await server.graphql(tenant.keys.ADMIN, `mutation($i: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $i) { errors { code } } }`, {
        i: { id: owned.numbers[0]!.id, label: 'after fuzz' },
      });
      await control.waitFor(1, 10_000);
    } finally {
      await control.close();
      await client.dispose();
    }
    if (failures.length) console.log(`subscription fuzz failures (${failures.length}):\n${failures.join('\n')}`);
    expect(failures).toEqual([]);
  });

  it('the otherwise-valid values every case starts from pass validation and coercion (run last: they may act)', async () => {
    const problems: string[] = [];
    for (const root of rootFields()) {
      const kase: Case = {
        root,
        coordinate: { path: ['__none__'], type: root.field.type as never, coordinate: '' },
        hostile: { label: 'none', value: undefined, mustRefuse: false },
      };
      const response = await send(kase);
      if (response.status !== 200 || response.errors?.length) problems.push(`${root.name}: ${brief(response)}`);
    }
    expect(problems).toEqual([]);
  });
});

/** Not fuzz: the "otherwise valid" values every case starts from must get past validation and variable coercion, or no case judges its field. */
describe.skipIf(skipReason)('fuzz baseline', () => {
  it('is a real test: the schema has inputs to fuzz', () => {
    expect(rootFields().flatMap(inputCoordinates).length).toBeGreaterThan(100);
  });
});

/**
 * Mutations whose valid input this tenant's own state refuses, naming the whole input rather than a field:
 * there an acceptable value is judged only for not failing, while values that must be refused still have to
 * name their field (validation comes before the state check). submitKyc: the tenant is KYC-verified.
 */
// Refusals of valid input by the caller's state: a verified tenant's KYC, and test funds, which the fuzzed (live)
// tenant can't add; both come after the input checks, which the hostile cases meet first.
// createWebhookEndpoint: the organization's 20 endpoints are soon made by accepted cases.
const refusedByState: Record<string, string> = { submitKyc: 'INVALID_STATE', addTestFunds: 'FORBIDDEN', createWebhookEndpoint: 'INVALID_STATE' };

const inputsOf = (cases: Case[]) => cases.map((k) => `${k.coordinate.path.join('.')}=${k.hostile.label}`).join(', ');

function diff(before: DatabaseSnapshot, after: DatabaseSnapshot): string {
  const changes: string[] = [];
  for (const part of ['rows', 'balances', 'ledgerSums'] as const) {
    for (const key of new Set([...Object.keys(before[part]), ...Object.keys(after[part])])) {
      if (before[part][key] !== after[part][key]) changes.push(`${part}.${key}: ${before[part][key]} → ${after[part][key]}`);
    }
  }
  return changes.join(', ');
}
