import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { toClientError } from '../../src/http/graphql.js';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../../src/infra/database-errors.js';

// The shapes below are the ones observed from Prisma 7 + @prisma/adapter-pg + pg
// against a killed, frozen and overloaded PostgreSQL (see test/integration/outage-database.test.ts).

const known = (code: string, cause?: ConstructorParameters<typeof DriverAdapterError>[0]) =>
  new Prisma.PrismaClientKnownRequestError('query failed', {
    code,
    clientVersion: '7',
    meta: cause ? { driverAdapterError: new DriverAdapterError(cause) } : undefined,
  });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['Prisma P1001 (model query, server down)', known('P1001', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })],
    ['raw query P2010 wrapping DatabaseNotReachable', known('P2010', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })],
    ['connection reset', known('P2010', { kind: 'ConnectionClosed' })],
    [
      'statement timeout (57014)',
      known('P2010', {
        kind: 'postgres',
        code: '57014',
        severity: 'ERROR',
        message: 'canceling statement due to statement timeout',
        detail: undefined,
        column: undefined,
        hint: undefined,
      }),
    ],
    [
      'server shutting down (57P01)',
      known('P2010', {
        kind: 'postgres',
        code: '57P01',
        severity: 'FATAL',
        message: 'terminating connection due to administrator command',
        detail: undefined,
        column: undefined,
        hint: undefined,
      }),
    ],
    ['pool timeout P2024', known('P2024')],
    ['pg-pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['connect timeout', new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') })],
    ['query read timeout', new Error('Query read timeout')],
    ['socket error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 })],
    ['readiness deadline', new DatabaseUnavailableError()],
    ['inside a GraphQL error', new GraphQLError('x', { originalError: known('P1001') })],
  ])('%s: unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['unique violation', known('P2002', { kind: 'UniqueConstraintViolation', constraint: { fields: ['e164'] } })],
    ['foreign key violation', known('P2003')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a domain error', new DomainError('NOT_FOUND', 'Connection terminated')],
    ['not an error', 'Connection terminated'],
  ])('%s: not an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('toClientError', () => {
  const logger = pino({ level: 'silent' });

  it('turns an outage inside a resolver into SERVICE_UNAVAILABLE with HTTP 503 and Retry-After, and nothing of the cause', () => {
    const cause = known('P1001', { kind: 'DatabaseNotReachable', host: '10.1.2.3', port: 5432 });
    const error = toClientError(new GraphQLError('x', { originalError: cause, path: ['viewer'] }), 'req-1', logger);
    expect(error.message).not.toMatch(/10\.1\.2\.3|5432|reach/);
    expect(error.path).toEqual(['viewer']);
    expect(error.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', requestId: 'req-1', http: { status: 503, headers: { 'retry-after': '5' } } });
  });

  it('masks anything else as INTERNAL_SERVER_ERROR', () => {
    const error = toClientError(new Error('relation "x" does not exist'), 'req-2', logger);
    expect(error.message).toBe('Internal server error');
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-2' });
  });
});
