import { type PhoneNumber, Prisma } from '../generated/prisma/client.js';
import { PhoneNumberStatus } from '../generated/prisma/enums.js';
import type { CopyOut } from '../infra/copy-out.js';
import { type TenantDb, tenantCopy, tenantId, tenantSql } from '../infra/tenant-scope.js';
import { invalidInput } from './errors.js';
import { checkText, likeLiteral } from './input-rules.js';
import { centsToDecimal } from './money.js';
import { maxSearchLength, type PhoneNumberFilter } from './phone-numbers.js';

// The finance export's contract: these columns, in this order; new ones only ever appended.
export const exportColumns = [
  'e164',
  'country_code',
  'area_code',
  'status',
  'number_type',
  'capabilities',
  'label',
  'tags',
  'forwarding_number',
  'assigned_to',
  'compliance_profile_id',
  'tfv_status',
  'monthly_cost',
  'provider',
  'created_at',
  'assigned_at',
  'next_billing_at',
] as const;

export const exportRowCap = 50_000;

/** Joins list values (tags, capabilities) in one cell; tags may therefore not contain it. */
export const tagSeparator = ';';

type ExportColumn = (typeof exportColumns)[number];
export type ExportRow = Record<ExportColumn, string>;

const iso = (date: Date | null) => (date ? date.toISOString() : '');

// exportRow and csvRecord are the contract in code: what a row's cells are. The export has PostgreSQL write them
// (exportBatch below); test/integration/export-stream.test.ts checks its bytes against these cells, CSV-quoted by
// csv-stringify or written by JSON.stringify.

export function exportRow(number: PhoneNumber): ExportRow {
  return {
    e164: number.e164,
    country_code: number.countryCode,
    area_code: number.areaCode,
    status: number.status,
    number_type: number.numberType,
    capabilities: number.capabilities.join(tagSeparator),
    label: number.label ?? '',
    tags: number.tags.join(tagSeparator),
    forwarding_number: number.forwardingNumber ?? '',
    assigned_to: number.assignedTo ?? '',
    compliance_profile_id: number.complianceProfileId ?? '',
    tfv_status: number.tfvStatus ?? '',
    monthly_cost: centsToDecimal(number.monthlyPriceCents),
    provider: number.provider,
    created_at: iso(number.createdAt),
    assigned_at: iso(number.assignedAt),
    next_billing_at: iso(number.nextBillingAt),
  };
}

// CSV injection (OWASP): a spreadsheet runs a cell starting with = + - @ (or a tab or
// carriage return in front of one) as a formula. Cells users write freely get a leading
// single quote when they start so; every other column is machine-made (E.164 numbers
// start with "+" and amounts may be negative) and goes out exactly as stored.
const freeTextColumns = ['label', 'tags', 'assigned_to', 'compliance_profile_id'] as const satisfies ReadonlyArray<ExportColumn>;
const formulaStart = /^[=+\-@\t\r]/;

export function neutraliseFormula(value: string): string {
  return formulaStart.test(value) ? `'${value}` : value;
}

/** A row as CSV cells, in the contract's column order, free-text cells neutralised. */
export function csvRecord(row: ExportRow): string[] {
  return exportColumns.map((column) => ((freeTextColumns as readonly string[]).includes(column) ? neutraliseFormula(row[column]) : row[column]));
}

export type ExportFilter = Pick<PhoneNumberFilter, 'status' | 'countryCode' | 'search'>;
export type ExportRequest = { format: 'csv' | 'json'; filter: ExportFilter };

/** Reads and checks the query string; every problem names its parameter. */
export function parseExportQuery(params: URLSearchParams, isCountryCode: (code: string) => boolean): ExportRequest {
  const format = params.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw invalidInput(['format'], 'format must be "csv" or "json"');
  const filter: ExportFilter = {};
  const status = params.get('status');
  if (status) {
    const statuses = status.split(',').map((s) => s.trim().toUpperCase());
    const unknown = statuses.filter((s) => !(s in PhoneNumberStatus));
    if (unknown.length) throw invalidInput(['status'], `Unknown status ${unknown.join(', ')}; use ${Object.keys(PhoneNumberStatus).join(', ')}`);
    filter.status = statuses as PhoneNumberStatus[];
  }
  const country = params.get('country_code');
  if (country) {
    if (!/^[A-Za-z]{2}$/.test(country) || !isCountryCode(country.toUpperCase()))
      throw invalidInput(['country_code'], 'country_code must be an ISO 3166-1 alpha-2 code, e.g. US');
    filter.countryCode = country.toUpperCase();
  }
  const search = params.get('search');
  if (search) {
    filter.search = checkText(search, ['search'], maxSearchLength);
  }
  return { format, filter };
}

// ------------------------------------------------------------------ in SQL --
// PostgreSQL writes the export (COPY, in batches): each column's cell as SQL text, NULL for an empty cell.

