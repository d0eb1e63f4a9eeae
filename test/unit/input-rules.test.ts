import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { csvRecord, type ExportRow, exportColumns, neutraliseFormula } from '../../src/domain/export.js';
import { inputLimits, likeLiteral, textProblem } from '../../src/domain/input-rules.js';
import { findInputRefusal } from '../../src/http/input-guard.js';
import { schema } from '../../src/schema/index.js';

const refusal = (query: string, variableValues: Record<string, unknown> = {}) => findInputRefusal({ schema, document: parse(query), variableValues });

describe('text rules', () => {
  it('allow tab, newline, carriage return and any well-formed unicode', () => {
    expect(textProblem('a\tb\nc\r\nd Zürich ☎️ 東京 𝄞')).toBeNull();
    expect(textProblem('שלום עולם مرحبا')).toBeNull();
  });

  it('refuse C0/C1 controls, DEL, unpaired surrogates and over-long text', () => {
    for (const bad of ['\u0000', 'a\u0007', '\u000b', '\u001b[0m', '\u007f', '\u0085', '\ud800', 'x\udc00', 'invoice\u202Efdp.exe', '\u2066x\u2069'])
      expect(textProblem(bad), JSON.stringify(bad)).not.toBeNull();
    expect(textProblem('x'.repeat(inputLimits.maxStringLength))).toBeNull();
    expect(textProblem('x'.repeat(inputLimits.maxStringLength + 1))).toMatch(/at most 1000 characters/);
  });

  it('escape LIKE wildcards and the escape character', () => {
    expect(likeLiteral('100%_\\x')).toBe('100\\%\\_\\\\x');
    expect(likeLiteral('plain text')).toBe('plain text');
  });
});

describe('input guard', () => {
  it('names the argument path of a bad variable, literal or fragment argument', () => {
    expect(
      refusal('mutation($i: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $i) { errors { code } } }', { i: { id: 'x', label: 'a\u0000' } }),
    ).toMatchObject({ field: ['input', 'label'] });
    expect(refusal('{ phoneNumbers(filter: { tags: ["ok", "b\\u0000"] }) { totalCount } }')).toMatchObject({ field: ['filter', 'tags'] });
    expect(refusal('query { ...F } fragment F on Query { events(after: "\\u0001") { hasNextPage } }')).toMatchObject({ field: ['after'] });
    expect(
      refusal('mutation($i: UpdatePortingOrderInput!) { updatePortingOrder(input: $i) { errors { code } } }', {
        i: { id: 'x', serviceAddress: { street: '\u0000', locality: 'l', postalCode: 'p', countryCode: 'US' } },
      }),
    ).toMatchObject({
      field: ['input', 'serviceAddress', 'street'],
    });
  });

  it('refuses empty IDs and over-long lists, and lets good input through', () => {
    expect(
      refusal('mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { replayed } }', {
        i: { phoneNumbers: ['+15125550100'], idempotencyKey: 'k', reservationId: '' },
      }),
    ).toMatchObject({ field: ['input', 'reservationId'] });
    expect(refusal('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 101 }, (_, i) => `id${i}`) })).toMatchObject({
      field: ['ids'],
      message: expect.stringMatching(/at most 100 items/),
    });
    expect(
      refusal('mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { replayed } }', {
        i: { phoneNumbers: ['+15125550100'], idempotencyKey: 'k', reservationId: null },
      }),
    ).toBeNull();
    expect(refusal('{ phoneNumbers(filter: { search: "100% sure\\n" }) { totalCount } }')).toBeNull();
  });

  it('names the argument path a badly typed or missing variable stands for', () => {
    expect(refusal('query($n: Int) { events(first: $n) { hasNextPage } }', { n: 'not a number' })).toMatchObject({
      field: ['first'],
      message: expect.stringMatching(/Int cannot represent/),
    });
    expect(
      refusal('mutation($i: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $i) { errors { code } } }', { i: { id: 'x', label: 5 } }),
    ).toMatchObject({ field: ['input', 'label'] });
    expect(refusal('query($s: String) { phoneNumbers(filter: { search: $s, tags: ["a"] }) { totalCount } }', { s: 7 })).toMatchObject({
      field: ['filter', 'search'],
    });
    expect(
      refusal('mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { replayed } }', {
        i: { phoneNumbers: ['5125550100'], idempotencyKey: 'k' },
      }),
    ).toMatchObject({ field: ['input', 'phoneNumbers'] });
    expect(refusal('mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { replayed } }', {})).toMatchObject({ field: ['input'] });
    expect(refusal('mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { replayed } }', { i: { phoneNumbers: [] } })).toMatchObject({
      field: ['input', 'idempotencyKey'],
    });
    expect(
      refusal('mutation($i: OrderPhoneNumbersInput!) { orderPhoneNumbers(input: $i) { replayed } }', {
        i: { phoneNumbers: [], idempotencyKey: 'k', extra: 1 },
      }),
    ).toMatchObject({ field: ['input', 'extra'] });
  });
});

describe('schema descriptions state the default caps', () => {
  const inputField = (type: string, field: string) =>
    (schema.getType(type) as unknown as { getFields: () => Record<string, { description?: string | null }> }).getFields()[field]?.description;
  it('on strings and lists without a cap of their own, not on those that state one', () => {
    expect(inputField('AvailablePhoneNumberFilter', 'capabilities')).toMatch(/At most 100 items\.$/);
    expect(inputField('ConfigurePhoneNumberInput', 'label')).toBe('At most 100 characters.');
    expect(
      schema
        .getQueryType()!
        .getFields()
        .phoneNumbers!.args.find((a) => a.name === 'after')!.description,
    ).toBe('At most 1000 characters.');
  });
});

describe('CSV formula neutralisation', () => {
  it('prefixes = + - @ tab and CR with a quote, nothing else', () => {
    expect(['=1', '+1', '-1', '@x', '\t=1', '\r=1', 'a=1', '', "'x"].map(neutraliseFormula)).toEqual([
      "'=1",
      "'+1",
      "'-1",
      "'@x",
      "'\t=1",
      "'\r=1",
      'a=1',
      '',
      "'x",
    ]);
  });

  it('touches only the free-text columns', () => {
    const row = Object.fromEntries(exportColumns.map((column) => [column, `+${column}`])) as ExportRow;
    const cells = Object.fromEntries(exportColumns.map((column, i) => [column, csvRecord(row)[i]]));
    const changed = exportColumns.filter((column) => cells[column] !== row[column]);
    expect(changed).toEqual(['label', 'tags', 'assigned_to', 'compliance_profile_id']);
  });
});
