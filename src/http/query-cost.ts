import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

// Shopify-style cost: every object costs 1, scalars 0; a connection costs 1
// plus its page size (first/last, default 20) times the cost of one edge; any
// other list of objects counts as 10 of them. A mutation adds a base of 10.
// Computed from the document before anything runs.

export const mutationBaseCost = 10;
const maxPageSize = 100;
const defaultPageSize = 20;
const assumedListLength = 10;

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

export function estimateQueryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return 0;

  const fieldOf = (type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (isObjectType(type) || isInterfaceType(type)) return type.getFields()[name];
    return undefined;
  };

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, seen: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection.name.value);
        if (!field || !selection.selectionSet) continue;
        const named = getNamedType(field.type);
        const inner = costOf(selection.selectionSet, named, seen);
        if (isConnectionType(named)) total += 1 + (pageSize(selection, variables) ?? defaultPageSize) * inner;
        // Inside a connection, `edges` is the per-item shape (already multiplied) and `pageInfo` is free.
        else if (isConnectionType(parent) && (selection.name.value === 'edges' || selection.name.value === 'pageInfo')) total += selection.name.value === 'edges' ? inner : 0;
        else if (isEdgeType(parent)) total += 1 + inner;
        else if (isListType(getNullableType(field.type))) total += assumedListLength * (1 + inner);
        else total += 1 + inner;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        total += costOf(selection.selectionSet, isUnionType(parent) ? target : target, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const target = schema.getType(fragment.typeCondition.name.value) ?? parent;
        total += costOf(fragment.selectionSet, target, new Set([...seen, fragment.name.value]));
      }
    }
    return total;
  };

  const cost = costOf(operation.selectionSet, root, new Set());
  return operation.operation === 'mutation' ? cost + mutationBaseCost : cost;
}

/** What a response actually returned: one per object in the data. */
export function actualQueryCost(data: unknown, isMutation: boolean): number {
  let count = 0;
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      count += 1;
      Object.values(value).forEach(walk);
    }
  };
  walk(data);
  // The data object itself is not charged.
  return Math.max(count - 1, 0) + (isMutation ? mutationBaseCost : 0);
}
