import { afterEach, describe, expect, it } from 'vitest';
import { addMonth } from '../../src/domain/billing.js';

const next = (iso: string) => addMonth(new Date(iso)).toISOString();

describe('addMonth (billing periods)', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('keeps the day of the month when the next month has it', () => {
    expect(next('2026-01-15T10:00:00.000Z')).toBe('2026-02-15T10:00:00.000Z');
    expect(next('2026-03-31T00:00:00.000Z')).toBe('2026-04-30T00:00:00.000Z');
    expect(next('2026-07-31T08:00:00.000Z')).toBe('2026-08-31T08:00:00.000Z');
    expect(next('2026-02-28T00:00:00.000Z')).toBe('2026-03-28T00:00:00.000Z');
  });

  it('clamps 29, 30 and 31 to the last day of a shorter month', () => {
    expect(next('2026-01-31T12:00:00.000Z')).toBe('2026-02-28T12:00:00.000Z');
    expect(next('2026-01-30T12:00:00.000Z')).toBe('2026-02-28T12:00:00.000Z');
    expect(next('2026-01-29T12:00:00.000Z')).toBe('2026-02-28T12:00:00.000Z');
    expect(next('2026-05-31T12:00:00.000Z')).toBe('2026-06-30T12:00:00.000Z');
    expect(next('2026-08-31T12:00:00.000Z')).toBe('2026-09-30T12:00:00.000Z');
    expect(next('2026-10-31T12:00:00.000Z')).toBe('2026-11-30T12:00:00.000Z');
  });

  it('has February 29 in leap years (2028, 2000) and not in 2100', () => {
    expect(next('2028-01-31T12:00:00.000Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(next('2028-01-29T12:00:00.000Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(next('2028-02-29T12:00:00.000Z')).toBe('2028-03-29T12:00:00.000Z');
    expect(next('2000-01-30T12:00:00.000Z')).toBe('2000-02-29T12:00:00.000Z');
    expect(next('2100-01-31T12:00:00.000Z')).toBe('2100-02-28T12:00:00.000Z');
  });

  it('rolls December over into January of the next year', () => {
    expect(next('2026-12-31T23:59:59.999Z')).toBe('2027-01-31T23:59:59.999Z');
    expect(next('2026-12-01T00:00:00.000Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('2027-11-30T06:00:00.000Z')).toBe('2027-12-30T06:00:00.000Z');
  });

  it('keeps the time of day to the millisecond', () => {
    expect(next('2026-01-31T23:59:59.999Z')).toBe('2026-02-28T23:59:59.999Z');
    expect(next('2026-06-10T00:00:00.001Z')).toBe('2026-07-10T00:00:00.001Z');
  });

  it('chains from the previous period, so a clamped day stays clamped (31 → 28 → 28 …)', () => {
    const periods: string[] = [];
    let period = new Date('2026-01-31T09:00:00.000Z');
    for (let i = 0; i < 4; i++) {
      period = addMonth(period);
      periods.push(period.toISOString().slice(0, 10));
    }
    expect(periods).toEqual(['2026-02-28', '2026-03-28', '2026-04-28', '2026-05-28']);

    let day15 = new Date('2026-01-15T09:00:00.000Z');
    for (let i = 0; i < 12; i++) day15 = addMonth(day15);
    expect(day15.toISOString()).toBe('2027-01-15T09:00:00.000Z');
  });

  it('works on the UTC calendar whatever the process time zone, daylight saving included', () => {
    process.env.TZ = 'Europe/Berlin';
    // 23:30 UTC on 31 March is already 1 April in Berlin; the UTC date decides.
    expect(new Date('2026-03-31T23:30:00.000Z').getDate()).toBe(1);
    expect(next('2026-03-31T23:30:00.000Z')).toBe('2026-04-30T23:30:00.000Z');
    process.env.TZ = 'America/New_York';
    // New York moves its clocks on 8 March 2026; one month later is still exactly 31 days of UTC time.
    const before = new Date('2026-03-01T12:00:00.000Z');
    expect(addMonth(before).getTime() - before.getTime()).toBe(31 * 86_400_000);
  });

  it('returns a new date and leaves its argument alone', () => {
    const date = new Date('2026-01-31T12:00:00.000Z');
    const result = addMonth(date);
    expect(result).not.toBe(date);
    expect(date.toISOString()).toBe('2026-01-31T12:00:00.000Z');
  });
});
