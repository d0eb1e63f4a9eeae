import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualQueryCost, estimateQueryCost } from '../../src/http/query-cost.js';
import { schema } from '../../src/schema/index.js';

const cost = (query: string, variables: Record<string, unknown> = {}) => estimateQueryCost(schema, parse(query), variables);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${i}`);

describe('query cost', () => {
  it('counts a list result by the elements of its list argument, from variables or literals, capped at the list limit', () => {
    expect(cost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(100) })).toEqual({ requested: 100, minimum: 100 });
    expect(cost('{ nodes(ids: ["a", "b", "c"]) { id ... on PhoneNumber { connection { name } } } }')).toEqual({ requested: 6, minimum: 3 });
    // Beyond the cap the input guard refuses the argument; it is costed as the cap.
    expect(cost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(5000) }).requested).toBe(100);
    expect(cost('query($n: [E164!]!) { portabilityCheck(phoneNumbers: $n) { portable } }', { n: ids(40) }).requested).toBe(40);
  });

  it("charges each element of a mutation's list input on top of the base, and keeps it as the minimum", () => {
    const reserve = cost('mutation($n: [E164!]!) { reservePhoneNumbers(input: { phoneNumbers: $n }) { errors { code } } }', { n: ids(30) });
    expect(reserve).toEqual({ requested: 10 + 1 + 10 + 30, minimum: 10 + 30 });
  });

  it('leaves filters free: enum lists and connection arguments', () => {
    expect(cost('{ numberOrders(first: 5, status: [PENDING, COMPLETED]) { edges { node { id } } } }')).toEqual({ requested: 6, minimum: 0 });
    expect(cost('{ phoneNumbers(first: 5, filter: { tags: ["a", "b"] }) { edges { node { e164 } } } }')).toEqual({ requested: 6, minimum: 0 });
  });

  it('costs a fragment once however often it is spread', () => {
    const fragments = Array.from({ length: 21 }, (_, i) =>
      i === 20 ? `fragment F${i} on Viewer { organization { id } }` : `fragment F${i} on Viewer { ...F${i + 1} ...F${i + 1} }`,
    );
    // 2^20 spreads of the last fragment, each walked once: the sum is exact.
    expect(cost(`{ viewer { ...F0 } }\n${fragments.join('\n')}`).requested).toBe(1 + 2 ** 20);
  });

  it('actual cost: what came back plus the work kept, never more than requested', () => {
    expect(actualQueryCost({ nodes: [null, null] }, { requested: 2, minimum: 2 })).toBe(2);
    expect(actualQueryCost({ nodes: [{ id: 'a' }, null] }, { requested: 4, minimum: 2 })).toBe(3);
    expect(actualQueryCost({ viewer: { role: 'ADMIN' } }, { requested: 1, minimum: 0 })).toBe(1);
  });
});

// A small schema with what the real one lacks (a connection inside a connection's nodes,
// lists of lists, enum lists, subscriptions), so the rules are checked one by one.
const testSchema = buildSchema(`
  type Query {
    orgs(first: Int, last: Int, after: String): OrgConnection!
    org(id: ID!): Org
    recent: [Tag!]!
    tags(names: [String!]!): [Tag!]!
    tagCount(names: [String!]!): Int!
    tagGroup(names: [String!]!): TagGroup
    search(filter: SearchInput): [Tag!]!
    grid(rows: [[Int!]!]!): Int!
    byKind(kinds: [Kind!]!): [Tag!]!
  }
  type Mutation { tag(input: TagInput!): Tag }
  type Subscription { tagged: Tag! }
  enum Kind { A B }
  input SearchInput { names: [String!], inner: InnerInput, kinds: [Kind!], text: String }
  input InnerInput { ids: [ID!] }
  input TagInput { names: [String!]! }
  type PageInfo { hasNextPage: Boolean!, endCursor: String }
  type OrgConnection { edges: [OrgEdge!]!, pageInfo: PageInfo!, totalCount: Int! }
  type OrgEdge { node: Org!, cursor: String! }
  type Org { id: ID!, name: String!, members(first: Int, last: Int): MemberConnection!, owner: Person, people: [Person!]! }
  type MemberConnection { edges: [MemberEdge!]!, pageInfo: PageInfo! }
  type MemberEdge { node: Person!, cursor: String! }
  type Person { id: ID!, name: String!, org: Org }
  type Tag { id: ID!, name: String! }
  type TagGroup { tags: [Tag!]! }
