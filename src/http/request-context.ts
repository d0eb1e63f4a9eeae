import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

// Carries the request id through everything a request does, so error masking
// and logs deep in resolvers can name the request without threading it by hand.
const storage = new AsyncLocalStorage<{ requestId: string }>();

export function runWithRequestId<T>(incoming: string | string[] | undefined, run: (requestId: string) => T): T {
  const given = Array.isArray(incoming) ? incoming[0] : incoming;
  const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
  return storage.run({ requestId }, () => run(requestId));
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
