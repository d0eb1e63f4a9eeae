// Errors the API reports to users. `field` is the path of the input that is wrong.

/**
 * The ErrorCode enum: each code as the schema describes it, what it means and what the caller should do.
 * Payload `errors` and top-level errors share these codes; docs/error-codes.md is generated from them.
 */
export const errorCodeValues = {
  BAD_USER_INPUT: { description: 'An argument or input field is refused (format, length, range, a malformed ID); `field` names it. Fix it and send again.' },
  NOT_FOUND: { description: 'The object named in `field` does not exist or is not yours (the two look the same). Check the ID.' },
  FORBIDDEN: { description: "The API key's role does not allow this operation; nothing was written. Use a key with the role it needs." },
  UNAUTHENTICATED: { description: 'The API key is missing, unknown or revoked. Send a valid key.' },
  INVALID_CURSOR: { description: '`after` or `before` is not a cursor this list gave you. Start from the first page or from a cursor you received.' },
  BALANCE_INSUFFICIENT: { description: "The balance can't pay the activation total; nothing was ordered or charged. Top up, or order fewer numbers." },
  NUMBER_NOT_AVAILABLE: {
    description: 'Some numbers are taken, held by someone else or not in stock; `phoneNumbers` lists them and nothing was reserved or ordered. Choose others.',
  },
  IDEMPOTENCY_KEY_REUSED: { description: 'This idempotencyKey already placed a different order. Use a new key for a new order.' },
  ACCOUNT_SUSPENDED: {
    description: 'The organization is suspended (see `statusReason`): it can still read and export, but nothing that costs money. Contact support.',
  },
  KYC_NOT_SUBMITTED: { description: 'Ordering needs a verified organization and KYC was never submitted. Submit KYC first.' },
  KYC_PENDING: { description: 'KYC review is still in progress; ordering opens once it is verified. Try again later.' },
  KYC_DECLINED: { description: 'KYC was declined, so the organization cannot order numbers. Contact support.' },
  READ_ONLY_FIELD: {
    description: 'The input sets a field only the carrier or the platform may set (`field` names it); nothing was written. Leave it out.',
  },
  NUMBER_NOT_YET_ACTIVE: { description: 'The number is still pending activation or porting. Configure it once it is ACTIVE.' },
  INVALID_STATE: {
    description:
      "The object's status does not allow this (e.g. releasing a released number), or it changed meanwhile. Read it again; retry if the message says so.",
  },
  RESERVATION_NOT_ACTIVE: { description: 'The reservation has expired, was cancelled or converted, or is unknown. Reserve the numbers again.' },
  NOT_PORTABLE: {
    description: 'Some numbers cannot be ported in: the carrier says so, or they are in service here or in another open porting order. Leave them out.',
  },
  PORTING_ORDER_INCOMPLETE: { description: 'The porting order lacks what `field` names (one error per missing item). Complete it, then submit again.' },
  DOCUMENT_INVALID: { description: 'The file is empty, too large, or not a PDF, PNG or JPEG by its content; nothing was stored. Send another file.' },
  THROTTLED: { description: "The API key's cost budget is spent for now (HTTP 429). Retry after Retry-After seconds, or ask for less." },
  TOO_MANY_SUBSCRIPTIONS: { description: 'Too many subscriptions on this connection or for this organization. End some, or use one `events` subscription.' },
  SLOW_CONSUMER: { description: 'The subscription fell too far behind and was ended. Subscribe again with `after` set to the last eventId received.' },
  // Refusals of a whole operation by the API's limits (src/http/limits.ts, docs/limits.md).
  QUERY_TOO_COSTLY: { description: 'The operation costs more than the most one operation may. Ask for smaller pages or fewer items.' },
  MAX_DEPTH_EXCEEDED: { description: 'Fields are nested deeper than the limit. Flatten the query.' },
  MAX_ALIASES_EXCEEDED: { description: 'The operation uses more aliases than the limit. Split it.' },
  MAX_DIRECTIVES_EXCEEDED: { description: 'The operation uses more directives than the limit. Remove some.' },
  MAX_TOKENS_EXCEEDED: { description: 'The document has more tokens than the limit. Send a shorter document.' },
  INTROSPECTION_DISABLED: { description: 'Introspection is turned off on this server. Use the published schema.graphql instead.' },
  PERSISTED_QUERY_ONLY: { description: 'This server runs only operations from its persisted manifest. Send a documentId from it.' },
  PERSISTED_QUERY_NOT_FOUND: { description: 'The server does not know this hash. Send the hash again together with the query.' },
  PERSISTED_QUERY_INVALID: { description: 'A persisted-operation hash must be 64 hex characters (sha256). Fix the hash.' },
  PERSISTED_QUERY_HASH_MISMATCH: { description: 'The hash is not the sha256 of the query sent with it. Compute it from the exact query text.' },
  // The service can't answer right now (database unreachable or too slow): HTTP 503 with Retry-After (docs/operations.md).
  SERVICE_UNAVAILABLE: { description: 'The service cannot answer right now (its database is unreachable or too slow). Retry after Retry-After seconds.' },
} as const satisfies Record<string, { description: string }>;

