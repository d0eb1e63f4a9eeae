import { decodeBase64, decodeCursorChunk } from '@pothos/core';
import { type ExecutionArgs, GraphQLError, getArgumentValues, getOperationAST, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';

// The operator API's lists are Pothos Prisma connections, which take `first`/`last` and cursors as
// given: a negative `first` reaches the database as a negative LIMIT, a cursor that is not one of
// theirs (or names no uuid) fails deep in the plugin or the driver. Both are the client's mistake, so
// they are refused up front, by argument, as the tenant API refuses them (BAD_USER_INPUT, INVALID_CURSOR).

const maxPageSize = 100;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isOurCursor(cursor: unknown): boolean {
  if (typeof cursor !== 'string') return false;
  try {
    const decoded = decodeBase64(cursor);
    return decoded.startsWith('GPC:') && uuidPattern.test(String(decodeCursorChunk(decoded.slice(4))));
  } catch {
    return false;
  }
}

function refusal(args: ExecutionArgs): GraphQLError | null {
  const operation = getOperationAST(args.document, args.operationName);
  const root = operation && (operation.operation === 'query' ? args.schema.getQueryType() : args.schema.getMutationType());
  if (!operation || !root) return null;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const field = root.getFields()[selection.name.value];
    if (!field?.args.some((arg) => arg.name === 'first')) continue;
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(field, selection, args.variableValues ?? {});
    } catch {
      continue; // not coercible: execution reports it
    }
    for (const name of ['first', 'last']) {
      const size = values[name];
      if (size != null && (typeof size !== 'number' || size < 0 || size > maxPageSize)) {
        return new GraphQLError(`"${name}" must be between 0 and ${maxPageSize}`, { extensions: { code: 'BAD_USER_INPUT', field: [name] } });
      }
    }
    for (const name of ['after', 'before']) {
      if (values[name] != null && !isOurCursor(values[name])) {
        return new GraphQLError(`"${name}" is not a cursor this list gave you`, { extensions: { code: 'INVALID_CURSOR', field: [name] } });
      }
    }
  }
  return null;
}

export function operatorConnectionArgs(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
  };
}
