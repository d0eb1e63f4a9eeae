import type { PGlite } from '@electric-sql/pglite';

// PGlite serialises a JS array parameter only for array types it knows; for an
// enum array (e.g. "Capability"[]) it sends `VOICE,SMS`, which PostgreSQL
// rejects as a malformed array literal. Sending every array as a PostgreSQL
// array literal works for all element types, known or not.

function element(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return toArrayLiteral(value);
  if (value instanceof Date) return `"${value.toISOString()}"`;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function toArrayLiteral(values: unknown[]): string {
  return `{${values.map(element).join(',')}}`;
}

type Queryable = { query: (sql: string, params?: unknown[], options?: unknown) => Promise<unknown> };

function encodeArrayParams<T extends Queryable>(target: T): T {
  const query = target.query.bind(target);
  target.query = ((sql: string, params?: unknown[], options?: unknown) =>
    query(
      sql,
      params?.map((param) => (Array.isArray(param) ? toArrayLiteral(param) : param)),
      options,
    )) as T['query'];
  return target;
}

export function withArrayLiteralParams(pglite: PGlite): PGlite {
  encodeArrayParams(pglite as unknown as Queryable);
  const transaction = pglite.transaction.bind(pglite);
  pglite.transaction = ((callback: (tx: Queryable) => Promise<unknown>) =>
    transaction((tx) => callback(encodeArrayParams(tx as unknown as Queryable)))) as PGlite['transaction'];
  return pglite;
}