/** Date#toISOString in SQL: years 1–9999 in one to_char; other years signed, in six digits (year 0 is 1 BC). */
function isoSql(column: string): string {
  const utc = `${column} AT TIME ZONE 'UTC'`;
  const year = `(extract(year FROM ${utc})::int + CASE WHEN ${column} < '0001-01-01T00:00:00Z' THEN 1 ELSE 0 END)`;
  const signedYear =
    `CASE WHEN ${year} < 0 THEN '-' || lpad((-${year})::text, 6, '0') ` +
    `WHEN ${year} > 9999 THEN '+' || lpad(${year}::text, 6, '0') ELSE lpad(${year}::text, 4, '0') END`;
  return (
    `CASE WHEN ${column} >= '0001-01-01T00:00:00Z' AND ${column} < '10000-01-01T00:00:00Z' ` +
    `THEN to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ELSE ${signedYear} || to_char(${utc}, '-MM-DD"T"HH24:MI:SS.MS"Z"') END`
  );
}

/** centsToDecimal in SQL (bigint, so the absolute value of any int fits). */
function decimalSql(column: string): string {
  const cents = `abs(${column}::bigint)`;
  return `CASE WHEN ${column} < 0 THEN '-' ELSE '' END || (${cents} / 100)::text || '.' || lpad((${cents} % 100)::text, 2, '0')`;
}

const separatorSql = `'${tagSeparator.replaceAll("'", "''")}'`;

/** exportRow in SQL. */
const cellSql: Record<ExportColumn, string> = {
  e164: 'e164',
  // char(2) as Prisma reads it, blank-padded (a cast to text drops trailing blanks).
  country_code: 'rpad("countryCode"::text, 2)',
  area_code: '"areaCode"',
  status: 'status::text',
  number_type: '"numberType"::text',
  capabilities: `array_to_string(capabilities, ${separatorSql}, '')`,
  label: 'label',
  tags: `array_to_string(tags, ${separatorSql}, '')`,
  forwarding_number: '"forwardingNumber"',
  assigned_to: '"assignedTo"',
  compliance_profile_id: '"complianceProfileId"',
  tfv_status: '"tfvStatus"::text',
  monthly_cost: decimalSql('"monthlyPriceCents"'),
  provider: 'provider',
  created_at: isoSql('"createdAt"'),
  assigned_at: isoSql('"assignedAt"'),
  next_billing_at: isoSql('"nextBillingAt"'),
};

/** The characters formulaStart matches, as SQL. */
const formulaStartSql = `('=', '+', '-', '@', E'\\t', E'\\r')`;

/** csvRecord's cells, for COPY's CSV writer, which quotes exactly what csv-stringify quotes (a comma, quote, CR or LF; quotes doubled). */
function csvCellSql(column: ExportColumn): string {
  const cell = `cells.${column}`;
  const free = (freeTextColumns as readonly string[]).includes(column);
  const neutralised = free ? `CASE WHEN left(${cell}, 1) IN ${formulaStartSql} THEN '''' || ${cell} ELSE ${cell} END` : cell;
  // COPY writes NULL as an empty field but quotes an empty string (""); csv-stringify writes it as nothing.
  return `NULLIF(${neutralised}, '')`;
}

// Cells that are the platform's own text (enum labels, amounts, ISO times, capability names joined with ';') hold
// nothing JSON escapes: they go between quotes as they are; to_json escapes the others exactly as JSON.stringify does.
const plainJsonColumns = new Set<ExportColumn>([
  'status',
  'number_type',
  'capabilities',
  'tfv_status',
  'monthly_cost',
  'created_at',
  'assigned_at',
  'next_billing_at',
]);

/** `a || b || …` as a balanced tree: each concatenation copies both sides, so a flat chain copies the row ~17 times. */
function concatSql(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? "''";
  const half = Math.ceil(parts.length / 2);
  return `(${concatSql(parts.slice(0, half))} || ${concatSql(parts.slice(half))})`;
}

/** JSON.stringify(exportRow(…)) as one text value. */
function jsonObjectSql(): string {
  const parts: string[] = [];
  let literal = '{';
  for (const [i, column] of exportColumns.entries()) {
    literal += `${i === 0 ? '' : ','}${JSON.stringify(column)}:`;
    const cell = `coalesce(cells.${column}, '')`;
    if (plainJsonColumns.has(column)) {
      parts.push(`'${literal}"'`, cell);
      literal = '"';
    } else {
      parts.push(`'${literal}'`, `to_json(${cell})::text`);
      literal = '';
    }
  }
  parts.push(`'${literal}}'`);
  return concatSql(parts);
}

const selectSql = {
  csv: Prisma.raw(exportColumns.map(csvCellSql).join(', ')),
  json: Prisma.raw(jsonObjectSql()),
};
const cellsSql = Prisma.raw(exportColumns.map((column) => `${cellSql[column]} AS ${column}`).join(', '));

