import { describe, expect, it } from 'vitest';
import { apiKeyRecord, generateApiKey, hashApiKey, looksLikeApiKey, roleAllows } from '../../src/domain/api-keys.js';
import type { ApiKeyRole } from '../../src/generated/prisma/enums.js';

describe('generateApiKey', () => {
  it.each([
    ['LIVE', /^pn_live_[A-Za-z0-9]{40}$/],
    ['TEST', /^pn_test_[A-Za-z0-9]{40}$/],
  ] as const)('generates a %s key that looksLikeApiKey accepts', (mode, pattern) => {
    const key = generateApiKey(mode);
    expect(key).toMatch(pattern);
    expect(looksLikeApiKey(key)).toBe(true);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateApiKey('LIVE')));
    expect(keys.size).toBe(50);
  });
});

describe('looksLikeApiKey', () => {
  it.each([
    `pn_prod_${'a'.repeat(40)}`,
    `pn_live_${'a'.repeat(31)}`,
    `pn_live_${'a'.repeat(65)}`,
    `pn_live_${'a'.repeat(39)}-`,
    ` pn_live_${'a'.repeat(40)}`,
    `PN_LIVE_${'a'.repeat(40)}`,
    '',
  ])('rejects %o', (key) => {
    expect(looksLikeApiKey(key)).toBe(false);
  });

  it('accepts the length bounds', () => {
    expect(looksLikeApiKey(`pn_test_${'a'.repeat(32)}`)).toBe(true);
    expect(looksLikeApiKey(`pn_test_${'a'.repeat(64)}`)).toBe(true);
  });
});

describe('hashApiKey', () => {
  it('is the sha256 hex digest', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is stable and differs per key', () => {
    const a = generateApiKey('TEST');
    const b = generateApiKey('TEST');
    expect(hashApiKey(a)).toBe(hashApiKey(a));
    expect(hashApiKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(a)).not.toBe(hashApiKey(b));
  });
});

describe('apiKeyRecord', () => {
  const fields = { organizationId: 'org-a', name: 'CI', role: 'MEMBER' as const };

  it.each(['LIVE', 'TEST'] as const)('stores the hash, mode and a short prefix of a %s key', (mode) => {
    const key = generateApiKey(mode);
    expect(apiKeyRecord(key, fields)).toEqual({ ...fields, mode, secretHash: hashApiKey(key), displayPrefix: key.slice(0, 12) });
  });

  it('never contains the raw key or its secret part in any field', () => {
    const key = generateApiKey('LIVE');
    const secret = key.slice('pn_live_'.length);
    const record = apiKeyRecord(key, fields);
    for (const value of Object.values(record)) {
      expect(String(value)).not.toContain(key);
      expect(String(value)).not.toContain(secret.slice(0, 8));
    }
    expect(JSON.stringify(record)).not.toContain(secret);
  });
});

describe('roleAllows', () => {
  const roles: ApiKeyRole[] = ['READ_ONLY', 'MEMBER', 'ADMIN'];
  const allowed: Record<ApiKeyRole, ApiKeyRole[]> = {
    READ_ONLY: ['READ_ONLY'],
    MEMBER: ['READ_ONLY', 'MEMBER'],
    ADMIN: ['READ_ONLY', 'MEMBER', 'ADMIN'],
  };

  for (const role of roles) {
    for (const required of roles) {
      const expected = allowed[role].includes(required);
      it(`${role} ${expected ? 'may' : 'may not'} do what needs ${required}`, () => {
        expect(roleAllows(role, required)).toBe(expected);
      });
    }
  }
});
