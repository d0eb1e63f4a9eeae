import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect } from 'vitest';
import WebSocket from 'ws';
import { graphql } from '../../src/generated/graphql/index.js';
import { SimulatedCarrier } from '../../src/infra/carrier/simulated.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { feedListening, quietFor, until } from '../helpers/lifecycle.js';
import { globalId } from '../helpers/owned-objects.js';
import type { TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// Issue 9, items 1, 10 (transport), 12, 14, 17, 18 and 19: list arguments are capped
// and costed per element, nodes load in batches, every limit refusal is a coded,
// costed, per-operation error, client mistakes are not logged as errors, and
// /metrics can be locked.

const HashOnlyStatusChanges = graphql(`subscription HashOnlyStatusChanges { phoneNumberStatusChanged { eventId newStatus } }`);
void HashOnlyStatusChanges;

const manifest = JSON.parse(readFileSync(new URL('../../src/generated/graphql/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;
const hashOf = (operation: string) => {
  const entry = Object.entries(manifest).find(([, document]) => document.includes(operation));
  if (!entry) throw new Error(`${operation} is not in the persisted manifest (run npm run codegen)`);
  return entry[0].replace(/^sha256:/, '');
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Body = { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }>; extensions?: Record<string, any> };

async function post(server: TestServer, key: string, body: Record<string, unknown>) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

/** The graphql-transport-ws protocol by hand: the graphql-ws client refuses to send a payload without `query`. */
async function rawSocket(server: TestServer, key: string) {
  const socket = new WebSocket(server.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
  const messages: Array<{ id?: string; type: string; payload?: any }> = [];
  let closed: { code: number; reason: string } | null = null;
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  socket.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  const waitFor = async (predicate: (message: (typeof messages)[number]) => boolean, what: string) => {
    for (let i = 0; i < 200; i += 1) {
      const found = messages.find(predicate);
      if (found) return found;
      if (closed) throw new Error(`socket closed (${closed.code} ${closed.reason}) while waiting for ${what}`);
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
  };
  await waitFor((m) => m.type === 'connection_ack', 'connection_ack');
  return {
    messages,
    closed: () => closed,
    subscribe: (id: string, payload: Record<string, unknown>) => socket.send(JSON.stringify({ id, type: 'subscribe', payload })),
    /** The first `next` with data, or `error`, for this operation. */
    outcome: (id: string) =>
      waitFor(
        (m) => m.id === id && (m.type === 'error' || (m.type === 'next' && m.payload?.data != null) || (m.type === 'next' && m.payload?.errors)),
        `operation ${id}`,
      ),
    close: () => socket.close(),
  };
}

const itNodes = serverTest({ RUN_JOBS: 'false', OUTBOX_POLL_MS: '60000', FEED_CATCH_UP_MS: '60000' }, { tenants: ['tenant', 'other'] });

const logLines: Array<{ level: number; msg: string }> = [];
const itRefusals = serverTest(
  {
    RATE_LIMIT_BUCKET_SIZE: '500',
    RATE_LIMIT_RESTORE_RATE: '1',
    MAX_QUERY_COST: '60',
    INTROSPECTION: 'false',
    MAX_QUERY_ALIASES: '5',
    MAX_QUERY_DEPTH: '6',
    METRICS_TOKEN: 'metrics-secret-0123456789',
  },
  {
    tenants: ['tenant'],
    logger: pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
          done();
        },
      }),
    ),
    carrier: Object.assign(new SimulatedCarrier({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: 1 }), {
      checkPortability: async () => {
        throw new Error('carrier exploded');
      },
    }),
  },
);

const itPersisted = serverTest();

describe.skipIf(skipReason)('nodes(ids:): capped, costed per element, batched', () => {
  const nodesQuery = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on PhoneNumber { e164 } ... on Connection { name } } }`;

  itNodes('100 unknown ids resolve to nulls with a bounded number of SQL statements, while another tenant is served', async ({ server, tenant, other }) => {
    const ids = Array.from({ length: 100 }, (_, i) => globalId(i % 2 ? 'PhoneNumber' : 'Connection', randomUUID()));
    const before = server.db.statementCount();
    const response = await post(server, tenant.keys.READ_ONLY, { query: nodesQuery, variables: { ids } });
    const statements = server.db.statementCount() - before;
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.nodes).toEqual(Array(100).fill(null));
    // Charged per id, not as one list of 10.
    expect(response.body.extensions?.cost.requestedQueryCost).toBeGreaterThanOrEqual(100);
    // The key lookup (and its last-used stamp), then one query per type asked for — not one per id.
    expect(statements).toBeLessThanOrEqual(5);

    // Real parallel requests: several full nodes calls and another tenant's viewer.
    const [viewer, ...others] = await Promise.all([
      post(server, other.keys.READ_ONLY, { query: '{ viewer { role } }' }),
      ...Array.from({ length: 4 }, () => post(server, tenant.keys.READ_ONLY, { query: nodesQuery, variables: { ids } })),
    ]);
    expect(viewer.body).toMatchObject({ data: { viewer: { role: 'READ_ONLY' } } });
    for (const response of others) expect(response.body.data.nodes).toHaveLength(100);
  });

  itNodes("finds the caller's own nodes among unknown and foreign ones, in order", async ({ server, tenant, other }) => {
    const [mine] = await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 1);
    const [theirs] = await insertOwnedNumbers(server.db.prisma, other.organizationId, 1);
    const own = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164: mine, organizationId: tenant.organizationId } });
    const foreign = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164: theirs, organizationId: other.organizationId } });
    const ids = [globalId('PhoneNumber', randomUUID()), globalId('PhoneNumber', own.id), globalId('PhoneNumber', foreign.id), globalId('PhoneNumber', own.id)];
    const response = await post(server, tenant.keys.READ_ONLY, { query: nodesQuery, variables: { ids } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.nodes).toEqual([null, { id: ids[1], e164: mine }, null, { id: ids[1], e164: mine }]);
  });

  itNodes('refuses 101 ids naming `ids`, and documents the cap', async ({ server, tenant }) => {
    const ids = Array.from({ length: 101 }, () => globalId('PhoneNumber', randomUUID()));
    const response = await post(server, tenant.keys.READ_ONLY, { query: nodesQuery, variables: { ids } });
    expect(response.status).toBeLessThan(500);
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['ids'] });
    // Refused before anything ran: nothing is kept from the bucket.
    expect(response.body.extensions?.cost).toMatchObject({ actualQueryCost: 0 });

    const schema = await post(server, tenant.keys.READ_ONLY, { query: '{ __type(name: "Query") { fields { name description args { name description } } } }' });
    const nodes = schema.body.data.__type.fields.find((field: { name: string }) => field.name === 'nodes');
    expect(nodes.description).toMatch(/Up to 100/);
    expect(nodes.args[0].description).toMatch(/At most 100/);
  });

  itNodes('charges per id: a nodes of 100 ids costs about 100 times a node', async ({ server, tenant }) => {
    const one = await post(server, tenant.keys.READ_ONLY, {
      query: `query($id: ID!) { node(id: $id) { id } }`,
      variables: { id: globalId('PhoneNumber', randomUUID()) },
    });
    const ids = Array.from({ length: 100 }, () => globalId('PhoneNumber', randomUUID()));
    const hundred = await post(server, tenant.keys.READ_ONLY, { query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, variables: { ids } });
    expect(one.body.extensions?.cost.requestedQueryCost).toBe(1);
    expect(hundred.body.extensions?.cost.requestedQueryCost).toBe(100);
    // The lookups happen whatever they find: unknown ids are not refunded.
    expect(hundred.body.extensions?.cost.actualQueryCost).toBe(100);
    // Inline lists count too, and so do other list arguments a resolver works through one by one.
    const inline = await post(server, tenant.keys.READ_ONLY, {
      query: `{ nodes(ids: [${ids
        .slice(0, 30)
        .map((id) => `"${id}"`)
        .join(', ')}]) { id } }`,
    });
    expect(inline.body.extensions?.cost.requestedQueryCost).toBe(30);
    const numbers = Array.from({ length: 40 }, (_, i) => `+1512555${String(1000 + i)}`);
    const portability = await post(server, tenant.keys.READ_ONLY, {
      query: `query($n: [E164!]!) { portabilityCheck(phoneNumbers: $n) { portable } }`,
      variables: { n: numbers },
    });
    expect(portability.body.extensions?.cost.requestedQueryCost).toBe(40);
    // A mutation's list input: the base, the payload, and one per number it works through.
    const reserve = await post(server, tenant.keys.MEMBER, {
      query: `mutation($n: [E164!]!) { reservePhoneNumbers(input: { phoneNumbers: $n }) { errors { code } } }`,
      variables: { n: numbers },
    });
    expect(reserve.body.extensions?.cost.requestedQueryCost).toBeGreaterThanOrEqual(10 + 40);
    expect(reserve.body.extensions?.cost.actualQueryCost).toBeGreaterThanOrEqual(10 + 40);
  });

  itNodes('a global id of a type that is not a Node of this API reads as unknown (null), never an internal error', async ({ server, tenant }) => {
    for (const typename of ['Job', 'PageInfo', 'Outbox']) {
      const id = globalId(typename, randomUUID());
      const node = await post(server, tenant.keys.READ_ONLY, { query: `query($id: ID!) { node(id: $id) { id } }`, variables: { id } });
      expect(node.body).toMatchObject({ data: { node: null } });
      expect(node.body.errors).toBeUndefined();
      const nodes = await post(server, tenant.keys.READ_ONLY, {
        query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
        variables: { ids: [id, globalId('PhoneNumber', randomUUID())] },
      });
      expect(nodes.body).toMatchObject({ data: { nodes: [null, null] } });
      expect(nodes.body.errors).toBeUndefined();
    }
  });

  itNodes('GET with variables that are not JSON is a 400 naming `variables`', async ({ server, tenant }) => {
    const query = encodeURIComponent('query($id: ID!) { node(id: $id) { id } }');
    const response = await fetch(`${server.url}/graphql?query=${query}&variables=%7Bbad`, {
      headers: { authorization: `Bearer ${tenant.keys.READ_ONLY}`, accept: 'application/graphql-response+json' },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Body;
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['variables'] });
    expect(body.errors?.[0]?.message).toMatch(/variables/);
    const extensions = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ viewer { role } }')}&extensions=%5Bnope`, {
      headers: { authorization: `Bearer ${tenant.keys.READ_ONLY}`, accept: 'application/graphql-response+json' },
    });
    expect(extensions.status).toBe(400);
    expect(((await extensions.json()) as Body).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['extensions'] });
  });
});

