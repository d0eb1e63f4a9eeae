import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { availableNumberWhere, maxFilterTags, maxSearchLength, phoneNumberWhere } from '../../src/domain/phone-numbers.js';

function inputError(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const textSearch = (search: string) => [
  { label: { contains: search, mode: 'insensitive' } },
  { customerReference: { contains: search, mode: 'insensitive' } },
  { assignedTo: { contains: search, mode: 'insensitive' } },
];

describe('phoneNumberWhere', () => {
  it('is empty without a filter or with an empty one', () => {
    expect(phoneNumberWhere(null)).toEqual({});
    expect(phoneNumberWhere(undefined)).toEqual({});
    expect(phoneNumberWhere({ status: [], numberType: [], tags: [], search: '   ', countryCode: '', connectionId: null })).toEqual({});
  });

  it('maps each field', () => {
    expect(phoneNumberWhere({ status: ['ACTIVE'] })).toEqual({ status: { in: ['ACTIVE'] } });
    expect(phoneNumberWhere({ numberType: ['LOCAL', 'TOLL_FREE'] })).toEqual({ numberType: { in: ['LOCAL', 'TOLL_FREE'] } });
    expect(phoneNumberWhere({ countryCode: 'US' })).toEqual({ countryCode: 'US' });
    expect(phoneNumberWhere({ connectionId: 'conn-1' })).toEqual({ connectionId: 'conn-1' });
    expect(phoneNumberWhere({ tags: ['sales', 'emea'] })).toEqual({ tags: { hasEvery: ['sales', 'emea'] } });
  });

  it('searches text fields case-insensitively, trimmed', () => {
    expect(phoneNumberWhere({ search: '  Acme  ' })).toEqual({ OR: textSearch('Acme') });
  });

  it('also searches e164 when the text is a phone number, stripping punctuation', () => {
    expect(phoneNumberWhere({ search: '(512) 555-0100' })).toEqual({ OR: [{ e164: { contains: '5125550100' } }, ...textSearch('(512) 555-0100')] });
    expect(phoneNumberWhere({ search: '+1 512.555' })).toEqual({ OR: [{ e164: { contains: '+1512555' } }, ...textSearch('+1 512.555')] });
  });

  it('combines fields', () => {
    expect(phoneNumberWhere({ status: ['ACTIVE'], countryCode: 'GB', search: 'x' })).toEqual({
      status: { in: ['ACTIVE'] },
      countryCode: 'GB',
      OR: textSearch('x'),
    });
  });

  it('allows up to the limits', () => {
    expect(() => phoneNumberWhere({ search: 'a'.repeat(maxSearchLength) })).not.toThrow();
    expect(() => phoneNumberWhere({ search: ` ${'a'.repeat(maxSearchLength)} ` })).not.toThrow();
    expect(() => phoneNumberWhere({ tags: Array.from({ length: maxFilterTags }, (_, i) => `t${i}`) })).not.toThrow();
  });

  it('rejects an overlong search', () => {
    const error = inputError(() => phoneNumberWhere({ search: 'a'.repeat(maxSearchLength + 1) }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: ['filter', 'search'] });
  });

  it('rejects too many tags', () => {
    const error = inputError(() => phoneNumberWhere({ tags: Array.from({ length: maxFilterTags + 1 }, (_, i) => `t${i}`) }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: ['filter', 'tags'] });
  });
});

describe('availableNumberWhere', () => {
  const base = { state: 'AVAILABLE', countryCode: 'US' };

  it('only ever finds available stock in the country', () => {
    expect(availableNumberWhere({ countryCode: 'US' })).toEqual(base);
    expect(
      availableNumberWhere({ countryCode: 'US', numberType: null, areaCode: null, locality: null, region: null, contains: null, capabilities: [] }),
    ).toEqual(base);
  });

  it('maps each field', () => {
    const where = availableNumberWhere({
      countryCode: 'US',
      numberType: 'LOCAL',
      areaCode: '512',
      locality: 'Austin',
      region: 'TX',
      contains: '555',
      capabilities: ['SMS', 'VOICE'],
    });
    expect(where).toEqual({
      ...base,
      numberType: 'LOCAL',
      areaCode: '512',
      locality: { equals: 'Austin', mode: 'insensitive' },
      region: { equals: 'TX', mode: 'insensitive' },
      e164: { contains: '555' },
      capabilities: { hasEvery: ['SMS', 'VOICE'] },
    });
  });

  it('accepts the length limits', () => {
    expect(
      availableNumberWhere({ countryCode: 'US', areaCode: '123456', contains: '1'.repeat(15), locality: 'a'.repeat(100), region: 'b'.repeat(100) }),
    ).toMatchObject({
      areaCode: '123456',
      e164: { contains: '1'.repeat(15) },
    });
  });

  it.each([
    ['areaCode', { areaCode: '' }],
    ['areaCode', { areaCode: '1234567' }],
    ['areaCode', { areaCode: '51a' }],
    ['areaCode', { areaCode: ' 512' }],
    ['contains', { contains: '' }],
    ['contains', { contains: '1'.repeat(16) }],
    ['contains', { contains: '+1512' }],
    ['contains', { contains: '555-01' }],
    ['locality', { locality: 'a'.repeat(101) }],
    ['region', { region: 'b'.repeat(101) }],
  ])('rejects a bad %s (%o)', (field, filter) => {
    const error = inputError(() => availableNumberWhere({ countryCode: 'US', ...filter }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: ['filter', field] });
  });
});
