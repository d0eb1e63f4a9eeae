// Global IDs are base64url("Typename:id"); src/schema/global-id.ts parses and checks them. Making one needs
// nothing of GraphQL, so the domain (webhook bodies) makes them here too.

export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`).toString('base64url');
}
