import { demoTenants, seedDemoData } from '../prisma/seed.js';
import { type App, startApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './infra/logger.js';

/**
 * Last-resort handlers. A stray rejected promise (a background write that failed while the database was
 * down) is a bug to log, not a reason to drop every request in flight, so the process stays up. An
 * uncaught exception may have left state half-changed; as Node advises, log it and exit non-zero (the
 * supervisor restarts the process, and jobs it held are taken over when their lease runs out).
 */
function handleProcessFailures(logger: Logger) {
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (a bug: every background promise should handle its failure)');
  });
  process.on('uncaughtException', (error, origin) => {
    logger.fatal({ err: error, origin }, 'uncaught exception; exiting');
    process.exitCode = 1;
    // pino writes synchronously to stdout, so the line above is out; give pending I/O one turn.
    setImmediate(() => process.exit(1));
  });
}

/**
 * SIGTERM/SIGINT: stop accepting, let requests already received and running jobs finish, hand back what
 * can't finish in SHUTDOWN_GRACE_MS, and exit 0 within it. A second signal exits at once.
 */
function handleShutdownSignals(app: App, config: Config, logger: Logger) {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    const deadline = Date.now() + config.shutdownGraceMs;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    const overdue = setTimeout(() => {
      logger.error('shutdown did not finish within the grace period; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    overdue.unref();
    try {
      await app.stop(deadline);
      logger.info('shut down');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  handleProcessFailures(logger);
  const started = Date.now();
  const app = await startApp({
    config,
    logger,
    onSeeded: config.seedDemoData
      ? async (db) => {
          const summary = await seedDemoData(db.prisma);
          logger.info({ inventoryInserted: summary.inventoryInserted, inventoryTotal: summary.inventoryTotal }, 'demo data ready');
          const lines = summary.tenants.flatMap((tenant) => tenant.keys.map((key) => `  ${tenant.slug.padEnd(14)} ${key.role.padEnd(9)} ${key.key}`));
          console.log(`\nDemo API keys (pn_live_: live data; pn_test_: the organization's sandbox):\n${lines.join('\n')}\n`);
          const demoKey = demoTenants[0]?.keys[0]?.key;
          return demoKey ? { Authorization: `Bearer ${demoKey}` } : undefined;
        }
      : undefined,
  });
  handleShutdownSignals(app, config, logger);
  logger.info({ startupMs: Date.now() - started }, 'ready');
  // GraphiQL is served outside production only; the endpoints are the same either way.
  console.log(config.nodeEnv === 'production' ? `GraphQL: ${app.url}/graphql · operators: ${app.url}/operator/graphql` : `GraphiQL: ${app.url}/graphql`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