describe.skipIf(skipReason)('limit refusals: coded, costed, per operation', () => {
  itRefusals.beforeAll(async ({ server, tenant }) => {
    // Something to return, so spending the bucket is not refunded.
    await insertOwnedNumbers(server.db.prisma, tenant.organizationId, 50);
  });

  const deep = '{ numberOrders(first: 1) { edges { node { items { phoneNumber { connection { name } } } } } } }';
  const aliases = `{ ${Array.from({ length: 8 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
  const directives = `{ viewer { role ${'@include(if: true) '.repeat(30)} } }`;
  const tokens = `{ viewer { ${'role '.repeat(4000)} } }`;
  const introspection = '{ __schema { types { name } } }';

  itRefusals('every limit refusal has a stable code and, over HTTP, extensions.cost with the real bucket', async ({ server, tenant }) => {
    // Spend some of the bucket so its real state can be told from zeros and from full.
    const spend = await post(server, tenant.keys.READ_ONLY, { query: '{ phoneNumbers(first: 50) { edges { node { e164 } } } }' });
    expect(spend.status).toBe(200);
    const cases: Array<[string, string]> = [
      [deep, 'MAX_DEPTH_EXCEEDED'],
      [aliases, 'MAX_ALIASES_EXCEEDED'],
      [directives, 'MAX_DIRECTIVES_EXCEEDED'],
      [tokens, 'MAX_TOKENS_EXCEEDED'],
      [introspection, 'INTROSPECTION_DISABLED'],
      [`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, 'QUERY_TOO_COSTLY'],
    ];
    const variables = { ids: Array.from({ length: 61 }, () => globalId('PhoneNumber', randomUUID())) };
    for (const [query, code] of cases) {
      const response = await post(server, tenant.keys.READ_ONLY, { query, variables: query.includes('$ids') ? variables : undefined });
      expect(response.status, code).toBe(400);
      expect(response.body.data ?? null, code).toBeNull();
      expect(response.body.errors?.[0]?.extensions?.code, JSON.stringify(response.body.errors)).toBe(code);
      expect(response.body.errors?.[0]?.message, code).not.toMatch(/^Syntax Error/);
      if (code === 'MAX_TOKENS_EXCEEDED') continue; // refused while parsing: no operation to cost yet, see below
      const cost = response.body.extensions?.cost;
      expect(cost, code).toMatchObject({ actualQueryCost: 0, throttleStatus: { maximumAvailable: 500, restoreRate: 1 } });
      expect(cost.throttleStatus.currentlyAvailable, code).toBeGreaterThan(0);
      expect(cost.throttleStatus.currentlyAvailable, code).toBeLessThan(500);
    }
  });

  itRefusals('over WebSocket, a refused operation is an error for its own id; the socket and its live subscription carry on', async ({ server }) => {
    const owner = await server.createTenant();
    const [e164] = await insertOwnedNumbers(server.db.prisma, owner.organizationId, 1);
    const number = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164, organizationId: owner.organizationId } });
    const socket = await rawSocket(server, owner.keys.READ_ONLY);
    const listening = server.app.feed.listenerCount();
    socket.subscribe('live', { query: 'subscription { phoneNumberStatusChanged { eventId newStatus } }' });
    await feedListening(server, listening + 1);
    const refused: Array<[string, string, string]> = [
      ['deep', deep, 'MAX_DEPTH_EXCEEDED'],
      ['aliases', aliases, 'MAX_ALIASES_EXCEEDED'],
      ['directives', directives, 'MAX_DIRECTIVES_EXCEEDED'],
      ['tokens', tokens, 'MAX_TOKENS_EXCEEDED'],
      ['introspection', introspection, 'INTROSPECTION_DISABLED'],
      ['invalid', '{ viewer { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
      ['syntax', '{ viewer { ', 'GRAPHQL_PARSE_FAILED'],
    ];
    for (const [id, query] of refused) socket.subscribe(id, { query });
    for (const [id, , code] of refused) {
      const outcome = await socket.outcome(id);
      expect(outcome.type, id).toBe('error');
      if (code !== 'GRAPHQL_VALIDATION_FAILED' && code !== 'GRAPHQL_PARSE_FAILED') expect(outcome.payload[0].extensions?.code, id).toBe(code);
      else expect(outcome.payload[0].message, id).toBeTruthy();
    }
    expect(socket.closed()).toBeNull();

    const release = `mutation R($id: ID!) { releasePhoneNumber(input: { id: $id }) { errors { code } } }`;
    await server.graphql(owner.keys.MEMBER, release, { id: globalId('PhoneNumber', number.id) });
    const event = await socket.outcome('live');
    expect(event).toMatchObject({ type: 'next', payload: { data: { phoneNumberStatusChanged: { newStatus: 'RELEASED' } } } });
    socket.close();
  });

  itRefusals('client mistakes are logged below error level; a real fault still is an error', async ({ server, tenant }) => {
    logLines.length = 0;
    await post(server, tenant.keys.READ_ONLY, { query: aliases });
    await post(server, tenant.keys.READ_ONLY, { query: '{ viewer { nope } }' });
    await post(server, tenant.keys.READ_ONLY, { query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, variables: { ids: ['not-an-id'] } });
    await post(server, tenant.keys.READ_ONLY, { query: `query($a: Int!) { node(id: "x") { id } }`, variables: { a: 'x' } });
    await post(server, tenant.keys.READ_ONLY, { query: '{ events(first: 1, after: "x") { edges { cursor } } }' });
    await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ viewer { role } }')}&variables=%7Bbad`, {
      headers: { authorization: `Bearer ${tenant.keys.READ_ONLY}` },
    });
    // None of these may log at error level: an absence, watched for a while.
    await quietFor(100);
    expect(
      logLines.filter((line) => line.level >= 50),
      JSON.stringify(logLines),
    ).toEqual([]);

    const fault = await post(server, tenant.keys.READ_ONLY, { query: '{ portabilityCheck(phoneNumbers: ["+15125550123"]) { portable } }' });
    expect(fault.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    await until(() => logLines.some((line) => line.level >= 50), 'the fault is logged at error level', 2_000);
    expect(logLines.some((line) => line.level >= 50)).toBe(true);
  });

  itRefusals('/metrics needs the bearer token when METRICS_TOKEN is set', async ({ server }) => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const allowed = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret-0123456789' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('numbers_api_http_requests_total');
  });
});

