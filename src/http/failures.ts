import { GraphQLError } from 'graphql';
import type { TopLevelErrorCode } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../infra/database-errors.js';
import type { Logger } from '../infra/logger.js';

// What a client is told when a request fails for a reason that is not its own:
// never the error itself (driver messages name hosts and ports, stacks name
// files). A database outage is a 503 with Retry-After, so clients and load
// balancers retry; anything else is a masked 500. Every route and transport
// uses this, so the rule lives in one place.

/** Seconds a client should wait before retrying during an outage. */
export const outageRetryAfterSeconds = 5;

export type Failure = {
  status: 500 | 503;
  code: Extract<TopLevelErrorCode, 'INTERNAL_SERVER_ERROR' | 'SERVICE_UNAVAILABLE'>;
  message: string;
  headers: Record<string, string>;
};

export function failureOf(error: unknown): Failure {
  return isDatabaseUnavailable(error)
    ? {
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'The service is temporarily unavailable; retry shortly',
        headers: { 'retry-after': String(outageRetryAfterSeconds) },
      }
    : { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', headers: {} };
}

/** Logs what the client won't see: an outage is expected and logged as a warning, anything else is an error. */
export function logFailure(logger: Logger, failure: Failure, error: unknown, context: Record<string, unknown>, what: string) {
  if (failure.status === 503) logger.warn({ ...context, err: error }, `${what}: database unavailable`);
  else logger.error({ ...context, err: error }, what);
}

/** The GraphQL-shaped body of a failed request. */
export function failureBody(failure: Failure, requestId: string) {
  return { errors: [{ message: failure.message, extensions: { code: failure.code, requestId } }] };
}

/** The same failure as a GraphQL error inside an execution result; yoga turns `http` into the status and headers. */
export function failureGraphQLError(failure: Failure, requestId: string, located?: GraphQLError): GraphQLError {
  return new GraphQLError(failure.message, {
    nodes: located?.nodes,
    path: located?.path,
    extensions: { code: failure.code, requestId, ...(failure.status === 503 ? { http: { status: 503, headers: failure.headers } } : {}) },
  });
}
