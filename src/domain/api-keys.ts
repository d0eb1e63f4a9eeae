import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyMode, ApiKeyRole } from '../generated/prisma/enums.js';

const keyPattern = /^pn_(live|test)_[A-Za-z0-9]{32,64}$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function looksLikeApiKey(key: string): boolean {
  return keyPattern.test(key);
}

/** A new secret; the caller shows it once and stores only its hash. */
export function generateApiKey(mode: ApiKeyMode): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(40);
  let body = '';
  for (const byte of bytes) body += alphabet[byte % alphabet.length];
  return `pn_${mode === 'LIVE' ? 'live' : 'test'}_${body}`;
}

export function apiKeyRecord(key: string, fields: { organizationId: string; name: string; role: ApiKeyRole }) {
  const mode: ApiKeyMode = key.startsWith('pn_live_') ? 'LIVE' : 'TEST';
  return {
    ...fields,
    mode,
    secretHash: hashApiKey(key),
    displayPrefix: key.slice(0, 12),
  };
}

const roleRank: Record<ApiKeyRole, number> = { READ_ONLY: 0, MEMBER: 1, ADMIN: 2 };

export function roleAllows(role: ApiKeyRole, required: ApiKeyRole): boolean {
  return roleRank[role] >= roleRank[required];
}

export type NewApiKeyInput = { name: string; role: ApiKeyRole; mode: ApiKeyMode };
