import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { inputLimits } from '../domain/input-rules.js';
import { defaultPageSize, maxPageSize } from '../schema/pagination.js';

// Shopify-style cost, computed from the document before anything runs:
// - every object costs 1, scalars 0;
// - a connection costs 1 plus its page size (first/last, default 20) times the cost of one edge;
// - a list of objects counts as many as the elements of its list argument when it has
//   one (`nodes(ids:)`, `portabilityCheck(phoneNumbers:)`: one result per element),
//   otherwise as 10;
// - every element of a list argument is work for the resolver (a lookup, a carrier
//   call, a row written) and costs 1 — also when nothing comes back, so that part is
//   never refunded. Lists of enum values are filters and free, and so are a
//   connection's arguments (they narrow one SQL query);
// - a mutation adds a base of 10.
// Lists longer than the input guard allows are costed at that cap: the guard
// refuses them afterwards, naming the argument.

const mutationBaseCost = 10;
const assumedListLength = 10;

export type QueryCost = {
  /** Charged up front; what the response does not use is refunded. */
  requested: number;
  /** The part of `requested` that is work done whatever comes back (mutation base, list arguments). */
  minimum: number;
};

const isConnectionType = (type: GraphQLNamedType) => isObjectType(type) && type.name.endsWith('Connection') && 'edges' in type.getFields();
const isEdgeType = (type: GraphQLNamedType) => isObjectType(type) && type.name.endsWith('Edge') && 'node' in type.getFields() && 'cursor' in type.getFields();

function argumentValue(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  return undefined;
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number | null {
  for (const name of ['first', 'last']) {
    const argument = field.arguments?.find((a) => a.name.value === name);
    const value = argumentValue(argument?.value, variables);
    // Beyond the page limit the resolver refuses the argument itself, naming it; cost it as the limit.
    if (typeof value === 'number' && value >= 0) return Math.min(value, maxPageSize);
  }
  return null;
}

/** Elements in the (non-enum) lists of one argument value, nested input objects included. */
function listElements(type: GraphQLInputType, value: unknown): number {
  if (value === null || value === undefined) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (isEnumType(getNamedType(nullable))) return 0;
    // A single value where a list is expected is coerced to a list of one.
    const items = (Array.isArray(value) ? value : [value]).slice(0, inputLimits.maxListLength);
    return items.length + items.reduce<number>((sum, item) => sum + listElements(nullable.ofType as GraphQLInputType, item), 0);
  }
  if (isInputObjectType(nullable) && typeof value === 'object') {
    return Object.values(nullable.getFields()).reduce((sum, inner) => sum + listElements(inner.type, (value as Record<string, unknown>)[inner.name]), 0);
  }
  return 0;
}

/** Elements in every list argument of this field selection, or null when it takes no list. */
function listArgumentElements(field: GraphQLField<unknown, unknown>, selection: FieldNode, variables: Record<string, unknown>): number | null {
  let total: number | null = null;
  for (const node of selection.arguments ?? []) {
    const argument = field.args.find((a) => a.name === node.name.value);
    if (!argument || !isListOrHoldsList(argument.type)) continue;
    total = (total ?? 0) + listElements(argument.type, valueFromASTUntyped(node.value, variables));
  }
  return total;
}

function isListOrHoldsList(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return !isEnumType(getNamedType(nullable));
  if (!isInputObjectType(nullable) || seen.has(nullable.name)) return false;
  seen.add(nullable.name);
  return Object.values(nullable.getFields()).some((inner) => isListOrHoldsList(inner.type, seen));
}

export function estimateQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string | null,
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName));
  const none = { requested: 0, minimum: 0 };
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return none;
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return none;

  const fieldOf = (type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (isObjectType(type) || isInterfaceType(type)) return type.getFields()[name];
    return undefined;
  };
  // A fragment costs the same wherever it is spread: computed once, so fragments
  // spreading fragments can't make this walk exponential.
  const fragmentCosts = new Map<string, QueryCost>();

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, seen: ReadonlySet<string>): QueryCost => {
    let requested = 0;
    let minimum = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection.name.value);
        if (!field) continue;
        const named = getNamedType(field.type);
        const elements = isConnectionType(named) ? null : listArgumentElements(field, selection, variables);
        minimum += elements ?? 0;
        if (!selection.selectionSet) {
          requested += elements ?? 0;
          continue;
        }
        // A connection's pageInfo is free.
        if (isConnectionType(parent) && selection.name.value === 'pageInfo') continue;
        const inner = costOf(selection.selectionSet, named, seen);
        if (isConnectionType(named)) {
          const size = pageSize(selection, variables) ?? defaultPageSize;
          requested += 1 + size * inner.requested;
          minimum += size * inner.minimum;
        }
        // Inside a connection, `edges` is the per-item shape (already multiplied by the page size).
        else if (isConnectionType(parent) && selection.name.value === 'edges') {
          requested += inner.requested;
          minimum += inner.minimum;
        } else if (isEdgeType(parent)) {
          requested += 1 + inner.requested;
          minimum += inner.minimum;
        } else if (isListType(getNullableType(field.type))) {
          // One result per element of the list argument when there is one; the elements are not charged twice.
          const length = elements ?? assumedListLength;
          requested += length * (1 + inner.requested);
          minimum += length * inner.minimum;
        } else {
          requested += 1 + inner.requested + (elements ?? 0);
          minimum += inner.minimum;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        const inner = costOf(selection.selectionSet, target, seen);
        requested += inner.requested;
        minimum += inner.minimum;
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        let inner = fragmentCosts.get(name);
        if (!inner) {
          inner = costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent, new Set([...seen, name]));
          fragmentCosts.set(name, inner);
        }
        requested += inner.requested;
        minimum += inner.minimum;
      }
    }
    return { requested, minimum };
  };

  const cost = costOf(operation.selectionSet, root, new Set());
  return operation.operation === 'mutation' ? { requested: cost.requested + mutationBaseCost, minimum: cost.minimum + mutationBaseCost } : cost;
}

/** Objects in a JSON-like value, the value itself included; plain loops, as it runs over every response. */
function objectsIn(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += objectsIn(item);
    return count;
  }
  count = 1;
  for (const key in value) count += objectsIn((value as Record<string, unknown>)[key]);
  return count;
}

/** What a response actually cost: one per object in the data, plus the work done whatever came back; never more than requested. */
export function actualQueryCost(data: unknown, cost: QueryCost): number {
  const count = objectsIn(data);
  // The data object itself is not charged.
  return Math.min(Math.max(count - 1, 0) + cost.minimum, cost.requested);
}
