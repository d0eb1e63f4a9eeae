import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';
import { schema } from '../../src/schema/index.js';

// Generated tests walk the real schema: every Query and Mutation field, every
// argument and every input-object field under it. A field added tomorrow is
// probed tomorrow without anyone remembering to list it.

export { schema };

export type Operation = 'query' | 'mutation' | 'subscription';
export type RootField = { operation: Operation; name: string; field: GraphQLField<unknown, unknown> };

const rootTypes = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() };
const parentName = (root: RootField) => rootTypes[root.operation]!.name;

export function rootFields(operations: Operation[] = ['query', 'mutation']): RootField[] {
  return operations.flatMap((operation) => Object.values(rootTypes[operation]?.getFields() ?? {}).map((field) => ({ operation, name: field.name, field })));
}

/** One place a value goes: an argument, or a field of an input object under one (lists looked through). */
export type InputCoordinate = {
  /** Argument name first, then input-object field names: the path an error's `field` names. */
  path: string[];
  type: GraphQLInputType;
  /** "Query.node(id)" for an argument, "ConfigurePhoneNumberInput.label" for an input field. */
  coordinate: string;
};

export function inputCoordinates(root: RootField): InputCoordinate[] {
  const found: InputCoordinate[] = [];
  const walk = (type: GraphQLInputType, path: string[], seen: Set<string>) => {
    const named = getNamedType(type);
    if (!isInputObjectType(named) || seen.has(named.name)) return;
    for (const field of Object.values(named.getFields())) {
      found.push({ path: [...path, field.name], type: field.type, coordinate: `${named.name}.${field.name}` });
      walk(field.type, [...path, field.name], new Set([...seen, named.name]));
    }
  };
  const parent = parentName(root);
  for (const arg of root.field.args) {
    found.push({ path: [arg.name], type: arg.type, coordinate: `${parent}.${root.name}(${arg.name})` });
    walk(arg.type, [arg.name], new Set());
  }
  return found;
}

/** The named scalar or enum under any list/non-null wrappers. */
export const leafName = (type: GraphQLInputType) => getNamedType(type).name;
export const isList = (type: GraphQLInputType) => isListType(getNullableType(type));

/**
 * Values for a root field's arguments: `provide` decides (and may return undefined to
 * fall back to a plain valid value); optional inputs are left out unless `include`
 * asks for them (the way down to a field under test).
 */
export const onTheWayTo = (target: string[]) => (path: string[]) => path.length <= target.length && path.every((segment, i) => target[i] === segment);

export type Provider = (path: string[], type: GraphQLInputType, coordinate: string) => unknown;

export function buildArguments(root: RootField, provide: Provider, include: (path: string[]) => boolean = () => false): Record<string, unknown> {
  const parent = parentName(root);
  const values: Record<string, unknown> = {};
  for (const arg of root.field.args) {
    const value = buildValue(arg.type, [arg.name], `${parent}.${root.name}(${arg.name})`, provide, isNonNullType(arg.type), include);
    if (value !== undefined) values[arg.name] = value;
  }
  return values;
}

/** `include` makes an optional input present anyway (the way down to a field under test). */
function buildValue(
  type: GraphQLInputType,
  path: string[],
  coordinate: string,
  provide: Provider,
  required: boolean,
  include: (path: string[]) => boolean,
): unknown {
  if (!required && !include(path)) return undefined;
  const given = provide(path, type, coordinate);
  if (given !== undefined) return given;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = buildValue(nullable.ofType, path, coordinate, provide, true, include);
    return item === undefined ? [] : [item];
  }
  if (isInputObjectType(nullable)) {
    const object: Record<string, unknown> = {};
    for (const field of Object.values(nullable.getFields())) {
      const value = buildValue(
        field.type,
        [...path, field.name],
        `${nullable.name}.${field.name}`,
        provide,
        isNonNullType(field.type) && field.defaultValue === undefined,
        include,
      );
      if (value !== undefined) object[field.name] = value;
    }
    return object;
  }
  if (isEnumType(nullable)) return nullable.getValues()[0]?.value;
  switch (nullable.name) {
    case 'String':
      return 'probe';
    case 'Int':
    case 'NonNegativeInt':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'CountryCode':
      return 'US';
    case 'DateTime':
      return new Date(Date.now() + 7 * 86_400_000).toISOString();
    case 'UUID':
      return '00000000-0000-4000-8000-000000000000';
    default:
      throw new Error(`no plain value for ${nullable.name} at ${coordinate}: the test's provider must give one`);
  }
}

/** `$a: T!, $b: U` for the root field's arguments, one variable each. */
export function operationText(root: RootField, selection: string): string {
  const variables = root.field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = root.field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  return `${root.operation}${variables ? ` Probe(${variables})` : ' Probe'} { ${root.name}${args ? `(${args})` : ''}${selection ? ` ${selection}` : ''} }`;
}

/**
 * A selection set for an output type: its leaves and, `depth` levels down, its objects
 * (fields with arguments are skipped; abstract types get a fragment per possible type).
 */
export function selectionFor(type: GraphQLOutputType, depth: number): string {
  const named: GraphQLNamedType = getNamedType(type);
  if (isLeafType(named)) return '';
  // Under a type condition, a field another possible type returns with a different type is aliased by
  // type, unless it has the type most of them give it: the fragments never conflict, and the aliases
  // stay few (within the alias limit).
  const fieldsOf = (object: GraphQLNamedType, level: number, clashes = new Map<string, string>()): string => {
    if (!isObjectType(object) && !isInterfaceType(object)) return '';
    const parts: string[] = [];
    for (const field of Object.values(object.getFields())) {
      if (field.args.length) continue;
      const inner = getNamedType(field.type);
      const usual = clashes.get(field.name);
      const name = usual !== undefined && usual !== String(field.type) ? `${object.name}_${field.name}: ${field.name}` : field.name;
      if (isLeafType(inner)) parts.push(name);
      else if (level > 0) {
        const sub = selectionOf(inner, level - 1);
        if (sub) parts.push(`${name} ${sub}`);
      }
    }
    return parts.join(' ');
  };
  const selectionOf = (inner: GraphQLNamedType, level: number): string => {
    if (isObjectType(inner)) return `{ __typename ${fieldsOf(inner, level)} }`;
    if (isInterfaceType(inner) || isUnionType(inner)) {
      const possible = schema.getPossibleTypes(inner);
      const typesByName = new Map<string, Map<string, number>>();
      for (const type of possible) {
        for (const field of Object.values(type.getFields())) {
          const counts = typesByName.get(field.name) ?? new Map<string, number>();
          counts.set(String(field.type), (counts.get(String(field.type)) ?? 0) + 1);
          typesByName.set(field.name, counts);
        }
      }
      const mostCommon = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
      const clashes = new Map([...typesByName].filter(([, counts]) => counts.size > 1).map(([name, counts]) => [name, mostCommon(counts)]));
      const common = isInterfaceType(inner) ? fieldsOf(inner, 0) : '';
      return `{ __typename ${common} ${possible.map((p) => `... on ${p.name} { ${fieldsOf(p, Math.min(level, 1), clashes)} }`).join(' ')} }`;
    }
    return '';
  };
  return selectionOf(named, depth);
}
