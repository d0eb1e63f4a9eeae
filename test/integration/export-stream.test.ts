import { stringify } from 'csv-stringify/sync';
import { describe, expect } from 'vitest';
import { csvRecord, exportBatchRows, exportColumns, exportRow, parseExportQuery } from '../../src/domain/export.js';
import { phoneNumberWhere } from '../../src/domain/phone-numbers.js';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { Capability, NumberType, PhoneNumberStatus, TollFreeVerificationStatus } from '../../src/generated/prisma/enums.js';
import { backend, skipReason } from '../helpers/database.js';
import type { TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

// The export as PostgreSQL writes it (COPY, in batches) against the export as the API wrote it before: rows read
// through Prisma, cells by exportRow/csvRecord, CSV by csv-stringify, JSON by JSON.stringify. Byte for byte.

const it = serverTest({}, { tenants: ['owner', 'other', 'big', 'neighbour'] });

const exportUrl = (server: TestServer, query: string) => `${server.url}/export/phone-numbers${query ? `?${query}` : ''}`;

async function download(server: TestServer, key: string, query: string) {
  const response = await fetch(exportUrl(server, query), { headers: { authorization: `Bearer ${key}` } });
  expect(response.status, query).toBe(200);
  return { rowCount: response.headers.get('x-row-count'), body: Buffer.from(await response.arrayBuffer()) };
}

/** What the export wrote before PostgreSQL did: the same rows through Prisma, formatted in JavaScript. */
async function reference(server: TestServer, organizationId: string, query: string) {
  const { format, filter } = parseExportQuery(new URLSearchParams(query), () => true);
  const rows = await server.db.prisma.phoneNumber.findMany({
    where: { AND: [{ organizationId }, phoneNumberWhere(filter)] },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: 50_000,
  });
  const body =
    format === 'csv'
      ? stringify(
          rows.map((row) => csvRecord(exportRow(row))),
          { header: true, columns: [...exportColumns] },
        )
      : `[${rows.map((row) => JSON.stringify(exportRow(row))).join(',')}]`;
  return { rowCount: String(rows.length), body };
}

async function expectSameExport(server: TestServer, tenant: { organizationId: string; keys: { READ_ONLY: string } }, query: string) {
  // The export first: reading thousands of rows through Prisma on PGlite holds this thread for seconds, and a request
  // sent right after that can go out on a keep-alive connection the server is closing at that moment.
  const actual = await download(server, tenant.keys.READ_ONLY, query);
  const expected = await reference(server, tenant.organizationId, query);
  expect(actual.rowCount, query).toBe(expected.rowCount);
  // As text first, for a readable diff; then the bytes.
  expect(actual.body.toString('utf8'), query).toBe(expected.body);
  expect(actual.body.equals(Buffer.from(expected.body, 'utf8')), query).toBe(true);
  return actual.body.toString('utf8');
}

const labels = [
  'Sales, "East" line\nsecond line',
  '=SUM(1)',
  '+SUM(A1)',
  '-2+3',
  '@cmd',
  '\t=tab',
  '\r=cr',
  "'already quoted",
  'safe=1',
  'cr\ronly',
  'crlf\r\nboth',
  'quote"only',
  '""',
  ',',
  'semi;colon',
  'backslash \\ and \\n literal',
  'unicode café – 日本語 🎉',
  'controls \u0001\u0008\u000b\u000c\u001f\u007f end',
  'separators \u2028 \u2029',
  '  padded  ',
  '',
  null,
  'x'.repeat(300),
];
const tagLists = [[], ['sales', 'east'], ['=a', 'b'], ['x,y', 'q"uote'], ['日本', 'tab\tinside'], ['-neg'], ['', 'empty first'], ['line\nbreak']];
const assignees = [null, '', '=cmd', 'user@example.com', 'a,b', '@handle', 'ünï "quoted"'];
const profiles = [null, '+cp', 'cp_1', '-', 'cp,"2"'];
const forwarding = [null, '+442071838750', '=not a free-text column', ''];
const tfv = [null, 'VERIFIED', 'PENDING', 'REJECTED', 'NOT_SUBMITTED'] as const;
const cents = [0, 5, 99, 100, 150, 1205, 123_456_789, -150, -5, -100, 2_147_483_647, -2_147_483_648];
const capabilitySets: Capability[][] = [[], ['VOICE'], ['VOICE', 'SMS', 'MMS'], ['FAX', 'VOICE']];
const providers = ['Bandwidth', 'Acme, "Telecom"', 'Ünïcode', '=provider'];
const countries = ['US', 'GB', 'DE'];
const areaCodes = ['512', '0,1', '', '20'];
const statuses = Object.values(PhoneNumberStatus);
const numberTypes = Object.values(NumberType);
const times = [
  null,
  new Date('1970-01-01T00:00:00.000Z'),
  new Date('1969-12-31T23:59:59.999Z'),
  new Date('0500-03-04T05:06:07.089Z'),
  new Date('9999-12-31T23:59:59.999Z'),
  new Date('2026-02-28T23:59:59.001Z'),
];

describe.skipIf(skipReason)('GET /export/phone-numbers, written by PostgreSQL', () => {
  it.beforeAll(async ({ server, owner, other, big, neighbour }) => {
    const prisma = server.db.prisma;
    const base = Date.UTC(2026, 0, 1);
    const rows: Prisma.PhoneNumberCreateManyInput[] = [];
    for (let i = 0; i < 96; i += 1) {
      rows.push({
        organizationId: owner.organizationId,
        e164: i === 7 ? '+1 (555) "x", y' : `+1512555${String(i).padStart(4, '0')}`,
        countryCode: countries[i % countries.length]!,
        areaCode: areaCodes[i % areaCodes.length]!,
        numberType: numberTypes[i % numberTypes.length]!,
        capabilities: capabilitySets[i % capabilitySets.length]!,
        provider: providers[i % providers.length]!,
        activationPriceCents: 100,
        monthlyPriceCents: cents[i % cents.length]!,
        status: statuses[i % statuses.length]!,
        customerReference: i % 9 === 0 ? `CRM-555-${i}` : null,
        label: labels[i % labels.length] ?? null,
        tags: tagLists[i % tagLists.length]!,
        forwardingNumber: forwarding[i % forwarding.length] ?? null,
        assignedTo: assignees[i % assignees.length] ?? null,
        complianceProfileId: profiles[i % profiles.length] ?? null,
        tfvStatus: tfv[i % tfv.length] ?? null,
        // Every third row shares its creation time with the next: the order falls back to the id.
        createdAt: new Date(base + Math.floor(i / 3) * 1_000 + (i % 5)),
        assignedAt: times[i % times.length] ?? null,
        nextBillingAt: times[(i + 2) % times.length] ?? null,
      });
    }
    await prisma.phoneNumber.createMany({ data: rows });
    await prisma.phoneNumber.createMany({
      data: rows.slice(0, 12).map((row) => ({ ...row, organizationId: other.organizationId, label: 'other-tenant-secret' })),
    });
    // Batches: more than two of them, creation times tied in runs of 7 across the boundaries, and another tenant's
    // rows at the very same times. Inserted a few thousand at a time: PGlite runs in this thread, and one long
    // statement would stall the server's keep-alive timers and the client's alike.
    const bigRows = exportBatchRows * 4 + 345;
    for (const [organizationId, count, label] of [
      [big.organizationId, bigRows, 'big'],
      [neighbour.organizationId, 3_000, 'neighbour-secret'],
    ] as const) {
      for (let from = 1; from <= count; from += 2_500) {
        await prisma.$executeRaw`
          INSERT INTO "PhoneNumber" (id, "organizationId", e164, "countryCode", "areaCode", "numberType", capabilities, provider,
                                     "activationPriceCents", "monthlyPriceCents", status, label, tags, "assignedTo", "createdAt", "updatedAt")
          SELECT gen_random_uuid(), ${organizationId}::uuid, '+1650' || lpad(g::text, 7, '0'), 'US', '650', 'LOCAL', ARRAY['VOICE', 'SMS']::"Capability"[],
                 'Bandwidth', 100, 100 + g % 1000, 'ACTIVE', ${label} || ', row "' || g || '"', ARRAY['t' || g % 3], 'agent-' || g % 40 || '@example.com',
                 timestamptz '2026-01-01 00:00:00+00' + (g / 7) * interval '1.5 seconds', now()
          FROM generate_series(${from}::int, ${Math.min(from + 2_499, count)}::int) AS g`;
      }
    }
  }, 120_000);

  it('tricky rows: CSV and JSON byte-identical to the reference formatting', async ({ server, owner }) => {
    const csv = await expectSameExport(server, owner, 'format=csv');
    const json = await expectSameExport(server, owner, 'format=json');
    // The reference is what the contract says (formula cells neutralised in CSV only, quoting, empty cells, order).
    expect(csv).toContain(",'=SUM(1),");
    expect(csv).toContain('"Sales, ""East"" line\nsecond line"');
    expect(csv).toContain('"cr\ronly"');
    expect(json).toContain('"label":"=SUM(1)"');
    expect(json).toContain('"label":"controls \\u0001\\b\\u000b\\f\\u001f\u007f end"');
    expect(csv).not.toContain('other-tenant-secret');
    expect(json).not.toContain('other-tenant-secret');
  });

  it('the filters select what phoneNumberWhere selects, in both formats', async ({ server, owner }) => {
    for (const query of [
      'status=ACTIVE,RELEASED',
      'status=FAILED&format=json',
      'country_code=gb',
      'country_code=de&format=json',
      'search=east',
      'search=%25',
      'search=_',
      'search=555',
      'search=(555)&format=json',
      'search=caf%C3%A9',
      'search=crm-555',
      'search=%2B1%20(555)',
      'status=ACTIVE&search=sales&format=json',
      'search=nothing-matches-this',
      'search=nothing-matches-this&format=json',
    ]) {
      await expectSameExport(server, owner, query);
    }
  });

  it('times outside years 1–9999 are written as Date#toISOString writes them', async ({ server }) => {
    // Prisma reads such a time as an invalid Date, so the export written in JavaScript failed on the row;
    // PostgreSQL writes it in the format Date#toISOString has for it (year 0 is 1 BC).
    const tenant = await server.createTenant();
    await server.db.prisma.$executeRaw`
      INSERT INTO "PhoneNumber" (id, "organizationId", e164, "countryCode", "areaCode", "numberType", capabilities, provider,
                                 "activationPriceCents", "monthlyPriceCents", status, "assignedAt", "nextBillingAt", "createdAt", "updatedAt")
      VALUES (gen_random_uuid(), ${tenant.organizationId}::uuid, '+15125550999', 'US', '512', 'LOCAL', ARRAY['VOICE']::"Capability"[], 'Bandwidth', 100, 100,
              'ACTIVE', timestamptz '12345-06-07 08:09:10.123+00', timestamptz '0001-02-03 04:05:06.007+00 BC', timestamptz '2026-01-01 00:00:00+00', now())`;
    expect(new Date(Date.UTC(12345, 5, 7, 8, 9, 10, 123)).toISOString()).toBe('+012345-06-07T08:09:10.123Z');
    const yearZero = new Date(Date.UTC(2000, 1, 3, 4, 5, 6, 7));
    yearZero.setUTCFullYear(0);
    expect(yearZero.toISOString()).toBe('0000-02-03T04:05:06.007Z');
    const csv = (await download(server, tenant.keys.READ_ONLY, 'format=csv')).body.toString('utf8');
    expect(csv.split('\n')[1]).toBe(
      '+15125550999,US,512,ACTIVE,LOCAL,VOICE,,,,,,,1.00,Bandwidth,2026-01-01T00:00:00.000Z,+012345-06-07T08:09:10.123Z,0000-02-03T04:05:06.007Z',
    );
    const json = (await download(server, tenant.keys.READ_ONLY, 'format=json')).body.toString('utf8');
    expect(json).toContain('"assigned_at":"+012345-06-07T08:09:10.123Z","next_billing_at":"0000-02-03T04:05:06.007Z"}]');
  });

  it('batches: ties across batch boundaries, another tenant at the same times, one COPY per batch', async ({ server, big, neighbour }) => {
    const copies: string[] = [];
    const stop = server.db.onStatement(({ sql }) => {
      if (sql.startsWith('COPY')) copies.push(sql);
    });
    try {
      const csv = await expectSameExport(server, big, 'format=csv');
      expect(copies).toHaveLength(5);
      const json = await expectSameExport(server, big, 'format=json');
      expect(copies).toHaveLength(10);
      for (const body of [csv, json]) expect(body).not.toContain('neighbour-secret');
      // Every COPY is bound to the caller's organization.
      expect(copies.every((sql) => sql.includes(`"organizationId" = '${big.organizationId}'::uuid`))).toBe(true);
      const theirs = await expectSameExport(server, neighbour, 'format=csv');
      expect(theirs).not.toContain('big, row');
      await expectSameExport(server, big, 'search=row%20%2212&format=json');
    } finally {
      stop();
    }
  });

  it('the JSON cells written without escaping are enum labels that never need it', () => {
    for (const labels of [PhoneNumberStatus, NumberType, Capability, TollFreeVerificationStatus].map(Object.values)) {
      for (const label of labels) expect(label).toMatch(/^[A-Z0-9_]+$/);
    }
  });

  it('a client that goes away mid-stream stops the export; the connections go back to the pool', async ({ server, big, owner }) => {
    const copies = { count: 0 };
    const stop = server.db.onStatement(({ sql }) => {
      if (sql.startsWith('COPY')) copies.count += 1;
    });
    const abortAfterFirstBytes = async () => {
      const controller = new AbortController();
      const response = await fetch(exportUrl(server, 'format=json'), { headers: { authorization: `Bearer ${big.keys.READ_ONLY}` }, signal: controller.signal });
      expect(response.headers.get('x-row-count')).toBe(String(exportBatchRows * 4 + 345));
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.closed.catch(() => {});
    };
    const settled = async () => {
      // Until no COPY has started for a while: the export has stopped.
      for (let seen = -1; seen !== copies.count; ) {
        seen = copies.count;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    try {
      await abortAfterFirstBytes();
      await settled();
      // 5 batches in full; the one being sent and the next one read ahead at most.
      expect(copies.count).toBeLessThan(5);

      // More aborted exports than the pool has connections (20 in tests), several at once.
      for (let round = 0; round < 5; round += 1) await Promise.all(Array.from({ length: 5 }, abortAfterFirstBytes));
      await settled();
      expect(copies.count).toBeLessThan(26 * 5);
      // The pool still serves: whole exports and GraphQL, several at once.
      const whole = await Promise.all(Array.from({ length: 12 }, () => download(server, owner.keys.READ_ONLY, 'format=csv')));
      expect(new Set(whole.map(({ body }) => body.toString('base64'))).size).toBe(1);
      const viewers = await Promise.all(Array.from({ length: 12 }, () => server.graphql(owner.keys.READ_ONLY, '{ viewer { role } }')));
      expect(viewers.every((response) => response.status === 200 && !response.errors)).toBe(true);
      if (backend === 'postgres') {
        const [busy] = await server.db.prisma.$queryRaw<Array<{ copies: number }>>`
          SELECT count(*)::int AS copies FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND query LIKE 'COPY%'`;
        expect(busy?.copies).toBe(0);
      }
    } finally {
      stop();
    }
  }, 120_000);
});
