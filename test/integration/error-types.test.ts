import { describe, expect } from 'vitest';
import { seedInventory } from '../../prisma/seed.js';
import { SimulatedCarrier } from '../../src/infra/carrier/simulated.js';
import { skipReason } from '../helpers/database.js';
import { serverTest } from '../helpers/server-fixture.js';

// A payload error's GraphQL type follows its code (schema/errors.ts), whatever details it carries.
const carrier = new SimulatedCarrier({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: 42 });
const it = serverTest({ LOG_LEVEL: 'error' }, { carrier });

const errors = 'errors { __typename code field ... on NumberNotAvailableError { phoneNumbers } ... on NotPortableError { phoneNumbers } }';
const createPortingOrder = `mutation ($n: [E164!]!) { createPortingOrder(input: { phoneNumbers: $n }) { ${errors} } }`;
const reserve = `mutation ($n: [E164!]!) { reservePhoneNumbers(input: { phoneNumbers: $n }) { ${errors} } }`;
const order = `mutation ($n: [E164!]!, $key: String!) { orderPhoneNumbers(input: { phoneNumbers: $n, idempotencyKey: $key }) { ${errors} } }`;
const cancelReservation = `mutation ($id: ID!) { cancelReservation(input: { id: $id }) { ${errors} } }`;

describe.skipIf(skipReason)('payload error types', () => {
  it('NOT_PORTABLE is a NotPortableError listing the numbers', async ({ server }) => {
    let unportable = '';
    for (let i = 0; !unportable; i += 1) {
      const e164 = `+1512${3_100_000 + i}`;
      if (!(await carrier.checkPortability([e164]))[0]?.portable) unportable = e164;
    }
    const tenant = await server.createTenant();
    const response = await server.graphql(tenant.keys.MEMBER, createPortingOrder, { n: [unportable] });
    expect(response.data).toEqual({
      createPortingOrder: {
        errors: [{ __typename: 'NotPortableError', code: 'NOT_PORTABLE', field: ['input', 'phoneNumbers'], phoneNumbers: [unportable] }],
      },
    });
  });

  it('NUMBER_NOT_AVAILABLE is a NumberNotAvailableError listing the numbers; other codes are UserErrors', async ({ server }) => {
    await seedInventory(server.db.prisma, { count: 50 });
    const target = await server.db.prisma.inventoryNumber.findFirstOrThrow({ where: { state: 'AVAILABLE' }, orderBy: { e164: 'asc' } });
    const holder = await server.createTenant();
    const other = await server.createTenant();
    expect((await server.graphql(holder.keys.MEMBER, reserve, { n: [target.e164] })).data).toEqual({ reservePhoneNumbers: { errors: [] } });

    const taken = await server.graphql(other.keys.MEMBER, order, { n: [target.e164], key: 'taken-1' });
    expect(taken.data).toEqual({
      orderPhoneNumbers: {
        errors: [{ __typename: 'NumberNotAvailableError', code: 'NUMBER_NOT_AVAILABLE', field: ['input', 'phoneNumbers'], phoneNumbers: [target.e164] }],
      },
    });

    const malformed = await server.graphql(other.keys.MEMBER, cancelReservation, { id: 'not-an-id' });
    expect(malformed.data).toEqual({ cancelReservation: { errors: [{ __typename: 'UserError', code: 'BAD_USER_INPUT', field: ['input', 'id'] }] } });
  });
});
