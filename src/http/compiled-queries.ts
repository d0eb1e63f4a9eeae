import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { eachField, type Fragments } from '../schema/page-selection.js';

// Queries run compiled by graphql-jit: one generated function per document instead of
// graphql-js walking the selection for every field of every row (−28 % CPU per
// phoneNumbers page, BENCHMARKS.md). Three limits:
// - A document is compiled the second time it runs, so a client sending ever-new documents
//   makes the server compile nothing. Compiling costs about twice a parse and validation
//   (1.3 against 0.65 ms for a two-list page document); compiled documents live as long as
//   yoga's parsed-document cache holds them.
// - Queries only. Mutations (serial, with payload errors) and subscriptions (executed once per
//   group, subscription-groups.ts) stay on graphql-js.
// - Not when a Prisma relation is selected beneath another. plugin-prisma finds what the page's
//   query preloaded for a nested relation by the identity of graphql-js's path objects, which
//   graphql-jit builds afresh for every resolver call; the nested relation would then load
//   again (correctly, but one more statement per level). One level resolves from the page's
//   plan by name and stays batched.

/** Per parsed document: its one operation (undefined if it has several), whether it may run compiled, how often it ran. */
type Entry = { operation: OperationDefinitionNode | undefined; eligible: boolean; runs: number };

function operationOf(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 ? operations[0] : undefined;
}

function isRelation(extensions: Record<string, unknown>) {
  return Boolean(extensions.pothosPrismaRelationField) || typeof extensions.pothosPrismaSelect === 'function';
}

/** True when no Prisma relation field is selected beneath another one. */
function relationsAreFlat(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = fragmentsOf(document);
  const walk = (set: SelectionSetNode, type: GraphQLNamedType | undefined | null, underRelation: boolean, seen: Set<string>): boolean => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const fields = isObjectType(type) || isInterfaceType(type) ? type.getFields() : undefined;
        const field = fields?.[selection.name.value];
        if (!field || !selection.selectionSet) continue;
        const relation = isRelation(field.extensions as Record<string, unknown>);
        if (relation && underRelation) return false;
        if (!walk(selection.selectionSet, getNamedType(field.type), underRelation || relation, seen)) return false;
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments[selection.name.value];
        if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(selection.name.value))) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        const inner = selection.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, selection.name.value]) : seen;
        if (!walk(fragment.selectionSet, condition, underRelation, inner)) return false;
      }
    }
    return true;
  };
  return walk(operation.selectionSet, schema.getQueryType(), false, new Set());
}

function fragmentsOf(document: DocumentNode): Fragments {
  const fragments: Fragments = {};
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  return fragments;
}

/** The field nodes answering at a response path (aliases followed, list indices skipped). */
function fieldNodesAt(document: DocumentNode, operation: OperationDefinitionNode, path: ReadonlyArray<string | number>): FieldNode[] {
  const fragments = fragmentsOf(document);
  let sets: SelectionSetNode[] = [operation.selectionSet];
  let found: FieldNode[] = [];
  for (const key of path) {
    if (typeof key === 'number') continue;
    found = [];
    for (const set of sets) eachField(set, fragments, (field) => (field.alias ?? field.name).value === key && found.push(field));
    sets = found.flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
  }
  return found;
}

// graphql-jit's errors carry their locations but not the AST nodes they came from, and yoga
// rebuilds every error from its nodes before sending it: the locations would be lost.
function withNodes(error: GraphQLError, document: DocumentNode, operation: OperationDefinitionNode): GraphQLError {
  if (error.nodes || !error.path) return error;
  const nodes = fieldNodesAt(document, operation, error.path);
  if (!nodes.length) return error;
  return new GraphQLError(error.message, { nodes, path: error.path, originalError: error.originalError, extensions: error.extensions });
}

export function compiledQueries(onCompiledExecution: () => void): Plugin {
  const documents = new WeakMap<DocumentNode, Entry>();
  const entryOf = (schema: GraphQLSchema, document: DocumentNode): Entry => {
    let entry = documents.get(document);
    if (!entry) {
      const operation = operationOf(document);
      entry = { operation, eligible: operation?.operation === 'query' && relationsAreFlat(schema, document, operation), runs: 0 };
      documents.set(document, entry);
    }
    return entry;
  };
  const jit = useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document }) => {
        const entry = entryOf(schema, document);
        entry.runs += 1;
        const compiled = entry.eligible && entry.runs > 1;
        if (compiled) onCompiledExecution();
        return compiled;
      },
    },
  );
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(jit as Plugin);
    },
    onExecute({ args }) {
      const { operation, eligible } = entryOf(args.schema, args.document);
      if (!operation || !eligible) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result) || !result.errors?.some((error) => !error.nodes)) return;
          const errors = result.errors.map((error) => withNodes(error, args.document, operation));
          setResult({ ...result, errors } as ExecutionResult);
        },
      };
    },
  };
}
