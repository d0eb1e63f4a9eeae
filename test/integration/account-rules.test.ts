import { describe, expect } from 'vitest';
import { apiKeyRecord, generateApiKey } from '../../src/domain/api-keys.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { skipReason } from '../helpers/database.js';
import { insertOwnedNumbers } from '../helpers/fixtures.js';
import { serverTest } from '../helpers/server-fixture.js';

// Account rules a customer can't get around: a test-mode key can't mint a live one; the key list
// shows everything about a key but its secret, to ADMIN keys only and only the tenant's own; and
// carrier-owned fields (toll-free verification) can't be set through the API.

const it = serverTest({}, { tenants: ['acme', 'globex'] });

const CreateKey = `mutation C($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { mode } errors { code field } } }`;
const ApiKeys = `query K($first: Int, $after: String) {
  apiKeys(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name displayPrefix role mode createdAt lastUsedAt revokedAt } }
  }
}`;

type KeyNode = { id: string; name: string; displayPrefix: string; role: string; mode: string; revokedAt: string | null };
type KeyPage = { apiKeys: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: KeyNode }> } };

describe.skipIf(skipReason)('account rules', () => {
  it('a live ADMIN key makes test keys in its one sandbox; a test-mode key creates test keys only', async ({ server, acme }) => {
    const liveByDefault = await server.graphql(acme.keys.ADMIN, CreateKey, { input: { name: 'live by default', role: 'READ_ONLY' } });
    expect(liveByDefault.data).toMatchObject({ createApiKey: { apiKey: { mode: 'LIVE' }, errors: [] } });
    const made = await Promise.all(
      ['ADMIN', 'MEMBER'].map((role) => server.graphql(acme.keys.ADMIN, CreateKey, { input: { name: `test ${role}`, role, mode: 'TEST' } })),
    );
    for (const response of made) expect(response.data).toMatchObject({ createApiKey: { apiKey: { mode: 'TEST' }, errors: [] } });
    const [testAdmin] = made.map((response) => (response.data as { createApiKey: { secret: string } }).createApiKey.secret);
    expect(testAdmin).toMatch(/^pn_test_/);
    // Both test keys live in one sandbox, a TEST organization of acme's, never in acme itself.
    const sandbox = await server.db.prisma.organization.findUniqueOrThrow({ where: { liveOrganizationId: acme.organizationId } });
    expect(sandbox).toMatchObject({ environment: 'TEST', kycStatus: 'VERIFIED' });
    const testKeys = await server.db.prisma.apiKey.findMany({ where: { organizationId: sandbox.id } });
    expect(testKeys.map((key) => key.mode)).toEqual(['TEST', 'TEST']);
    expect(await server.db.prisma.apiKey.count({ where: { organizationId: acme.organizationId, mode: 'TEST' } })).toBe(0);

    const keysBefore = await server.db.prisma.apiKey.count();
    const refused = await server.graphql(testAdmin!, CreateKey, { input: { name: 'escape', role: 'ADMIN', mode: 'LIVE' } });
    expect(refused.data).toMatchObject({ createApiKey: { secret: null, errors: [{ code: 'FORBIDDEN', field: ['input', 'mode'] }] } });
    expect(await server.db.prisma.apiKey.count()).toBe(keysBefore);
    const byDefault = await server.graphql(testAdmin!, CreateKey, { input: { name: 'same mode', role: 'MEMBER' } });
    expect(byDefault.data).toMatchObject({ createApiKey: { apiKey: { mode: 'TEST' }, errors: [] } });
    expect(await server.db.prisma.apiKey.count({ where: { organizationId: sandbox.id } })).toBe(3);

    // A key whose mode is not its organization's environment (not one the API made) is refused outright.
    const stray = generateApiKey('TEST');
    await server.db.prisma.apiKey.create({ data: { ...apiKeyRecord(stray, { organizationId: acme.organizationId, name: 'stray', role: 'ADMIN' }) } });
    const strayCall = await server.graphql(stray, '{ viewer { organization { name } } }');
    expect(strayCall.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('apiKeys lists the tenant’s own keys, newest first, revoked ones too, never a secret, to ADMIN keys only', async ({ server, globex, acme }) => {
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await server.graphql(globex.keys.ADMIN, CreateKey, { input: { name: `key ${i}`, role: 'READ_ONLY' } });
      made.push((created.data as { createApiKey: { secret: string } }).createApiKey.secret);
    }
    const revoked = await server.db.prisma.apiKey.findFirstOrThrow({ where: { organizationId: globex.organizationId, name: 'key 0' } });
    await server.graphql(globex.keys.ADMIN, 'mutation R($id: ID!) { revokeApiKey(input: { id: $id }) { errors { code } } }', {
      id: encodeGlobalId('ApiKey', revoked.id),
    });

    const first = await server.graphql(globex.keys.ADMIN, ApiKeys, { first: 2 });
    const page1 = first.data as KeyPage;
    expect(page1.apiKeys).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: true } });
    const second = await server.graphql(globex.keys.ADMIN, ApiKeys, { first: 10, after: page1.apiKeys.pageInfo.endCursor });
    const nodes = [...page1.apiKeys.edges, ...(second.data as KeyPage).apiKeys.edges].map((edge) => edge.node);
    expect(nodes.slice(0, 3).map((node) => node.name)).toEqual(['key 2', 'key 1', 'key 0']);
    expect(nodes.find((node) => node.name === 'key 0')?.revokedAt).toBeTruthy();
    expect(nodes.map((node) => node.displayPrefix).sort()).toEqual(
      [...made.map((secret) => secret.slice(0, 12)), ...Object.values(globex.keys).map((key) => key.slice(0, 12))].sort(),
    );
    const everything = JSON.stringify([first, second]);
    for (const secret of [...made, ...Object.values(globex.keys)]) expect(everything).not.toContain(secret);
    // Nothing of another tenant's.
    const acmeIds = (await server.db.prisma.apiKey.findMany({ where: { organizationId: acme.organizationId } })).map((key) => encodeGlobalId('ApiKey', key.id));
    for (const id of acmeIds) expect(everything).not.toContain(id);

    for (const key of [globex.keys.MEMBER, globex.keys.READ_ONLY]) {
      const refused = await server.graphql(key, ApiKeys, { first: 5 });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.data).toBeNull();
    }
  });

  it('toll-free verification is the carrier’s: setting it is READ_ONLY_FIELD and nothing changes', async ({ server, acme }) => {
    const [e164] = await insertOwnedNumbers(server.db.prisma, acme.organizationId, 1);
    const number = await server.db.prisma.phoneNumber.findFirstOrThrow({ where: { e164 } });
    for (const tfvStatus of ['VERIFIED', 'REJECTED', null]) {
      const response = await server.graphql(
        acme.keys.MEMBER,
        'mutation C($input: ConfigurePhoneNumberInput!) { configurePhoneNumber(input: $input) { phoneNumber { tfvStatus label } errors { code field } } }',
        { input: { id: encodeGlobalId('PhoneNumber', number.id), label: 'changed', tfvStatus } },
      );
      expect(response.data).toEqual({ configurePhoneNumber: { phoneNumber: null, errors: [{ code: 'READ_ONLY_FIELD', field: ['input', 'tfvStatus'] }] } });
    }
    const after = await server.db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: number.id } });
    expect({ tfvStatus: after.tfvStatus, label: after.label, updatedAt: after.updatedAt }).toEqual({
      tfvStatus: number.tfvStatus,
      label: number.label,
      updatedAt: number.updatedAt,
    });
  });
});
