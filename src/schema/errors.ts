import type { ErrorCode } from '../domain/errors.js';
import { builder } from './builder.js';
import { ErrorCodeEnum } from './enums.js';

/** A user error as payloads carry it: plain data, because graphql-js treats a returned Error instance as a failure. */
export type UserError = { message: string; code: ErrorCode; field: string[] | null; phoneNumbers?: string[] };

export const ErrorInterface = builder.interfaceRef<UserError>('Error').implement({
  description: 'A problem with the request that the caller can fix. `field` is the path of the offending input.',
  resolveType: (error) => (error.phoneNumbers ? 'NumberNotAvailableError' : 'UserError'),
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    field: t.stringList({ nullable: true, resolve: (error) => error.field }),
  }),
});

export const UserErrorType = builder.objectRef<UserError>('UserError').implement({
  interfaces: [ErrorInterface],
});

export const NumberNotAvailableErrorType = builder.objectRef<UserError>('NumberNotAvailableError').implement({
  description: 'Some of the requested numbers are taken, held by someone else, or not in stock.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    phoneNumbers: t.field({ type: ['E164'], description: 'The numbers that could not be had.', resolve: (error) => error.phoneNumbers ?? [] }),
  }),
});
