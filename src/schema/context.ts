import type { Logger } from 'pino';
import type { ApiKeyMode, ApiKeyRole } from '../generated/prisma/enums.js';
import type { KeyRevocations } from '../http/key-revocations.js';
import type { CarrierGateway } from '../infra/carrier/gateway.js';
import type { DocumentStorage } from '../infra/document-storage.js';
import type { FeedHub } from '../infra/feed-hub.js';
import type { TenantDb, TenantScope } from '../infra/tenant-scope.js';
import type { CursorCodec } from './pagination.js';

export type Caller = {
  organizationId: string;
  apiKeyId: string;
  role: ApiKeyRole;
  mode: ApiKeyMode;
};

/** What mutations need beyond the database. */
export type Services = {
  /** Tenant clients on the live feed's own connections, for executing subscription events. */
  feedTenants: TenantScope;
  quarantineDays: number;
  feed: FeedHub;
  /** Ends a revoked key's open connections and streams on this instance. */
  revocations: KeyRevocations;
  carrier: CarrierGateway;
  documents: DocumentStorage;
  maxDocumentBytes: number;
};

export type Context = {
  requestId: string;
  logger: Logger;
  caller: Caller;
  /**
   * Tenant-scoped database client, the only one resolvers get: it carries the caller's organization
   * (`db.tenant`), and its transactions (domain `inTransaction`) wake the job runner and outbox relay once committed.
   */
  db: TenantDb;
  cursors: CursorCodec;
  services: Services;
};
