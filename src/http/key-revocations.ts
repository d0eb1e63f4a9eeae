import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { FeedHub } from '../infra/feed-hub.js';
import type { Logger } from '../infra/logger.js';
import type { Context } from '../schema/context.js';

// A revoked key must not keep what it opened before the revocation: WebSocket
// connections and subscription streams (SSE, or over a socket) are ended, and
// no further operation runs on them. Every instance learns of a revocation from
// the API_KEY_REVOKED event its feed hub reads from the outbox (through the bus
// or, in a Redis outage, at the next outbox poll). Two backstops don't rely on
// that event: each operation sent over an open connection checks the key in the
// database first (`isActive`), and the keys of open connections are re-checked
// every `recheckMs`, which also catches a key revoked outside the API.

type End = () => void;

const recheckBatch = 1_000;

export class KeyRevocations {
  /** Keys this instance has seen revoked; a key is never un-revoked, so entries stay true. */
  private readonly revoked = new Set<string>();
  private readonly holders = new Map<string, Set<End>>();
  private timer: NodeJS.Timeout | undefined;
  private stopWatching: (() => void) | undefined;
  private stopped = true;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly recheckMs: number,
  ) {}

  start(feed: FeedHub) {
    this.stopped = false;
    this.stopWatching = feed.watch((event) => {
      if (event.type === 'API_KEY_REVOKED') this.revoke(event.subjectId);
    });
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.recheck().finally(tick), this.recheckMs);
      this.timer.unref();
    };
    tick();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stopWatching?.();
  }

  /** The key is revoked: end everything it holds open on this instance. */
  revoke(apiKeyId: string) {
    this.revoked.add(apiKeyId);
    const ends = this.holders.get(apiKeyId);
    if (!ends) return;
    this.holders.delete(apiKeyId);
    for (const end of ends) {
      try {
        end();
      } catch (error) {
        this.logger.error({ err: error }, 'ending a revoked key’s connection failed');
      }
    }
  }

  /** Ties a connection or stream to its key: `end` runs once if the key is (or already was) revoked. Returns the release. */
  hold(apiKeyId: string, end: End): () => void {
    if (this.revoked.has(apiKeyId)) {
      end();
      return () => {};
    }
    const ends = this.holders.get(apiKeyId) ?? new Set<End>();
    ends.add(end);
    this.holders.set(apiKeyId, ends);
    return () => {
      ends.delete(end);
      if (ends.size === 0 && this.holders.get(apiKeyId) === ends) this.holders.delete(apiKeyId);
    };
  }

  /** Whether a key authenticated earlier (when its connection opened) may run an operation now: asks the database. */
  async isActive(apiKeyId: string): Promise<boolean> {
    if (this.revoked.has(apiKeyId)) return false;
    const key = await this.prisma.apiKey.findUnique({ where: { id: apiKeyId }, select: { revokedAt: true } });
    if (key && !key.revokedAt) return true;
    this.revoke(apiKeyId);
    return false;
  }

  private async recheck() {
    const ids = [...this.holders.keys()];
    try {
      for (let start = 0; start < ids.length; start += recheckBatch) {
        const batch = ids.slice(start, start + recheckBatch);
        const active = await this.prisma.apiKey.findMany({ where: { id: { in: batch }, revokedAt: null }, select: { id: true } });
        const stillActive = new Set(active.map((key) => key.id));
        for (const id of batch) if (!stillActive.has(id)) this.revoke(id);
      }
    } catch (error) {
      // Database unreachable: nothing can run without it anyway; keep the connections and look again next time.
      if (!this.stopped) this.logger.warn({ err: error }, 'could not re-check the API keys of open connections');
    }
  }
}

/**
 * `source`, cut short when `end` is called (its pending `next` resolves as done); `finished` runs once, however it ends.
 * Each `next` holds only its own resolver, dropped when it settles: a race against one long-lived "ended" promise would
 * leave a reaction on that promise per event, each keeping the event's result alive, until the stream ends.
 */
export function endable<T>(source: AsyncIterable<T>, finished: () => void): { stream: AsyncIterableIterator<T>; end: End } {
  const iterator = source[Symbol.asyncIterator]();
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let ended = false;
  /** Resolvers of the `next` calls not settled yet (one, unless a consumer asks ahead). */
  const pending = new Set<(result: IteratorResult<T>) => void>();
  const finish = () => {
    if (ended) return;
    ended = true;
    for (const resolve of pending) resolve(done);
    pending.clear();
    finished();
  };
  const end = () => {
    if (ended) return;
    finish();
    void Promise.resolve(iterator.return?.()).catch(() => {});
  };
  const stream: AsyncIterableIterator<T> = {
    next: () => {
      if (ended) return Promise.resolve(done);
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        pending.add(resolve);
        iterator.next().then(
          (result) => {
            pending.delete(resolve);
            if (result.done) finish();
            resolve(ended ? done : result);
          },
          (error: unknown) => {
            pending.delete(resolve);
            finish();
            reject(error);
          },
        );
      });
    },
    return: async () => {
      end();
      return done;
    },
    throw: async (error?: unknown) => {
      end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { stream, end };
}

/**
 * Ends each subscription's stream when its key is revoked: over SSE the
 * response ends (`event: complete`); over WebSocket the socket is closed too
 * (websocket.ts).
 */
export function endStreamsOfRevokedKeys(revocations: KeyRevocations): Plugin<Context> {
  return {
    onSubscribe({ args }) {
      const apiKeyId = (args.contextValue as Partial<Context>).caller?.apiKeyId;
      if (!apiKeyId) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          let release = () => {};
          const { stream, end } = endable(result, () => release());
          release = revocations.hold(apiKeyId, end);
          setResult(stream);
        },
      };
    },
  };
}
