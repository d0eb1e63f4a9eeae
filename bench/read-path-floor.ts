// The raw floor of bench/read-path.ts: what the API's `phoneNumbers(first: 50)` page
// costs with nothing but node:http and `pg`. It does the same work per request:
//   - the API key lookup (Bearer header, format check, SHA-256, the ApiKey row by
//     secretHash, refused when missing or revoked; lastUsedAt written at most once a
//     minute, as src/http/auth.ts does);
//   - the per-key query-cost bucket in memory (take the requested cost, refund what
//     the response did not use; Shopify-style figures as src/http/query-cost.ts
//     computes them for this one document);
//   - the `after` cursor checked (HMAC-SHA256 over list + tenant, as CursorCodec);
//   - one keyset page query (the 10 columns asked for plus the sort keys, LIMIT 51)
//     and one count, concurrently;
//   - the same JSON bytes as the API, signed cursors and `extensions.cost` included.
// It answers only the one document the bench sends (anything else: 400). It is not
// a GraphQL server: that is the point of a floor.
//
//   PORT=… DATABASE_URL=… CURSOR_SECRET=… npx tsx bench/read-path-floor.ts
//   (also DATABASE_POOL_SIZE=10, RATE_LIMIT_BUCKET_SIZE, RATE_LIMIT_RESTORE_RATE)

import { createHash } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { apiDocument, cursorScope, decodeCursor, encodeCursor, globalId, pageSize } from './read-path-shared.js';

const port = Number(process.env.PORT ?? 4100);
const secret = process.env.CURSOR_SECRET ?? '';
if (!secret) throw new Error('CURSOR_SECRET must be set');
const bucketSize = Number(process.env.RATE_LIMIT_BUCKET_SIZE ?? 1_000);
const restoreRate = Number(process.env.RATE_LIMIT_RESTORE_RATE ?? 50);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10), keepAlive: true });
pool.on('error', (error) => console.error('idle connection failed', error));

const keyPattern = /^pn_(live|test)_[A-Za-z0-9]{32,64}$/;
const lastUsedWriteInterval = 60_000;

type Caller = { organizationId: string; apiKeyId: string };

async function authenticate(header: string | undefined): Promise<Caller | null> {
  const key = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (!key || !keyPattern.test(key)) return null;
  const secretHash = createHash('sha256').update(key).digest('hex');
  const { rows } = await pool.query<{ id: string; organizationId: string; revokedAt: Date | null; lastUsedAt: Date | null }>(
    'SELECT id, "organizationId", role, "revokedAt", "lastUsedAt" FROM "ApiKey" WHERE "secretHash" = $1',
    [secretHash],
  );
  const record = rows[0];
  if (!record || record.revokedAt) return null;
  const now = Date.now();
  if (!record.lastUsedAt || now - record.lastUsedAt.getTime() > lastUsedWriteInterval) {
    pool.query('UPDATE "ApiKey" SET "lastUsedAt" = $2, "updatedAt" = $2 WHERE id = $1', [record.id, new Date(now)]).catch(() => {});
  }
  return { organizationId: record.organizationId, apiKeyId: record.id };
}

// The cost bucket (as MemoryCostBucket in src/infra/rate-limit.ts).
const buckets = new Map<string, { tokens: number; at: number }>();
function level(key: string) {
  const now = Date.now();
  const bucket = buckets.get(key) ?? { tokens: bucketSize, at: now };
  bucket.tokens = Math.min(bucketSize, bucket.tokens + ((now - bucket.at) / 1000) * restoreRate);
  bucket.at = now;
  buckets.set(key, bucket);
  return bucket;
}
const throttleStatus = (tokens: number) => ({ maximumAvailable: bucketSize, currentlyAvailable: Math.floor(tokens), restoreRate });

type Row = {
  id: string;
  e164: string;
  countryCode: string;
  areaCode: string;
  region: string | null;
  numberType: string;
  status: string;
  label: string | null;
  assignedTo: string | null;
  createdAt: Date;
};

const columns = 'id, e164, "countryCode", "areaCode", region, "numberType", status, label, "assignedTo", "createdAt"';
const firstPage = `SELECT ${columns} FROM "PhoneNumber" WHERE "organizationId" = $1 ORDER BY "createdAt" DESC, id DESC LIMIT $2`;
const nextPage =
  `SELECT ${columns} FROM "PhoneNumber" WHERE "organizationId" = $1 AND ("createdAt", id) < ($3::timestamptz, $4::uuid) ` +
  'ORDER BY "createdAt" DESC, id DESC LIMIT $2';
