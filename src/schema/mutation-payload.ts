import { DomainError } from '../domain/errors.js';
import type { UserError } from './errors.js';

export type Payload<T> = Partial<T> & { errors: UserError[] };

/** Runs a mutation; a DomainError becomes `errors: [...]` in the payload, anything else stays a top-level error. */
export async function asPayload<T extends object>(run: () => Promise<T>): Promise<Payload<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) {
      const phoneNumbers = error.details.phoneNumbers as string[] | undefined;
      return { errors: [{ message: error.message, code: error.code, field: error.field, ...(phoneNumbers ? { phoneNumbers } : {}) }] } as Payload<T>;
    }
    throw error;
  }
}
