import { type DocumentNode, type ExecutionArgs, type ExecutionResult, execute, GraphQLError, getOperationAST, print } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { BusEvent } from '../infra/event-bus.js';
import type { FeedHub } from '../infra/feed-hub.js';
import { type Context, callerTenant } from '../schema/context.js';
import { type FeedSource, takeEventSource } from '../schema/events.js';
import { Broadcast, type BroadcastMember, type BroadcastParts, type SocketOperation, socketOperationOf } from './subscription-broadcast.js';

// Subscription events are executed once per group of identical subscriptions, not once per
// subscriber. A group is (document, operation name, variables, organization, role, key mode):
// everything an event's result can depend on, so the result one member computed is the one
// every other member would have computed (at most a moment later). Each subscriber keeps its
// own feed stream (FeedHub: its buffer, replay with `after`, filter, limits, slow-consumer
// end) and its own envelop pipeline (error masking, revocation); only the execution of an
// event it pulls is shared, by the event's sequence. A group never spans organizations or
// roles, so nothing computed for one tenant or role reaches another. A group's live members over
// WebSocket go further and share the serialised result too (subscription-broadcast.ts).

type Result = ExecutionResult;

/** Results kept per group: members read the same events at about the same time, so a short window serves them all. */
const resultsPerGroup = 256;

class Group {
  members = 0;
  /** By event sequence, in insertion order: the oldest is dropped first. */
  readonly results = new Map<string, Promise<Result>>();
  broadcast: Broadcast | undefined;

  constructor(
    readonly key: string,
    private readonly registry: SubscriptionGroups,
  ) {}

  /** This event's result for the group: executed by the first member that asks, with that member's arguments. */
  resultOf(event: BusEvent, args: ExecutionArgs): Promise<Result> {
    const cached = this.results.get(event.sequence);
    if (cached) return cached;
    this.registry.executions += 1;
    const result = Promise.resolve(execute({ ...args, contextValue: onFeedConnections(args.contextValue as Context), rootValue: event }));
    this.results.set(event.sequence, result);
    // A failed execution (not a result with errors: a throw) is not kept; the next member tries again.
    result.catch(() => {
      if (this.results.get(event.sequence) === result) this.results.delete(event.sequence);
    });
    if (this.results.size > resultsPerGroup) {
      const oldest = this.results.keys().next();
      if (!oldest.done) this.results.delete(oldest.value);
    }
    return result;
  }

  /** A live graphql-ws member, served by the group's broadcast (started by the first such member). */
  broadcastTo(operation: SocketOperation, args: ExecutionArgs, source: FeedSource, parts: Omit<BroadcastParts, 'execute' | 'closed'>): BroadcastMember {
    const broadcast =
      this.broadcast ??
      new Broadcast(
        {
          ...parts,
          execute: (event, eventArgs) => this.resultOf(event, eventArgs),
          closed: () => {
            if (this.broadcast === broadcast) this.broadcast = undefined;
          },
        },
        source,
      );
    this.broadcast = broadcast;
    return broadcast.join(operation, args, source.organizationId, () => this.leave());
  }

  leave() {
    this.members -= 1;
    if (this.members === 0) this.registry.forget(this);
  }
}

const feedContexts = new WeakMap<Context, Context>();

/**
 * The member's context with a database client on the live feed's connections: the same caller and
 * tenant scope, so events are executed without queueing for a connection behind a burst of requests.
 */
function onFeedConnections(context: Context): Context {
  let derived = feedContexts.get(context);
  if (!derived) {
    derived = { ...context, db: context.services.feedTenants(callerTenant(context.caller)) };
    feedContexts.set(context, derived);
  }
  return derived;
}

/** The groups of one server instance (one per feed hub). */
class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();
  /** Event executions so far, all groups together (a member served from its group's result doesn't count). */
  executions = 0;

  join(key: string): Group {
    let group = this.groups.get(key);
    if (!group) {
      group = new Group(key, this);
      this.groups.set(key, group);
    }
    group.members += 1;
    return group;
  }

  forget(group: Group) {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
  }

  /** Live groups, their members and how many of those a broadcast serves, for tests and diagnostics. */
  stats() {
    let members = 0;
    let broadcast = 0;
    for (const group of this.groups.values()) {
      members += group.members;
      broadcast += group.broadcast?.size ?? 0;
    }
    return { groups: this.groups.size, members, broadcast, executions: this.executions };
  }
}

