import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.js';
import { authenticateOperator, type Operator } from '../domain/operators.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../infra/logger.js';
import type { CostBucket } from '../infra/rate-limit.js';
import type { TenantScope } from '../infra/tenant-scope.js';
import type { OperatorContext } from '../schema/operator/builder.js';
import { operatorSchema } from '../schema/operator/index.js';
import { apiKeyFromHeaders } from './auth.js';
import { failureBody, failureOf, logFailure } from './failures.js';
import { toClientError } from './graphql.js';
import { inputGuardPlugin } from './input-guard.js';
import { operatorConnectionArgs } from './operator-connection-args.js';
import { currentRequestId } from './request-context.js';

// The operator API: its own endpoint and schema. A request without a valid operator key is answered
// 401 before anything is parsed, so a tenant key of any role or mode learns nothing of this schema; and
// /graphql accepts no operator key (src/http/auth.ts knows only pn_live_ and pn_test_ keys).

export const operatorEndpoint = '/operator/graphql';

export function createOperatorHandler(options: {
  config: Config;
  prisma: PrismaClient;
  tenants: TenantScope;
  logger: Logger;
  /** The tenants' bucket store, with one bucket per operator key: each request costs one point. */
  costBucket: CostBucket;
}): YogaServerInstance<Record<string, unknown>, OperatorContext> {
  const { prisma, logger } = options;
  const operators = new WeakMap<Request, Operator>();
  const authentication: Plugin = {
    async onRequest({ request, endResponse, fetchAPI }) {
      const requestId = currentRequestId() ?? 'unknown';
      let operator: Operator | null;
      try {
        operator = await authenticateOperator(prisma, apiKeyFromHeaders(request.headers));
      } catch (error) {
        const failure = failureOf(error);
        logFailure(logger, failure, error, { requestId }, 'operator authentication failed');
        endResponse(
          new fetchAPI.Response(JSON.stringify(failureBody(failure, requestId)), { status: failure.status, headers: { 'content-type': 'application/json' } }),
        );
        return;
      }
      if (!operator) {
        const body = { errors: [{ message: 'Missing, invalid or revoked operator key', extensions: { code: 'UNAUTHENTICATED' } }] };
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status: 401,
            headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="operator"', 'x-request-id': requestId },
          }),
        );
        return;
      }
      // A leaked or looping operator key can't flood the platform: one point a request, the tenants' refill rate.
      const taken = await options.costBucket.take(`operator:${operator.operatorKeyId}`, 1);
      if (!taken.allowed) {
        const body = { errors: [{ message: `Throttled: retry in ${taken.retryAfterSeconds} s`, extensions: { code: 'THROTTLED' } }] };
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status: 429,
            headers: { 'content-type': 'application/json', 'retry-after': String(taken.retryAfterSeconds), 'x-request-id': requestId },
          }),
        );
        return;
      }
      operators.set(request, operator);
    },
  };
  return createYoga<Record<string, unknown>, OperatorContext>({
    schema: operatorSchema,
    graphqlEndpoint: operatorEndpoint,
    landingPage: false,
    graphiql: false,
    logging: { debug: () => {}, info: () => {}, warn: (...args) => logger.warn({ args }, 'operator api'), error: () => {} },
    maskedErrors: { maskError: (error) => toClientError(error, currentRequestId() ?? 'unknown', logger) },
    plugins: [
      authentication,
      maxTokensPlugin({ n: options.config.limits.maxTokens }) as Plugin,
      maxDepthPlugin({ n: options.config.limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
      inputGuardPlugin(),
      operatorConnectionArgs(),
    ],
    context: (initial): OperatorContext => {
      const request = (initial as { request?: Request }).request;
      const operator = request && operators.get(request);
      if (!operator) throw new GraphQLError('Missing, invalid or revoked operator key', { extensions: { code: 'UNAUTHENTICATED' } });
      const requestId = currentRequestId() ?? 'unknown';
      return { requestId, logger: logger.child({ requestId, operator: operator.name }), operator, prisma, tenants: options.tenants };
    },
  });
}
