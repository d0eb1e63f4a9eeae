import type { AddressInfo } from 'node:net';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Broadcast, type BroadcastParts } from '../../src/http/subscription-broadcast.js';
import type { BusEvent } from '../../src/infra/event-bus.js';
import { FeedHub } from '../../src/infra/feed-hub.js';
import type { FeedSource } from '../../src/schema/events.js';

// A group's broadcast to its live graphql-ws members, over real sockets: each member gets the
// frames of the events after it joined, in feed order, with its own operation id; it holds a
// seat while it lasts; and a member whose socket stops taking frames is ended with SLOW_CONSUMER
// while the others carry on. The hub is a real FeedHub that is never started (events are handed
// to it as its outbox reads would), so no database is involved.

const bufferSize = 10;
const organizationId = 'org-a';

let server: WebSocketServer;
let url: string;
const accepted: WebSocket[] = [];

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of server.clients) socket.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A client socket and the server's end of it; the client records every frame it reads. */
async function connection() {
  const client = new WebSocket(url);
  const frames: Array<{ id: string; type: string; payload: { data: { sequence: string } } }> = [];
  client.on('message', (data) => frames.push(JSON.parse(String(data))));
  const before = accepted.length;
  await new Promise<void>((resolve) => client.once('open', () => resolve()));
  await until(() => accepted.length > before);
  return { client, socket: accepted[accepted.length - 1] as WebSocket, frames };
}

