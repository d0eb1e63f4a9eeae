// One place that decides whether a failure means "the database can't be
// reached right now" (down, restarting, frozen, out of connections, too slow)
// rather than a bug or bad data. Such failures are retryable: the API answers
// 503 with Retry-After and the job runner leaves the job for later.
//
// They arrive in several shapes: Prisma known errors (P1001 …), the driver
// adapter's error kinds (kept in `meta.driverAdapterError.cause`), raw
// PostgreSQL SQLSTATEs, Node socket errors, and plain Errors from pg/pg-pool
// (pool acquire and query read timeouts have no code, only a message).

/** Raised where the app itself gives up waiting for the database (e.g. the readiness probe's deadline). */
export class DatabaseUnavailableError extends Error {
  constructor(message = 'Database unavailable') {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

// P1001 can't reach, P1002 timed out reaching, P1008 operation timed out, P1017 connection closed,
// P2024 connection pool timeout, P2037 too many connections.
const prismaCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
const adapterKinds = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// 08 connection exceptions, 57P01–57P03 shutdown/starting up, 57014 statement timeout, 53300 too many connections.
const sqlStates = /^(08...|57P0[123]|57014|53300)$/;
const driverMessages = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /Query read timeout/i,
  /Client has encountered a connection error and is not queryable/i,
  /Unable to start a transaction in the given time/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof DatabaseUnavailableError) return true;
    const { code, kind, message, name } = current as { code?: unknown; kind?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && (prismaCodes.has(code) || socketCodes.has(code) || sqlStates.test(code))) return true;
    if (typeof kind === 'string' && adapterKinds.has(kind)) return true;
    if (kind === 'postgres' && typeof code === 'string' && sqlStates.test(code)) return true;
    if (
      typeof message === 'string' &&
      (name === 'Error' || name === 'DriverAdapterError' || name === 'PrismaClientUnknownRequestError' || name === 'PrismaClientKnownRequestError')
    ) {
      if (driverMessages.some((pattern) => pattern.test(message))) return true;
    }
    const nested = current as { cause?: unknown; meta?: { driverAdapterError?: unknown }; originalError?: unknown; errors?: unknown };
    queue.push(nested.cause, nested.meta?.driverAdapterError, nested.originalError);
    if (Array.isArray(nested.errors)) queue.push(...nested.errors);
  }
  return false;
}

/**
 * A unique index refused a row: Prisma's P2002 from its own queries, or, from raw SQL, the driver's
 * error (SQLSTATE 23505, which the driver adapter reports as a UniqueConstraintViolation).
 */
export function isUniqueViolation(error: unknown): boolean {
  const failure = error as { code?: unknown; meta?: unknown; cause?: unknown } | null;
  if (!failure || typeof failure !== 'object') return false;
  if (failure.code === 'P2002' || failure.code === '23505') return true;
  const detail = JSON.stringify([failure.meta ?? null, (failure.cause as { kind?: unknown; originalCode?: unknown } | undefined) ?? null]);
  return detail.includes('"23505"') || detail.includes('UniqueConstraintViolation');
}
