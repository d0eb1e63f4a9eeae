import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError, Kind, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { CostBucket, ThrottleStatus } from '../infra/rate-limit.js';
import type { Context } from '../schema/context.js';
import type { PersistedOperations } from './persisted-operations.js';
import { actualQueryCost, estimateQueryCost } from './query-cost.js';

// What protects the API from abusive documents and callers, in the order it
// runs: persisted-operation lookup, size/shape limits while parsing and
// validating (before any resolver runs), then the per-key cost budget.

type Cost = { requestedQueryCost: number; actualQueryCost: number; throttleStatus: ThrottleStatus };

const operationOf = (document: DocumentNode, name?: string | null) =>
  document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!name || d.name?.value === name)) as { operation: string } | undefined;

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

function costPlugin(bucket: CostBucket, maxQueryCost: number): Plugin<Context> {
  const charge = async (args: { schema: never; document: DocumentNode; variableValues?: unknown; operationName?: string | null; contextValue: Context }) => {
    const requested = estimateQueryCost(args.schema, args.document, (args.variableValues ?? {}) as Record<string, unknown>, args.operationName);
    if (requested > maxQueryCost) {
      return { requested, refused: new GraphQLError(`Query cost ${requested} exceeds the maximum of ${maxQueryCost}; ask for smaller pages`, { extensions: { code: 'QUERY_TOO_COSTLY', http: { status: 400 } } }) };
    }
    const taken = await bucket.take(args.contextValue.caller.apiKeyId, requested);
    if (!taken.allowed) {
      return {
        requested,
        status: taken.status,
        refused: new GraphQLError(`Throttled: this query costs ${requested} and ${taken.status.currentlyAvailable} is available; retry in ${taken.retryAfterSeconds} s`, {
          extensions: { code: 'THROTTLED', http: { status: 429, headers: { 'Retry-After': String(taken.retryAfterSeconds) } } },
        }),
      };
    }
    return { requested, status: taken.status };
  };
  const withCost = (result: ExecutionResult, cost: Cost): ExecutionResult => ({ ...result, extensions: { ...result.extensions, cost } });

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const isMutation = operationOf(args.document, args.operationName)?.operation === 'mutation';
      const charged = await charge(args as never);
      if (charged.refused) {
        const status = charged.status ?? { maximumAvailable: 0, currentlyAvailable: 0, restoreRate: 0 };
        setResultAndStopExecution(withCost({ errors: [charged.refused] }, { requestedQueryCost: charged.requested, actualQueryCost: 0, throttleStatus: status }));
        return;
      }
      return {
        async onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) return;
          const single = result as ExecutionResult;
          const actual = Math.min(actualQueryCost(single.data, isMutation), charged.requested);
          const status = await bucket.refund((args.contextValue as Context).caller.apiKeyId, charged.requested - actual);
          setResult(withCost(single, { requestedQueryCost: charged.requested, actualQueryCost: actual, throttleStatus: status }));
        },
      };
    },
    // A subscription is held, not repeated: it is bounded by the cost limit and the
    // per-connection and per-tenant subscription caps, and does not draw on the key's bucket.
    onSubscribe({ args, setResultAndStopExecution }) {
      const requested = estimateQueryCost(args.schema, args.document, (args.variableValues ?? {}) as Record<string, unknown>, args.operationName);
      if (requested > maxQueryCost) {
        setResultAndStopExecution({
          errors: [new GraphQLError(`Subscription cost ${requested} exceeds the maximum of ${maxQueryCost}`, { extensions: { code: 'QUERY_TOO_COSTLY' } })],
        });
      }
    },
  };
}

export function abuseLimitPlugins(config: Config['limits'], persisted: PersistedOperations, bucket: CostBucket): Plugin<Context>[] {
  const reject = { propagateOnRejection: true, exposeLimits: true };
  return [
    persistedOperationsPlugin(persisted) as Plugin<Context>,
    maxTokensPlugin({ n: config.maxTokens, ...reject }) as Plugin<Context>,
    maxDepthPlugin({ n: config.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...reject }) as Plugin<Context>,
    maxAliasesPlugin({ n: config.maxAliases, ...reject }) as Plugin<Context>,
    maxDirectivesPlugin({ n: config.maxDirectives, ...reject }) as Plugin<Context>,
    ...(config.introspection ? [] : [useDisableIntrospection() as Plugin<Context>]),
    costPlugin(bucket, config.maxQueryCost),
  ];
}
