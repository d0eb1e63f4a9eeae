// Errors the API reports to users. `field` is the path of the input that is wrong.

export const errorCodes = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'INVALID_CURSOR',
  'BALANCE_INSUFFICIENT',
  'NUMBER_NOT_AVAILABLE',
  'IDEMPOTENCY_KEY_REUSED',
  'KYC_NOT_SUBMITTED',
  'KYC_PENDING',
  'KYC_DECLINED',
  'NUMBER_NOT_YET_ACTIVE',
  'INVALID_STATE',
  'RESERVATION_NOT_ACTIVE',
  'NOT_PORTABLE',
  'PORTING_ORDER_INCOMPLETE',
  'DOCUMENT_INVALID',
  'THROTTLED',
  'TOO_MANY_SUBSCRIPTIONS',
  'SLOW_CONSUMER',
  // Refusals of a whole operation by the API's limits (src/http/limits.ts, docs/limits.md).
  'QUERY_TOO_COSTLY',
  'MAX_DEPTH_EXCEEDED',
  'MAX_ALIASES_EXCEEDED',
  'MAX_DIRECTIVES_EXCEEDED',
  'MAX_TOKENS_EXCEEDED',
  'INTROSPECTION_DISABLED',
  'PERSISTED_QUERY_ONLY',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_INVALID',
  'PERSISTED_QUERY_HASH_MISMATCH',
  // The service can't answer right now (database unreachable or too slow): HTTP 503 with Retry-After (docs/operations.md).
  'SERVICE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field: string[] | null = null,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidInput = (field: string[], message: string) => new DomainError('BAD_USER_INPUT', message, field);
export const notFound = (field: string[], what: string) => new DomainError('NOT_FOUND', `${what} not found`, field);

/** Several problems found at once (e.g. everything an order still lacks); payloads list each. */
export class DomainErrors extends DomainError {
  private constructor(readonly errors: [DomainError, ...DomainError[]]) {
    super(errors[0].code, errors.map((error) => error.message).join('; '), errors[0].field);
  }

  /** Throws every problem in `errors` at once; returns when there is none. */
  static throwIfAny(errors: DomainError[]): void {
    const [first, ...rest] = errors;
    if (first) throw new DomainErrors([first, ...rest]);
  }
}
