import { DomainError, DomainErrors } from '../domain/errors.js';
import type { UserError } from './errors.js';

export type Payload<T> = Partial<T> & { errors: UserError[] };

/** Runs a mutation; a DomainError becomes `errors: [...]` in the payload, anything else stays a top-level error. */
export async function asPayload<T extends object>(run: () => Promise<T>): Promise<Payload<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) {
      const all = error instanceof DomainErrors ? error.errors : [error];
      return {
        errors: all.map((one) => {
          const phoneNumbers = one.details.phoneNumbers as string[] | undefined;
          return { message: one.message, code: one.code, field: one.field, ...(phoneNumbers ? { phoneNumbers } : {}) };
        }),
      } as Payload<T>;
    }
    throw error;
  }
}
