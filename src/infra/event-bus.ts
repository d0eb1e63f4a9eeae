import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSubEvent } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

// Carries committed, sequenced events between instances. In-process by
// default; Redis when configured, so every instance behind a load balancer
// sees every event. The bus is only the fast path: the feed also reads the
// outbox table, so a Redis outage delays live events but loses none.

export type BusEvent = {
  sequence: string;
  organizationId: string;
  type: string;
  subjectId: string;
  payload: unknown;
  createdAt: string;
};

export type EventBus = {
  publish: (events: BusEvent[]) => void;
  subscribe: (handler: (events: BusEvent[]) => void) => () => void;
  /** 'in-process', or the Redis link's state. */
  health: () => 'in-process' | 'up' | 'down';
  close: () => Promise<void>;
};

const topic = 'numbers-api:events';

type Topics = { [topic]: [BusEvent[]] };

function busOver(pubSub: ReturnType<typeof createPubSub<Topics>>, health: EventBus['health'], close: EventBus['close']): EventBus {
  return {
    publish: (events) => pubSub.publish(topic, events),
    subscribe: (handler) => {
      const iterator = pubSub.subscribe(topic);
      void (async () => {
        for await (const events of iterator) handler(events);
      })();
      return () => void iterator.return?.();
    },
    health,
    close,
  };
}

export function createEventBus(redisUrl: string | undefined, logger: Logger): EventBus {
  if (!redisUrl) return busOver(createPubSub<Topics>(), () => 'in-process', async () => {});

  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000) };
  const publisher = new Redis(redisUrl, options);
  const subscriber = new Redis(redisUrl, { ...options, enableOfflineQueue: true });
  let up = false;
  const report = (state: boolean, error?: unknown) => {
    if (state === up) return;
    up = state;
    if (state) logger.info('event bus (Redis) connected');
    else logger.error({ err: error }, 'event bus (Redis) unavailable: live events fall back to polling the outbox');
  };
  for (const client of [publisher, subscriber]) {
    client.on('ready', () => report(publisher.status === 'ready' && subscriber.status === 'ready'));
    client.on('error', (error) => report(false, error));
    client.on('end', () => report(false));
  }
  // The event target calls publish without awaiting it; a failed publish must not crash the process.
  const safePublisher = {
    publish: (channel: string, message: string) =>
      publisher.publish(channel, message).catch((error) => {
        report(false, error);
        return 0;
      }),
  };
  const eventTarget = createRedisEventTarget<PubSubEvent<Topics, typeof topic>>({ publishClient: safePublisher as unknown as Redis, subscribeClient: subscriber });
  return busOver(
    createPubSub<Topics>({ eventTarget }),
    () => (up ? 'up' : 'down'),
    async () => {
      publisher.disconnect();
      subscriber.disconnect();
    },
  );
}
