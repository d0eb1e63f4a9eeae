import { parse } from 'csv-parse/sync';
import { describe, expect } from 'vitest';
import { exportColumns } from '../../src/domain/export.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import type { TestServer } from '../helpers/server.js';
import { serverTest } from '../helpers/server-fixture.js';

const it = serverTest({}, { tenants: ['tenant', 'other'] });

const get = (server: TestServer, path: string, key: string | null) => fetch(`${server.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe.skipIf(skipReason)('GET /export/phone-numbers', () => {
  it.beforeAll(async ({ server, tenant, other }) => {
    const prisma = server.db.prisma;
    await prisma.phoneNumber.create({
      data: {
        organizationId: tenant.organizationId,
        e164: '+15125550101',
        countryCode: 'US',
        areaCode: '512',
        numberType: 'LOCAL',
        capabilities: ['VOICE', 'SMS'],
        provider: 'Bandwidth',
        activationPriceCents: 100,
        monthlyPriceCents: 150,
        status: 'ACTIVE',
        label: 'Sales, "East" line\nsecond line',
        tags: ['sales', 'east'],
        forwardingNumber: '+442071838750',
        assignedTo: 'campaign:spring',
        complianceProfileId: 'cp_123',
        tfvStatus: null,
        createdAt: new Date('2026-01-02T03:04:05.678Z'),
        assignedAt: new Date('2026-01-03T00:00:00.000Z'),
        nextBillingAt: new Date('2026-02-02T03:04:05.678Z'),
      },
    });
    await prisma.phoneNumber.create({
      data: {
        organizationId: tenant.organizationId,
        e164: '+18885550199',
        countryCode: 'US',
        areaCode: '888',
        numberType: 'TOLL_FREE',
        capabilities: ['VOICE'],
        provider: 'Lumen',
        activationPriceCents: 200,
        monthlyPriceCents: 1205,
        status: 'RELEASED',
        label: '=HYPERLINK("http://evil")',
        tfvStatus: 'VERIFIED',
        createdAt: new Date('2026-01-05T00:00:00.000Z'),
        releasedAt: new Date('2026-01-20T00:00:00.000Z'),
        nextBillingAt: new Date('2026-02-05T00:00:00.000Z'),
        billingEndsAt: new Date('2026-02-05T00:00:00.000Z'),
      },
    });
    await insertOwnedNumbers(prisma, tenant.organizationId, 3, { countryCode: 'GB', areaCode: '20', createdAt: new Date('2026-03-01T00:00:00Z') });
    await insertOwnedNumbers(prisma, other.organizationId, 4, { label: 'other-tenant-secret' });
  });

  it('CSV: the columns in the contract order, exact values, released rows included by default, headers', async ({ server, tenant }) => {
    const response = await get(server, '/export/phone-numbers?format=csv', tenant.keys.READ_ONLY);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="phone-numbers-export-${new Date().toISOString().slice(0, 10)}.csv"`);
    expect(response.headers.get('x-row-count')).toBe('5');
    expect(response.headers.get('x-truncated')).toBeNull();
    const text = await response.text();
    expect(text.split('\n')[0]).toBe(
      'e164,country_code,area_code,status,number_type,capabilities,label,tags,forwarding_number,assigned_to,' +
        'compliance_profile_id,tfv_status,monthly_cost,provider,created_at,assigned_at,next_billing_at',
    );
    const records = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(5);
    expect(records[0]).toEqual({
      e164: '+15125550101',
      country_code: 'US',
      area_code: '512',
      status: 'ACTIVE',
      number_type: 'LOCAL',
      capabilities: 'VOICE;SMS',
      label: 'Sales, "East" line\nsecond line',
      tags: 'sales;east',
      forwarding_number: '+442071838750',
      assigned_to: 'campaign:spring',
      compliance_profile_id: 'cp_123',
      tfv_status: '',
      monthly_cost: '1.50',
      provider: 'Bandwidth',
      created_at: '2026-01-02T03:04:05.678Z',
      assigned_at: '2026-01-03T00:00:00.000Z',
      next_billing_at: '2026-02-02T03:04:05.678Z',
    });
    // A formula-looking label is neutralised (see the CSV injection test); the rest exact.
    expect(records[1]).toMatchObject({
      e164: '+18885550199',
      status: 'RELEASED',
      monthly_cost: '12.05',
      tfv_status: 'VERIFIED',
      label: `'=HYPERLINK("http://evil")`,
    });
    // Quoting: embedded quotes doubled, commas and the newline kept inside quotes; values otherwise untouched.
    expect(text).toContain('"Sales, ""East"" line\nsecond line"');
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text.split('\n')[1]!.startsWith('+15125550101,US,512,ACTIVE,LOCAL,VOICE;SMS,')).toBe(true);
    expect(Object.keys(records[0]!)).toEqual([...exportColumns]);
    expect(text).not.toContain('other-tenant-secret');
  });

  it('JSON: the same rows and keys', async ({ server, tenant }) => {
    const response = await get(server, '/export/phone-numbers?format=json&status=ACTIVE', tenant.keys.READ_ONLY);
    expect(response.headers.get('content-disposition')).toMatch(/\.json"$/);
    const rows = (await response.json()) as Array<Record<string, string>>;
    expect(rows).toHaveLength(4);
    expect(Object.keys(rows[0]!)).toEqual([...exportColumns]);
    expect(rows.every((row) => row.status === 'ACTIVE')).toBe(true);
  });

  it('filters by status, country and search', async ({ server, tenant }) => {
    const released = parse(await (await get(server, '/export/phone-numbers?status=RELEASED', tenant.keys.READ_ONLY)).text(), { columns: true });
    expect((released as Array<{ e164: string }>).map((r) => r.e164)).toEqual(['+18885550199']);
    const gb = await get(server, '/export/phone-numbers?country_code=gb', tenant.keys.READ_ONLY);
    expect(gb.headers.get('x-row-count')).toBe('3');
    const searched = parse(await (await get(server, '/export/phone-numbers?search=east', tenant.keys.READ_ONLY)).text(), { columns: true });
    expect((searched as Array<{ e164: string }>).map((r) => r.e164)).toEqual(['+15125550101']);
    const none = await get(server, '/export/phone-numbers?status=PORTING', tenant.keys.READ_ONLY);
    expect(none.headers.get('x-row-count')).toBe('0');
    expect(await none.text()).toBe(`${exportColumns.join(',')}\n`);
  });

  it('bad parameters get HTTP 400 naming the parameter; no key gets 401', async ({ server, tenant }) => {
    for (const [query, parameter] of [
      ['format=xml', 'format'],
      ['status=ACTIVATED', 'status'],
      ['country_code=XX', 'country_code'],
      ['country_code=USA', 'country_code'],
      [`search=${'x'.repeat(65)}`, 'search'],
    ]) {
      const response = await get(server, `/export/phone-numbers?${query}`, tenant.keys.READ_ONLY);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { parameter: string } }).error.parameter).toBe(parameter);
    }
    expect((await get(server, '/export/phone-numbers', null)).status).toBe(401);
  });

  it('CSV injection: free-text cells starting = + - @ tab or CR get a leading quote; numbers, amounts and JSON stay exact', async ({ server }) => {
    const owner = await server.createTenant();
    const texts = ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\t=x', '\r=x', 'safe=1', "'already"];
    for (const [i, text] of texts.entries()) {
      await insertOwnedNumbers(server.db.prisma, owner.organizationId, 1, {
        label: text,
        tags: [text, 'b'],
        assignedTo: text,
        complianceProfileId: text,
        forwardingNumber: '+442071838750',
        createdAt: new Date(Date.UTC(2026, 4, 1, 0, 0, i)),
      });
    }
    const csv = parse(await (await get(server, '/export/phone-numbers', owner.keys.READ_ONLY)).text(), { columns: true }) as Array<Record<string, string>>;
    const neutralised = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
    expect(csv.map((row) => row.label)).toEqual(texts.map(neutralised));
    expect(csv.map((row) => row.tags)).toEqual(texts.map((text) => neutralised(`${text};b`)));
    expect(csv.map((row) => row.assigned_to)).toEqual(texts.map(neutralised));
    expect(csv.map((row) => row.compliance_profile_id)).toEqual(texts.map(neutralised));
    expect(csv.every((row) => row.e164!.startsWith('+1737') && row.forwarding_number === '+442071838750' && row.monthly_cost === '1.50')).toBe(true);
    // JSON is data, not a spreadsheet: values exactly as stored.
    const json = (await (await get(server, '/export/phone-numbers?format=json', owner.keys.READ_ONLY)).json()) as Array<Record<string, string>>;
    expect(json.map((row) => row.label)).toEqual(texts);
  });

  it('search is literal text: % and _ are not wildcards; control characters are refused naming the parameter', async ({ server }) => {
    const owner = await server.createTenant();
    for (const label of ['100% sure', 'plain', 'a_b', 'axb']) await insertOwnedNumbers(server.db.prisma, owner.organizationId, 1, { label });
    const labels = async (query: string) => {
      const response = await get(server, `/export/phone-numbers?format=json&${query}`, owner.keys.READ_ONLY);
      expect(response.status, query).toBe(200);
      return ((await response.json()) as Array<{ label: string }>).map((row) => row.label).sort();
    };
    expect(await labels('search=%25')).toEqual(['100% sure']);
    expect(await labels('search=_')).toEqual(['a_b']);
    const refused = await get(server, '/export/phone-numbers?search=a%00b', owner.keys.READ_ONLY);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; parameter: string } }).error).toMatchObject({ code: 'BAD_USER_INPUT', parameter: 'search' });
  });

  it('each tenant exports only its own numbers', async ({ other, server }) => {
    const theirs = parse(await (await get(server, '/export/phone-numbers', other.keys.READ_ONLY)).text(), { columns: true }) as Array<{ label: string }>;
    expect(theirs).toHaveLength(4);
    expect(theirs.every((row) => row.label === 'other-tenant-secret')).toBe(true);
  });

  it('caps at 50,000 rows and says so', async ({ server }) => {
    const big = await server.createTenant();
    await server.db.prisma.$executeRaw`
      INSERT INTO "PhoneNumber" (id, "organizationId", e164, "countryCode", "areaCode", "numberType", capabilities, provider,
                                 "activationPriceCents", "monthlyPriceCents", status, "createdAt", "updatedAt")
      SELECT gen_random_uuid(), ${big.organizationId}::uuid, '+1650' || lpad(g::text, 7, '0'), 'US', '650', 'LOCAL',
             ARRAY['VOICE']::"Capability"[], 'Bandwidth', 100, 100, 'ACTIVE',
             timestamp '2026-01-01' + g * interval '1 second', now()
      FROM generate_series(1, 50005) AS g`;
    const response = await get(server, '/export/phone-numbers', big.keys.READ_ONLY);
    expect(response.headers.get('x-row-count')).toBe('50000');
    expect(response.headers.get('x-truncated')).toBe('true');
    expect(response.headers.get('x-truncated-at')).toBe('50000');
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(50_001);
    expect(lines[1]!.startsWith('+16500000001,')).toBe(true);
    expect(lines[50_000]!.startsWith('+16500050000,')).toBe(true);
  }, 120_000);
});