export type ErrorCode = keyof typeof errorCodeValues;

/** What a client sees of a code that arrives outside a mutation payload, and what it should do about it. */
export type TopLevelErrorCodeInfo = {
  /** HTTP status of the response that carries it; WebSocket messages and event streams have none of their own. */
  httpStatus: string;
  meaning: string;
  action: string;
  /** Raised by a library, not by this code base; otherwise raised somewhere in src/. */
  raisedBy?: 'graphql-yoga';
};

const validationStatus = '400 (200 if the request accepts only `application/json`)';

/**
 * Every `extensions.code` a top-level GraphQL error (or an HTTP error body) can carry, in the ErrorCode
 * enum or not. A code raised anywhere in src/ must be listed here (test/unit/error-codes.test.ts checks).
 */
export const topLevelErrorCodes = {
  UNAUTHENTICATED: {
    httpStatus: '401',
    meaning:
      'No API key, an unknown one or a revoked one (`Authorization: Bearer <key>` or `x-api-key`). ' +
      'Over an open WebSocket: an operation sent after its key was revoked.',
    action: 'Send a valid, unrevoked key; retrying with the same key will not help.',
  },
  FORBIDDEN: {
    httpStatus: '200',
    meaning: "The key's role may not run this field: mutations need MEMBER, managing API keys and the low-stock threshold need ADMIN. Nothing was written.",
    action: 'Use a key with the role the operation needs.',
  },
  BAD_USER_INPUT: {
    httpStatus: '400, or 200 when a resolver refused the argument',
    meaning:
      'An argument or variable is refused; `extensions.field` names it. 400: the input guard (strings, lists, control characters, empty IDs), ' +
      'a variable that fails its type, a `variables`/`extensions` parameter that is not JSON, or an export parameter (`error.parameter`). ' +
      '200 with that field null: a resolver check (page size, `first` with `last`, a malformed ID, a filter). Nothing was written.',
    action: 'Fix the named argument; the same request will be refused again.',
  },
  INVALID_CURSOR: {
    httpStatus: '200',
    meaning:
      '`after` or `before` is not a cursor this list issued for your organization and ordering, ' +
      'or an `after` that is not an eventId of the feed; `extensions.field` names it.',
    action: 'Start again without it (the first page), or from a cursor or eventId you received.',
  },
  QUERY_TOO_COSTLY: {
    httpStatus: '400',
    meaning: 'The operation costs more than `MAX_QUERY_COST` (1000 by default); nothing was charged.',
    action: 'Ask for smaller pages (`first`) or fewer items.',
  },
  THROTTLED: {
    httpStatus: '429',
    meaning: "The API key's cost bucket holds less than the operation costs; `extensions.cost.throttleStatus` shows it.",
    action: 'Wait `Retry-After` seconds, then retry; or spend less per operation.',
  },
  MAX_TOKENS_EXCEEDED: {
    httpStatus: validationStatus,
    meaning: 'The document has more than `MAX_QUERY_TOKENS` tokens (3000 by default).',
    action: 'Send a shorter document.',
  },
  MAX_DEPTH_EXCEEDED: {
    httpStatus: validationStatus,
    meaning: 'Fields are nested deeper than `MAX_QUERY_DEPTH` (12 by default), fragments expanded.',
    action: 'Flatten the query or split it.',
  },
  MAX_ALIASES_EXCEEDED: {
    httpStatus: validationStatus,
    meaning: 'The operation has more than `MAX_QUERY_ALIASES` aliases (15 by default).',
    action: 'Split it into several operations.',
  },
  MAX_DIRECTIVES_EXCEEDED: {
    httpStatus: validationStatus,
    meaning: 'The operation has more than `MAX_QUERY_DIRECTIVES` directives (20 by default).',
    action: 'Use fewer directives.',
  },
  INTROSPECTION_DISABLED: {
    httpStatus: validationStatus,
    meaning: '`__schema` or `__type` while introspection is off (`INTROSPECTION=false`, the default in production).',
    action: 'Read the schema from schema.graphql instead.',
  },
  PERSISTED_QUERY_ONLY: {
    httpStatus: '400',
    meaning: 'The server runs with `PERSISTED_OPERATIONS_ONLY=true` and the operation is not in its manifest.',
    action: 'Send `documentId` (or the APQ hash) of an operation from the manifest.',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    httpStatus: '200',
    meaning: 'A `documentId` or APQ hash the server does not know. The message is `PersistedQueryNotFound`, as Apollo clients expect.',
    action: 'Send the hash again together with the query; later requests may send the hash alone.',
  },
  PERSISTED_QUERY_INVALID: {
    httpStatus: '400',
    meaning: 'A persisted-operation hash that is not 64 hex characters.',
    action: 'Send the sha256 of the document, in hex.',
  },
  PERSISTED_QUERY_HASH_MISMATCH: {
    httpStatus: '400',
    meaning: 'The hash is not the sha256 of the query sent with it.',
    action: 'Hash the exact query text you send.',
  },
  TOO_MANY_SUBSCRIPTIONS: {
    httpStatus: 'none (an `error` for that operation over graphql-ws; 200 over SSE)',
    meaning:
      'More operations on one WebSocket than `FEED_MAX_SUBSCRIPTIONS_PER_CONNECTION`, ' +
      'or more live subscriptions for the organization than `FEED_MAX_SUBSCRIPTIONS_PER_TENANT`.',
    action: 'Complete subscriptions you no longer need, or use one `events` subscription with `types`.',
  },
  SLOW_CONSUMER: {
    httpStatus: 'none (ends a running subscription)',
    meaning: 'The subscriber fell more than `FEED_BUFFER_SIZE` events behind, so its subscription was ended.',
    action: 'Subscribe again with `after` set to the last eventId you received; nothing is lost.',
  },
  SERVICE_UNAVAILABLE: {
    httpStatus: '503',
    meaning: 'The database is unreachable or too slow. `Retry-After` says when to retry; over WebSocket the socket closes with 1013 instead.',
    action: 'Retry after `Retry-After` seconds; `orderPhoneNumbers` is safe to retry with the same `idempotencyKey`.',
  },
  INTERNAL_SERVER_ERROR: {
    httpStatus: '500, or 200 when one field failed',
    meaning:
      'An unexpected failure. The message is always `Internal server error`; `extensions.requestId` (also the `x-request-id` header) finds it in the log.',
    action: 'Retry once; if it persists, report the requestId.',
  },
  BAD_REQUEST: {
    httpStatus: '400, or 405 for the method',
    meaning:
      'The HTTP request is not a GraphQL request this server accepts: a body that is not JSON or valid multipart, neither a query nor a persisted hash, ' +
      'a method other than GET and POST, or a mutation sent with GET.',
    action: 'Fix the request (POST JSON with `query`, or a persisted hash).',
    raisedBy: 'graphql-yoga',
  },
  GRAPHQL_PARSE_FAILED: {
    httpStatus: validationStatus,
    meaning: 'The document is not valid GraphQL syntax; the message and `locations` say where.',
    action: 'Fix the document.',
    raisedBy: 'graphql-yoga',
  },
  GRAPHQL_VALIDATION_FAILED: {
    httpStatus: validationStatus,
    meaning: 'The document does not match the schema (an unknown field or argument, a wrong type, a literal a scalar refuses).',
    action: 'Fix the document against schema.graphql.',
    raisedBy: 'graphql-yoga',
  },
  OPERATION_RESOLUTION_FAILURE: {
    httpStatus: '400',
    meaning: 'The document holds several operations and `operationName` does not pick one of them.',
    action: 'Send the `operationName` of the operation to run.',
    raisedBy: 'graphql-yoga',
  },
  REQUEST_ENTITY_TOO_LARGE: {
    httpStatus: '413',
    meaning: 'The request body is larger than the server accepts (25 MB).',
    action: 'Send less; porting documents have their own, smaller limit (`DOCUMENT_MAX_BYTES`).',
    raisedBy: 'graphql-yoga',
  },
  METHOD_NOT_ALLOWED: {
    httpStatus: '405',
    meaning: '`/export/phone-numbers` was called with a method other than GET.',
    action: 'Use GET.',
  },
} as const satisfies Record<string, TopLevelErrorCodeInfo>;

