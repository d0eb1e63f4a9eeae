import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocket, WebSocketServer } from 'ws';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../infra/logger.js';
import type { Context } from '../schema/context.js';
import { authenticate } from './auth.js';
import { failureOf, logFailure } from './failures.js';
import { toClientError } from './graphql.js';
import type { KeyRevocations } from './key-revocations.js';
import type { PersistedOperations } from './persisted-operations.js';
import { deliverOverSocket } from './subscription-broadcast.js';

// graphql-ws on the /graphql endpoint. The API key comes in connection_init
// (`{ "authorization": "Bearer …" }` or `{ "apiKey": "…" }`); without a valid
// one the socket closes with 4401 before any operation runs, and revoking the
// key later closes it with 4401 too.

type Extra = { caller: Context['caller']; active: Set<string>; requestId: string };

/**
 * JSON.parse reviver for graphql-ws messages: a `subscribe` whose payload has no `query`
 * (a persisted operation by `documentId` or `extensions.persistedQuery` alone) gets an
 * empty one, so the message passes graphql-ws's validation and onSubscribe resolves the
 * hash; without any hash, onSubscribe refuses the operation, not the socket.
 */
function acceptHashOnlySubscribe(key: string, value: unknown) {
  if (key !== '' || !value || typeof value !== 'object') return value;
  const message = value as { type?: unknown; payload?: unknown };
  if (message.type !== 'subscribe' || !message.payload || typeof message.payload !== 'object' || Array.isArray(message.payload)) return value;
  const payload = message.payload as { query?: unknown };
  if (payload.query === undefined || payload.query === null) payload.query = '';
  return value;
}

function keyFrom(params: Record<string, unknown> | undefined): string | null {
  if (!params) return null;
  const authorization = params.authorization ?? params.Authorization;
  if (typeof authorization === 'string') return /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1] ?? null;
  const key = params.apiKey ?? params['x-api-key'];
  return typeof key === 'string' ? key : null;
}

export function attachWebSocketServer(options: {
  server: Server;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  persisted: PersistedOperations;
  prisma: PrismaClient;
  revocations: KeyRevocations;
  logger: Logger;
  maxSubscriptionsPerConnection: number;
  keepAliveMs: number;
}) {
  const { yoga, prisma, logger } = options;
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const extras = new WeakMap<object, Extra>();

  // Whatever goes wrong with one operation is that operation's `error` message. A throw
  // out of onSubscribe would make graphql-ws close the socket (4500) and end every other
  // subscription on it.
  const oneOperation = async <T>(socket: WebSocket, id: string, start: () => Promise<T | readonly GraphQLError[]>): Promise<T | GraphQLError[]> => {
    try {
      const started = await start();
      return Array.isArray(started) ? [...(started as readonly GraphQLError[])] : (started as T);
    } catch (error) {
      extras.get(socket)?.active.delete(id);
      return [toClientError(error, extras.get(socket)?.requestId ?? 'ws', logger)];
    }
  };

  useServer<Record<string, unknown>, { socket: WebSocket }>(
    {
      // Close reasons never carry an error's own message, whatever NODE_ENV says: it can name hosts and ports.
      isProd: true,
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: async (ctx) => {
        let caller: Awaited<ReturnType<typeof authenticate>>;
        try {
          caller = await authenticate(prisma, keyFrom(ctx.connectionParams));
        } catch (error) {
          // graphql-ws would put the error's message in the close reason: close with a masked one instead
          // (1013 "try again later" in an outage).
          const failure = failureOf(error);
          logFailure(logger, failure, error, {}, 'WebSocket authentication failed');
          ctx.extra.socket.close(failure.status === 503 ? 1013 : CloseCode.InternalServerError, failure.message);
          return false;
        }
        if (!caller) {
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Missing, invalid or revoked API key');
          return false;
        }
        const socket = ctx.extra.socket;
        // Revoking the key closes the socket, here or on any other instance (see key-revocations.ts).
        const release = options.revocations.hold(caller.apiKeyId, () => socket.close(CloseCode.Unauthorized, 'API key revoked'));
        socket.once('close', release);
        if (socket.readyState !== WebSocket.OPEN) return false;
        extras.set(socket, { caller, active: new Set(), requestId: randomUUID() });
        return true;
      },
      // graphql-ws requires `payload.query`; a persisted operation sent by hash alone has none.
      jsonMessageReviver: acceptHashOnlySubscribe,
      onSubscribe: (ctx, id, payload) =>
        oneOperation(ctx.extra.socket, id, async () => {
          const extra = extras.get(ctx.extra.socket);
          // The key was valid when the socket opened; every operation checks it still is (revoking also closes the socket).
          if (!extra || !(await options.revocations.isActive(extra.caller.apiKeyId))) {
            return [new GraphQLError('API key revoked', { extensions: { code: 'UNAUTHENTICATED' } })];
          }
          if (extra.active.size >= options.maxSubscriptionsPerConnection) {
            return [
              new GraphQLError(`At most ${options.maxSubscriptionsPerConnection} operations per connection`, {
                extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
              }),
            ];
          }
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            caller: extra.caller,
            requestId: `${extra.requestId}:${id}`,
            params: payload,
          });
          let document: ReturnType<typeof parse>;
          try {
            // Subscriptions may be started by hash too (documentId or extensions.persistedQuery).
            document = parse(options.persisted.resolve(payload as never));
          } catch (error) {
            return [error as GraphQLError];
          }
          const errors = validate(schema, document);
          if (errors.length) return errors;
          extra.active.add(id);
          const contextValue = await contextFactory();
          deliverOverSocket(contextValue, { socket: ctx.extra.socket, id });
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue,
            rootValue: { execute, subscribe },
          };
        }),
      onComplete: (ctx, id) => {
        extras.get(ctx.extra.socket)?.active.delete(id);
      },
    },
    wss,
  );

  // Pings find dead peers (a laptop that slept, a dropped NAT entry) so their subscriptions are released.
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (socket) => {
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
  });
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      if (alive.get(socket) === false) {
        logger.debug('terminating unresponsive WebSocket');
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, options.keepAliveMs);
  keepAlive.unref();

  return {
    wss,
    close: async () => {
      clearInterval(keepAlive);
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