const count = 'SELECT count(*)::int AS n FROM "PhoneNumber" WHERE "organizationId" = $1';
// Unnamed statements, planned for their parameters on every execution, as the API's queries are. Named (prepared)
// ones switch to a generic plan after five runs, and one plan for "organizationId = $1" over a 10,000- and a
// 200,000-number tenant made the small tenant's count cost ~4× the PostgreSQL CPU in one run and not in another.

// Cost of the document: the connection 1 + 50 × (edge's node 1); actual: every object in `data` but `data`.
const requestedCost = 1 + pageSize;

function send(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const unauthenticated = JSON.stringify({ errors: [{ message: 'Missing, invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }] });
const badRequest = (message: string) => JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });

/** A cursor of this list holds [createdAt as ISO text, id]. */
const isSeek = (values: unknown[] | null): values is [string, string] =>
  Array.isArray(values) && values.length === 2 && typeof values[0] === 'string' && typeof values[1] === 'string';

async function page(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
  let after: string | null = null;
  try {
    const params = JSON.parse(raw) as { query?: string; variables?: { after?: string | null } };
    if (params.query !== apiDocument) return send(res, 400, badRequest('The floor answers only the bench document'));
    after = params.variables?.after ?? null;
  } catch {
    return send(res, 400, badRequest('Body is not JSON'));
  }
  const caller = await authenticate(req.headers.authorization);
  if (!caller) return send(res, 401, unauthenticated);
  const scope = cursorScope(caller.organizationId);
  let seek: [string, string] | null = null;
  if (after != null) {
    const values = decodeCursor(secret, scope, after);
    if (!isSeek(values)) return send(res, 400, badRequest('Argument "after" is not a valid cursor for this list'));
    seek = values;
  }
  const bucket = level(caller.apiKeyId);
  if (bucket.tokens < requestedCost) return send(res, 429, badRequest('Throttled'));
  bucket.tokens -= requestedCost;

  const [pageResult, countResult] = await Promise.all([
    seek
      ? pool.query<Row>(nextPage, [caller.organizationId, pageSize + 1, seek[0], seek[1]])
      : pool.query<Row>(firstPage, [caller.organizationId, pageSize + 1]),
    pool.query<{ n: number }>(count, [caller.organizationId]),
  ]);
  const rows = pageResult.rows;
  const hasMore = rows.length > pageSize;
  const edges = (hasMore ? rows.slice(0, pageSize) : rows).map((row) => {
    const createdAt = row.createdAt.toISOString();
    return {
      cursor: encodeCursor(secret, scope, [createdAt, row.id]),
      node: {
        id: globalId('PhoneNumber', row.id),
        e164: row.e164,
        countryCode: row.countryCode,
        areaCode: row.areaCode,
        region: row.region,
        numberType: row.numberType,
        status: row.status,
        label: row.label,
        assignedTo: row.assignedTo,
        createdAt,
      },
    };
  });
  // data, phoneNumbers and pageInfo, then an edge and a node per row; `data` itself is not charged.
  const actualCost = Math.min(2 + 2 * edges.length, requestedCost);
  const refunded = level(caller.apiKeyId);
  refunded.tokens = Math.min(bucketSize, refunded.tokens + requestedCost - actualCost);
  const body = {
    data: {
      phoneNumbers: {
        totalCount: countResult.rows[0]!.n,
        pageInfo: {
          hasNextPage: hasMore,
          hasPreviousPage: after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        edges,
      },
    },
    extensions: { cost: { requestedQueryCost: requestedCost, actualQueryCost: actualCost, throttleStatus: throttleStatus(refunded.tokens) } },
  };
  send(res, 200, JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  if (req.url === '/readyz') return send(res, 200, '{"status":"ok"}');
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, badRequest('Not found'));
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    page(req, res, Buffer.concat(chunks).toString('utf8')).catch((error) => {
      console.error(error);
      if (!res.headersSent) send(res, 500, badRequest('Internal error'));
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.error(`floor listening on 127.0.0.1:${port}`));
const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
