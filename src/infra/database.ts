import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { withArrayLiteralParams } from './pglite-arrays.js';

export type Database = {
  prisma: PrismaClient;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgres';
  /** Number of SQL statements sent since start; tests use it to bound queries per request. */
  statementCount: () => number;
  /** Observe every statement Prisma sends (tests read plans of the exact SQL served). */
  onStatement: (listener: (statement: { sql: string; params: string }) => void) => () => void;
  close: () => Promise<void>;
};

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  /** `dataDir` undefined means in-memory. */
  | { kind: 'pglite'; dataDir?: string };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let statements = 0;
  const listeners = new Set<(statement: { sql: string; params: string }) => void>();
  const countStatement = (event: { query: string; params: string }) => {
    statements += 1;
    for (const listener of listeners) listener({ sql: event.query, params: event.params });
  };
  const onStatement: Database['onStatement'] = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  if (options.kind === 'postgres') {
    const adapterFactory = new PrismaPg({ connectionString: options.url, max: options.poolSize ?? 10 });
    const prisma = new PrismaClient({ adapter: adapterFactory, log: [{ emit: 'event', level: 'query' }] });
    prisma.$on('query', countStatement);
    return {
      prisma,
      adapterFactory,
      kind: 'postgres',
      statementCount: () => statements,
      onStatement,
      close: () => prisma.$disconnect(),
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await pglite.waitReady;
  withArrayLiteralParams(pglite);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', countStatement);
  return {
    prisma,
    adapterFactory,
    kind: 'pglite',
    statementCount: () => statements,
    onStatement,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
