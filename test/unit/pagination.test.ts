import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { type ConnectionArgs, CursorCodec, keysetConnection, type OrderKey, pageSize } from '../../src/schema/pagination.js';

const codec = new CursorCodec('test-secret');
const scope = 'phoneNumbers:org-a';

function decodeError(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return error as { message: string; extensions: Record<string, unknown> };
  }
  throw new Error('expected an error');
}

describe('CursorCodec', () => {
  it('round-trips values', () => {
    const values = ['2024-01-02T03:04:05.000Z', 'id-1', 42];
    expect(codec.decode(scope, codec.encode(scope, values), 'after')).toEqual(values);
  });

  const cursor = codec.encode(scope, ['a', 1]);
  const [body = '', signature = ''] = cursor.split('.');
  // A cursor is body.signature; an empty part would make the cases below vacuous.
  it('encodes a body and a signature', () => {
    expect(body).not.toBe('');
    expect(signature).not.toBe('');
  });
  const flip = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
  const forged = (json: string) => {
    const b = Buffer.from(json).toString('base64url');
    const mac = createHmac('sha256', 'test-secret').update(scope).update('\0').update(b).digest().subarray(0, 16);
    return `${b}.${mac.toString('base64url')}`;
  };

  it.each([
    ['a different scope', () => codec.decode('phoneNumbers:org-b', cursor, 'after'), 'after'],
    ['a different secret', () => new CursorCodec('other-secret').decode(scope, cursor, 'before'), 'before'],
    ['a tampered body', () => codec.decode(scope, `${flip(body)}.${signature}`, 'after'), 'after'],
    ['a body from another cursor', () => codec.decode(scope, `${codec.encode(scope, ['b', 2]).split('.')[0]}.${signature}`, 'after'), 'after'],
    ['a tampered signature', () => codec.decode(scope, `${body}.${flip(signature)}`, 'after'), 'after'],
    ['a truncated signature', () => codec.decode(scope, `${body}.${signature.slice(0, 10)}`, 'after'), 'after'],
    ['a missing signature', () => codec.decode(scope, body, 'after'), 'after'],
    ['an empty signature', () => codec.decode(scope, `${body}.`, 'after'), 'after'],
    ['garbage', () => codec.decode(scope, 'not a cursor!', 'before'), 'before'],
    ['an empty string', () => codec.decode(scope, '', 'after'), 'after'],
    ['extra dots', () => codec.decode(scope, `${cursor}.x`, 'after'), 'after'],
    ['a signed non-JSON body', () => codec.decode(scope, forged('{oops'), 'after'), 'after'],
    ['a signed non-array body', () => codec.decode(scope, forged('{"a":1}'), 'after'), 'after'],
  ])('refuses %s with INVALID_CURSOR', (_name, run, argument) => {
    const error = decodeError(run);
    expect(error.extensions).toEqual({ code: 'INVALID_CURSOR', field: [argument] });
    expect(error.message).toContain(`"${argument}"`);
  });
});

describe('pageSize', () => {
  it('defaults to 20 forward', () => {
    expect(pageSize({})).toEqual({ size: 20, forward: true });
    expect(pageSize({ first: null, last: null })).toEqual({ size: 20, forward: true });
  });

  it('accepts the bounds', () => {
    expect(pageSize({ first: 0 })).toEqual({ size: 0, forward: true });
    expect(pageSize({ first: 100 })).toEqual({ size: 100, forward: true });
    expect(pageSize({ last: 0 })).toEqual({ size: 0, forward: false });
    expect(pageSize({ last: 100 })).toEqual({ size: 100, forward: false });
  });

  it.each([
    [{ first: 101 }, 'first'],
    [{ first: -1 }, 'first'],
    [{ last: 101 }, 'last'],
    [{ last: -5 }, 'last'],
    [{ first: 5, last: 5 }, 'last'],
  ] as [ConnectionArgs, string][])('rejects %o', (args, field) => {
    expect(decodeError(() => pageSize(args)).extensions).toEqual({ code: 'BAD_USER_INPUT', field: [field] });
  });
});

type Row = { id: string; createdAt: Date; group: string };
type Where = Record<string, unknown>;

const comparable = (value: unknown) => (value instanceof Date ? value.getTime() : (value as string | number));

function matches(row: Row, where: Where): boolean {
  return Object.entries(where).every(([key, condition]) => {
    if (key === 'AND') return (condition as Where[]).every((w) => matches(row, w));
    if (key === 'OR') return (condition as Where[]).some((w) => matches(row, w));
    const value = comparable(row[key as keyof Row]);
    if (condition && typeof condition === 'object' && !(condition instanceof Date)) {
      const { gt, lt, gte, lte } = condition as { gt?: unknown; lt?: unknown; gte?: unknown; lte?: unknown };
      return (
        (gt === undefined || value > comparable(gt)) &&
        (lt === undefined || value < comparable(lt)) &&
        (gte === undefined || value >= comparable(gte)) &&
        (lte === undefined || value <= comparable(lte))
      );
    }
    return value === comparable(condition);
  });
}

const day = (n: number) => new Date(Date.UTC(2024, 0, n));
// Ties on createdAt so that the id tie-breaker matters.
const rows: Row[] = [
  { id: 'a', createdAt: day(1), group: 'x' },
  { id: 'b', createdAt: day(3), group: 'x' },
  { id: 'c', createdAt: day(3), group: 'y' },
  { id: 'd', createdAt: day(2), group: 'x' },
  { id: 'e', createdAt: day(3), group: 'x' },
  { id: 'f', createdAt: day(5), group: 'x' },
  { id: 'g', createdAt: day(2), group: 'x' },
];
const keys: OrderKey[] = [
  { field: 'createdAt', direction: 'desc', kind: 'date' },
  { field: 'id', direction: 'asc', kind: 'string' },
];
// Expected order for group 'x': createdAt desc, then id asc.
const expectedIds = ['f', 'b', 'e', 'd', 'g', 'a'];

