import type { IncomingMessage, ServerResponse } from 'node:http';
import { CountryCodeResolver } from 'graphql-scalars';
import { DomainError } from '../domain/errors.js';
import { csvHeader, exportBatch, exportRowCap, parseExportQuery, planExport } from '../domain/export.js';
import type { Database } from '../infra/database.js';
import type { Logger } from '../infra/logger.js';
import type { TenantScope } from '../infra/tenant-scope.js';
import { callerTenant } from '../schema/context.js';
import { apiKeyFromHeaders, authenticate } from './auth.js';
import { failureOf, logFailure } from './failures.js';
import { currentRequestId } from './request-context.js';

// GET /export/phone-numbers: the tenant's numbers for finance. PostgreSQL writes the rows (COPY, in batches of
// exportBatchRows) and the bytes go out as it wrote them. The next batch is read while the client takes the
// current one, and never further ahead, so memory stays flat however many rows there are, and a batch is read at
// the database's pace, so a slow client never holds a database connection (nor runs into the statement timeout).

function isCountryCode(code: string) {
  try {
    CountryCodeResolver.parseValue(code);
    return true;
  } catch {
    return false;
  }
}

function fail(res: ServerResponse, status: number, code: string, message: string, parameter?: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message, ...(parameter ? { parameter } : {}) } }));
}

export function exportPhoneNumbers(db: Pick<Database, 'prisma' | 'copyOut'>, tenants: TenantScope, logger: Logger) {
  const handle = streamExport(db, tenants, logger);
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await handle(req, res);
    } catch (error) {
      // Before the first byte the client gets a masked status it can act on (503 + Retry-After in an outage);
      // mid-stream, the connection is cut so a truncated file can't pass for a complete one.
      const failure = failureOf(error);
      logFailure(logger, failure, error, { requestId: currentRequestId() }, 'export failed');
      if (!res.headersSent) fail(res, failure.status, failure.code, failure.message, undefined, failure.headers);
      else res.destroy();
    }
  };
}

/** Resolves once the response can take more, or is gone (the client went away). */
function writable(res: ServerResponse): Promise<void> {
  if (res.destroyed || !res.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const newline = 0x0a;
const comma = 0x2c;

/** JSON objects one per line, made array elements in place: a comma between two objects, none after the last. */
function asJsonElements(pieces: Buffer[]): Buffer[] {
  for (const piece of pieces) for (let at = piece.indexOf(newline); at !== -1; at = piece.indexOf(newline, at + 1)) piece[at] = comma;
  const last = pieces.at(-1);
  if (last) pieces[pieces.length - 1] = last.subarray(0, last.length - 1);
  return pieces;
}

function streamExport(db: Pick<Database, 'prisma' | 'copyOut'>, tenants: TenantScope, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET');
    const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])));
    const caller = await authenticate(db.prisma, apiKeyFromHeaders(headers));
    if (!caller) return fail(res, 401, 'UNAUTHENTICATED', 'Missing, invalid or revoked API key');

    let request: ReturnType<typeof parseExportQuery>;
    try {
      request = parseExportQuery(new URL(req.url ?? '/', 'http://local').searchParams, isCountryCode);
    } catch (error) {
      if (error instanceof DomainError) return fail(res, 400, error.code, error.message, error.field?.[0]);
      throw error;
    }
    const { format, filter } = request;
    const scoped = tenants(callerTenant(caller));
    const { rows, truncated, batches } = await planExport(scoped, filter);
    const day = new Date().toISOString().slice(0, 10);
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="phone-numbers-export-${day}.${format}"`,
      'x-row-count': String(rows),
      ...(truncated ? { 'x-truncated': 'true', 'x-truncated-at': String(exportRowCap) } : {}),
      'cache-control': 'no-store',
    });

    const read = (index: number) => {
      const batch = batches[index];
      if (!batch) return null;
      const reading = exportBatch(scoped, db.copyOut, format, filter, batch);
      // Awaited below unless the client has gone by then; its failure is reported there, not as an unhandled rejection.
      reading.catch(() => {});
      return reading;
    };
    try {
      res.write(format === 'csv' ? csvHeader : '[');
      let sentRows = false;
      let next = read(0);
      for (let index = 0; next; index += 1) {
        const pieces = await next;
        if (res.destroyed) return;
        next = read(index + 1);
        if (!pieces.some((piece) => piece.length)) continue;
        res.cork();
        if (format === 'json' && sentRows) res.write(',');
        for (const piece of format === 'csv' ? pieces : asJsonElements(pieces)) if (piece.length) res.write(piece);
        res.uncork();
        sentRows = true;
        await writable(res);
        // The client went away: stop here (the batch being read finishes on its own, in milliseconds, and its connection goes back to the pool).
        if (res.destroyed) return;
      }
      res.end(format === 'csv' ? undefined : ']');
    } catch (error) {
      logger.error({ err: error }, 'export failed mid-stream');
      res.destroy();
    }
  };
}
