import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pino from 'pino';
import { type App, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { apiKeyRecord, generateApiKey } from '../../src/domain/api-keys.js';
import type { ApiKeyRole, KycStatus } from '../../src/generated/prisma/enums.js';
import type { CarrierGateway } from '../../src/infra/carrier/gateway.js';
import { openDatabase } from '../../src/infra/database.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export type GraphqlResponse<T> = {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; field?: string[] | null; [key: string]: unknown } }>;
};

export type Tenant = {
  organizationId: string;
  slug: string;
  keys: Record<ApiKeyRole, string>;
};

export type TestServer = {
  url: string;
  db: TestDatabase;
  app: App;
  stop: () => Promise<void>;
  createTenant: (options?: { balanceCents?: number; kycStatus?: KycStatus; name?: string }) => Promise<Tenant>;
  config: ReturnType<typeof loadConfig>;
  /** A GraphQL multipart request (file uploads). */
  upload: (
    key: string,
    query: string,
    variables: Record<string, unknown>,
    files: Record<string, { path: string; blob: Blob; filename: string }>,
  ) => Promise<GraphqlResponse<Record<string, unknown>>>;
  graphql: <TData, TVariables>(
    key: string | null,
    document: TypedDocumentNode<TData, TVariables> | string,
    variables?: TVariables,
    headers?: Record<string, string>,
  ) => Promise<GraphqlResponse<TData>>;
};

/**
 * A real server on a fresh database. With `sameDatabaseAs` (PostgreSQL only), a second
 * instance on the first one's database, as behind a load balancer.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  sameDatabaseAs?: TestServer,
  parts: { carrier?: CarrierGateway; logger?: pino.Logger } = {},
): Promise<TestServer> {
  const db: TestDatabase = sameDatabaseAs
    ? { ...(await openDatabase({ kind: 'postgres', url: sameDatabaseAs.db.url!, poolSize: 10 })), url: sameDatabaseAs.db.url, drop: async () => {} }
    : await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    JOB_POLL_MS: '50',
    JOB_BACKOFF_MS: '20',
    CARRIER_LATENCY_MS: '5',
    CARRIER_FAILURE_RATE: '0',
    CARRIER_TRANSIENT_FAILURE_RATE: '0',
    PORT_STEP_MS: '100',
    // Tests fire requests far faster than a client should; the limits have their own tests.
    RATE_LIMIT_BUCKET_SIZE: '1000000',
    RATE_LIMIT_RESTORE_RATE: '1000000',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'numbers-test-')),
    ...env,
  });
  const app = await startApp({ config, logger: parts.logger ?? pino({ level: config.logLevel }), db, carrier: parts.carrier });

  const createTenant: TestServer['createTenant'] = async (options = {}) => {
    const slug = `tenant-${randomBytes(5).toString('hex')}`;
    const organization = await db.prisma.organization.create({
      data: {
        name: options.name ?? slug,
        slug,
        balanceCents: options.balanceCents ?? 100_000,
        kycStatus: options.kycStatus ?? 'VERIFIED',
      },
    });
    const keys = {} as Record<ApiKeyRole, string>;
    for (const role of ['ADMIN', 'MEMBER', 'READ_ONLY'] as const) {
      keys[role] = generateApiKey('LIVE');
      await db.prisma.apiKey.create({ data: apiKeyRecord(keys[role], { organizationId: organization.id, name: `${role} key`, role }) });
    }
    return { organizationId: organization.id, slug, keys };
  };

  const graphql: TestServer['graphql'] = async (key, document, variables, headers = {}) => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
    });
    const body = (await response.json()) as Omit<GraphqlResponse<never>, 'status' | 'headers'>;
    return { status: response.status, headers: response.headers, ...body } as GraphqlResponse<never>;
  };

  const upload: TestServer['upload'] = async (key, query, variables, files) => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables }));
    form.append('map', JSON.stringify(Object.fromEntries(Object.entries(files).map(([name, file]) => [name, [file.path]]))));
    for (const [name, file] of Object.entries(files)) form.append(name, file.blob, file.filename);
    const response = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    return { status: response.status, headers: response.headers, ...((await response.json()) as object) } as GraphqlResponse<Record<string, unknown>>;
  };

  return {
    url: app.url,
    db,
    app,
    config,
    upload,
    createTenant,
    graphql,
    stop: async () => {
      await app.stop();
      await db.drop();
    },
  };
}
