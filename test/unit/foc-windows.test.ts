import { afterEach, describe, expect, it } from 'vitest';
import { allowedFocWindows } from '../../src/domain/porting.js';

// 2026-11-23 is a Monday.
const days = (fast: boolean, now: string, count?: number) => allowedFocWindows(fast, new Date(now), count).map((w) => w.startsAt.toISOString().slice(0, 10));
const first = (fast: boolean, now: string) => {
  const [window] = allowedFocWindows(fast, new Date(now), 1);
  return window && { startsAt: window.startsAt.toISOString(), endsAt: window.endsAt.toISOString() };
};

describe('allowedFocWindows', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('starts 1 business day ahead when every number is fast-portable, 5 otherwise; today never counts', () => {
    expect(first(true, '2026-11-23T00:00:00Z')).toEqual({ startsAt: '2026-11-24T09:00:00.000Z', endsAt: '2026-11-24T17:00:00.000Z' });
    expect(first(true, '2026-11-23T08:00:00Z')).toEqual({ startsAt: '2026-11-24T09:00:00.000Z', endsAt: '2026-11-24T17:00:00.000Z' });
    // Tue, Wed, Thu, Fri are business days 1–4; the weekend is skipped; Monday is the 5th.
    expect(first(false, '2026-11-23T15:00:00Z')).toEqual({ startsAt: '2026-11-30T09:00:00.000Z', endsAt: '2026-11-30T17:00:00.000Z' });
  });

  it('skips weekends: asked on Friday, Saturday or Sunday, the next window is Monday', () => {
    expect(days(true, '2026-11-27T16:59:59Z', 2)).toEqual(['2026-11-30', '2026-12-01']);
    expect(days(true, '2026-11-28T12:00:00Z', 2)).toEqual(['2026-11-30', '2026-12-01']);
    expect(days(true, '2026-11-29T23:59:59.999Z', 2)).toEqual(['2026-11-30', '2026-12-01']);
    expect(days(false, '2026-11-28T12:00:00Z', 1)).toEqual(['2026-12-04']);
    // Friday to Friday: Mon–Thu are business days 1–4 after Friday, the next Friday is the 5th.
    expect(days(false, '2026-11-27T10:00:00Z', 1)).toEqual(['2026-12-04']);
  });

  it('lists consecutive business days only, 20 by default (four working weeks)', () => {
    const all = days(true, '2026-11-23T10:00:00Z');
    expect(all).toHaveLength(20);
    expect(all).toEqual([
      ...['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'],
      ...['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04'],
      ...['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11'],
      ...['2026-12-14', '2026-12-15', '2026-12-16', '2026-12-17', '2026-12-18'],
      '2026-12-21',
    ]);
    expect(allowedFocWindows(true, new Date('2026-11-23T10:00:00Z'), 0)).toEqual([]);
    expect(days(true, '2026-11-23T10:00:00Z', 3)).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
  });

  it('the 5-day lead drops exactly the first 4 business days of the fast-portable list', () => {
    for (const now of ['2026-11-23T10:00:00Z', '2026-11-26T23:00:00Z', '2026-11-28T00:00:00Z', '2026-12-30T12:00:00Z']) {
      expect(allowedFocWindows(false, new Date(now))).toEqual(allowedFocWindows(true, new Date(now), 24).slice(4));
    }
  });

  it('crosses month, year and leap-day boundaries by calendar day (public holidays are not known)', () => {
    // Friday 30 January: Monday 2 February, then the 5th business day is Friday 6 February.
    expect(days(true, '2026-01-30T12:00:00Z', 1)).toEqual(['2026-02-02']);
    expect(days(false, '2026-01-30T12:00:00Z', 1)).toEqual(['2026-02-06']);
    // Wednesday 30 December: 31 December, then 1 January (a Friday, counted as a business day).
    expect(days(true, '2026-12-30T12:00:00Z', 3)).toEqual(['2026-12-31', '2027-01-01', '2027-01-04']);
    expect(days(false, '2026-12-30T12:00:00Z', 1)).toEqual(['2027-01-06']);
    // 2028 is a leap year: Monday 28 February is followed by Tuesday 29 February.
    expect(days(true, '2028-02-28T12:00:00Z', 2)).toEqual(['2028-02-29', '2028-03-01']);
    // 2027 is not: Friday 26 February → Monday 1 March.
    expect(days(true, '2027-02-26T12:00:00Z', 1)).toEqual(['2027-03-01']);
  });

  it('every window is 09:00–17:00 UTC, exactly 8 hours, across daylight-saving changes', () => {
    // 8 March (US) and 29 March (EU) 2026 move local clocks; UTC windows must not move.
    const windows = allowedFocWindows(true, new Date('2026-03-02T12:00:00Z'), 25);
    expect(windows.map((w) => w.startsAt.toISOString().slice(0, 10))).toContain('2026-03-30');
    for (const window of windows) {
      expect(window.startsAt.toISOString().slice(11)).toBe('09:00:00.000Z');
      expect(window.endsAt.getTime() - window.startsAt.getTime()).toBe(8 * 3_600_000);
      expect([1, 2, 3, 4, 5]).toContain(window.startsAt.getUTCDay());
    }
  });

  it("depends on the UTC date of now, not the process's time zone", () => {
    // Thursday 23:30 UTC is already Friday in Berlin and Kiritimati (UTC+14); Friday 01:00 UTC is still Thursday in New York.
    const cases = [
      { now: '2026-11-26T23:30:00Z', zones: { UTC: 26, 'Pacific/Kiritimati': 27, 'Europe/Berlin': 27, 'America/New_York': 26 } },
      { now: '2026-11-27T01:00:00Z', zones: { UTC: 27, 'Pacific/Kiritimati': 27, 'Europe/Berlin': 27, 'America/New_York': 26 } },
    ];
    const expected: Record<string, string[]> = {
      '2026-11-26T23:30:00Z': ['2026-11-27T09:00:00.000Z', '2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z'],
      '2026-11-27T01:00:00Z': ['2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z', '2026-12-02T09:00:00.000Z'],
    };
    for (const { now, zones } of cases) {
      for (const [tz, localDay] of Object.entries(zones)) {
        process.env.TZ = tz;
        // The zone is in effect: local calendar dates differ between them.
        expect(new Date(now).getDate()).toBe(localDay);
        const starts = allowedFocWindows(true, new Date(now), 3).map((w) => w.startsAt.toISOString());
        expect(starts).toEqual(expected[now]);
      }
    }
  });

  it('does not change the `now` it is given', () => {
    const now = new Date('2026-11-23T15:00:00Z');
    allowedFocWindows(false, now);
    expect(now.toISOString()).toBe('2026-11-23T15:00:00.000Z');
  });
});
