import {
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isObjectType,
} from 'graphql';
import { inputLimits } from '../domain/input-rules.js';

// The input guard (src/http/input-guard.ts) enforces default caps on every string
// and list argument; this states them in the schema, next to each argument and
// input field they apply to, unless its description already states a cap of its own
// (always stricter: the defaults are ceilings).

const statesLengthCap = /\b(at most|up to|\d+ to) \d+ (characters|digits|letters or digits)\b/i;
const statesListCap = /\bat most \d+(?! characters)\b/i;

function describe(input: GraphQLArgument | GraphQLInputField) {
  const nullable = getNullableType(input.type);
  const isList = isListType(nullable);
  const named = getNamedType(input.type).name;
  // IDs are opaque and checked for shape where they are used; the cap applies but is not worth a line each.
  const isText = named === 'String';
  const description = input.description ?? '';
  const notes: string[] = [];
  if (isList && !statesListCap.test(description)) notes.push(`At most ${inputLimits.maxListLength} items.`);
  if (isText && !statesLengthCap.test(description)) notes.push(`At most ${inputLimits.maxStringLength} characters${isList ? ' each' : ''}.`);
  // Arguments and input fields are plain records in graphql-js; this runs once, as the schema is built.
  if (notes.length) (input as { description?: string | null }).description = [description, ...notes].filter(Boolean).join(' ');
}

export function describeInputLimits(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type)) for (const field of Object.values(type.getFields())) field.args.forEach(describe);
    if (isInputObjectType(type)) Object.values(type.getFields()).forEach(describe);
  }
  return schema;
}
