import path from 'node:path';
import { parseAllowedHosts, type WebhookAddressPolicy } from './infra/webhook-address.js';

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  database: {
    /** Longest a statement may run before PostgreSQL cancels it. */
    statementTimeoutMs: number;
    /** Longest a request waits for a pooled connection, or for a new one to connect. */
    connectTimeoutMs: number;
    /** Deadline of the /readyz database probe. */
    readyTimeoutMs: number;
    poolSize: number;
    /** Connections of the live feed (relay, hub, subscription executions), besides `poolSize`. */
    feedPoolSize: number;
  };
  /** After SIGTERM: how long in-flight requests and running jobs get before the process exits. */
  shutdownGraceMs: number;
  /** Redis channel of the live feed; unset: one derived from this database's identity. */
  eventBusChannel: string | undefined;
  /** Bearer token /metrics requires; unset: /metrics is open (bind the port privately then). */
  metricsToken: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  nodeEnv: 'development' | 'production' | 'test';
  /** Secret used to sign pagination cursors so a forged one is rejected. */
  cursorSecret: string;
  seedDemoData: boolean;
  runJobs: boolean;
  jobPollMs: number;
  jobLeaseMs: number;
  jobBackoffMs: number;
  quarantineDays: number;
  carrier: { latencyMs: number; failureRate: number; transientFailureRate: number; seed: number };
  porting: { stepMs: number; maxDocumentBytes: number };
  /** How long a number whose monthly charge the balance did not cover stays active before it is suspended. */
  billing: { graceMs: number };
  webhooks: {
    /** A delivery that has no answer after this long is a failed attempt. */
    timeoutMs: number;
    /** Delay before retry n: about retryBaseMs · 2^(n-1) (with jitter), at most retryMaxMs. */
    retryBaseMs: number;
    retryMaxMs: number;
    /** No retry is scheduled this long after a delivery's first attempt: it has FAILED. */
    retryHorizonMs: number;
    /** Consecutive failed attempts (of any deliveries) after which an endpoint is disabled. */
    disableAfterFailures: number;
    /** How long a rotated-out signing secret keeps signing, unless the rotation says otherwise. */
    secretOverlapMs: number;
    /** Deliveries in flight at once on this instance; of them, at most so many to one endpoint, and for one organization. */
    concurrency: number;
    maxInFlightPerEndpoint: number;
    maxInFlightPerOrganization: number;
    /** Where deliveries may go: private, loopback and metadata addresses only if listed. */
    address: WebhookAddressPolicy;
  };
  limits: {
    persistedOnly: boolean;
    persistedDocumentsPath: string;
    introspection: boolean;
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
    maxQueryCost: number;
    bucketSize: number;
    restoreRate: number;
  };
  feed: {
    outboxPollMs: number;
    catchUpPollMs: number;
    maxSubscriptionsPerTenant: number;
    maxSubscriptionsPerConnection: number;
    bufferSize: number;
    keepAliveMs: number;
    /** How often the keys of open connections are re-checked against the database (backstop for missed revocations). */
    keyRecheckMs: number;
    retentionDays: number;
  };
};

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const nodeEnvs = ['development', 'production', 'test'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];

  const portText = env.PORT ?? '4000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) problems.push(`PORT must be an integer from 0 to 65535, got "${portText}"`);

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres:// or postgresql://');

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\/.+/.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');

  const eventBusChannel = env.EVENT_BUS_CHANNEL || undefined;
  if (eventBusChannel && !/^[\x21-\x7e]{1,200}$/.test(eventBusChannel))
    problems.push('EVENT_BUS_CHANNEL must be 1 to 200 printable ASCII characters without spaces');

  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken && !/^[\x21-\x7e]{16,200}$/.test(metricsToken)) problems.push('METRICS_TOKEN must be 16 to 200 printable ASCII characters without spaces');

  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!logLevels.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${env.LOG_LEVEL}"`);

  const nodeEnv = (env.NODE_ENV ?? 'development') as Config['nodeEnv'];
  if (!nodeEnvs.includes(nodeEnv)) problems.push(`NODE_ENV must be one of ${nodeEnvs.join(', ')}, got "${env.NODE_ENV}"`);

  const cursorSecret = env.CURSOR_SECRET ?? (nodeEnv === 'production' ? '' : 'development-cursor-secret');
  if (!cursorSecret) problems.push('CURSOR_SECRET must be set in production');

  const seedText = env.SEED_DEMO_DATA ?? (nodeEnv === 'production' ? 'false' : 'true');
  if (!['true', 'false'].includes(seedText)) problems.push(`SEED_DEMO_DATA must be true or false, got "${seedText}"`);

  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name] ?? String(fallback);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return value;
  };
  const rate = (name: string, fallback: number) => {
    const raw = env[name] ?? String(fallback);
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) problems.push(`${name} must be a number from 0 to 1, got "${raw}"`);
    return value;
  };
  const runJobsText = env.RUN_JOBS ?? 'true';
  if (!['true', 'false'].includes(runJobsText)) problems.push(`RUN_JOBS must be true or false, got "${runJobsText}"`);
  const jobPollMs = integer('JOB_POLL_MS', 500, 10, 60_000);
  const jobLeaseMs = integer('JOB_LEASE_MS', 30_000, 100, 3_600_000);
  const jobBackoffMs = integer('JOB_BACKOFF_MS', 1_000, 1, 3_600_000);
  const quarantineDays = integer('QUARANTINE_DAYS', 30, 0, 365);
  const carrier = {
    latencyMs: integer('CARRIER_LATENCY_MS', 200, 0, 60_000),
    failureRate: rate('CARRIER_FAILURE_RATE', 0.02),
    transientFailureRate: rate('CARRIER_TRANSIENT_FAILURE_RATE', 0.05),
    seed: integer('CARRIER_SEED', 42, 0, 2 ** 31),
  };

  const feed = {
    outboxPollMs: integer('OUTBOX_POLL_MS', 200, 10, 60_000),
    catchUpPollMs: integer('FEED_CATCH_UP_MS', 1_000, 10, 60_000),
    maxSubscriptionsPerTenant: integer('FEED_MAX_SUBSCRIPTIONS_PER_TENANT', 2_000, 1, 1_000_000),
    maxSubscriptionsPerConnection: integer('FEED_MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 10_000),
    bufferSize: integer('FEED_BUFFER_SIZE', 1_000, 10, 1_000_000),
    keepAliveMs: integer('FEED_KEEPALIVE_MS', 15_000, 100, 600_000),
    keyRecheckMs: integer('FEED_KEY_RECHECK_MS', 10_000, 100, 3_600_000),
    retentionDays: integer('EVENT_RETENTION_DAYS', 30, 1, 3_650),
  };

  const database = {
    statementTimeoutMs: integer('DATABASE_STATEMENT_TIMEOUT_MS', 15_000, 100, 3_600_000),
    connectTimeoutMs: integer('DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    readyTimeoutMs: integer('DATABASE_READY_TIMEOUT_MS', 1_000, 50, 60_000),
    poolSize: integer('DATABASE_POOL_SIZE', 10, 1, 1_000),
    feedPoolSize: integer('DATABASE_FEED_POOL_SIZE', 3, 1, 100),
  };
  const shutdownGraceMs = integer('SHUTDOWN_GRACE_MS', 20_000, 100, 3_600_000);

  const porting = {
    stepMs: integer('PORT_STEP_MS', 3_000, 0, 86_400_000),
    maxDocumentBytes: integer('DOCUMENT_MAX_BYTES', 10 * 1024 * 1024, 1, 100 * 1024 * 1024),
  };

  const billing = { graceMs: integer('BILLING_GRACE_SECONDS', 7 * 86_400, 0, 365 * 86_400) * 1_000 };

  const allowedHosts = parseAllowedHosts(env.WEBHOOK_ALLOWED_HOSTS ?? (nodeEnv === 'production' ? '' : 'localhost,127.0.0.0/8,::1'));
  for (const problem of allowedHosts.problems) problems.push(`WEBHOOK_ALLOWED_HOSTS: ${problem}`);
  const webhooks = {
    timeoutMs: integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    retryBaseMs: integer('WEBHOOK_RETRY_BASE_MS', 10_000, 1, 3_600_000),
    retryMaxMs: integer('WEBHOOK_RETRY_MAX_MS', 3_600_000, 1, 86_400_000),
    retryHorizonMs: integer('WEBHOOK_RETRY_HORIZON_SECONDS', 3 * 86_400, 0, 30 * 86_400) * 1_000,
    disableAfterFailures: integer('WEBHOOK_DISABLE_AFTER_FAILURES', 100, 1, 1_000_000),
    secretOverlapMs: integer('WEBHOOK_SECRET_OVERLAP_SECONDS', 86_400, 0, 7 * 86_400) * 1_000,
    concurrency: integer('WEBHOOK_CONCURRENCY', 20, 1, 1_000),
    maxInFlightPerEndpoint: integer('WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', 5, 1, 1_000),
    maxInFlightPerOrganization: integer('WEBHOOK_MAX_IN_FLIGHT_PER_ORGANIZATION', 10, 1, 1_000),
    address: { requireHttps: nodeEnv === 'production', allowedHosts: allowedHosts.hosts },
  };

  const flag = (name: string, fallback: boolean) => {
    const raw = env[name] ?? String(fallback);
    if (!['true', 'false'].includes(raw)) problems.push(`${name} must be true or false, got "${raw}"`);
    return raw === 'true';
  };
  const limits = {
    persistedOnly: flag('PERSISTED_OPERATIONS_ONLY', false),
    persistedDocumentsPath: path.resolve(env.PERSISTED_DOCUMENTS_PATH ?? 'src/generated/graphql/persisted-documents.json'),
    introspection: flag('INTROSPECTION', nodeEnv !== 'production'),
    maxDepth: integer('MAX_QUERY_DEPTH', 12, 1, 100),
    maxAliases: integer('MAX_QUERY_ALIASES', 15, 0, 1_000),
    maxDirectives: integer('MAX_QUERY_DIRECTIVES', 20, 0, 1_000),
    maxTokens: integer('MAX_QUERY_TOKENS', 3_000, 10, 100_000),
    maxQueryCost: integer('MAX_QUERY_COST', 1_000, 1, 1_000_000),
    bucketSize: integer('RATE_LIMIT_BUCKET_SIZE', 1_000, 1, 1_000_000),
    restoreRate: integer('RATE_LIMIT_RESTORE_RATE', 50, 1, 1_000_000),
  };

  if (problems.length) throw new ConfigError(problems);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR ?? './.data'),
    redisUrl,
    database,
    shutdownGraceMs,
    eventBusChannel,
    metricsToken,
    logLevel,
    nodeEnv,
    cursorSecret,
    seedDemoData: seedText === 'true',
    runJobs: runJobsText === 'true',
    jobPollMs,
    jobLeaseMs,
    jobBackoffMs,
    quarantineDays,
    carrier,
    feed,
    porting,
    billing,
    webhooks,
    limits,
  };
}