describe.skipIf(skipReason)('persisted operations over WebSocket by hash alone', () => {
  itPersisted('accepts {documentId} and {extensions.persistedQuery} without a query, and refuses a payload with neither per operation', async ({ server }) => {
    const owner = await server.createTenant();
    const e164s = await insertOwnedNumbers(server.db.prisma, owner.organizationId, 1);
    const number = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164: e164s[0], organizationId: owner.organizationId } });
    const listening = server.app.feed.listenerCount();
    const socket = await rawSocket(server, owner.keys.READ_ONLY);
    const hash = hashOf('subscription HashOnlyStatusChanges');
    socket.subscribe('by-id', { documentId: `sha256:${hash}` });
    socket.subscribe('apq', { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    socket.subscribe('nothing', {});
    const nothing = await socket.outcome('nothing');
    expect(nothing.type).toBe('error');
    expect(socket.closed()).toBeNull();
    await feedListening(server, listening + 2);
    const release = `mutation R($id: ID!) { releasePhoneNumber(input: { id: $id }) { errors { code } } }`;
    await server.graphql(owner.keys.MEMBER, release, { id: globalId('PhoneNumber', number.id) });
    for (const id of ['by-id', 'apq']) {
      expect(await socket.outcome(id), id).toMatchObject({ type: 'next', payload: { data: { phoneNumberStatusChanged: { newStatus: 'RELEASED' } } } });
    }
    socket.close();
  });
});
