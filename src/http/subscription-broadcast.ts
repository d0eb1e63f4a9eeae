import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import { WebSocket } from 'ws';
import type { BusEvent } from '../infra/event-bus.js';
import type { FeedHub } from '../infra/feed-hub.js';
import type { FeedSource } from '../schema/events.js';

// The live members of a subscription group (subscription-groups.ts) that are graphql-ws
// operations get each event as bytes the group wrote: the event is executed once, its result
// masked and serialised once, and the same payload goes into every member's `next` frame, with
// only the operation id differing. Per member that is a string, a `send` and a counter, where a
// stream of its own would be a feed buffer, a chain of async iterators and a serialisation.
//
// Only live subscriptions (no `after`) are broadcast: their events are exactly the organization's
// live events the group's filter accepts, after the feed position when they joined, which one
// listener can serve for all. A subscription resuming from a cursor replays stored events at its own
// pace and keeps its own stream. Each member still holds a seat against the per-tenant cap, falls
// out with SLOW_CONSUMER when more than the feed buffer of its frames is not yet written to its
// socket, and ends as any graphql-ws operation ends (`complete`, the socket closing, the key
// revoked): graphql-ws and envelop hold the member's iterator, which yields nothing and settles
// only when the member ends.

type Result = ExecutionResult;
const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Events whose execution may run at once for one broadcast: results are sent in feed order whatever order they finish in. */
const executionsInFlight = 8;

/** A graphql-ws operation: the socket it arrived on and its id, where its frames go. */
export type SocketOperation = { socket: WebSocket; id: string };

const socketOperations = new WeakMap<object, SocketOperation>();

/** Marks an operation's context as a graphql-ws operation, so its events may be written to its socket directly. */
export function deliverOverSocket(context: object, operation: SocketOperation) {
  socketOperations.set(context, operation);
}

export function socketOperationOf(context: object): SocketOperation | undefined {
  return socketOperations.get(context);
}

export type BroadcastParts = {
  hub: FeedHub;
  /** The group's shared execution of an event for these arguments. */
  execute: (event: BusEvent, args: ExecutionArgs) => Promise<Result>;
  /** What the client may see of an execution error (as the server's masking makes it). */
  maskError: (error: unknown, requestId: string) => GraphQLError;
  /** Wraps a feed error (a limit) as the executor would for a subscription's stream. */
  streamError: (error: unknown, args: ExecutionArgs) => Error;
  /** Called once the last member left: the broadcast listens no more. */
  closed: () => void;
};

export class BroadcastMember implements AsyncIterableIterator<Result> {
  /** The last event this member got, or the feed position when it joined: it gets only later events. */
  last: bigint;
  /** Frames handed to the socket and not yet written out. */
  private unwritten = 0;
  private readonly prefix: string;
  private waiting: { resolve: (result: IteratorResult<Result>) => void; reject: (error: unknown) => void } | undefined;
  private outcome: { error: unknown } | 'done' | undefined;
  private readonly written = () => {
    this.unwritten -= 1;
  };

  constructor(
    private readonly broadcast: Broadcast,
    readonly operation: SocketOperation,
    readonly args: ExecutionArgs,
    private readonly release: () => void,
  ) {
    this.last = broadcast.position();
    // As graphql-ws serialises a `next` message: id, type, payload, in that order.
    this.prefix = `{"id":${JSON.stringify(operation.id)},"type":"next","payload":`;
  }

  /**
   * Writes the frames of events this member has not had. Several at once go out corked, in one write
   * to the socket: a broadcast that fell behind catches up with fewer system calls, not more.
   */
  deliver(ready: ReadonlyArray<Ready>, bufferSize: number) {
    if (this.outcome) return;
    const { socket } = this.operation;
    // A closing socket: graphql-ws ends its operations, this one with them.
    if (socket.readyState !== WebSocket.OPEN) return;
    const stream = ready.length > 1 ? underlyingStream(socket) : undefined;
    stream?.cork();
    try {
      for (const { sequence, payload } of ready) {
        if (sequence <= this.last) continue;
        if (this.unwritten >= bufferSize) {
          this.end({ error: this.broadcast.slowConsumer(this) });
          return;
        }
        this.last = sequence;
        this.unwritten += 1;
        socket.send(this.prefix + payload + '}', this.written);
      }
    } finally {
      stream?.uncork();
    }
  }

  /** Ends the member: its pending `next` settles (done, or rejected with the error), and it leaves the broadcast. */
  end(outcome: { error: unknown } | 'done') {
    if (this.outcome) return;
    this.outcome = outcome;
    this.broadcast.remove(this);
    this.release();
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return;
    if (outcome === 'done') waiting.resolve(done);
    else {
      this.outcome = 'done';
      waiting.reject(outcome.error);
    }
  }