function setup() {
  const findMany = vi.fn(async ({ where, orderBy, take }: { where: Where; orderBy: Record<string, 'asc' | 'desc'>[]; take: number }) => {
    const sorted = rows
      .filter((row) => matches(row, where))
      .sort((l, r) => {
        for (const order of orderBy) {
          const [field, direction] = Object.entries(order)[0]!;
          const a = comparable(l[field as keyof Row]);
          const b = comparable(r[field as keyof Row]);
          if (a !== b) return (a < b ? -1 : 1) * (direction === 'asc' ? 1 : -1);
        }
        return 0;
      });
    return sorted.slice(0, take);
  });
  const count = vi.fn(async (where: Where) => rows.filter((row) => matches(row, where)).length);
  const page = (args: ConnectionArgs) => keysetConnection<Row>({ args, cursors: codec, scope, keys, where: { group: 'x' }, findMany, count });
  return { findMany, count, page };
}

const ids = (connection: { edges: { node: Row }[] }) => connection.edges.map((edge) => edge.node.id);

describe('keysetConnection', () => {
  it('pages forward through every row exactly once', async () => {
    const { page } = setup();
    const first = await page({ first: 4 });
    expect(ids(first)).toEqual(['f', 'b', 'e', 'd']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.pageInfo.startCursor).toBe(first.edges[0]!.cursor);
    expect(first.pageInfo.endCursor).toBe(first.edges[3]!.cursor);

    const second = await page({ first: 4, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual(['g', 'a']);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('reports no next page when the last page is exactly full', async () => {
    const { page } = setup();
    const first = await page({ first: 3 });
    const second = await page({ first: 3, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual(['d', 'g', 'a']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('pages backward with last/before and keeps the original order in each page', async () => {
    const { page } = setup();
    const last = await page({ last: 4 });
    expect(ids(last)).toEqual(['e', 'd', 'g', 'a']);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const previous = await page({ last: 4, before: last.pageInfo.startCursor });
    expect(ids(previous)).toEqual(['f', 'b']);
    expect(previous.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('combines after and before into a window', async () => {
    const { page } = setup();
    const all = await page({ first: 10 });
    const window = await page({ first: 10, after: all.edges[0]!.cursor, before: all.edges[4]!.cursor });
    expect(ids(window)).toEqual(expectedIds.slice(1, 4));
  });

  it('counts lazily, once, and over the unpaged where', async () => {
    const { page, count } = setup();
    const first = await page({ first: 2 });
    const second = await page({ first: 2, after: first.pageInfo.endCursor });
    expect(count).not.toHaveBeenCalled();
    expect(await second.totalCount()).toBe(6);
    expect(await second.totalCount()).toBe(6);
    expect(count).toHaveBeenCalledTimes(1);
    expect(count).toHaveBeenCalledWith({ group: 'x' });
  });

  it('does not query for first: 0', async () => {
    const { page, findMany } = setup();
    const empty = await page({ first: 0 });
    expect(findMany).not.toHaveBeenCalled();
    expect(empty.edges).toEqual([]);
    expect(empty.pageInfo).toMatchObject({ startCursor: null, endCursor: null });
  });

  it('bounds the leading sort key of a seek with a plain range, so PostgreSQL can start an index scan at the cursor', async () => {
    const { page, findMany } = setup();
    const cursor = codec.encode(scope, ['2024-01-03T00:00:00.000Z', 'b']);
    await page({ first: 2, after: cursor });
    await page({ last: 2, before: cursor });
    const [[forward], [backward]] = findMany.mock.calls as unknown as [[{ where: Where }], [{ where: Where }]];
    // createdAt is descending: past the cursor going forward is createdAt <= x, going backward createdAt >= x.
    const seek = (where: Where) => (where.AND as Where[])[1]!;
    expect(seek(forward.where)).toEqual({
      AND: [{ createdAt: { lte: day(3) } }, { OR: [{ createdAt: { lt: day(3) } }, { createdAt: day(3), id: { gt: 'b' } }] }],
    });
    expect(seek(backward.where)).toEqual({
      AND: [{ createdAt: { gte: day(3) } }, { OR: [{ createdAt: { gt: day(3) } }, { createdAt: day(3), id: { lt: 'b' } }] }],
    });
  });

  it('rejects a validly signed cursor with the wrong shape for these keys', async () => {
    const { page, findMany } = setup();
    const wrongLength = codec.encode(scope, ['2024-01-01T00:00:00.000Z']);
    const wrongKind = codec.encode(scope, ['not a date', 'a']);
    for (const cursor of [wrongLength, wrongKind]) {
      await expect(page({ after: cursor })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['after'] } });
    }
    expect(findMany).not.toHaveBeenCalled();
  });

  it('rejects a cursor from another scope', async () => {
    const { page } = setup();
    const foreign = codec.encode('phoneNumbers:org-b', ['2024-01-03T00:00:00.000Z', 'b']);
    await expect(page({ before: foreign, last: 2 })).rejects.toMatchObject({ extensions: { code: 'INVALID_CURSOR', field: ['before'] } });
  });
});
