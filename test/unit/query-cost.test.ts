import { parse } from 'graphql';
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
