import { DomainError } from '../domain/errors.js';

export type Payload<T> = Partial<T> & { errors: DomainError[] };

/** Runs a mutation; a DomainError becomes `errors: [...]` in the payload, anything else stays a top-level error. */
export async function asPayload<T extends object>(run: () => Promise<T>): Promise<Payload<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) return { errors: [error] } as Payload<T>;
    throw error;
  }
}