async function until(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function setup(options: { execute?: BroadcastParts['execute']; maxSubscriptions?: number } = {}) {
  const hub = new FeedHub({} as never, {} as never, pino({ level: 'silent' }), {
    pollMs: 60_000,
    maxSubscriptionsPerTenant: options.maxSubscriptions ?? 5,
    bufferSize,
  });
  let sequence = 0n;
  /** Hands the hub the organization's next event, as its outbox read does. */
  const publish = (type = 'WANTED', organization = organizationId) => {
    sequence += 1n;
    const event = { sequence: String(sequence), type, organizationId: organization, subjectId: 's', payload: {}, createdAt: new Date() } as unknown as BusEvent;
    (hub as unknown as { deliver: (event: BusEvent, sequence: bigint) => void }).deliver(event, sequence);
    return String(sequence);
  };
  let closed = 0;
  const broadcast = new Broadcast(
    {
      hub,
      execute: options.execute ?? (async (event) => ({ data: { sequence: event.sequence } })),
      maskError: (error) => error as never,
      streamError: (error) => error as Error,
      closed: () => {
        closed += 1;
      },
    },
    { organizationId, live: true, wanted: (event) => event.type === 'WANTED', stream: {} as never } satisfies FeedSource,
  );
  const args = { contextValue: { requestId: 'r' } } as unknown as ExecutionArgs;
  const join = (socket: WebSocket, id: string) => broadcast.join({ socket, id }, args, organizationId, () => {});
  return { hub, broadcast, publish, join, closed: () => closed };
}

const sequencesOf = (frames: Array<{ id: string; payload: { data: { sequence: string } } }>, id: string) =>
  frames.filter((frame) => frame.id === id).map((frame) => frame.payload.data.sequence);

describe('subscription broadcast', () => {
  it('sends each member, under its own id, the wanted events after it joined, in feed order, and stops at its end', async () => {
    const { hub, publish, join, closed } = setup();
    const { socket, frames } = await connection();
    const first = join(socket, 'first');
    const one = publish();
    publish('UNWANTED');
    publish('WANTED', 'org-b');
    const second = join(socket, 'second');
    expect(hub.listenerCount(organizationId)).toBe(2);
    const two = publish();
    const three = publish();
    await until(() => frames.length === 5);
    expect(frames.every((frame) => frame.type === 'next')).toBe(true);
    expect(sequencesOf(frames, 'first')).toEqual([one, two, three]);
    expect(sequencesOf(frames, 'second')).toEqual([two, three]);

    await first.return();
    const four = publish();
    await until(() => sequencesOf(frames, 'second').length === 3);
    expect(sequencesOf(frames, 'first')).toEqual([one, two, three]);
    expect(sequencesOf(frames, 'second')).toEqual([two, three, four]);
    expect(hub.listenerCount(organizationId)).toBe(1);
    expect(await first.next()).toEqual({ done: true, value: undefined });
    expect(closed()).toBe(0);

    // The last member leaving: its pending next settles as done, its seat is back, the broadcast listens no more.
    const pending = second.next();
    await second.return();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hub.listenerCount(organizationId)).toBe(0);
    expect(closed()).toBe(1);
  });

  it('keeps feed order when later events finish executing first', async () => {
    const releases = new Map<string, () => void>();
    const { publish, join } = setup({
      execute: (event) => new Promise<ExecutionResult>((resolve) => releases.set(event.sequence, () => resolve({ data: { sequence: event.sequence } }))),
    });
    const { socket, frames } = await connection();
    const member = join(socket, '1');
    const published = [publish(), publish(), publish(), publish()];
    await until(() => releases.size === 4);
    for (const sequence of [...published].reverse()) releases.get(sequence)?.();
    await until(() => frames.length === 4);
    expect(sequencesOf(frames, '1')).toEqual(published);
    await member.return();
  });

  it('counts every member against the organization’s cap', async () => {
    const { hub, join, closed } = setup({ maxSubscriptions: 2 });
    const { socket } = await connection();
    const members = [join(socket, '1'), join(socket, '2')];
    expect(() => join(socket, '3')).toThrow(expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }));
    expect(hub.listenerCount(organizationId)).toBe(2);
    for (const member of members) await member.return();
    expect(closed()).toBe(1);
  });

  it('ends a member whose socket stops taking frames with SLOW_CONSUMER, naming its last event; the others get everything', async () => {
    const big = 'x'.repeat(256 * 1024);
    const { hub, publish, join } = setup({ execute: async (event) => ({ data: { sequence: event.sequence, big } }) });
    const stalled = await connection();
    const reading = await connection();
    const slow = join(stalled.socket, 'slow');
    const fine = join(reading.socket, 'fine');
    const ended = slow.next().then(
      () => 'not ended',
      (error: { code?: string; message: string }) => error,
    );
    (stalled.client as unknown as { _socket: { pause: () => void } })._socket.pause();
    const published: string[] = [];
    let outcome: unknown;
    void ended.then((value) => (outcome = value));
    // The kernel's socket buffers take some megabytes before writes back up; then bufferSize more frames end it.
    for (let i = 0; i < 400 && outcome === undefined; i += 1) {
      published.push(publish());
      await until(() => sequencesOf(reading.frames, 'fine').length === published.length, 10_000);
    }
    const error = (await ended) as { code?: string; message: string };
    expect(error).toMatchObject({ code: 'SLOW_CONSUMER' });
    const last = /after: "(\d+)"/.exec(error.message)?.[1];
    expect(Number(last)).toBeGreaterThan(0);
    expect(Number(last)).toBeLessThan(Number(published[published.length - 1]));
    expect(hub.listenerCount(organizationId)).toBe(1);

    // Once read, the stalled socket holds exactly the events up to the one the error names, in order.
    (stalled.client as unknown as { _socket: { resume: () => void } })._socket.resume();
    await until(() => sequencesOf(stalled.frames, 'slow').at(-1) === last, 20_000);
    expect(sequencesOf(stalled.frames, 'slow')).toEqual(published.slice(0, published.indexOf(last as string) + 1));
    const more = publish();
    await until(() => sequencesOf(reading.frames, 'fine').at(-1) === more);
    expect(sequencesOf(stalled.frames, 'slow').at(-1)).toBe(last);
    await fine.return();
  }, 60_000);

  it('ends every member with the error when an execution throws', async () => {
    const failure = new Error('execution failed');
    const { hub, publish, join, closed } = setup({ execute: async () => Promise.reject(failure) });
    const { socket } = await connection();
    const members = [join(socket, '1'), join(socket, '2')];
    const outcomes = members.map((member) => member.next().catch((error: unknown) => error));
    publish();
    expect(await Promise.all(outcomes)).toEqual([failure, failure]);
    expect(hub.listenerCount(organizationId)).toBe(0);
    expect(closed()).toBe(1);
  });
});
