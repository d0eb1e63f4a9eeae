import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

// Tells every instance that the outbox holds new events. A message carries
// only the highest sequence just numbered — a hint, never the events: each
// instance's feed hub reads the events themselves from its own outbox, so a
// lost, repeated, forged or foreign message can wake a hub early or late but
// can't hand a subscriber an event or move a hub past one. In-process by
// default; Redis when configured, so instances behind a load balancer hear of
// each other's events at once rather than at their next outbox poll.

/** An event as the feed hands it to subscribers (always read from the outbox). */
export type BusEvent = {
  sequence: string;
  organizationId: string;
  type: string;
  subjectId: string;
  payload: unknown;
  createdAt: string;
};

type BusHealth = 'in-process' | 'up' | 'down';

export type EventBus = {
  /** The outbox holds events up to `sequence`: tells this instance at once and the others through Redis. */
  announce: (sequence: bigint) => void;
  subscribe: (handler: (sequence: bigint) => void) => () => void;
  /** 'up' only while this instance's Redis subscription is confirmed and its publisher is connected. */
  health: () => BusHealth;
  close: () => Promise<void>;
};

/** The default channel: one per database, so deployments sharing a Redis never hear each other. */
export function feedChannel(deploymentId: string): string {
  return `numbers-api:${deploymentId}:feed`;
}

/** A well-formed hint, or null for anything else on the channel. */
function parseAnnouncement(message: string): bigint | null {
  if (!/^\d{1,19}$/.test(message)) return null;
  const sequence = BigInt(message);
  return sequence > 0n && sequence <= 9_223_372_036_854_775_807n ? sequence : null;
}

type Handler = (sequence: bigint) => void;

class Handlers {
  private readonly handlers = new Set<Handler>();

  constructor(private readonly logger: Logger) {}

  add(handler: Handler) {
    this.handlers.add(handler);
    return () => void this.handlers.delete(handler);
  }

  notify(sequence: bigint) {
    for (const handler of this.handlers) {
      try {
        handler(sequence);
      } catch (error) {
        this.logger.error({ err: error }, 'event bus handler failed');
      }
    }
  }
}

function inProcessBus(logger: Logger): EventBus {
  const handlers = new Handlers(logger);
  return {
    announce: (sequence) => handlers.notify(sequence),
    subscribe: (handler) => handlers.add(handler),
    health: () => 'in-process',
    close: async () => {},
  };
}

const retryDelay = (attempt: number) => Math.min(attempt * 200, 2_000);
const maxSubscribeBackoffMs = 2_000;
const foreignMessageLogIntervalMs = 60_000;
/** A subscribed connection must answer PING this often, or it is taken for dead (a frozen Redis, a silent network). */
const livenessProbeMs = 5_000;

// ioredis can lose a subscription sent before its connection is ready ("Connection
// in subscriber mode, only subscriber commands may be used"), and its own
// resubscription after a reconnect is not checked. So this bus subscribes by
// itself, only on `ready`, checks the reply, retries until Redis confirms, and
// does it again after every reconnect; health is 'up' only in between. A
// subscribed connection that stops answering PING is dropped and reconnected.
class RedisEventBus implements EventBus {
  private readonly handlers: Handlers;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;
  private attempt = 0;
  /** Bumped by every attempt, so a late reply to an earlier one (on a connection since closed) is ignored. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly probeTimer: NodeJS.Timeout;
  private probing = false;
  private closed = false;
  private up = false;
  private outageLogged = false;
  private lastForeignLog = 0;

  constructor(
    url: string,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    this.handlers = new Handlers(logger);
    const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: retryDelay };
    this.publisher = new Redis(url, { ...options, connectionName: 'numbers-api-publisher' });
    this.subscriber = new Redis(url, { ...options, connectionName: 'numbers-api-subscriber', autoResubscribe: false });
    this.subscriber.on('ready', () => void this.subscribeChannel());
    this.subscriber.on('close', () => {
      this.generation += 1;
      this.subscribed = false;
      this.report('subscriber connection closed');
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    this.publisher.on('ready', () => this.report());
    this.publisher.on('close', () => this.report('publisher connection closed'));
    for (const client of [this.publisher, this.subscriber]) client.on('error', (error: Error) => this.report(error));
    this.probeTimer = setInterval(() => void this.probe(), livenessProbeMs);
    this.probeTimer.unref();
  }

  announce(sequence: bigint) {
    this.handlers.notify(sequence);
    if (this.publisher.status !== 'ready') return;
    this.publisher.publish(this.channel, sequence.toString()).catch((error: Error) => this.report(error));
  }

  subscribe(handler: Handler) {
    return this.handlers.add(handler);
  }

  health(): BusHealth {
    return this.subscribed && this.publisher.status === 'ready' ? 'up' : 'down';
  }

  async close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private async subscribeChannel() {
    clearTimeout(this.retryTimer);
    if (this.closed || this.subscriber.status !== 'ready') return;
    const generation = ++this.generation;
    try {
      const count = await this.subscriber.subscribe(this.channel);
      if (typeof count !== 'number' || count < 1) throw new Error(`SUBSCRIBE ${this.channel} was not confirmed (reply: ${String(count)})`);
      if (generation !== this.generation) return;
      this.subscribed = true;
      this.attempt = 0;
      this.report();
    } catch (error) {
      if (this.closed || generation !== this.generation) return;
      this.subscribed = false;
      this.attempt += 1;
      const delay = Math.min(200 * 2 ** this.attempt, maxSubscribeBackoffMs);
      this.logger.debug({ err: error, channel: this.channel, retryInMs: delay }, 'event bus (Redis): SUBSCRIBE failed, retrying');
      this.report(error);
      this.retryTimer = setTimeout(() => void this.subscribeChannel(), delay);
    }
  }

  private async probe() {
    if (this.closed || !this.subscribed || this.probing) return;
    this.probing = true;
    const generation = this.generation;
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${livenessProbeMs} ms`)), livenessProbeMs);
    });
    try {
      await Promise.race([this.subscriber.ping(), silence]);
    } catch (error) {
      if (this.closed || generation !== this.generation) return;
      this.generation += 1;
      this.subscribed = false;
      this.report(error);
      this.subscriber.disconnect(true);
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }

  private receive(message: string) {
    const sequence = parseAnnouncement(message);
    if (sequence !== null) return this.handlers.notify(sequence);
    const now = Date.now();
    if (now - this.lastForeignLog >= foreignMessageLogIntervalMs) {
      this.lastForeignLog = now;
      this.logger.warn(
        { channel: this.channel, message: message.slice(0, 200) },
        'event bus (Redis): ignored a message that is not a feed announcement; is another publisher on this channel?',
      );
    }
  }

  /** Logs going up, and going down once per outage with its first reason. */
  private report(reason?: unknown) {
    if (this.closed) return;
    if (this.health() === 'up') {
      if (!this.up) this.logger.info({ channel: this.channel }, 'event bus (Redis) connected and subscribed');
      this.up = true;
      this.outageLogged = false;
      return;
    }
    this.up = false;
    if (reason === undefined || this.outageLogged) return;
    this.outageLogged = true;
    const detail = reason instanceof Error ? { err: reason } : { reason };
    this.logger.error({ ...detail, channel: this.channel }, 'event bus (Redis) unavailable: live events fall back to polling the outbox');
  }
}

export function createEventBus(logger: Logger, redis?: { url: string; channel: string }): EventBus {
  return redis ? new RedisEventBus(redis.url, redis.channel, logger) : inProcessBus(logger);
}
