import type { PhoneNumber } from '../generated/prisma/client.js';
import { PhoneNumberStatus } from '../generated/prisma/enums.js';
import { invalidInput } from './errors.js';
import { checkText } from './input-rules.js';
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

export type ExportRow = Record<(typeof exportColumns)[number], string>;

const iso = (date: Date | null) => (date ? date.toISOString() : '');

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
const freeTextColumns = ['label', 'tags', 'assigned_to', 'compliance_profile_id'] as const satisfies ReadonlyArray<(typeof exportColumns)[number]>;
const formulaStart = /^[=+\-@\t\r]/;

export function neutraliseFormula(value: string): string {
  return formulaStart.test(value) ? `'${value}` : value;
}

/** A row as CSV cells, in the contract's column order, free-text cells neutralised. */
export function csvRecord(row: ExportRow): string[] {
  return exportColumns.map((column) => ((freeTextColumns as readonly string[]).includes(column) ? neutraliseFormula(row[column]) : row[column]));
}

export type ExportRequest = { format: 'csv' | 'json'; filter: PhoneNumberFilter };

/** Reads and checks the query string; every problem names its parameter. */
export function parseExportQuery(params: URLSearchParams, isCountryCode: (code: string) => boolean): ExportRequest {
  const format = params.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw invalidInput(['format'], 'format must be "csv" or "json"');
  const filter: PhoneNumberFilter = {};
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
