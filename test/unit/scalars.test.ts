import { Kind, type ValueNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CountryCodeScalar, E164Scalar } from '../../src/schema/scalars.js';

const string = (value: string): ValueNode => ({ kind: Kind.STRING, value });

describe('E164 scalar', () => {
  it.each(['+15125550100', '+442071838750', '+2348031234567', '+12345678', '+123456789012345'])('accepts %s', (value) => {
    expect(E164Scalar.parseValue(value)).toBe(value);
    expect(E164Scalar.parseLiteral(string(value), {})).toBe(value);
  });

  it.each([
    ['no plus', '15125550100'],
    ['a zero country code', '+0123456789'],
    ['spaces', '+1 512 555 0100'],
    ['too few digits', '+1512'],
    ['7 digits', '+1234567'],
    ['16 digits', '+1234567890123456'],
    ['empty', ''],
    ['trailing newline', '+15125550100\n'],
    ['letters', '+1512555CALL'],
  ])('rejects %s', (_name, value) => {
    expect(() => E164Scalar.parseValue(value)).toThrow(/not a valid E\.164/);
    expect(() => E164Scalar.parseLiteral(string(value), {})).toThrow(/not a valid E\.164/);
  });

  it.each([15125550100, null, undefined, { e164: '+15125550100' }])('rejects the non-string %o', (value) => {
    expect(() => E164Scalar.parseValue(value)).toThrow(/not a valid E\.164/);
  });

  it('rejects a non-string literal', () => {
    expect(() => E164Scalar.parseLiteral({ kind: Kind.INT, value: '15125550100' }, {})).toThrow(/must be a string/);
    expect(() => E164Scalar.parseLiteral({ kind: Kind.FLOAT, value: '1.5' }, {})).toThrow(/must be a string/);
  });
});

describe('CountryCode scalar', () => {
  it('upper-cases valid codes', () => {
    expect(CountryCodeScalar.parseValue('us')).toBe('US');
    expect(CountryCodeScalar.parseValue('GB')).toBe('GB');
    expect(CountryCodeScalar.parseLiteral(string('ng'), {})).toBe('NG');
  });

  it.each(['XX', 'usa', '', 'u'])('rejects %o', (value) => {
    expect(() => CountryCodeScalar.parseValue(value)).toThrow(/not a valid country code/);
  });

  it('rejects an unknown literal', () => {
    expect(() => CountryCodeScalar.parseLiteral(string('XX'), {})).toThrow();
  });
});