// COPY's CSV writer, in UTF-8 whatever the connection's encoding. A JSON object is one field that needs no quoting:
// it holds no control character, so neither CR, LF nor the two control characters named as quote and delimiter.
// So each object comes out exactly as built, one per line.
const copyOptions = {
  csv: `FORMAT csv, DELIMITER ',', QUOTE '"', NULL '', ENCODING 'UTF8'`,
  json: `FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01', NULL '', ENCODING 'UTF8'`,
};

/** The CSV header line, as csv-stringify writes it. */
export const csvHeader = `${exportColumns.join(',')}\n`;

/** phoneNumberWhere for the export's filters, in SQL (the export-stream test checks they select the same rows). */
function filterSql(filter: ExportFilter): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (filter.status?.length) {
    conditions.push(Prisma.sql`status IN (${Prisma.join(filter.status.map((status) => Prisma.sql`${status}::"PhoneNumberStatus"`))})`);
  }
  if (filter.countryCode) conditions.push(Prisma.sql`"countryCode" = ${filter.countryCode}`);
  const search = filter.search?.trim();
  if (search) {
    const digits = search.replace(/[\s().-]/g, '');
    const text = `%${likeLiteral(search)}%`;
    const matches = [
      ...(/^\+?\d+$/.test(digits) ? [Prisma.sql`e164 LIKE ${`%${digits}%`}`] : []),
      Prisma.sql`label ILIKE ${text}`,
      Prisma.sql`"customerReference" ILIKE ${text}`,
      Prisma.sql`"assignedTo" ILIKE ${text}`,
    ];
    conditions.push(Prisma.sql`(${Prisma.join(matches, ' OR ')})`);
  }
  return conditions.length ? Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

/** Rows per COPY statement: an export holds at most two batches in memory (one being sent, the next being read). */
export const exportBatchRows = 5_000;

/** A row's place in the export's order ("createdAt", id), as PostgreSQL writes it. */
type RowKey = { createdAt: string; id: string };
/** The rows after `after` (from the first when null) up to and including `last`: at most `rows` of them. */
export type ExportBatch = { after: RowKey | null; last: RowKey; rows: number };

/**
 * How many rows the export has (at most exportRowCap) and where its batches end, from one scan of the keys:
 * every exportBatchRows-th row and the last. A batch is a range of the order, so a row that moves meanwhile can't
 * go out twice, and is capped at its count, so no more than `rows` go out.
 */
export async function planExport(db: TenantDb, filter: ExportFilter): Promise<{ rows: number; truncated: boolean; batches: ExportBatch[] }> {
  const marks = await tenantSql(db).query<Array<{ rank: number; matched: number; createdAt: string; id: string }>>`
    SELECT rank::int AS rank, matched::int AS matched, "createdAt"::text AS "createdAt", id::text AS id
    FROM (SELECT "createdAt", id, rank, count(*) OVER () AS matched
          FROM (SELECT "createdAt", id, row_number() OVER (ORDER BY "createdAt", id) AS rank
                FROM "PhoneNumber" WHERE "organizationId" = ${tenantId} ${filterSql(filter)}
                ORDER BY "createdAt", id LIMIT ${exportRowCap + 1}) AS capped) AS counted
    WHERE rank % ${exportBatchRows} = 0 OR rank = least(matched, ${exportRowCap})
    ORDER BY rank`;
  const matched = marks[0]?.matched ?? 0;
  const batches: ExportBatch[] = [];
  let after: RowKey | null = null;
  let done = 0;
  for (const { rank, createdAt, id } of marks) {
    if (rank <= done) continue;
    batches.push({ after, last: { createdAt, id }, rows: rank - done });
    after = { createdAt, id };
    done = rank;
  }
  return { rows: Math.min(matched, exportRowCap), truncated: matched > exportRowCap, batches };
}

/**
 * One batch as PostgreSQL writes it: CSV records, or JSON objects one per line (the caller joins them with commas).
 * Read whole at the database's pace, so its connection is back in the pool before a slow client has read it.
 */
export function exportBatch(db: TenantDb, copyOut: CopyOut, format: 'csv' | 'json', filter: ExportFilter, batch: ExportBatch): Promise<Buffer[]> {
  const { after, last } = batch;
  const from = after ? Prisma.sql`AND ("createdAt", id) > (${after.createdAt}::timestamptz, ${after.id}::uuid)` : Prisma.empty;
  return tenantCopy(db, copyOut, copyOptions[format])`
    SELECT ${selectSql[format]}
    FROM (SELECT "createdAt", id, ${cellsSql}
          FROM "PhoneNumber"
          WHERE "organizationId" = ${tenantId} ${filterSql(filter)} ${from}
            AND ("createdAt", id) <= (${last.createdAt}::timestamptz, ${last.id}::uuid)
          ORDER BY "createdAt", id LIMIT ${batch.rows}) AS cells
    ORDER BY cells."createdAt", cells.id`;
}
