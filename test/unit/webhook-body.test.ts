import { describe, expect, it } from 'vitest';
import { retryDelayMs, webhookBody, webhookData } from '../../src/domain/webhook-deliveries.js';

const policy = { retryBaseMs: 10_000, retryMaxMs: 3_600_000, retryHorizonMs: 3 * 86_400_000, disableAfterFailures: 100 };
const decoded = (id: unknown) => Buffer.from(String(id), 'base64url').toString();

describe('webhook retry delays', () => {
  it('double per attempt, between half and all of base · 2^(n-1), never above the ceiling', () => {
    for (const [attempt, ceiling] of [
      [1, 10_000],
      [2, 20_000],
      [5, 160_000],
      [12, 3_600_000],
      [500, 3_600_000],
    ] as const) {
      expect(retryDelayMs(policy, attempt, () => 0)).toBe(ceiling / 2);
      expect(retryDelayMs(policy, attempt, () => 0.999_999)).toBeLessThanOrEqual(ceiling);
      expect(retryDelayMs(policy, attempt, () => 0.999_999)).toBeGreaterThan(ceiling * 0.99);
    }
  });

  it('spread: two deliveries failing together do not retry at the same instant', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(policy, 3)));
    expect(delays.size).toBeGreaterThan(40);
  });
});

describe('webhook bodies', () => {
  const phoneNumberId = '0b8e4c1e-2f5d-4c3a-9a7e-1d2c3b4a5f60';
  const event = {
    id: 41n,
    sequence: 17n,
    type: 'NUMBER_STATUS_CHANGED',
    subjectId: phoneNumberId,
    payload: { phoneNumberId, e164: '+15125550100', previousStatus: 'PENDING', newStatus: 'ACTIVE' },
    createdAt: new Date('2026-12-08T00:00:00.000Z'),
  };

  it('carry id, type, occurredAt, sequence and data, ids as global IDs', () => {
    const body = JSON.parse(webhookBody(event));
    expect(body).toEqual({
      id: 'evt_41',
      type: 'NUMBER_STATUS_CHANGED',
      occurredAt: '2026-12-08T00:00:00.000Z',
      sequence: 17,
      data: {
        subjectId: body.data.phoneNumberId,
        phoneNumberId: body.data.phoneNumberId,
        e164: '+15125550100',
        previousStatus: 'PENDING',
        newStatus: 'ACTIVE',
      },
    });
    expect(decoded(body.data.phoneNumberId)).toBe(`PhoneNumber:${phoneNumberId}`);
  });

  it('leave subjects that are not rows (an inventory bucket) and non-id fields as they are', () => {
    const data = webhookData({
      type: 'INVENTORY_LOW',
      subjectId: 'US:512',
      payload: { countryCode: 'US', areaCodePrefix: '512', availableCount: 1, threshold: 3 },
    });
    expect(data).toEqual({ subjectId: 'US:512', countryCode: 'US', areaCodePrefix: '512', availableCount: 1, threshold: 3 });
    const odd = webhookData({ type: 'API_KEY_REVOKED', subjectId: phoneNumberId, payload: { externalId: 'not-a-uuid' } });
    expect(decoded(odd.subjectId)).toBe(`ApiKey:${phoneNumberId}`);
    expect(odd.externalId).toBe('not-a-uuid');
  });

  it('are the same bytes at every attempt', () => {
    expect(webhookBody(event)).toBe(webhookBody({ ...event }));
  });
});
