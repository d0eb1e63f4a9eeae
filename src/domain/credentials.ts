import type { TenantDb } from '../infra/tenant-scope.js';
import { apiKeyRecord, generateApiKey, type NewApiKeyInput } from './api-keys.js';
import { invalidInput, notFound } from './errors.js';

function checkName(name: string, field: string[]) {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw invalidInput(field, 'Name must be 1 to 100 characters');
  return trimmed;
}

/** Creates a key and returns its secret, which is never stored and can't be shown again. */
export async function createApiKey(db: TenantDb, organizationId: string, input: NewApiKeyInput) {
  const name = checkName(input.name, ['input', 'name']);
  const secret = generateApiKey(input.mode);
  const apiKey = await db.apiKey.create({ data: apiKeyRecord(secret, { organizationId, name, role: input.role }) });
  return { apiKey, secret };
}

export async function revokeApiKey(db: TenantDb, apiKeyId: string) {
  const existing = await db.apiKey.findUnique({ where: { id: apiKeyId } });
  if (!existing) throw notFound(['input', 'id'], 'API key');
  if (existing.revokedAt) return existing;
  return db.apiKey.update({ where: { id: apiKeyId }, data: { revokedAt: new Date() } });
}

export async function createConnection(db: TenantDb, organizationId: string, input: { name: string }) {
  const name = checkName(input.name, ['input', 'name']);
  const clash = await db.connection.findFirst({ where: { name }, select: { id: true } });
  if (clash) throw invalidInput(['input', 'name'], `A connection named "${name}" already exists`);
  return db.connection.create({ data: { organizationId, name } });
}
