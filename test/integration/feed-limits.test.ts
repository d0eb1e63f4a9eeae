import { describe, expect } from 'vitest';
import { skipReason } from '../helpers/database.js';
import { eventually, feedListening } from '../helpers/lifecycle.js';
import { serverTest } from '../helpers/server-fixture.js';
import { type Collected, subscribeSse, subscribeWs, wsClient } from '../helpers/subscriptions.js';

// FEED_MAX_SUBSCRIPTIONS_PER_TENANT counts every live subscription of an organization on the
// instance, however it is served: live WebSocket ones (broadcast by their group), ones resuming
// from a cursor, and SSE streams. The one over the cap is refused for its own operation only.

const flips = 'subscription Flips($after: String) { phoneNumberStatusChanged(after: $after) { eventId newStatus } }';

const it = serverTest({ FEED_MAX_SUBSCRIPTIONS_PER_TENANT: '3' }, { tenants: ['a', 'b'] });

const codesOf = (sub: Collected) => (sub.errors.flat() as Array<{ extensions?: { code?: string } }>).map((error) => error.extensions?.code);

describe.skipIf(skipReason)('per-tenant subscription cap', () => {
  it('counts live, resuming and SSE subscriptions together, refuses the next with TOO_MANY_SUBSCRIPTIONS, frees a seat on close', async ({ server, a, b }) => {
    const client = wsClient(server.url, a.keys.READ_ONLY);
    const live = subscribeWs(client, flips);
    const resuming = subscribeWs(client, flips, { after: '0' });
    const sse = subscribeSse(server.url, a.keys.MEMBER, flips);
    expect(await sse.status).toBe(200);
    await feedListening(server, 3, a.organizationId);

    const overWs = subscribeWs(client, flips);
    await eventually(
      async () => overWs.errors.length,
      (n) => n > 0,
    );
    expect(codesOf(overWs)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    const overSse = subscribeSse(server.url, a.keys.READ_ONLY, flips);
    await eventually(
      async () => overSse.errors.length,
      (n) => n > 0,
    );
    expect(codesOf(overSse)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    expect(server.app.feed.listenerCount(a.organizationId)).toBe(3);

    // Another tenant has seats of its own.
    const other = wsClient(server.url, b.keys.READ_ONLY);
    const others = [subscribeWs(other, flips), subscribeWs(other, flips), subscribeWs(other, flips)];
    await feedListening(server, 3, b.organizationId);

    // A closed subscription gives its seat back; the socket that was refused one carries on.
    await live.close();
    await eventually(
      async () => server.app.feed.listenerCount(a.organizationId),
      (n) => n === 2,
    );
    const again = subscribeWs(client, flips);
    await feedListening(server, 3, a.organizationId);
    expect(again.errors).toEqual([]);
    for (const sub of [resuming, sse, again, ...others]) expect(sub.errors).toEqual([]);

    for (const sub of [resuming, sse, again, ...others]) await sub.close();
    await Promise.all([client.dispose(), other.dispose()]);
    await eventually(
      async () => server.app.feed.listenerCount(),
      (n) => n === 0,
    );
  });
});
