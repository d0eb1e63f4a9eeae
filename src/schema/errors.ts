import type { ErrorCode } from '../domain/errors.js';
import { builder } from './builder.js';
import { ErrorCodeEnum } from './enums.js';

/** A user error as payloads carry it: plain data, because graphql-js treats a returned Error instance as a failure. */
export type UserError = { message: string; code: ErrorCode; field: string[] | null; phoneNumbers?: string[] };

/**
 * The GraphQL type of a payload error, chosen by its code; a code not listed is a plain UserError.
 * Each listed type carries the numbers the error is about (the DomainError's `details.phoneNumbers`).
 */
const numberListErrorTypes: Partial<Record<ErrorCode, { name: string; description: string; phoneNumbers: string }>> = {
  NUMBER_NOT_AVAILABLE: {
    name: 'NumberNotAvailableError',
    description: 'Some of the requested numbers are taken, held by someone else, or not in stock.',
    phoneNumbers: 'The numbers that could not be had.',
  },
  NOT_PORTABLE: {
    name: 'NotPortableError',
    description: 'Some numbers cannot be ported in: the carrier refuses them, or they are in service here or in another open porting order.',
    phoneNumbers: 'The numbers that cannot be ported in.',
  },
};

export const ErrorInterface = builder.interfaceRef<UserError>('Error').implement({
  description: 'A problem with the request that the caller can fix. `field` is the path of the offending input.',
  resolveType: (error) => numberListErrorTypes[error.code]?.name ?? 'UserError',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    field: t.stringList({ nullable: true, resolve: (error) => error.field }),
  }),
});

builder.objectRef<UserError>('UserError').implement({ interfaces: [ErrorInterface] });

for (const type of Object.values(numberListErrorTypes)) {
  builder.objectRef<UserError>(type.name).implement({
    description: type.description,
    interfaces: [ErrorInterface],
    fields: (t) => ({
      phoneNumbers: t.field({ type: ['E164'], description: type.phoneNumbers, resolve: (error) => error.phoneNumbers ?? [] }),
    }),
  });
}
