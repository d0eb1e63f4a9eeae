import { GraphQLError } from 'graphql';
import { invalidInput, notFound } from '../domain/errors.js';

// Global IDs are base64url("Typename:uuid"). Everything that makes, reads or checks one is here,
// so the relay plugin, node(s) lookups, mutation inputs and filters agree on the format.

export type GlobalId = { typename: string; id: string };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export { encodeGlobalId } from '../domain/global-ids.js';

/** The type name and database id in a global ID, or null when it is not one this API could have issued. */
export function parseGlobalId(globalId: string): GlobalId | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  const typename = decoded.slice(0, separator);
  const id = decoded.slice(separator + 1);
  if (separator <= 0 || !/^[A-Za-z]+$/.test(typename) || !uuidPattern.test(id)) return null;
  return { typename, id: id.toLowerCase() };
}

export const invalidId = (field: string[]) => new GraphQLError(`"${field.join('.')}" is not a valid ID`, { extensions: { code: 'BAD_USER_INPUT', field } });

export function decodeGlobalId(globalId: string, field: string[] = ['id']): GlobalId {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw invalidId(field);
  return parsed;
}

// The relay plugin decodes `node(id:)` and `nodes(ids:)` before their resolvers run,
// without knowing which argument it is decoding; a malformed ID is marked here (empty
// type name) and refused by the resolver, which can name the argument.
export const malformedGlobalId = (globalId: string): GlobalId => ({ typename: '', id: globalId });
export const isMalformed = (globalId: GlobalId) => globalId.typename === '';

/** For mutation inputs: a malformed ID or one of another type becomes a payload error, not a top-level one. */
export function inputId(globalId: string, typename: string, field: string[]): string {
  let decoded: GlobalId;
  try {
    decoded = decodeGlobalId(globalId, field);
  } catch {
    throw invalidInput(field, `"${field.join('.')}" is not a valid ID`);
  }
  if (decoded.typename !== typename) throw notFound(field, typename.replace(/([a-z])([A-Z])/g, '$1 $2'));
  return decoded.id;
}

/** The database id behind a global ID that must name a `typename`; a wrong type reads as not found. */
export function idOfType(globalId: string, typename: string, field: string[]): string | null {
  const decoded = decodeGlobalId(globalId, field);
  return decoded.typename === typename ? decoded.id : null;
}
