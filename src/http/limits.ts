import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  type ASTNode,
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { TopLevelErrorCode } from '../domain/errors.js';
import type { CostBucket, ThrottleStatus } from '../infra/rate-limit.js';
import type { Context } from '../schema/context.js';
import type { PersistedOperations } from './persisted-operations.js';
import { actualQueryCost, estimateQueryCost, type QueryCost } from './query-cost.js';

// What protects the API from abusive documents and callers, in the order it
// runs: persisted-operation lookup, size/shape limits while parsing and
// validating (before any resolver runs), then the per-key cost budget.
// Every refusal is a GraphQL error with a stable `extensions.code` (listed in
// topLevelErrorCodes) and, over HTTP, the response carries `extensions.cost`
// with the key's real bucket, like every other response.

type Cost = { requestedQueryCost: number; actualQueryCost: number; throttleStatus: ThrottleStatus };

/** A refusal of the document or the request as a whole; 400 over HTTP unless said otherwise. */
function limitError(
  code: TopLevelErrorCode,
  message: string,
  options: { nodes?: ReadonlyArray<ASTNode> | ASTNode; status?: number; headers?: Record<string, string> } = {},
) {
  return new GraphQLError(message, {
    nodes: options.nodes,
    extensions: { code, http: { status: options.status ?? 400, ...(options.headers ? { headers: options.headers } : {}) } },
  });
}

// graphql-armor words its refusals as "Syntax Error: …" without a code; these say what was exceeded.
const armorMessage = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, '');
/** Armor options that report a refusal as a coded validation error (validation goes on, no exception). */
const reportAs = (code: TopLevelErrorCode) => ({
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitError(code, armorMessage(error), { nodes: error.nodes }))],
});
/** The token limit stops the parser: the refusal is thrown from the lexer, coded. */
const throwAs = (code: TopLevelErrorCode) => ({
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (_context: ValidationContext | null, error: GraphQLError) => {
      throw limitError(code, armorMessage(error));
    },
  ],
});

/** A graphql-js validation rule whose errors carry `code`. */
function coded(rule: ValidationRule, code: TopLevelErrorCode): ValidationRule {
  return (context) =>
    rule(
      new Proxy(context, {
        get: (target, property) =>
          property === 'reportError'
            ? (error: GraphQLError) => target.reportError(limitError(code, error.message, { nodes: error.nodes }))
            : Reflect.get(target, property, target),
      }),
    );
}

// Applies over HTTP and WebSocket alike (yoga's own plugin looks at the HTTP request only).
function introspectionOffPlugin(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(coded(NoSchemaIntrospectionCustomRule, 'INTROSPECTION_DISABLED'));
    },
  };
}

function persistedOperationsPlugin(persisted: PersistedOperations): Plugin {
  return {
    onParams({ params, setParams }) {
      const query = persisted.resolve(params as never);
      // documentId is ours to consume; yoga refuses parameters it doesn't know.
      const { documentId: _documentId, ...rest } = params as typeof params & { documentId?: string };
      setParams({ ...rest, query });
    },
  };
}

const noStatus: ThrottleStatus = { maximumAvailable: 0, currentlyAvailable: 0, restoreRate: 0 };

