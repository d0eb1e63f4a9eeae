import { describe, expect } from 'vitest';
import { skipReason } from '../helpers/database.js';
import { activeNumberRow, globalId } from '../helpers/owned-objects.js';
import { serverTest } from '../helpers/server-fixture.js';

// A query runs interpreted by graphql-js the first time its document is seen and compiled by
// graphql-jit from the second (src/http/compiled-queries.ts). The two must be indistinguishable:
// same data, same errors with the same codes, fields and paths, same HTTP status.

const it = serverTest({ RUN_JOBS: 'false' }, { tenants: ['tenant', 'other'] });

/** `interpreted`: never runs compiled (refused before execution, or a relation beneath a relation). */
type Case = { name: string; query: string; variables?: Record<string, unknown>; interpreted?: true };

describe.skipIf(skipReason)('compiled queries', () => {
  const cases: Case[] = [];

  it.beforeAll(async ({ server, tenant, other }) => {
    const prisma = server.db.prisma;
    const connection = await prisma.connection.create({ data: { organizationId: tenant.organizationId, name: 'jit' } });
    const mine: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const row = activeNumberRow(tenant.organizationId, `+1512555${String(1000 + i)}`, { connectionId: i % 2 ? connection.id : null, numberOrderId: null });
      mine.push((await prisma.phoneNumber.create({ data: row })).id);
    }
    const theirs = await prisma.phoneNumber.create({
      data: activeNumberRow(other.organizationId, '+15125559999', { connectionId: null, numberOrderId: null }),
    });
    const page = `edges { cursor node { id e164 status label tags capabilities monthlyPrice { amountCents currency formatted }
      connection { id name } createdAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`;
    cases.push(
      { name: 'a page with a relation', query: `{ phoneNumbers(first: 4) { ${page} } }` },
      {
        name: 'a page by variables, other order',
        query: `query($n: Int) { phoneNumbers(first: $n, orderBy: { field: E164, direction: ASC }) { ${page} } }`,
        variables: { n: 3 },
      },
      { name: 'a forged cursor', query: `{ phoneNumbers(first: 2, after: "eyJ4Ijox.AAAA") { ${page} } }` },
      { name: 'a page too big', query: '{ phoneNumbers(first: 1000) { totalCount } }' },
      { name: 'a variable of the wrong type', query: 'query($n: Int) { phoneNumbers(first: $n) { totalCount } }', variables: { n: 'ten' }, interpreted: true },
      { name: 'a missing required variable', query: 'query($e: E164!) { phoneNumber(e164: $e) { id } }', interpreted: true },
      { name: 'an invalid custom scalar', query: 'query($e: E164!) { phoneNumber(e164: $e) { id } }', variables: { e: '555' }, interpreted: true },
      { name: 'node of mine', query: `{ node(id: "${globalId('PhoneNumber', mine[0] ?? '')}") { id ... on PhoneNumber { e164 connection { name } } } }` },
      { name: "node of another tenant's", query: `{ node(id: "${globalId('PhoneNumber', theirs.id)}") { id } }` },
      { name: 'a malformed node id', query: '{ node(id: "%%%") { id } }' },
      {
        name: 'nodes, mixed',
        query: `{ nodes(ids: ["${globalId('PhoneNumber', mine[1] ?? '')}", "${globalId('Connection', connection.id)}", "${globalId('PhoneNumber', theirs.id)}"])
          { id ... on Connection { name } ... on PhoneNumber { e164 } } }`,
      },
      { name: 'viewer and aliases', query: '{ viewer { role organization { name } } a: phoneNumbers(first: 1) { totalCount } b: connections { totalCount } }' },
      {
        name: 'directives on variables',
        query: `query($full: Boolean!, $lean: Boolean!) { phoneNumbers(first: 2) { totalCount @skip(if: $lean)
          edges { node { e164 label @include(if: $full) connection @include(if: $full) { name } } } } }`,
        variables: { full: true, lean: true },
      },
      {
        name: 'introspection and __typename',
        query: '{ __typename __type(name: "PhoneNumber") { name fields { name } } phoneNumbers(first: 1) { __typename } }',
      },
      { name: 'a filter', query: '{ phoneNumbers(filter: { search: "555100", status: [ACTIVE] }) { totalCount edges { node { e164 } } } }' },
      {
        name: 'a relation beneath a relation',
        query: '{ numberOrders(first: 2) { edges { node { items { e164 phoneNumber { e164 } } } } } }',
        interpreted: true,
      },
      { name: 'a bad filter id', query: '{ phoneNumbers(filter: { connectionId: "nope" }) { totalCount } }' },
    );
  });

  const compiledExecutions = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^numbers_api_graphql_compiled_executions_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  };

  it('answer exactly as the same query interpreted', async ({ server, tenant }) => {
    const before = await compiledExecutions(server.url);
    for (const { name, query, variables } of cases) {
      const interpreted = await server.graphql(tenant.keys.READ_ONLY, query, variables);
      const compiled = await server.graphql(tenant.keys.READ_ONLY, query, variables);
      const third = await server.graphql(tenant.keys.READ_ONLY, query, variables);
      const comparable = (response: typeof interpreted) => ({ status: response.status, data: response.data, errors: response.errors });
      expect(comparable(compiled), name).toEqual(comparable(interpreted));
      expect(comparable(third), name).toEqual(comparable(interpreted));
    }
    // Each document that reached execution ran compiled on its second and third run.
    expect(await compiledExecutions(server.url)).toBe(before + 2 * cases.filter((c) => !c.interpreted).length);
  });
});
