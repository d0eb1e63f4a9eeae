import { hashApiKey, looksLikeApiKey } from '../domain/api-keys.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Caller } from '../schema/context.js';

const lastUsedWriteInterval = 60_000;

export function apiKeyFromHeaders(headers: Headers): string | null {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? null;
  }
  return headers.get('x-api-key')?.trim() || null;
}

/** Resolves an API key to its organization and role; null for missing, unknown or revoked keys. */
export async function authenticate(prisma: PrismaClient, key: string | null): Promise<Caller | null> {
  if (!key || !looksLikeApiKey(key)) return null;
  const record = await prisma.apiKey.findUnique({
    where: { secretHash: hashApiKey(key) },
    select: { id: true, organizationId: true, role: true, mode: true, revokedAt: true, lastUsedAt: true, organization: { select: { environment: true } } },
  });
  // A key reaches only its own environment: a test key its sandbox, a live key live data. A key whose mode is
  // not its organization's environment was not made by the API and is refused like an unknown one.
  if (!record || record.revokedAt || record.organization.environment !== record.mode) return null;
  const now = Date.now();
  if (!record.lastUsedAt || now - record.lastUsedAt.getTime() > lastUsedWriteInterval) {
    // Throttled so a busy key costs one write a minute, not one per request.
    void prisma.apiKey.update({ where: { id: record.id }, data: { lastUsedAt: new Date(now) } }).catch(() => {});
  }
  return { organizationId: record.organizationId, apiKeyId: record.id, role: record.role, mode: record.mode, environment: record.organization.environment };
}
