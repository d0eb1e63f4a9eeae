import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import type { Database } from '../infra/database.js';
import { DatabaseUnavailableError } from '../infra/database-errors.js';
import type { EventBus } from '../infra/event-bus.js';
import type { Logger } from '../infra/logger.js';
import type { CostBucket } from '../infra/rate-limit.js';
import type { TenantScope } from '../infra/tenant-scope.js';
import type { Services } from '../schema/context.js';
import { exportPhoneNumbers } from './export.js';
import { failureBody, failureOf, logFailure, outageRetryAfterSeconds } from './failures.js';
import { createGraphqlHandler } from './graphql.js';
import { createMetrics, type Metrics, mayReadMetrics } from './metrics.js';
import { createOperatorHandler, operatorEndpoint } from './operator.js';
import { PersistedOperations } from './persisted-operations.js';
import { runWithRequestId } from './request-context.js';
import { attachWebSocketServer } from './websocket.js';

export type ApiServer = {
  server: Server;
  listen: (port: number, host?: string) => Promise<string>;
  /** Stops accepting and waits for requests already received, cutting what still runs at `deadline` (epoch ms). */
  close: (deadline?: number) => Promise<void>;
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Rejects with DatabaseUnavailableError if `work` takes longer than `ms` (the work itself is left to its own timeouts). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`no answer within ${ms} ms`)), ms);
  });
  work.catch(() => {}); // if the deadline wins, a later failure of the work is not an unhandled rejection
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createApiServer(options: {
  config: Config;
  db: Database;
  logger: Logger;
  services: Services;
  /** Makes the scoped client of each authenticated request (GraphQL and export). */
  tenants: TenantScope;
  bus: EventBus;
  costBucket: CostBucket;
  graphiqlHeaders?: Record<string, string>;
  /** Shared with the workers that run in this process (webhook deliveries). */
  metrics?: Metrics;
}): ApiServer {
  const { config, db, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const persisted = PersistedOperations.fromFile(config.limits.persistedDocumentsPath, config.limits.persistedOnly);
  if (config.limits.persistedOnly && persisted.size === 0)
    logger.warn('PERSISTED_OPERATIONS_ONLY is on but the manifest is empty: every operation will be refused');
  if (config.nodeEnv === 'production' && !config.metricsToken) logger.warn('METRICS_TOKEN is not set: /metrics is readable by anyone who can reach this port');
  const yoga = createGraphqlHandler({
    config,
    prisma: db.prisma,
    logger,
    metrics,
    services: options.services,
    tenants: options.tenants,
    persisted,
    costBucket: options.costBucket,
    graphiqlHeaders: options.graphiqlHeaders,
  });
  const operatorApi = createOperatorHandler({ config, prisma: db.prisma, tenants: options.tenants, logger, costBucket: options.costBucket });
  let shuttingDown = false;
  const inFlight = new Set<ServerResponse>();

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void> = {
    '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/readyz': async (_req, res) => {
      if (shuttingDown) return sendJson(res, 503, { status: 'shutting_down' }, { 'retry-after': String(outageRetryAfterSeconds) });
      const bus = options.bus.health();
      // A bus outage only delays live events (the feed falls back to the outbox), so it degrades, not fails, readiness.
      const feed = bus === 'down' ? 'degraded: event bus unreachable, live events delayed' : 'ok';
      try {
        // Its own short deadline: a frozen database must fail the probe now, not after the statement timeout.
        await withDeadline(db.prisma.$queryRaw`SELECT 1`, config.database.readyTimeoutMs);
        sendJson(res, 200, { status: bus === 'down' ? 'degraded' : 'ready', database: 'ok', eventBus: bus, feed });
      } catch (error) {
        logger.warn({ err: error }, 'readiness check failed');
        sendJson(res, 503, { status: 'unavailable', database: 'unreachable', eventBus: bus, feed }, { 'retry-after': String(outageRetryAfterSeconds) });
      }
    },
    '/export/phone-numbers': exportPhoneNumbers(db, options.tenants, logger),
    [operatorEndpoint]: (req, res) => operatorApi(req, res),
    '/metrics': async (req, res) => {
      if (!mayReadMetrics(req.headers.authorization, config.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer realm="metrics"');
        return sendJson(res, 401, { error: 'METRICS_TOKEN required: send Authorization: Bearer <token>' });
      }
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
    },
  };

  const server = createServer((req, res) =>
    runWithRequestId(req.headers['x-request-id'], async (requestId) => {
      res.setHeader('x-request-id', requestId);
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        // Draining: a keep-alive connection whose last request just finished is closed at once.
        if (shuttingDown) server.closeIdleConnections();
      });
      if (shuttingDown) res.setHeader('connection', 'close');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const route = routes[path] ? path : path === '/graphql' ? '/graphql' : 'other';
      const stopTimer = metrics.httpDuration.startTimer({ route });
      res.on('finish', () => {
        stopTimer();
        metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      });
      try {
        const handler = routes[path];
        if (handler) await handler(req, res);
        else await yoga(req, res);
      } catch (error) {
        const failure = failureOf(error);
        logFailure(logger, failure, error, { requestId }, 'request failed');
        if (!res.headersSent) sendJson(res, failure.status, failureBody(failure, requestId), failure.headers);
        else res.end();
      }
    }),
  );

  const websockets = attachWebSocketServer({
    server,
    yoga,
    persisted,
    prisma: db.prisma,
    revocations: options.services.revocations,
    logger,
    maxSubscriptionsPerConnection: config.feed.maxSubscriptionsPerConnection,
    keepAliveMs: config.feed.keepAliveMs,
  });

  return {
    server,
    listen: (port, host = config.host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          const actualPort = typeof address === 'object' && address ? address.port : port;
          resolve(`http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}`);
        });
      }),
    close: async (deadline = Date.now() + 5_000) => {
      shuttingDown = true;
      // No new connections; requests already received run to completion (until the deadline), each answered
      // with `Connection: close` so keep-alive clients reconnect elsewhere.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of inFlight) {
        if (!res.headersSent) res.setHeader('connection', 'close');
        // An event stream never finishes by itself: end it now, as WebSockets are, so the client reconnects elsewhere.
        else if (String(res.getHeader('content-type') ?? '').includes('text/event-stream')) res.destroy();
      }
      server.closeIdleConnections();
      // Subscribers get 1001 "going away" and reconnect to another instance.
      const socketsClosed = websockets.close();
      const timer = setTimeout(
        () => {
          if (inFlight.size) logger.warn({ requests: inFlight.size }, 'shutdown: grace period over; cutting requests still running');
          server.closeAllConnections();
          for (const socket of websockets.wss.clients) socket.terminate();
        },
        Math.max(0, deadline - Date.now()),
      );
      await Promise.all([closed, socketsClosed]);
      clearTimeout(timer);
    },
  };
}
