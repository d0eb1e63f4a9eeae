import { describe, expect, it } from 'vitest';
import { isJobKind, MalformedJobPayload, parseJobPayload } from '../../src/domain/job-kinds.js';

describe('job payloads read back from the database', () => {
  it('keeps the declared fields of a well-formed payload and drops the rest', () => {
    expect(parseJobPayload('port-progress', { organizationId: 'o', portingOrderId: 'p', run: 2, step: 1, extra: true })).toEqual({
      organizationId: 'o',
      portingOrderId: 'p',
      run: 2,
      step: 1,
    });
    expect(parseJobPayload('event-retention', {})).toEqual({});
  });

  it('allows an optional field to be absent', () => {
    expect(parseJobPayload('inventory-sweep', {})).toEqual({});
    expect(parseJobPayload('inventory-sweep', { organizationId: 'o' })).toEqual({ organizationId: 'o' });
  });

  it('rejects a missing, empty or mistyped field, naming it', () => {
    expect(() => parseJobPayload('activate-number', { organizationId: 'o' })).toThrow(
      new MalformedJobPayload('activate-number job payload: "phoneNumberId" should be a non-empty string, found missing'),
    );
    expect(() => parseJobPayload('release-number', { e164: '' })).toThrow(/"e164" should be a non-empty string, found ""/);
    expect(() => parseJobPayload('port-progress', { organizationId: 'o', portingOrderId: 'p', run: '2', step: 1 })).toThrow(
      /"run" should be an integer, found "2"/,
    );
    expect(() => parseJobPayload('inventory-sweep', { organizationId: 7 })).toThrow(/should be absent or a non-empty string, found 7/);
  });

  it('rejects a payload that is not an object', () => {
    for (const raw of [null, 'x', [], 3]) expect(() => parseJobPayload('bill-number', raw)).toThrow(MalformedJobPayload);
  });

  it('knows its kinds, and only its own', () => {
    expect(isJobKind('activate-number')).toBe(true);
    expect(isJobKind('toString')).toBe(false);
    expect(isJobKind('no-such-job')).toBe(false);
  });
});