  next(): Promise<IteratorResult<Result>> {
    const outcome = this.outcome;
    if (outcome === 'done') return Promise.resolve(done);
    if (outcome) {
      this.outcome = 'done';
      return Promise.reject(outcome.error);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async return(): Promise<IteratorResult<Result>> {
    this.end('done');
    return done;
  }

  async throw(error?: unknown): Promise<IteratorResult<Result>> {
    this.end('done');
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

type Pending = { event: BusEvent; result?: Promise<Result>; settled?: { value: Result } | { error: unknown } };
type Ready = { sequence: bigint; payload: string };

type Corkable = { cork(): void; uncork(): void };

/** The TCP stream under a `ws` socket (its `_socket`, which `ws` itself corks around each frame), if it can be corked. */
function underlyingStream(socket: WebSocket): Corkable | undefined {
  const stream = (socket as unknown as { _socket?: Partial<Corkable> })._socket;
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function' ? (stream as Corkable) : undefined;
}

/** One group's live members over WebSocket, served by one feed listener. */
export class Broadcast {
  private readonly members = new Set<BroadcastMember>();
  private readonly queue: Pending[] = [];
  private pumping = false;
  private readonly unlisten: () => void;

  constructor(
    private readonly parts: BroadcastParts,
    source: FeedSource,
  ) {
    const { wanted } = source;
    this.unlisten = parts.hub.listen(source.organizationId, (event) => {
      if (!wanted(event)) return;
      this.queue.push({ event });
      if (this.queue.length > parts.hub.options.bufferSize) this.overflow();
      else if (this.pumping) this.startExecutions();
      else this.pump().catch((error: unknown) => this.endAll(error));
    });
  }

  /** Members now served by this broadcast. */
  get size(): number {
    return this.members.size;
  }

  position(): bigint {
    return this.parts.hub.position();
  }

  slowConsumer(member: BroadcastMember): Error {
    return this.parts.streamError(this.parts.hub.slowConsumer(member.last), member.args);
  }

  /**
   * A new member, with a seat of the organization's (TOO_MANY_SUBSCRIPTIONS thrown when none is left);
   * `left` runs once it ends.
   */
  join(operation: SocketOperation, args: ExecutionArgs, organizationId: string, left: () => void): BroadcastMember {
    let releaseSeat: () => void;
    try {
      releaseSeat = this.parts.hub.seat(organizationId);
    } catch (error) {
      if (this.members.size === 0) this.close();
      throw error;
    }
    const member = new BroadcastMember(this, operation, args, () => {
      releaseSeat();
      left();
    });
    this.members.add(member);
    return member;
  }

  remove(member: BroadcastMember) {
    if (this.members.delete(member) && this.members.size === 0) this.close();
  }

  private close() {
    this.unlisten();
    this.queue.length = 0;
    this.parts.closed();
  }

  /** Events arrive faster than they can be executed: every member is further behind than the buffer allows. */
  private overflow() {
    this.queue.length = 0;
    for (const member of [...this.members]) member.end({ error: this.slowConsumer(member) });
  }

  private async pump() {
    this.pumping = true;
    try {
      for (;;) {
        const head = this.queue[0];
        const args = this.startExecutions();
        if (!head || !args) return;
        await (head.result as Promise<Result>).catch(() => {});
        // The queue may have been cleared while the execution ran (overflow, last member gone).
        if (this.queue[0] !== head) continue;
        // The head and every event after it whose execution has finished too go out together.
        let count = 0;
        const ready: Ready[] = [];
        for (let settled = head.settled; settled; settled = this.queue[count]?.settled) {
          if ('error' in settled) {
            // As a subscriber's own stream does when an execution throws: it ends with the error (after what came before).
            if (ready.length) this.deliverToAll(ready);
            this.endAll(settled.error);
            return;
          }
          ready.push({ sequence: BigInt((this.queue[count] as Pending).event.sequence), payload: JSON.stringify(this.masked(settled.value, args)) });
          count += 1;
        }
        this.queue.splice(0, count);
        this.deliverToAll(ready);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Starts executing the first events of the queue that are not yet; the arguments they run with (a member's), if any member is left. */
  private startExecutions(): ExecutionArgs | undefined {
    const first = this.members.values().next();
    if (first.done) return undefined;
    const args = first.value.args;
    for (const pending of this.queue.slice(0, executionsInFlight)) {
      if (pending.result) continue;
      pending.result = this.parts.execute(pending.event, args);
      pending.result.then(
        (value) => (pending.settled = { value }),
        (error: unknown) => (pending.settled = { error }),
      );
    }
    return args;
  }

  private endAll(error: unknown) {
    for (const member of [...this.members]) member.end({ error });
  }

  private deliverToAll(ready: Ready[]) {
    const { bufferSize } = this.parts.hub.options;
    for (const member of this.members) member.deliver(ready, bufferSize);
  }

  private masked(result: Result, args: ExecutionArgs): Result {
    if (!result.errors?.length) return result;
    const requestId = (args.contextValue as { requestId?: string }).requestId ?? 'ws';
    return { ...result, errors: result.errors.map((error) => this.parts.maskError(error, requestId)) };
  }
}
