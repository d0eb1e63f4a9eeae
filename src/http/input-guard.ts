import {
  coerceInputValue,
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLNamedType,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  typeFromAST,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { inputLimits, textProblem } from '../domain/input-rules.js';

// One gate every operation passes before any resolver runs (HTTP and
// WebSocket, queries, mutations and subscriptions): each argument value the
// operation would receive — from variables or inline literals — is walked
// against its input type. Strings and IDs must be acceptable text within the
// default length, IDs must not be empty, lists within the default length.
// Driven by the schema, so a new field is covered without being listed here.
// A variable that doesn't fit its type at all is refused here too, with the
// argument path it stands for, so every input refusal has the same shape.

type Refusal = { field: string[]; message: string };

const named = (field: string[]) => field.filter((part) => typeof part === 'string');

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

/** Where each variable is first used: the argument path it stands for, e.g. $i → ["input"], $s → ["filter", "search"]. */
function variableUsages(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): Map<string, string[]> {
  const usages = new Map<string, string[]>();
  const value = (node: ValueNode, path: string[]) => {
    if (node.kind === Kind.VARIABLE && !usages.has(node.name.value)) usages.set(node.name.value, path);
    else if (node.kind === Kind.OBJECT) for (const field of node.fields) value(field.value, [...path, field.name.value]);
    else if (node.kind === Kind.LIST) for (const item of node.values) value(item, path);
  };
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      const directiveArguments = selection.directives?.flatMap((directive) => directive.arguments ?? []) ?? [];
      const fieldArguments = selection.kind === Kind.FIELD ? (selection.arguments ?? []) : [];
      for (const argument of [...fieldArguments, ...directiveArguments]) value(argument.value, [argument.name.value]);
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          walk(fragment.selectionSet);
        }
      } else if (selection.selectionSet) walk(selection.selectionSet);
    }
  };
  walk(operation.selectionSet);
  return usages;
}

/** A variable that doesn't fit its type, named by the argument path it is used at (graphql-js names only the variable). */
function variableRefusal(
  args: Pick<ExecutionArgs, 'schema' | 'variableValues'>,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  message: string,
): Refusal | null {
  const usages = variableUsages(operation, fragments);
  const inputs = (args.variableValues ?? {}) as Record<string, unknown>;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(args.schema, definition.type as never) as GraphQLInputType | undefined;
    const usage = usages.get(name) ?? [name];
    if (!type) continue;
    let path: Array<string | number> | null = null;
    if (inputs[name] === undefined) {
      if (definition.defaultValue || getNullableType(type) === type) continue;
      path = [];
    } else {
      coerceInputValue(inputs[name], type, (at, _value, error) => {
        // A missing or unknown input field is reported at its object; name the field itself.
        const field = /^Field "([^"]+)" (of required type|is not defined)/.exec(error.message)?.[1];
        path ??= field ? [...at, field] : [...at];
      });
    }
    if (path) return { field: [...usage, ...named(path as string[])], message };
  }
  return null;
}

/** The first argument value in the operation that breaks the input rules, or null. */
export function findInputRefusal(args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>): Refusal | null {
  const { schema, document } = args;
  const operation = operationOf(document, args.operationName);
  if (!operation) return null;
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>, { maxErrors: 1 });
  if (coerced.errors) return variableRefusal(args, operation, fragments, coerced.errors[0]?.message ?? 'Invalid variables');
  const variables = coerced.coerced;

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

// HTTP 400, as graphql-js's own refusals of variables: the request is at fault and nothing ran.
const refusalError = (refusal: Refusal) =>
  new GraphQLError(refusal.message, { extensions: { code: 'BAD_USER_INPUT', field: refusal.field, http: { status: 400 } } });

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
