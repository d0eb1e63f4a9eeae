import { DomainError } from '../domain/errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { BusEvent, EventBus } from './event-bus.js';
import { FailureStreak } from './failure-streak.js';
import { feedSequence, toBusEvent } from './feed-events.js';
import type { Logger } from './logger.js';

// One per instance: reads sequenced events from the outbox table — when the
// bus announces new ones (fast path) and on a timer (after a Redis outage or a
// lost announcement) — and hands each, in order and exactly once, to the
// subscribers of its organization. The hub's position only ever advances
// through rows it read from its own outbox: what arrives on the bus is a hint
// to look, so a foreign, forged or out-of-range announcement can't skip or
// invent an event. Delivery into a subscriber is a bounded queue, so a slow
// consumer can't hold up anyone else.

class FeedLimitError extends DomainError {
  constructor(message: string, code: 'TOO_MANY_SUBSCRIPTIONS' | 'SLOW_CONSUMER') {
    super(code, message, null);
  }
}

export type FeedOptions = { pollMs: number; maxSubscriptionsPerTenant: number; bufferSize: number };

type Listener = (event: BusEvent) => void;
/** Sees every organization's events, in feed order, before their subscribers do. */
export type FeedWatcher = (event: BusEvent) => void;

export class FeedHub {
  private lastSequence = 0n;
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Live subscriptions per organization: what the per-tenant cap counts, however each is delivered. */
  private readonly seats = new Map<string, number>();
  private readonly watchers = new Set<FeedWatcher>();
  /** An outbox read is queued and not started yet: later announcements ride on it. */
  private readQueued = false;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribeBus: (() => void) | undefined;
  private stopped = false;
  private readonly readFailures: FailureStreak;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    readonly options: FeedOptions,
  ) {
    this.readFailures = new FailureStreak(logger, 'event feed outbox read');
  }

  async start() {
    const [row] = await this.prisma.$queryRaw<Array<{ top: bigint | null }>>`SELECT MAX(sequence) AS top FROM "Event"`;
    this.lastSequence = row?.top ?? 0n;
    this.unsubscribeBus = this.bus.subscribe((sequence) => this.announced(sequence));
    const poll = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.enqueue(() => this.catchUp()).finally(poll), this.options.pollMs);
    };
    poll();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribeBus?.();
    await this.chain;
  }

  /** Highest sequence delivered by this instance: where a subscription without a cursor starts. */
  position(): bigint {
    return this.lastSequence;
  }

  watch(watcher: FeedWatcher): () => void {
    this.watchers.add(watcher);
    return () => void this.watchers.delete(watcher);
  }

  /** Live subscriptions on this instance: of one organization, or of all. */
  listenerCount(organizationId?: string): number {
    if (organizationId !== undefined) return this.seats.get(organizationId) ?? 0;
    let count = 0;
    for (const seats of this.seats.values()) count += seats;
    return count;
  }

  /**
   * Counts one live subscription of the organization against its cap (TOO_MANY_SUBSCRIPTIONS when
   * full); the function returned gives the seat back, once however often it is called.
   */
  seat(organizationId: string): () => void {
    const taken = this.seats.get(organizationId) ?? 0;
    if (taken >= this.options.maxSubscriptionsPerTenant) {
      throw new FeedLimitError(`At most ${this.options.maxSubscriptionsPerTenant} live subscriptions per organization`, 'TOO_MANY_SUBSCRIPTIONS');
    }
    this.seats.set(organizationId, taken + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.seats.get(organizationId) ?? 1) - 1;
      if (left > 0) this.seats.set(organizationId, left);
      else this.seats.delete(organizationId);
    };
  }

  /** The error that ends a subscription which fell more than the buffer behind; `last` is the last event it got. */
  slowConsumer(last: bigint): DomainError {
    return new FeedLimitError(`Subscriber fell more than ${this.options.bufferSize} events behind; resubscribe with after: "${last}"`, 'SLOW_CONSUMER');
  }

  /**
   * Calls `listener` with each of the organization's live events, in feed order, as it is delivered: no seat,
   * no buffer, no replay (a broadcast to many subscriptions, which hold their own seats, listens so).
   */
  listen(organizationId: string, listener: Listener): () => void {
    const set = this.listeners.get(organizationId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(organizationId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(organizationId) === set) this.listeners.delete(organizationId);
    };
  }

  private enqueue(work: () => Promise<void>) {
    this.chain = this.chain.then(work).catch((error) => {
      if (!this.stopped) this.readFailures.failed(error);
    });
    return this.chain;
  }

  /** The bus says the outbox holds events up to `sequence`: read them now, unless already read or about to be. */
  private announced(sequence: bigint) {
    if (sequence <= this.lastSequence || this.readQueued) return;
    this.readQueued = true;
    void this.enqueue(async () => {
      this.readQueued = false;
      await this.catchUp();
    });
  }

  /** Reads, in order, every numbered event after the position from the outbox: the only way the position moves. */
  private async catchUp() {
    for (;;) {
      const rows = await this.prisma.event.findMany({ where: { sequence: { gt: this.lastSequence } }, orderBy: { sequence: 'asc' }, take: 500 });
      this.readFailures.succeeded();
      for (const row of rows) this.deliver(toBusEvent(row), feedSequence(row));
      if (rows.length < 500) return;
    }
  }

  private deliver(event: BusEvent, sequence: bigint) {
    this.lastSequence = sequence;
    for (const watcher of this.watchers) {
      try {
        watcher(event);
      } catch (error) {
        this.logger.error({ err: error, sequence: event.sequence }, 'feed watcher failed');
      }
    }
    const listeners = this.listeners.get(event.organizationId);
    if (!listeners) return;
    for (const listener of listeners) listener(event);
  }

  /**
   * A tenant's events after `after` (stored ones first, then live), each once
   * and in order. Without `after`, live events from now on.
   */
  stream(organizationId: string, after: bigint | null, replay: (after: bigint, limit: number) => Promise<BusEvent[]>): AsyncIterableIterator<BusEvent> {
    // An async generator parked on an await ignores return() until it wakes;
    // this wrapper wakes it, so an unsubscribe releases the listener at once.
    const control = { closed: false, wake: undefined as (() => void) | undefined };
    const inner = this.generate(organizationId, after, replay, control);
    return {
      next: () => inner.next(),
      return: async (value?: unknown) => {
        control.closed = true;
        control.wake?.();
        await inner.return(undefined);
        return { done: true, value: value as BusEvent };
      },
      throw: (error?: unknown) => inner.throw(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private async *generate(
    organizationId: string,
    after: bigint | null,
    replay: (after: bigint, limit: number) => Promise<BusEvent[]>,
    control: { closed: boolean; wake: (() => void) | undefined },
  ): AsyncGenerator<BusEvent> {
    const releaseSeat = this.seat(organizationId);
    const queue: BusEvent[] = [];
    let overflowed = false;
    const listener: Listener = (event) => {
      if (queue.length >= this.options.bufferSize) overflowed = true;
      else queue.push(event);
      control.wake?.();
    };
    // Listen before replaying, so nothing committed during the replay is missed; duplicates are skipped below.
    const unlisten = this.listen(organizationId, listener);
    let last = after ?? this.lastSequence;
    try {
      if (after !== null) {
        for (;;) {
          const page = await replay(last, 200);
          for (const event of page) {
            if (control.closed) return;
            last = BigInt(event.sequence);
            yield event;
          }
          if (page.length < 200) break;
        }
      }
      while (!control.closed) {
        if (overflowed) {
          throw this.slowConsumer(last);
        }
        const next = queue.shift();
        if (!next) {
          await new Promise<void>((resolve) => (control.wake = resolve));
          control.wake = undefined;
          continue;
        }
        const sequence = BigInt(next.sequence);
        if (sequence <= last) continue;
        last = sequence;
        yield next;
      }
    } finally {
      unlisten();
      releaseSeat();
    }
  }
}