const registries = new WeakMap<object, SubscriptionGroups>();

/** The groups of the server whose feed hub this is. */
export function subscriptionGroupsOf(feed: object): SubscriptionGroups {
  let registry = registries.get(feed);
  if (!registry) {
    registry = new SubscriptionGroups();
    registries.set(feed, registry);
  }
  return registry;
}

const printed = new WeakMap<DocumentNode, string>();

/** The document's text: as sent when parsed with locations (the usual case), else printed once. */
function documentText(document: DocumentNode): string {
  const body = document.loc?.source.body;
  if (body !== undefined) return body;
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

function groupKey(args: ExecutionArgs, caller: Context['caller']): string {
  // JSON.stringify of the variables as sent: the same values in another key order make another group, which is only less sharing.
  return [
    caller.organizationId,
    caller.role,
    caller.mode,
    args.operationName ?? '',
    JSON.stringify(args.variableValues ?? null),
    documentText(args.document),
  ].join('\u0000');
}

/**
 * One subscriber's results: its own feed events, each executed through its group. Errors of the
 * feed stream are wrapped as the executor's own mapping wraps them (a GraphQLError on the
 * operation, the original attached), so what a client sees is unchanged.
 */
class SharedResults implements AsyncIterableIterator<Result> {
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<BusEvent>,
    private readonly group: Group,
    private readonly args: ExecutionArgs,
  ) {}

  private end() {
    if (this.ended) return;
    this.ended = true;
    this.group.leave();
  }

  async next(): Promise<IteratorResult<Result>> {
    if (this.ended) return { done: true, value: undefined };
    let step: IteratorResult<BusEvent>;
    try {
      step = await this.source.next();
    } catch (error) {
      this.end();
      throw wrapStreamError(error, this.args);
    }
    if (step.done) {
      this.end();
      return { done: true, value: undefined };
    }
    try {
      return { done: false, value: await this.group.resultOf(step.value, this.args) };
    } catch (error) {
      // As the executor's mapping does: close the feed stream, then fail with the error.
      this.end();
      await Promise.resolve(this.source.return?.()).catch(() => {});
      throw error;
    }
  }

  async return(): Promise<IteratorResult<Result>> {
    this.end();
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<Result>> {
    this.end();
    await Promise.resolve(this.source.return?.()).catch(() => {});
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

function wrapStreamError(error: unknown, args: ExecutionArgs): GraphQLError {
  const original = error instanceof Error ? error : new Error(String(error));
  const operation = getOperationAST(args.document, args.operationName);
  return new GraphQLError(original.message, { originalError: original, nodes: operation ? [operation] : undefined });
}

/** A subscription that fails with `error` at its first `next`, as its feed stream would have. */
function failing(error: unknown, args: ExecutionArgs): AsyncIterableIterator<Result> {
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let failed = false;
  return {
    next: () => {
      if (failed) return Promise.resolve(done);
      failed = true;
      return Promise.reject(wrapStreamError(error, args));
    },
    return: () => Promise.resolve(done),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Shares the execution of subscription events within a group (see above). The executor still
 * sets the subscription up (arguments, validation of variables, the subscribe resolver, an SSE
 * request's abort signal); the feed stream the resolver opened is then read here instead of
 * through the executor's per-subscriber mapping, or, for a live graphql-ws operation, not at all:
 * the group's broadcast writes its events. `maskError` is the server's masking of errors in results.
 */
export function sharedSubscriptionExecution(maskError: BroadcastParts['maskError']): Plugin<Context> {
  return {
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const result = await subscribeFn(args);
        const context = args.contextValue as Context;
        const source = takeEventSource(context);
        if (!source) return result;
        if (!isAsyncIterable(result)) {
          // Set up and refused after the resolver ran (an aborted request): the feed stream is not used.
          await Promise.resolve(source.stream.return?.()).catch(() => {});
          return result;
        }
        const hub: FeedHub = context.services.feed;
        const group = subscriptionGroupsOf(hub).join(groupKey(args, context.caller));
        const operation = socketOperationOf(context);
        if (!operation || !source.live) return new SharedResults(source.stream, group, args);
        // Never started, so it holds no seat and no listener: the broadcast serves this subscription instead.
        await Promise.resolve(source.stream.return?.()).catch(() => {});
        try {
          return group.broadcastTo(operation, args, source, { hub, maskError, streamError: wrapStreamError });
        } catch (error) {
          group.leave();
          return failing(error, args);
        }
      });
    },
  };
}
