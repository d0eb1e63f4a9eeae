import type { Logger } from 'pino';
import type { Sandboxes } from '../domain/sandbox.js';
import type { WebhookSettings } from '../domain/webhook-endpoints.js';
import type { ApiKeyMode, ApiKeyRole, Environment } from '../generated/prisma/enums.js';
import type { KeyRevocations } from '../http/key-revocations.js';
import type { CarrierGateway } from '../infra/carrier/gateway.js';
import type { DocumentStorage } from '../infra/document-storage.js';
import type { FeedHub } from '../infra/feed-hub.js';
import type { Tenant, TenantDb, TenantScope } from '../infra/tenant-scope.js';
import type { CursorCodec } from './pagination.js';

export type Caller = {
  organizationId: string;
  apiKeyId: string;
  role: ApiKeyRole;
  mode: ApiKeyMode;
  /** The key's organization's environment, always its mode: a TEST key's organization is a sandbox. */
  environment: Environment;
};

/** The tenant a key acts for. */
export function callerTenant(caller: Caller): Tenant {
  return { organizationId: caller.organizationId, mode: caller.mode, environment: caller.environment };
}

/** What mutations need beyond the database. */
export type Services = {
  /** Tenant clients on the live feed's own connections, for executing subscription events. */
  feedTenants: TenantScope;
  quarantineDays: number;
  feed: FeedHub;
  /** Ends a revoked key's open connections and streams on this instance. */
  revocations: KeyRevocations;
  /** Live tenants get the configured carrier; sandboxes always the simulated one (see domain/sandbox.ts). */
  carriers: Record<Environment, CarrierGateway>;
  /** The sandboxes of live organizations: where a live ADMIN key creates test keys. */
  sandboxes: Sandboxes;
  documents: DocumentStorage;
  maxDocumentBytes: number;
  webhooks: WebhookSettings;
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

/** The carrier that serves the caller's environment. */
export function carrierFor(ctx: Context): CarrierGateway {
  return ctx.services.carriers[ctx.db.tenant.environment];
}
