import type { Logger } from 'pino';
import type { ApiKeyRole } from '../generated/prisma/enums.js';
import type { KeyRevocations } from '../http/key-revocations.js';
import type { CarrierGateway } from '../infra/carrier/gateway.js';
import type { DocumentStorage } from '../infra/document-storage.js';
import type { FeedHub } from '../infra/feed-hub.js';
import type { TenantDb } from '../infra/tenant-scope.js';
import type { CursorCodec } from './pagination.js';

export type Caller = {
  organizationId: string;
  apiKeyId: string;
  role: ApiKeyRole;
};

/** What mutations need beyond the database. */
export type Services = {
  /** Work (jobs, events) was just committed: wake this instance's job runner and outbox relay. */
  nudgeJobs: () => void;
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
  /** Tenant-scoped database client: the only one resolvers get. */
  db: TenantDb;
  cursors: CursorCodec;
  services: Services;
};
