import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { inputLimits, textProblem } from '../domain/input-rules.js';

// One gate every operation passes before any resolver runs (HTTP and
// WebSocket, queries, mutations and subscriptions): each argument value the
// operation would receive — from variables or inline literals — is walked
// against its input type. Strings and IDs must be acceptable text within the
// default length, IDs must not be empty, lists within the default length.
// Driven by the schema, so a new field is covered without being listed here.

type Refusal = { field: string[]; message: string };

function checkValue(value: unknown, type: GraphQLInputType, field: string[]): Refusal | null {
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = Array.isArray(value) ? value : [value];
    if (items.length > inputLimits.maxListLength) return { field, message: `"${field.join('.')}" must have at most ${inputLimits.maxListLength} items` };
    for (const item of items) {
      const refusal = checkValue(item, nullable.ofType, field);
      if (refusal) return refusal;
    }
    return null;
  }
  if (isInputObjectType(nullable)) {
    for (const [name, inner] of Object.entries(nullable.getFields())) {
      const refusal = checkValue((value as Record<string, unknown>)[name], inner.type, [...field, name]);
      if (refusal) return refusal;
    }
    return null;
  }
  // Leaves: custom scalars parse into strings too (E164, UUID…); files and numbers are left to their scalars.
  if (typeof value !== 'string') return null;
  if (value === '' && nullable.name === 'ID') return { field, message: `"${field.join('.')}" must not be empty; leave it out (or null) instead` };
  const problem = textProblem(value);
  return problem ? { field, message: `"${field.join('.')}" ${problem}` } : null;
}

function operationOf(document: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
}

/** The first argument value in the operation that breaks the input rules, or null. */
export function findInputRefusal(args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>): Refusal | null {
  const { schema, document } = args;
  const operation = operationOf(document, args.operationName);
  if (!operation) return null;
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>, { maxErrors: 1 });
  // Variables that don't coerce are refused by execution itself, naming the variable.
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, seen: Set<string>): Refusal | null => {
    for (const selection of selectionSet.selections) {
      let refusal: Refusal | null = null;
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
        if (!field) continue;
        if (field.args.length) {
          let values: Record<string, unknown>;
          try {
            values = getArgumentValues(field, selection, variables);
          } catch {
            continue; // not coercible: execution reports it
          }
          for (const argument of field.args) {
            refusal = checkValue(values[argument.name], argument.type, [argument.name]);
            if (refusal) return refusal;
          }
        }
        if (selection.selectionSet) refusal = walk(selection.selectionSet, getNamedType(field.type), seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        refusal = walk(selection.selectionSet, target, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        seen.add(fragment.name.value);
        refusal = walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent, seen);
      }
      if (refusal) return refusal;
    }
    return null;
  };
  return walk(operation.selectionSet, root, new Set());
}

const refusalError = (refusal: Refusal) => new GraphQLError(refusal.message, { extensions: { code: 'BAD_USER_INPUT', field: refusal.field } });

export function inputGuardPlugin(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = findInputRefusal(args);
      if (refusal) setResultAndStopExecution({ errors: [refusalError(refusal)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = findInputRefusal(args);
      if (refusal) setResultAndStopExecution({ errors: [refusalError(refusal)] });
    },
  };
}
