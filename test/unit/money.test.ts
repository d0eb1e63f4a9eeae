import { describe, expect, it } from 'vitest';
import { centsToDecimal, formatMoney } from '../../src/domain/money.js';

describe('formatMoney', () => {
  it.each([
    [0, '$0.00'],
    [5, '$0.05'],
    [99, '$0.99'],
    [150, '$1.50'],
    [100000, '$1,000.00'],
    [-250, '-$2.50'],
    [-5, '-$0.05'],
    [123456789, '$1,234,567.89'],
  ])('formats %i USD cents as %s', (amountCents, expected) => {
    expect(formatMoney({ amountCents, currency: 'USD' })).toBe(expected);
  });

  it.each([
    ['EUR', 150, '€1.50'],
    ['GBP', 150, '£1.50'],
    ['EUR', 123456789, '€1,234,567.89'],
    ['GBP', -250, '-£2.50'],
  ])('formats %s', (currency, amountCents, expected) => {
    expect(formatMoney({ amountCents, currency })).toBe(expected);
  });

  it('uses the right symbol when currencies alternate (per-currency formatter cache)', () => {
    expect(formatMoney({ amountCents: 100, currency: 'EUR' })).toBe('€1.00');
    expect(formatMoney({ amountCents: 100, currency: 'USD' })).toBe('$1.00');
    expect(formatMoney({ amountCents: 100, currency: 'EUR' })).toBe('€1.00');
  });
});

describe('centsToDecimal', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [10, '0.10'],
    [150, '1.50'],
    [100000, '1000.00'],
    [-250, '-2.50'],
    [-5, '-0.05'],
    [123456789, '1234567.89'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('converts %i to %s', (amountCents, expected) => {
    expect(centsToDecimal(amountCents)).toBe(expected);
  });
});

describe('formatMoney beyond 2^53 / 100', () => {
  it('keeps every cent', () => {
    expect(formatMoney({ amountCents: Number.MAX_SAFE_INTEGER, currency: 'USD' })).toBe('$90,071,992,547,409.91');
    expect(formatMoney({ amountCents: 9007199254740987, currency: 'USD' })).toBe('$90,071,992,547,409.87');
  });
});
