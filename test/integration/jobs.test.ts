import { describe, expect } from 'vitest';
import { skipReason } from '../helpers/database.js';
import { eventually } from '../helpers/lifecycle.js';
import { serverTest } from '../helpers/server-fixture.js';

const it = serverTest();

describe.skipIf(skipReason)('job payloads read back from the database', () => {
  it('a malformed payload fails its job at the first attempt, naming the field, without running the handler', async ({ server }) => {
    const insert = (kind: string, payload: unknown) =>
      server.db.prisma.job.create({ data: { kind, payload: payload as object, maxAttempts: 5 }, select: { id: true } });
    const missing = await insert('activate-number', { organizationId: '00000000-0000-4000-8000-000000000000' });
    const mistyped = await insert('port-progress', { organizationId: 'o', portingOrderId: 'p', run: '1', step: 1 });
    const settled = await eventually(
      () => server.db.prisma.job.findMany({ where: { id: { in: [missing.id, mistyped.id] } }, orderBy: { kind: 'asc' } }),
      (jobs) => jobs.every((job) => job.status === 'FAILED'),
    );
    expect(settled.map(({ kind, attempts, lastError }) => ({ kind, attempts, lastError }))).toEqual([
      { kind: 'activate-number', attempts: 1, lastError: 'activate-number job payload: "phoneNumberId" should be a non-empty string, found missing' },
      { kind: 'port-progress', attempts: 1, lastError: 'port-progress job payload: "run" should be an integer, found "1"' },
    ]);
  });
});