function costPlugin(bucket: CostBucket, maxQueryCost: number, callerKeyOf: (request: Request) => string | undefined): Plugin<Context> {
  // Refunding nothing reads the bucket as it is (refilled to now) without changing it.
  const bucketState = (key: string | undefined) => (key ? bucket.refund(key, 0) : Promise.resolve(noStatus));
  const estimate = (args: { schema: unknown; document: DocumentNode; variableValues?: unknown; operationName?: string | null }) =>
    estimateQueryCost(args.schema as never, args.document, (args.variableValues ?? {}) as Record<string, unknown>, args.operationName);

  const charge = async (key: string, cost: QueryCost) => {
    const requested = cost.requested;
    if (requested > maxQueryCost) {
      return {
        status: await bucketState(key),
        refused: limitError('QUERY_TOO_COSTLY', `Query cost ${requested} exceeds the maximum of ${maxQueryCost}; ask for smaller pages or fewer items`),
      };
    }
    const taken = await bucket.take(key, requested);
    if (!taken.allowed) {
      return {
        status: taken.status,
        refused: limitError(
          'THROTTLED',
          `Throttled: this query costs ${requested} and ${taken.status.currentlyAvailable} is available; retry in ${taken.retryAfterSeconds} s`,
          {
            status: 429,
            headers: { 'Retry-After': String(taken.retryAfterSeconds) },
          },
        ),
      };
    }
    return { status: taken.status };
  };
  const withCost = (result: ExecutionResult, cost: Cost): ExecutionResult => ({ ...result, extensions: { ...result.extensions, cost } });
  const hasCost = (result: ExecutionResult) => Boolean((result.extensions as { cost?: unknown } | undefined)?.cost);

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const key = (args.contextValue as Context).caller.apiKeyId;
      const cost = estimate(args);
      const charged = await charge(key, cost);
      if (charged.refused) {
        setResultAndStopExecution(
          withCost({ errors: [charged.refused] }, { requestedQueryCost: cost.requested, actualQueryCost: 0, throttleStatus: charged.status }),
        );
        return;
      }
      return {
        async onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) return;
          const single = result as ExecutionResult;
          // Without `data`, a later check (the input guard) stopped the operation before anything ran: nothing is kept.
          const actual = 'data' in single ? actualQueryCost(single.data, cost) : 0;
          const status = await bucket.refund(key, cost.requested - actual);
          setResult(withCost(single, { requestedQueryCost: cost.requested, actualQueryCost: actual, throttleStatus: status }));
        },
      };
    },
    // Refused before execution (parse, validation, input guard): nothing
    // was charged, and the response still says where the key's bucket stands.
    async onExecutionResult({ result, setResult, request }) {
      if (!result || typeof result !== 'object' || Array.isArray(result) || Symbol.asyncIterator in result) return;
      const single = result as ExecutionResult;
      if (hasCost(single)) return;
      const key = callerKeyOf(request);
      if (!key) return;
      setResult(withCost(single, { requestedQueryCost: 0, actualQueryCost: 0, throttleStatus: await bucketState(key) }) as never);
    },
    // A subscription is held, not repeated: it is bounded by the cost limit and the
    // per-connection and per-tenant subscription caps, and does not draw on the key's bucket.
    onSubscribe({ args, setResultAndStopExecution }) {
      const requested = estimate(args).requested;
      if (requested > maxQueryCost) {
        setResultAndStopExecution({ errors: [limitError('QUERY_TOO_COSTLY', `Subscription cost ${requested} exceeds the maximum of ${maxQueryCost}`)] });
      }
    },
  };
}

export function abuseLimitPlugins(
  config: Config['limits'],
  persisted: PersistedOperations,
  bucket: CostBucket,
  callerKeyOf: (request: Request) => string | undefined = () => undefined,
): Plugin<Context>[] {
  return [
    persistedOperationsPlugin(persisted) as Plugin<Context>,
    maxTokensPlugin({ n: config.maxTokens, ...throwAs('MAX_TOKENS_EXCEEDED') }) as Plugin<Context>,
    maxDepthPlugin({ n: config.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...reportAs('MAX_DEPTH_EXCEEDED') }) as Plugin<Context>,
    maxAliasesPlugin({ n: config.maxAliases, ...reportAs('MAX_ALIASES_EXCEEDED') }) as Plugin<Context>,
    maxDirectivesPlugin({ n: config.maxDirectives, ...reportAs('MAX_DIRECTIVES_EXCEEDED') }) as Plugin<Context>,
    ...(config.introspection ? [] : [introspectionOffPlugin() as Plugin<Context>]),
    costPlugin(bucket, config.maxQueryCost, callerKeyOf),
  ];
}
