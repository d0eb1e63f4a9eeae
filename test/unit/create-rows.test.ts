import { describe, expect, it } from 'vitest';
import { createRows, createRowsAndReturn } from '../../src/domain/transactions.js';

// A row or two go in as creates (Prisma caches their plans), more as one createMany (planned afresh each time).

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    one: async (row: number) => {
      calls.push(`one ${row}`);
      return row * 10;
    },
    many: async (rows: number[]) => {
      calls.push(`many ${rows.join(',')}`);
      return rows.map((row) => row * 10);
    },
  };
}

describe('createRows', () => {
  it('creates one or two rows one by one, in order, and more in one createMany', async () => {
    for (const [rows, expected] of [
      [[], []],
      [[1], ['one 1']],
      [
        [1, 2],
        ['one 1', 'one 2'],
      ],
      [[1, 2, 3], ['many 1,2,3']],
    ] as const) {
      const plain = recorder();
      await createRows([...rows], plain.one, plain.many);
      expect(plain.calls).toEqual(expected);
      const returning = recorder();
      expect(await createRowsAndReturn([...rows], returning.one, returning.many)).toEqual(rows.map((row) => row * 10));
      expect(returning.calls).toEqual(expected);
    }
  });

  it('stops at the first failure, leaving the rest to the transaction’s rollback', async () => {
    const calls: number[] = [];
    const failing = async (row: number) => {
      calls.push(row);
      if (row === 1) throw new Error('unique violation');
    };
    await expect(createRows([1, 2], failing, async () => {})).rejects.toThrow('unique violation');
    expect(calls).toEqual([1]);
  });
});