export type TopLevelErrorCode = keyof typeof topLevelErrorCodes;

/**
 * WebSocket close codes the server (or graphql-ws on its behalf) ends a connection with.
 * Every close code in src/ must be listed here (test/unit/error-codes.test.ts checks).
 */
export const webSocketCloseCodes = {
  1001: { meaning: 'The server is shutting down.', action: 'Reconnect (another instance answers) and resubscribe with `after`.' },
  1013: { meaning: 'Authentication could not reach the database (an outage).', action: 'Reconnect after a few seconds.' },
  4400: { meaning: 'A message broke the graphql-transport-ws protocol (graphql-ws).', action: 'Fix the client; use a graphql-ws client.' },
  4401: { meaning: 'The key in `connection_init` is missing, unknown or revoked, or was revoked while connected.', action: 'Reconnect with a valid key.' },
  4406: { meaning: 'The socket did not ask for the `graphql-transport-ws` subprotocol (graphql-ws).', action: 'Request that subprotocol.' },
  4408: { meaning: 'No `connection_init` arrived in time (graphql-ws).', action: 'Send `connection_init` right after connecting.' },
  4409: { meaning: 'A `subscribe` reused the id of a running operation (graphql-ws).', action: 'Give every running operation its own id.' },
  4429: { meaning: 'More than one `connection_init` on a socket (graphql-ws).', action: 'Send `connection_init` once.' },
  4500: { meaning: 'An unexpected failure while accepting the connection.', action: 'Reconnect; if it persists, report it.' },
} as const satisfies Record<number, { meaning: string; action: string }>;

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
