import type { GenericFieldRef } from '@pothos/core';
import type { KeysetConnection } from './pagination.js';

type CountFieldBuilder = {
  int: (options: { description: string; nullable: false; resolve: (connection: unknown) => Promise<number> }) => GenericFieldRef<
    number | null | undefined
  >;
};

/**
 * Trailing arguments of `t.connection(…, ...namedConnection('PhoneNumber'))`: types named
 * PhoneNumberConnection / PhoneNumberEdge, with `totalCount` counted only when asked for.
 */
export function namedConnection(nodeName: string) {
  return [
    {
      name: `${nodeName}Connection`,
      fields: (t: CountFieldBuilder) => ({
        totalCount: t.int({
          description: 'Number of items matching the filter, across all pages.',
          nullable: false,
          resolve: (connection) => (connection as KeysetConnection<unknown>).totalCount(),
        }),
      }),
    },
    { name: `${nodeName}Edge` },
  ] as const;
}
