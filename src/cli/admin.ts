import { seedInventory } from '../../prisma/seed.js';
import { loadConfig } from '../config.js';
import { createOperatorKey } from '../domain/operators.js';
import { openConfiguredDatabase } from '../infra/database.js';
import { applyMigrations } from '../infra/migrate.js';

// npm run admin -- create-operator-key --name <name> | list-operator-keys | revoke-operator-key --id <id> | seed-inventory [--count <n>]
// Works on the database the app is configured with (DATABASE_URL, else PGlite under DATA_DIR).

const usage = `Usage: npm run admin -- ${[
  'create-operator-key --name <name>',
  'list-operator-keys',
  'revoke-operator-key --id <id>',
  'seed-inventory [--count <n>]',
].join(' | ')}`;

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const db = await openConfiguredDatabase(loadConfig());
  try {
    await applyMigrations(db.adapterFactory);
    if (command === 'create-operator-key') {
      const name = flag(args, 'name');
      if (!name) throw new Error(usage);
      const { operatorKey, secret } = await createOperatorKey(db.prisma, name);
      console.log(`Operator key "${operatorKey.name}" (${operatorKey.id}) created. Its secret, shown only now:\n\n  ${secret}\n`);
      console.log('Use it as `Authorization: Bearer <secret>` on /operator/graphql.');
    } else if (command === 'list-operator-keys') {
      const keys = await db.prisma.operatorKey.findMany({ orderBy: { createdAt: 'asc' } });
      if (!keys.length) console.log('No operator keys.');
      for (const key of keys) {
        const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
        console.log(`${key.id}  ${key.displayPrefix}…  ${key.name}  created ${key.createdAt.toISOString()}  ${state}`);
      }
    } else if (command === 'revoke-operator-key') {
      const id = flag(args, 'id');
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error(usage);
      const { count } = await db.prisma.operatorKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
      console.log(count ? `Operator key ${id} revoked.` : `No active operator key ${id}.`);
    } else if (command === 'seed-inventory') {
      // The simulated carrier's purchasable stock (without demo tenants), for a production-mode trial.
      const count = Number(flag(args, 'count') ?? 20_000);
      if (!Number.isSafeInteger(count) || count < 1 || count > 1_000_000) throw new Error(usage);
      console.log(`Added ${await seedInventory(db.prisma, { count })} purchasable numbers (of ${count}; the rest were there).`);
    } else {
      throw new Error(usage);
    }
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
