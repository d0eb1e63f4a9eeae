import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export type Collected = {
  received: Array<Record<string, unknown>>;
  errors: unknown[];
  /** Resolves once `count` results arrived (or rejects after the timeout). */
  waitFor: (count: number, timeoutMs?: number) => Promise<Array<Record<string, unknown>>>;
  close: () => Promise<void>;
};

function collector(): Omit<Collected, 'close'> & { push: (value: Record<string, unknown>) => void; fail: (error: unknown) => void } {
  const received: Array<Record<string, unknown>> = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  return {
    received,
    errors,
    push: (value) => {
      received.push(value);
      for (const waiter of waiters) waiter();
    },
    fail: (error) => {
      errors.push(error);
      for (const waiter of waiters) waiter();
    },
    waitFor: (count, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(received.slice(0, count));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} results, got ${received.length}; errors: ${JSON.stringify(errors)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

export function wsClient(url: string, key: string | null, onClosed?: (event: { code: number; reason: string }) => void): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => onClosed?.(event as { code: number; reason: string }) },
  });
}

/** A subscription over graphql-ws; results are the `data` objects. */
export function subscribeWs(client: Client, query: string, variables: Record<string, unknown> = {}): Collected {
  const c = collector();
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => (result.errors ? c.fail(result.errors) : c.push(result.data as Record<string, unknown>)),
      error: (error) => c.fail(error),
      complete: () => {},
    },
  );
  return { ...c, close: async () => dispose() };
}

export type SseSubscription = Collected & {
  /** The HTTP status of the response that opened the stream. */
  status: Promise<number>;
  /**
   * How the server ended the stream: 'complete' after an `event: complete` message, 'closed' when the body
   * ended (or broke) without one; undefined while open or after close().
   */
  ended: () => 'complete' | 'closed' | undefined;
};

/** A subscription over GraphQL-over-SSE (yoga's POST + text/event-stream). */
export function subscribeSse(url: string, key: string | null, query: string, variables: Record<string, unknown> = {}): SseSubscription {
  const c = collector();
  const abort = new AbortController();
  let ended: 'complete' | 'closed' | undefined;
  const status = (async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    });
    if (response.status !== 200 || !response.body) return response.status;
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let boundary = buffer.indexOf('\n\n'); boundary >= 0; boundary = buffer.indexOf('\n\n')) {
            const lines = buffer.slice(0, boundary).split('\n');
            buffer = buffer.slice(boundary + 2);
            if (lines.some((line) => /^event: ?complete$/.test(line))) ended = 'complete';
            const data = lines
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trim())
              .join('\n');
            if (!data) continue;
            const parsed = JSON.parse(data) as { data?: Record<string, unknown>; errors?: unknown };
            if (parsed.errors) c.fail(parsed.errors);
            else if (parsed.data) c.push(parsed.data);
          }
        }
        ended ??= 'closed';
      } catch {
        // Aborted by close() (not an end), or the connection broke.
        if (!abort.signal.aborted) ended ??= 'closed';
      }
    })();
    return response.status;
  })();
  return { ...c, status, ended: () => ended, close: async () => abort.abort() };
}
