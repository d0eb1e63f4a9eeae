import type { DomainError } from '../domain/errors.js';
import { builder } from './builder.js';
import { ErrorCodeEnum } from './enums.js';

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'A problem with the request that the caller can fix. `field` is the path of the offending input.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    field: t.stringList({ nullable: true, resolve: (error) => error.field }),
  }),
});

export const UserErrorType = builder.objectRef<DomainError>('UserError').implement({
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof Error && value.name === 'DomainError',
});
