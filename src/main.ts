import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './infra/logger.js';
import { demoTenants, seedDemoData } from '../prisma/seed.js';

async function main() {
  let config;
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
  const started = Date.now();
  const app = await startApp({
    config,
    logger,
    onSeeded: config.seedDemoData
      ? async (db) => {
          const summary = await seedDemoData(db.prisma);
          logger.info({ inventoryInserted: summary.inventoryInserted, inventoryTotal: summary.inventoryTotal }, 'demo data ready');
          const lines = summary.tenants.flatMap((tenant) => tenant.keys.map((key) => `  ${tenant.slug.padEnd(14)} ${key.role.padEnd(9)} ${key.key}`));
          console.log(`\nDemo API keys (test mode):\n${lines.join('\n')}\n`);
          return { Authorization: `Bearer ${demoTenants[0].keys[0].key}` };
        }
      : undefined,
  });
  logger.info({ startupMs: Date.now() - started }, 'ready');
  console.log(`GraphiQL: ${app.url}/graphql`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
