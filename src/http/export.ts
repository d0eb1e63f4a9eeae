import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'csv-stringify';
import { CountryCodeResolver } from 'graphql-scalars';
import { DomainError } from '../domain/errors.js';
import { csvRecord, exportColumns, exportRow, exportRowCap, parseExportQuery } from '../domain/export.js';
import { phoneNumberWhere } from '../domain/phone-numbers.js';
import type { PhoneNumber, PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../infra/logger.js';
import type { TenantScope } from '../infra/tenant-scope.js';
import { apiKeyFromHeaders, authenticate } from './auth.js';
import { failureOf, logFailure } from './failures.js';
import { currentRequestId } from './request-context.js';

// GET /export/phone-numbers: the tenant's numbers for finance, streamed in
// keyset batches so memory stays flat however many rows there are.

const batchSize = 1_000;

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

export function exportPhoneNumbers(prisma: PrismaClient, tenants: TenantScope, logger: Logger) {
  const handle = streamExport(prisma, tenants, logger);
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

function streamExport(prisma: PrismaClient, tenants: TenantScope, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET');
    const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])));
    const caller = await authenticate(prisma, apiKeyFromHeaders(headers));
    if (!caller) return fail(res, 401, 'UNAUTHENTICATED', 'Missing, invalid or revoked API key');

    let request: ReturnType<typeof parseExportQuery>;
    try {
      request = parseExportQuery(new URL(req.url ?? '/', 'http://local').searchParams, isCountryCode);
    } catch (error) {
      if (error instanceof DomainError) return fail(res, 400, error.code, error.message, error.field?.[0]);
      throw error;
    }
    const db = tenants({ organizationId: caller.organizationId, mode: caller.mode });
    const where = phoneNumberWhere(request.filter);
    const total = await db.phoneNumber.count({ where });
    const rows = Math.min(total, exportRowCap);
    const day = new Date().toISOString().slice(0, 10);
    res.writeHead(200, {
      'content-type': request.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="phone-numbers-export-${day}.${request.format}"`,
      'x-row-count': String(rows),
      ...(total > exportRowCap ? { 'x-truncated': 'true', 'x-truncated-at': String(exportRowCap) } : {}),
      'cache-control': 'no-store',
    });

    // Values go out as stored (finance reconciles on them), except free-text CSV cells a spreadsheet
    // would run as formulas (see csvRecord); csv-stringify quotes what CSV needs quoted.
    const csv = request.format === 'csv' ? stringify({ header: true, columns: [...exportColumns] }) : null;
    const sink = csv ?? res;
    csv?.pipe(res);
    const emit = async (chunk: string | string[]) => {
      if (!(sink as NodeJS.WritableStream).write(chunk as never)) await once(sink, 'drain');
    };
    let emitted = 0;
    let after: { createdAt: Date; id: string } | null = null;
    try {
      if (!csv) await emit('[');
      while (emitted < rows) {
        const page: PhoneNumber[] = await db.phoneNumber.findMany({
          where: after ? { AND: [where, { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }] } : where,
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: Math.min(batchSize, rows - emitted),
        });
        if (!page.length) break;
        for (const number of page) {
          const row = exportRow(number);
          await emit(csv ? csvRecord(row) : `${emitted === 0 ? '' : ','}${JSON.stringify(row)}`);
          emitted += 1;
        }
        const last = page.at(-1);
        if (last) after = { createdAt: last.createdAt, id: last.id };
      }
      if (csv) {
        csv.end();
        await once(res, 'finish');
      } else {
        res.end(']');
      }
    } catch (error) {
      logger.error({ err: error }, 'export failed mid-stream');
      res.destroy();
    }
  };
}