`);
const testCost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  estimateQueryCost(testSchema, parse(query), variables, operationName);

describe('query cost: connections', () => {
  it('multiplies a nested connection by the page size of every connection above it', () => {
    // members: 1 + 4 × 1 = 5; an org node: 1 + 5 = 6; orgs: 1 + 3 × 6 = 19.
    expect(testCost('{ orgs(first: 3) { edges { node { id members(first: 4) { edges { node { name } } } } } } }')).toEqual({ requested: 19, minimum: 0 });
    // members: 1 + 5 × 1 = 6; an org node: 7; orgs: 1 + 2 × 7 = 15.
    expect(testCost('{ orgs(last: 2) { edges { node { members(last: 5) { edges { node { id } } } } } } }').requested).toBe(15);
  });

  it('takes the page size from first, else last, from literals or variables', () => {
    expect(testCost('{ orgs(first: 2, last: 7) { edges { node { id } } } }').requested).toBe(1 + 2);
    expect(testCost('query($n: Int) { orgs(first: $n) { edges { node { id } } } }', { n: 7 }).requested).toBe(1 + 7);
    expect(testCost('query($n: Int) { orgs(last: $n) { edges { node { id } } } }', { n: 0 }).requested).toBe(1);
  });

  it('assumes the default page size (20) when neither is given or usable, at every level', () => {
    expect(testCost('{ orgs { edges { node { id } } } }').requested).toBe(1 + 20);
    expect(testCost('query($n: Int) { orgs(first: $n) { edges { node { id } } } }').requested).toBe(1 + 20);
    expect(testCost('{ orgs(first: -1) { edges { node { id } } } }').requested).toBe(1 + 20);
    // members: 1 + 20 = 21; a node: 22; orgs: 1 + 20 × 22.
    expect(testCost('{ orgs { edges { node { members { edges { node { id } } } } } } }').requested).toBe(1 + 20 * 22);
  });

  it('costs a page size above the limit (100) as the limit', () => {
    expect(testCost('{ orgs(first: 1000) { edges { node { id } } } }').requested).toBe(1 + 100);
    // members: 1 + 100 = 101; a node: 102; orgs: 1 + 100 × 102.
    expect(testCost('{ orgs(first: 500) { edges { node { members(last: 500) { edges { node { id } } } } } } }').requested).toBe(1 + 100 * 102);
  });

  it('charges nothing for pageInfo, totalCount and cursors, aliased or not', () => {
    expect(testCost('{ orgs(first: 50) { totalCount pageInfo { hasNextPage endCursor } } }')).toEqual({ requested: 1, minimum: 0 });
    expect(testCost('{ orgs(first: 50) { p: pageInfo { hasNextPage } edges { cursor } } }')).toEqual({ requested: 1, minimum: 0 });
  });
});

describe('query cost: lists', () => {
  it('assumes 10 elements for a list of objects without a list argument, multiplied through nesting', () => {
    expect(testCost('{ recent { id } }')).toEqual({ requested: 10, minimum: 0 });
    // people: 10 × 1; owner: 1; org: 1 + 10 + 1.
    expect(testCost('{ org(id: "o") { people { id } owner { name } } }')).toEqual({ requested: 12, minimum: 0 });
    // inner people: 10; person.org: 1 + 10; outer people: 10 × (1 + 11); org: 1 + 120.
    expect(testCost('{ org(id: "o") { people { org { people { id } } } } }').requested).toBe(121);
  });

  it('charges every element of a list argument, on scalar, object and list fields alike', () => {
    expect(testCost('{ tags(names: ["a", "b", "c"]) { id } }')).toEqual({ requested: 3, minimum: 3 });
    expect(testCost('{ tagCount(names: ["a", "b"]) }')).toEqual({ requested: 2, minimum: 2 });
    // tagGroup: 1 + its tags (10 assumed) + 3 elements; only the elements are kept.
    expect(testCost('{ tagGroup(names: ["a", "b", "c"]) { tags { id } } }')).toEqual({ requested: 14, minimum: 3 });
    // A single value where a list is expected counts as one.
    expect(testCost('{ tags(names: "a") { id } }')).toEqual({ requested: 1, minimum: 1 });
  });

  it('counts the lists inside input objects and lists of lists, but not enum lists', () => {
    const filter = '{ names: ["a", "b"], inner: { ids: ["x", "y", "z"] }, kinds: [A, B], text: "t" }';
    expect(testCost(`{ search(filter: ${filter}) { id } }`)).toEqual({ requested: 5, minimum: 5 });
    expect(testCost('query($f: SearchInput) { search(filter: $f) { id } }', { f: { names: ['a', 'b', 'c', 'd'], inner: { ids: ['x', 'y'] } } })).toEqual({
      requested: 6,
      minimum: 6,
    });
    // 2 rows plus their 2 + 1 elements.
    expect(testCost('{ grid(rows: [[1, 2], [3]]) }')).toEqual({ requested: 5, minimum: 5 });
    // An enum list is a filter: the field is costed as a plain list.
    expect(testCost('{ byKind(kinds: [A, B]) { id } }')).toEqual({ requested: 10, minimum: 0 });
  });

  it('caps each list argument at the input limit (100 elements)', () => {
    const names = Array.from({ length: 150 }, (_, i) => `n${i}`);
    expect(testCost('query($names: [String!]!) { tags(names: $names) { id } }', { names })).toEqual({ requested: 100, minimum: 100 });
    expect(testCost('query($f: SearchInput) { search(filter: $f) { id } }', { f: { names, inner: { ids: names } } })).toEqual({ requested: 200, minimum: 200 });
  });

  it('adds the mutation base (10) to requested and minimum, not to subscriptions', () => {
    // tag: 1 + 2 elements; the base is kept whatever happens.
    expect(testCost('mutation { tag(input: { names: ["a", "b"] }) { id } }')).toEqual({ requested: 10 + 1 + 2, minimum: 10 + 2 });
    expect(testCost('subscription { tagged { id } }')).toEqual({ requested: 1, minimum: 0 });
  });
});

describe('query cost: documents', () => {
  it('costs each alias of a field with its own arguments', () => {
    expect(testCost('{ a: orgs(first: 2) { edges { node { id } } } b: orgs(first: 5) { e: edges { n: node { id } } } }').requested).toBe(3 + 6);
    expect(testCost('{ x: tags(names: ["a"]) { id } y: tags(names: ["a", "b", "c"]) { id } }')).toEqual({ requested: 4, minimum: 4 });
    expect(cost('{ a: phoneNumbers(first: 5) { edges { node { id } } } b: phoneNumbers(first: 10) { edges { node { id } } } }').requested).toBe(6 + 11);
  });

  it('costs named and inline fragments where they are spread, including inside connections', () => {
    const fragment = 'fragment O on Org { id members(first: 3) { edges { node { id } } } }';
    // members: 1 + 3 = 4; a node: 1 + 4 = 5; orgs: 1 + 2 × 5.
    expect(testCost(`{ orgs(first: 2) { edges { node { ...O } } } }\n${fragment}`).requested).toBe(11);
    expect(testCost('{ org(id: "o") { ... on Org { people { id } } } }').requested).toBe(11);
    expect(testCost('{ a: org(id: "1") { ...P } b: org(id: "2") { ...P } }\nfragment P on Org { people { id } }').requested).toBe(22);
  });

  it('ends on a fragment that spreads itself and skips unknown fragments and fields', () => {
    expect(testCost('{ org(id: "o") { ...Loop } }\nfragment Loop on Org { owner { id } ...Loop }').requested).toBe(2);
    expect(testCost('{ org(id: "o") { ...Missing id } }').requested).toBe(1);
    expect(testCost('{ nope { id } recent { id } }').requested).toBe(10);
  });

  it('costs the operation named, else the first; an unknown name costs nothing', () => {
    const document = 'query A { recent { id } }\nquery B { org(id: "o") { id } }';
    expect(testCost(document, {}, 'B').requested).toBe(1);
    expect(testCost(document, {}, 'A').requested).toBe(10);
    expect(testCost(document).requested).toBe(10);
    expect(testCost(document, {}, 'C')).toEqual({ requested: 0, minimum: 0 });
  });
});

describe('query cost: actual against the estimate', () => {
  const page = (n: number) => ({
    phoneNumbers: { edges: Array.from({ length: n }, (_, i) => ({ node: { id: `p${i}` } })), pageInfo: { hasNextPage: false } },
  });

  it('a connection is charged for the objects that came back, at most what was requested', () => {
    const estimate = cost('{ phoneNumbers(first: 10) { edges { node { id } } pageInfo { hasNextPage } } }');
    expect(estimate).toEqual({ requested: 11, minimum: 0 });
    // The connection, 3 edges, 3 nodes and pageInfo.
    expect(actualQueryCost(page(3), estimate)).toBe(8);
    expect(actualQueryCost(page(0), estimate)).toBe(2);
    // 10 edges, 10 nodes: more objects than the estimate counts, so the estimate caps it.
    expect(actualQueryCost(page(10), estimate)).toBe(11);
  });

  it('a mutation keeps its minimum (base and list elements) whatever the payload holds', () => {
    const estimate = cost('mutation($n: [E164!]!) { reservePhoneNumbers(input: { phoneNumbers: $n }) { errors { code } } }', { n: ids(30) });
    expect(estimate).toEqual({ requested: 51, minimum: 40 });
    expect(actualQueryCost({ reservePhoneNumbers: { errors: [] } }, estimate)).toBe(1 + 40);
    expect(actualQueryCost({ reservePhoneNumbers: { errors: [{ code: 'A' }, { code: 'B' }] } }, estimate)).toBe(3 + 40);
  });

  it('no data costs the minimum; scalars and lists of scalars are free', () => {
    expect(actualQueryCost(null, { requested: 5, minimum: 2 })).toBe(2);
    expect(actualQueryCost(undefined, { requested: 5, minimum: 0 })).toBe(0);
    expect(actualQueryCost({ phoneNumber: { tags: ['a', 'b', 'c'], e164: '+15551234567' } }, { requested: 5, minimum: 0 })).toBe(1);
  });
});
