import type { TenantDb } from '../infra/tenant-scope.js';
import { apiKeyRecord, generateApiKey, type NewApiKeyInput } from './api-keys.js';
import { DomainError, notFound } from './errors.js';
import { recordEvent } from './events.js';
import { checkName } from './input-rules.js';
import type { Sandboxes } from './sandbox.js';
import { inTransaction } from './transactions.js';

/**
 * Creates a key and returns its secret, which is never stored and can't be shown again. A key lives in its
 * mode's environment: a live caller's test key is made in the organization's sandbox (created on first use).
 */
export async function createApiKey(db: TenantDb, input: NewApiKeyInput, sandboxes: Pick<Sandboxes, 'ensure'>) {
  const name = checkName(input.name, ['input', 'name']);
  // The sandbox can't mint a way out of itself.
  if (db.tenant.environment === 'TEST' && input.mode === 'LIVE') {
    throw new DomainError('FORBIDDEN', 'A test-mode key can create only test-mode keys; use a live ADMIN key for live ones', ['input', 'mode']);
  }
  const home = input.mode === db.tenant.environment ? db : await sandboxes.ensure(db.tenant.organizationId);
  const secret = generateApiKey(input.mode);
  const apiKey = await home.apiKey.create({ data: apiKeyRecord(secret, { organizationId: home.tenant.organizationId, name, role: input.role }) });
  return { apiKey, secret };
}

/**
 * Revokes a key. The API_KEY_REVOKED event written with it is how every
 * instance learns to end the key's open connections (even through a bus outage).
 */
export async function revokeApiKey(db: TenantDb, apiKeyId: string) {
  return inTransaction(db, async (tx) => {
    const existing = await tx.apiKey.findUnique({ where: { id: apiKeyId } });
    if (!existing) throw notFound(['input', 'id'], 'API key');
    // Conditional, so two concurrent revocations record one event.
    const { count } = await tx.apiKey.updateMany({ where: { id: apiKeyId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (count === 1) await recordEvent(tx, 'API_KEY_REVOKED', apiKeyId, { name: existing.name, displayPrefix: existing.displayPrefix });
    return tx.apiKey.findUniqueOrThrow({ where: { id: apiKeyId } });
  });
}
