import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../infra/logger.js';
import type { CostBucket } from '../infra/rate-limit.js';
import type { TenantScope } from '../infra/tenant-scope.js';
import { type Caller, type Context, callerTenant, type Services } from '../schema/context.js';
import { schema } from '../schema/index.js';
import { CursorCodec } from '../schema/pagination.js';
import { apiKeyFromHeaders, authenticate } from './auth.js';
import { compiledQueries } from './compiled-queries.js';
import { type Failure, failureBody, failureGraphQLError, failureOf, logFailure } from './failures.js';
import { inputGuardPlugin } from './input-guard.js';
import { endStreamsOfRevokedKeys } from './key-revocations.js';
import { abuseLimitPlugins } from './limits.js';
import type { Metrics } from './metrics.js';
import type { PersistedOperations } from './persisted-operations.js';
import { currentRequestId } from './request-context.js';
import { requestParamsPlugin } from './request-params.js';
import { sharedSubscriptionExecution } from './subscription-groups.js';

const graphqlEndpoint = '/graphql';

type RequestState = { requestId: string; caller?: Caller };

function unauthenticated(fetchAPI: { Response: typeof Response }, requestId: string) {
  const body = { errors: [{ message: 'Missing, invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }] };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'x-request-id': requestId },
  });
}

function failureResponse(fetchAPI: { Response: typeof Response }, failure: Failure, requestId: string) {
  return new fetchAPI.Response(JSON.stringify(failureBody(failure, requestId)), {
    status: failure.status,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...failure.headers },
  });
}

function wantsGraphiQL(request: Request, url: URL) {
  return request.method === 'GET' && !url.searchParams.has('query') && (request.headers.get('accept') ?? '').includes('text/html');
}

// graphql-js ships CJS and ESM builds and both get loaded (yoga's executor uses
// one, our code the other), so `instanceof GraphQLError` can't be trusted here.
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** Turns what resolvers throw into what clients may see: typed errors pass, anything else is masked and logged. */
export function toClientError(error: unknown, requestId: string, logger: Logger): GraphQLError {
  const located = isGraphQLError(error) ? error : undefined;
  const original = located?.originalError ?? error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      nodes: located?.nodes,
      path: located?.path,
      extensions: { code: original.code, field: original.field, ...original.details },
    });
  }
  if (located && (original === located || isGraphQLError(original))) return located;
  const failure = failureOf(original);
  logFailure(logger, failure, original, { requestId }, 'unhandled error in GraphQL execution');
  return failureGraphQLError(failure, requestId, located);
}

/** A refusal the client caused and can fix (bad input, a limit, a typed user error): not a fault of the service. */
function isClientMistake(error: unknown): boolean {
  if (error instanceof DomainError) return true;
  if (!isGraphQLError(error)) return false;
  const code = error.extensions?.code;
  if (code === 'INTERNAL_SERVER_ERROR' || code === 'SERVICE_UNAVAILABLE') return false;
  return error.originalError === undefined || error.originalError === null || isClientMistake(error.originalError);
}

// yoga logs at error level every error its masking replaced. Client mistakes go to
// info, so real faults stand out; anything else already went through toClientError,
// which logged it with the request id at the level it deserves.
function logYogaError(logger: Logger, args: unknown[]) {
  const [first] = args;
  const requestId = currentRequestId();
  if (isClientMistake(first)) {
    const error = first as GraphQLError | DomainError;
    const code = error instanceof DomainError ? error.code : error.extensions?.code;
    logger.info({ requestId, code }, `client error: ${error.message}`);
  } else if (first instanceof Error) logger.debug({ requestId, err: first }, 'masked error (logged where it was masked)');
  else logger.error(args.length > 1 ? { args, requestId } : { requestId }, String(first));
}

export function createGraphqlHandler(options: {
  config: Config;
  prisma: PrismaClient;
  logger: Logger;
  metrics: Metrics;
  services: Services;
  /** Makes each request's scoped client; app.ts wires its after-commit hook. */
  tenants: TenantScope;
  persisted: PersistedOperations;
  costBucket: CostBucket;
  graphiqlHeaders?: Record<string, string>;
}): YogaServerInstance<Record<string, unknown>, Context> {
  const { config, prisma, logger, metrics } = options;
  const cursors = new CursorCodec(config.cursorSecret);
  const states = new WeakMap<Request, RequestState>();

  const requestPlugin: Plugin = {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const requestId = currentRequestId() ?? 'unknown';
      const state: RequestState = { requestId };
      states.set(request, state);
      if (url.pathname !== graphqlEndpoint || request.method === 'OPTIONS' || wantsGraphiQL(request, url)) return;
      try {
        state.caller = (await authenticate(prisma, apiKeyFromHeaders(request.headers))) ?? undefined;
      } catch (error) {
        // Errors thrown from onRequest bypass yoga's masking (the server adapter would answer with the stack).
        const failure = failureOf(error);
        logFailure(logger, failure, error, { requestId }, 'authentication failed');
        endResponse(failureResponse(fetchAPI, failure, requestId));
        return;
      }
      if (!state.caller) endResponse(unauthenticated(fetchAPI, requestId));
    },
    onExecute({ args }) {
      const operation = (args.document.definitions as ReadonlyArray<{ kind: string; operation?: string }>).find(
        (definition) => definition.kind === 'OperationDefinition',
      );
      const kind = operation?.operation ?? 'unknown';
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && Array.isArray(result.errors) && result.errors.length > 0;
          metrics.graphqlOperations.inc({ operation: kind, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint,
    landingPage: false,
    graphiql: config.nodeEnv === 'production' ? false : { title: 'Numbers API', headers: JSON.stringify(options.graphiqlHeaders ?? {}) },
    logging: {
      debug: (...args) => logger.debug(args.length > 1 ? { args } : {}, String(args[0])),
      info: (...args) => logger.info(args.length > 1 ? { args } : {}, String(args[0])),
      warn: (...args) => logger.warn(args.length > 1 ? { args } : {}, String(args[0])),
      error: (...args) => logYogaError(logger, args),
    },
    maskedErrors: {
      maskError: (error) => toClientError(error, currentRequestId() ?? 'unknown', logger),
    },
    // The input guard runs last, once the operation is costed, and before any resolver.
    plugins: [
      requestPlugin,
      requestParamsPlugin(),
      ...abuseLimitPlugins(config.limits, options.persisted, options.costBucket, (request) => states.get(request)?.caller?.apiKeyId),
      inputGuardPlugin() as Plugin<Context>,
      sharedSubscriptionExecution((error, requestId) => toClientError(error, requestId, logger)),
      compiledQueries(() => metrics.compiledExecutions.inc()),
      endStreamsOfRevokedKeys(options.services.revocations),
    ],
    context: (initial): Context => {
      // HTTP requests carry their caller in `states`; WebSocket operations pass it in (see websocket.ts).
      const given = initial as { request?: Request; caller?: Caller; requestId?: string };
      const state = given.caller ? { caller: given.caller, requestId: given.requestId ?? 'ws' } : given.request && states.get(given.request);
      if (!state?.caller) throw new GraphQLError('Missing, invalid or revoked API key', { extensions: { code: 'UNAUTHENTICATED' } });
      return {
        requestId: state.requestId,
        logger: logger.child({ requestId: state.requestId }),
        caller: state.caller,
        db: options.tenants(callerTenant(state.caller)),
        cursors,
        services: options.services,
      };
    },
  });
}
