import { queryFromInfo } from '@pothos/plugin-prisma';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLResolveInfo,
  getNamedType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Context } from './context.js';
import type { RowSelection } from './pagination.js';

// What a list page reads for its rows: plugin-prisma's plan (the relations to load) with the
// row's own columns narrowed to those the selected fields read. The node types stay in include
// mode, where an exposed field is a plain property read; select mode wraps every field in a
// loader-mapping lookup, which cost more CPU per page than reading 41 columns instead of 10
// (BENCHMARKS.md). A field whose columns can't be told from its definition (a resolver that
// reads the row freely) makes the page read every column, so a new field is never starved.

type FieldExtensions = {
  pothosExposedField?: string;
  pothosPrismaRelationField?: unknown;
  pothosPrismaSelect?: unknown;
};

/** The columns a field of a Prisma-backed type reads, [] for a relation (planned by plugin-prisma), null when unknown. */
function columnsOf(field: GraphQLField<unknown, unknown>): string[] | null {
  const extensions = field.extensions as FieldExtensions;
  if (extensions.pothosPrismaRelationField) return [];
  if (typeof extensions.pothosExposedField === 'string') return [extensions.pothosExposedField];
  const select = extensions.pothosPrismaSelect;
  if (select && typeof select === 'object' && Object.values(select).every((value) => value === true)) return Object.keys(select);
  return null;
}

export type Fragments = Record<string, FragmentDefinitionNode>;

/** Calls `onField` for every field of a selection set, fragments followed (each once). */
export function eachField(set: SelectionSetNode, fragments: Fragments, onField: (field: FieldNode) => void, seen = new Set<string>()) {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) onField(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(selection.selectionSet, fragments, onField, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment) eachField(fragment.selectionSet, fragments, onField, seen);
    }
  }
}

/** Field names selected at `path` below the current field (a name may come from a fragment on another type). */
function namesAt(info: GraphQLResolveInfo, path: string[]): Set<string> {
  let level = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const segment of path) {
    const next: SelectionSetNode[] = [];
    for (const set of level) {
      eachField(set, info.fragments, (field) => {
        if (field.name.value === segment && field.selectionSet) next.push(field.selectionSet);
      });
    }
    level = next;
  }
  const names = new Set<string>();
  for (const set of level) eachField(set, info.fragments, (field) => names.add(field.name.value));
  return names;
}

function nodeTypeAt(info: GraphQLResolveInfo, path: string[]): GraphQLNamedType | undefined {
  let type: GraphQLNamedType | undefined = getNamedType(info.returnType);
  for (const segment of path) type = isObjectType(type) ? getNamedType(type.getFields()[segment]?.type) : undefined;
  return type;
}

/** Query for the rows of a connection page: relations as plugin-prisma plans them, columns as the fields under `edges.node` need. */
export function pageSelection(ctx: Context, info: GraphQLResolveInfo, typeName?: string): RowSelection {
  const path = ['edges', 'node'];
  const planned = queryFromInfo({ context: ctx, info, path, ...(typeName ? { typeName } : {}) }) as RowSelection;
  if (planned.select) return planned;
  const type = typeName ? info.schema.getType(typeName) : nodeTypeAt(info, path);
  if (!isObjectType(type)) return planned;
  const fields = type.getFields();
  const select: Record<string, unknown> = { id: true };
  for (const name of namesAt(info, path)) {
    const field = fields[name];
    if (!field) continue; // __typename, or a fragment's field on another type
    if (name === 'id') continue;
    const columns = columnsOf(field);
    if (!columns) return planned;
    for (const column of columns) select[column] = true;
  }
  return { select: { ...select, ...planned.include } };
}
