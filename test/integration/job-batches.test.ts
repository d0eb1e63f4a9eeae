import { describe, expect } from 'vitest';
import { enqueueJobs } from '../../src/infra/jobs.js';
import { skipReason } from '../helpers/database.js';
import { serverTest } from '../helpers/server-fixture.js';

const it = serverTest();

describe.skipIf(skipReason)('enqueueing many jobs at once', () => {
  it('more jobs than one statement can bind go in, each once, and a repeat adds none', async ({ server }) => {
    const runAt = new Date(Date.now() + 86_400_000);
    const jobs = Array.from({ length: 12_000 }, (_, index) => ({
      payload: { inventoryNumberId: `batch-${index}` },
      options: { runAt, uniqueKey: `batch-test:${index}` },
    }));
    await enqueueJobs(server.db.prisma, 'return-to-stock', jobs);
    await enqueueJobs(server.db.prisma, 'return-to-stock', jobs);
    expect(await server.db.prisma.job.count({ where: { uniqueKey: { startsWith: 'batch-test:' } } })).toBe(12_000);
    await server.db.prisma.job.deleteMany({ where: { uniqueKey: { startsWith: 'batch-test:' } } });
  });
});
