import type { ApiKeyRole } from '../../src/generated/prisma/enums.js';
import type { Tenant, TestServer } from './server.js';

const CreateTestKey = `mutation C($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret errors { code message } } }`;

/** The sandbox of a live tenant, as its customer gets there: test keys of every role, made by its live ADMIN key. */
export async function sandboxOf(server: TestServer, live: Tenant): Promise<Tenant> {
  const keys = {} as Record<ApiKeyRole, string>;
  for (const role of ['ADMIN', 'MEMBER', 'READ_ONLY'] as const) {
    const response = await server.graphql(live.keys.ADMIN, CreateTestKey, { input: { name: `test ${role}`, role, mode: 'TEST' } });
    const payload = (response.data as { createApiKey: { secret: string | null; errors: unknown[] } } | null)?.createApiKey;
    if (!payload?.secret) throw new Error(`could not make a test key: ${JSON.stringify(response)}`);
    keys[role] = payload.secret;
  }
  const sandbox = await server.db.prisma.organization.findUniqueOrThrow({ where: { liveOrganizationId: live.organizationId } });
  return { organizationId: sandbox.id, slug: sandbox.slug, keys };
}
