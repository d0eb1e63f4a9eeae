import { createHmac, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';

// Keyset (seek) pagination with signed cursors. A cursor carries the sort
// values of the row it points at; it is signed together with the list and
// tenant it belongs to, so a forged cursor or one from another tenant or list
// is refused instead of silently re-positioning the page.

// Page sizes, for every list and for the query cost that charges for them (http/query-cost.ts).
/** Most items `first` or `last` may ask for. */
export const maxPageSize = 100;
/** Items a list returns when neither `first` nor `last` is given. */
export const defaultPageSize = 20;
/** The `events` query's default `first`: the stored feed is read in larger pages to catch up. */
export const defaultEventPageSize = 50;

export type ConnectionArgs = {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
};

export type OrderKey = { field: string; direction: 'asc' | 'desc'; kind: 'date' | 'string' | 'number' };

export class CursorCodec {
  constructor(private readonly secret: string) {}

  private mac(scope: string, body: string) {
    return createHmac('sha256', this.secret).update(scope).update('\0').update(body).digest().subarray(0, 16);
  }

  encode(scope: string, values: unknown[]): string {
    const body = Buffer.from(JSON.stringify(values)).toString('base64url');
    return `${body}.${this.mac(scope, body).toString('base64url')}`;
  }

  decode(scope: string, cursor: string, argument: string): unknown[] {
    const [body, signature, extra] = cursor.split('.');
    const invalid = () =>
      new GraphQLError(`Argument "${argument}" is not a valid cursor for this list`, {
        extensions: { code: 'INVALID_CURSOR', field: [argument] },
      });
    if (!body || !signature || extra !== undefined) throw invalid();
    const expected = this.mac(scope, body);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    try {
      const values = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      if (!Array.isArray(values)) throw invalid();
      return values;
    } catch {
      throw invalid();
    }
  }
}

function badArgument(argument: string, message: string) {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field: [argument] } });
}

export function pageSize(args: ConnectionArgs): { size: number; forward: boolean } {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > maxPageSize)) {
      throw badArgument(name, `Argument "${name}" must be between 0 and ${maxPageSize}, got ${value}`);
    }
  }
  if (args.first != null && args.last != null) throw badArgument('last', 'Pass either "first" or "last", not both');
  if (args.last != null) return { size: args.last, forward: false };
  return { size: args.first ?? defaultPageSize, forward: true };
}

function toStored(kind: OrderKey['kind'], value: unknown) {
  return kind === 'date' ? (value as Date).toISOString() : value;
}

function fromStored(kind: OrderKey['kind'], value: unknown, argument: string) {
  if (kind === 'date') {
    const date = new Date(value as string);
    if (typeof value !== 'string' || Number.isNaN(date.getTime())) throw badArgument(argument, `Argument "${argument}" is not a valid cursor`);
    return date;
  }
  if (typeof value !== kind) throw badArgument(argument, `Argument "${argument}" is not a valid cursor`);
  return value;
}

/**
 * Rows strictly past `values` in the walk direction, as a where PostgreSQL can seek an index with:
 * a <= x AND (a < x OR (a = x AND b < y) …) for a descending walk (>=, > ascending).
 *
 * Prisma can't express the row comparison (a, b) < (x, y). The OR alone is a row filter: the index
 * scan reads, and discards, every row before the cursor, so a deep page costs like OFFSET. The
 * redundant bound on the leading key is a plain range the planner turns into an Index Cond on the
 * list's (organizationId, a, …, id) index, so the scan starts at the cursor and the OR only drops
 * the cursor's ties on `a`. Sort keys must be NOT NULL columns: a NULL never compares, so rows
 * holding one would fall out of every seek (every ordering in the API is on a NOT NULL column; the
 * plans test checks that).
 */
function seekCondition(keys: OrderKey[], values: unknown[], towardsEnd: boolean): Record<string, unknown> {
  const ascending = (key: OrderKey) => (key.direction === 'asc') === towardsEnd;
  const branches = keys.map((key, index) => {
    const branch: Record<string, unknown> = {};
    keys.slice(0, index).forEach((previous, i) => {
      branch[previous.field] = values[i];
    });
    branch[key.field] = ascending(key) ? { gt: values[index] } : { lt: values[index] };
    return branch;
  });
  const [only, ...more] = branches;
  const [leading] = keys;
  if (!leading || (only && !more.length)) return only ?? { OR: branches };
  return { AND: [{ [leading.field]: ascending(leading) ? { gte: values[0] } : { lte: values[0] } }, { OR: branches }] };
}

/** A Prisma `select` or `include` (or neither), as plugin-prisma plans it from the GraphQL selection. */
export type RowSelection = { select?: Record<string, unknown>; include?: Record<string, unknown> };
export type PageQuery = RowSelection & { where: Record<string, unknown>; orderBy: Record<string, 'asc' | 'desc'>[]; take: number };

/** The selection with the sort keys added when it is a `select` (types in select mode read only the columns asked for). */
function withSortKeys(selection: RowSelection | undefined, keys: OrderKey[]): RowSelection {
  if (!selection?.select) return selection ?? {};
  const select = { ...selection.select };
  for (const key of keys) select[key.field] = true;
  return { ...selection, select };
}

type Edge<Row> = { cursor: string; node: Row };
export type KeysetConnection<Row> = {
  edges: Edge<Row>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
};

export async function keysetConnection<Row extends Record<string, unknown>>(options: {
  args: ConnectionArgs;
  cursors: CursorCodec;
  /** Identifies the list and tenant a cursor is valid for. */
  scope: string;
  /** Sort keys; the last one must be unique (usually `id`). */
  keys: OrderKey[];
  where: Record<string, unknown>;
  /** What the query selects beneath `edges.node` (plugin-prisma's queryFromInfo); the sort keys are added to a `select`. */
  selection?: RowSelection;
  findMany: (query: PageQuery) => Promise<Row[]>;
  count: (where: Record<string, unknown>) => Promise<number>;
}): Promise<KeysetConnection<Row>> {
  const { args, cursors, scope, keys } = options;
  const { size, forward } = pageSize(args);
  const decode = (argument: 'after' | 'before', cursor: string) => {
    const values = cursors.decode(scope, cursor, argument);
    if (values.length !== keys.length) throw badArgument(argument, `Argument "${argument}" is not a valid cursor`);
    return keys.map((key, i) => fromStored(key.kind, values[i], argument));
  };
  const conditions: Record<string, unknown>[] = [options.where];
  // "" is a cursor like any other (and invalid), not an absent one.
  if (args.after != null) conditions.push(seekCondition(keys, decode('after', args.after), true));
  if (args.before != null) conditions.push(seekCondition(keys, decode('before', args.before), false));
  const where = conditions.length === 1 ? options.where : { AND: conditions };

  const orderBy = keys.map((key) => ({
    [key.field]: forward ? key.direction : key.direction === 'asc' ? ('desc' as const) : ('asc' as const),
  }));
  const rows = size === 0 ? [] : await options.findMany({ ...withSortKeys(options.selection, keys), where, orderBy, take: size + 1 });
  const hasMore = rows.length > size;
  const page = rows.slice(0, size);
  if (!forward) page.reverse();

  const edges = page.map((node) => ({
    node,
    cursor: cursors.encode(
      scope,
      keys.map((key) => toStored(key.kind, node[key.field])),
    ),
  }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: forward ? hasMore : args.before != null,
      hasPreviousPage: forward ? args.after != null : hasMore,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (counted ??= options.count(options.where)),
  };
}
