import type { ErrorCode } from '../domain/errors.js';
import { builder } from './builder.js';
import { ErrorCodeEnum } from './enums.js';

/** A user error as payloads carry it: plain data, because graphql-js treats a returned Error instance as a failure. */
export type UserError = { message: string; code: ErrorCode; field: string[] | null };

export const ErrorInterface = builder.interfaceRef<UserError>('Error').implement({
  description: 'A problem with the request that the caller can fix. `field` is the path of the offending input.',
  resolveType: () => 'UserError',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    field: t.stringList({ nullable: true, resolve: (error) => error.field }),
  }),
});

export const UserErrorType = builder.objectRef<UserError>('UserError').implement({
  interfaces: [ErrorInterface],
});
