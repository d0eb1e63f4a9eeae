import { createHmac, timingSafeEqual } from 'node:crypto';

// What bench/read-path.ts and its raw floor (bench/read-path-floor.ts) share: the
// documents, and the API's cursor and global-ID formats, re-implemented here so the
// floor depends on nothing in src/ (see CursorCodec in src/schema/pagination.ts and
// encodeGlobalId in src/schema/global-id.ts).

/** The ten scalar fields of PhoneNumber every contender is asked for. */
export const nodeFields = 'id e164 countryCode areaCode region numberType status label assignedTo createdAt';

export const pageSize = 50;

/** The API's page: 10 scalar fields + cursor + pageInfo + totalCount, newest first (its default order). */
export const apiDocument =
  `query Page($after: String) { phoneNumbers(first: ${pageSize}, after: $after) { totalCount ` +
  `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${nodeFields} } } } }`;

/** The same page from PostGraphile 5 (amber preset) over the same table, same order, the tenant as a condition. */
export const postgraphileDocument =
  `query Page($org: UUID!, $after: Cursor) { allPhoneNumbers(first: ${pageSize}, after: $after, condition: { organizationId: $org }, ` +
  'orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } ' +
  `edges { cursor node { ${nodeFields} } } } }`;

/** The API's cursor scope for phoneNumbers in its default order (CREATED_AT, DESC). */
export const cursorScope = (organizationId: string) => `${organizationId}:phoneNumbers:CREATED_AT:desc`;

function mac(secret: string, scope: string, body: string) {
  return createHmac('sha256', secret).update(scope).update('\0').update(body).digest().subarray(0, 16);
}

/** Same bytes as CursorCodec.encode. */
export function encodeCursor(secret: string, scope: string, values: unknown[]): string {
  const body = Buffer.from(JSON.stringify(values)).toString('base64url');
  return `${body}.${mac(secret, scope, body).toString('base64url')}`;
}

/** The values in a cursor signed for `scope`, or null when it is not one. */
export function decodeCursor(secret: string, scope: string, cursor: string): unknown[] | null {
  const [body, signature, extra] = cursor.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = mac(secret, scope, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const values = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return Array.isArray(values) ? values : null;
  } catch {
    return null;
  }
}

export const globalId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64url');
