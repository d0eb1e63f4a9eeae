import path from 'node:path';
import { seedDemoData } from '../../prisma/seed.js';
import { loadConfig } from '../config.js';
import { openConfiguredDatabase, openDatabase } from '../infra/database.js';
import { applyMigrations, createMigration } from '../infra/migrate.js';

// npm run db:migrate | db:migration -- <name> | db:seed
async function main() {
  const [command, name] = process.argv.slice(2);
  const config = loadConfig();
  // The same database, pool and timeouts the app opens (migrations run on their own pool without a statement timeout).
  const db = await openConfiguredDatabase(config);
  try {
    if (command === 'migrate') {
      const applied = await applyMigrations(db.adapterFactory);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    } else if (command === 'migration') {
      if (!name) throw new Error('Usage: npm run db:migration -- <name>');
      // Diffing from the migration history needs an empty scratch database; an in-memory PGlite is one.
      const scratch = await openDatabase({ kind: 'pglite' });
      try {
        const dir = await createMigration(scratch.adapterFactory, name);
        console.log(dir ? `Created ${path.relative(process.cwd(), dir)}` : 'Schema matches the migrations; nothing to create.');
      } finally {
        await scratch.close();
      }
    } else if (command === 'seed') {
      await applyMigrations(db.adapterFactory);
      const summary = await seedDemoData(db.prisma);
      console.log(JSON.stringify(summary, null, 2));
    } else {
      throw new Error(`Unknown command "${command}". Use migrate, migration <name> or seed.`);
    }
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
