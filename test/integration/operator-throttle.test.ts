import { describe, expect } from 'vitest';
import { skipReason } from '../helpers/database.js';
import { operatorCall, operatorKey } from '../helpers/operator.js';
import { serverTest } from '../helpers/server-fixture.js';

// Each operator key draws on its own bucket (one point a request): a flood from one key is answered 429 with
// Retry-After, and another operator's key is not held back by it.

const it = serverTest({ RATE_LIMIT_BUCKET_SIZE: '5', RATE_LIMIT_RESTORE_RATE: '1' });

describe.skipIf(skipReason)('operator API throttling', () => {
  it('a flood from one operator key gets 429 with Retry-After; another key still gets through', async ({ server }) => {
    const [flooding, other] = [await operatorKey(server), await operatorKey(server)];
    const query = '{ organizations(first: 1) { totalCount } }';
    const answers = await Promise.all(Array.from({ length: 12 }, () => operatorCall(server, flooding, query)));
    const throttled = answers.filter((answer) => answer.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(6);
    expect(throttled[0]?.errors?.[0]?.extensions?.code).toBe('THROTTLED');
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(1);
    const response = await fetch(`${server.url}/operator/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${flooding}` },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await operatorCall(server, other, query)).status).toBe(200);
  });
});
