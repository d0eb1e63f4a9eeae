import { describe, expect } from 'vitest';
import { apiKeyRecord, generateApiKey } from '../../src/domain/api-keys.js';
import { graphql } from '../../src/generated/graphql/index.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { serverTest } from '../helpers/server-fixture.js';

const CreateApiKey = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { secret apiKey { id name role mode displayPrefix revokedAt } errors { code message field } }
  }
`);

const RevokeApiKey = graphql(`
  mutation RevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) { apiKey { id revokedAt } errors { code message field } }
  }
`);

const CreateConnection = graphql(`
  mutation CreateConnection($input: CreateConnectionInput!) {
    createConnection(input: $input) { connection { id name } errors { code message field } }
  }
`);

const WhoAmI = graphql(`query WhoAmI { viewer { role organization { id } } }`);

const it = serverTest({}, { tenants: ['acme', 'globex'] });

describe.skipIf(skipReason)('API keys and connections', () => {
  it('an admin creates a key whose secret works once shown, and is stored only hashed', async ({ server, acme }) => {
    const created = await server.graphql(acme.keys.ADMIN, CreateApiKey, { input: { name: 'Dashboard', role: 'READ_ONLY', mode: 'LIVE' } });
    expect(created.data?.createApiKey.errors).toEqual([]);
    const secret = created.data!.createApiKey.secret!;
    expect(secret).toMatch(/^pn_live_[A-Za-z0-9]{40}$/);
    expect(created.data!.createApiKey.apiKey).toMatchObject({ name: 'Dashboard', role: 'READ_ONLY', mode: 'LIVE', displayPrefix: secret.slice(0, 12) });
    const stored = await server.db.prisma.apiKey.findMany({ where: { organizationId: acme.organizationId } });
    expect(JSON.stringify(stored)).not.toContain(secret);
    const asNewKey = await server.graphql(secret, WhoAmI);
    expect(asNewKey.data?.viewer.role).toBe('READ_ONLY');
  });

  it('a revoked key stops working at once', async ({ server, acme }) => {
    const liveAdmin = generateApiKey('LIVE');
    await server.db.prisma.apiKey.create({ data: apiKeyRecord(liveAdmin, { organizationId: acme.organizationId, name: 'live admin', role: 'ADMIN' }) });
    const created = await server.graphql(liveAdmin, CreateApiKey, { input: { name: 'Temp', role: 'MEMBER' } });
    const secret = created.data!.createApiKey.secret!;
    expect(secret.startsWith('pn_live_')).toBe(true);
    const revoked = await server.graphql(acme.keys.ADMIN, RevokeApiKey, { input: { id: created.data!.createApiKey.apiKey!.id } });
    expect(revoked.data?.revokeApiKey.errors).toEqual([]);
    expect(revoked.data?.revokeApiKey.apiKey?.revokedAt).toBeTruthy();
    expect((await server.graphql(secret, WhoAmI)).status).toBe(401);
  });

  it("another tenant's key can't be revoked: it reads as not found and stays valid", async ({ server, acme, globex }) => {
    const globexKey = await server.db.prisma.apiKey.findFirstOrThrow({ where: { organizationId: globex.organizationId, role: 'ADMIN' } });
    const response = await server.graphql(acme.keys.ADMIN, RevokeApiKey, { input: { id: encodeGlobalId('ApiKey', globexKey.id) } });
    expect(response.data?.revokeApiKey).toMatchObject({ apiKey: null, errors: [{ code: 'NOT_FOUND', field: ['input', 'id'] }] });
    expect((await server.graphql(globex.keys.ADMIN, WhoAmI)).status).toBe(200);
  });

  it('read-only and member keys get FORBIDDEN for admin mutations, and nothing is written', async ({ server, acme }) => {
    const before = await server.db.prisma.apiKey.count();
    for (const key of [acme.keys.READ_ONLY, acme.keys.MEMBER]) {
      const response = await server.graphql(key, CreateApiKey, { input: { name: 'Sneaky', role: 'ADMIN' } });
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(response.data).toBeNull();
    }
    const readOnly = await server.graphql(acme.keys.READ_ONLY, CreateConnection, { input: { name: 'Nope' } });
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await server.db.prisma.apiKey.count()).toBe(before);
    expect(await server.db.prisma.connection.count({ where: { name: 'Nope' } })).toBe(0);
  });

  it('connections: created by members, names validated and unique per tenant', async ({ server, acme, globex }) => {
    const created = await server.graphql(acme.keys.MEMBER, CreateConnection, { input: { name: '  Retail  ' } });
    expect(created.data?.createConnection).toMatchObject({ connection: { name: 'Retail' }, errors: [] });
    const duplicate = await server.graphql(acme.keys.MEMBER, CreateConnection, { input: { name: 'Retail' } });
    expect(duplicate.data?.createConnection).toMatchObject({ connection: null, errors: [{ code: 'BAD_USER_INPUT', field: ['input', 'name'] }] });
    const otherTenant = await server.graphql(globex.keys.MEMBER, CreateConnection, { input: { name: 'Retail' } });
    expect(otherTenant.data?.createConnection.errors).toEqual([]);
    for (const name of ['', ' ', 'x'.repeat(101)]) {
      const bad = await server.graphql(acme.keys.MEMBER, CreateConnection, { input: { name } });
      expect(bad.data?.createConnection).toMatchObject({ connection: null, errors: [{ code: 'BAD_USER_INPUT', field: ['input', 'name'] }] });
    }
    expect(await server.db.prisma.connection.count({ where: { organizationId: acme.organizationId } })).toBe(1);
  });

  it('the same connection name created 8 times at once: one is made, the others are told the name is taken', async ({ server, acme }) => {
    const results = await Promise.all(Array.from({ length: 8 }, () => server.graphql(acme.keys.MEMBER, CreateConnection, { input: { name: 'Wholesale' } })));
    expect(results.map((result) => result.status)).toEqual(Array(8).fill(200));
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    const made = results.filter((result) => result.data?.createConnection.connection);
    expect(made).toHaveLength(1);
    for (const result of results.filter((r) => !r.data?.createConnection.connection)) {
      expect(result.data?.createConnection.errors).toMatchObject([{ code: 'BAD_USER_INPUT', field: ['input', 'name'] }]);
    }
    expect(await server.db.prisma.connection.count({ where: { organizationId: acme.organizationId, name: 'Wholesale' } })).toBe(1);
  });
});
