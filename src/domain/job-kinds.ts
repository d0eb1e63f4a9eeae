// The background work the domain asks for: every job kind and the payload it carries. Domain code enqueues
// these (infra/jobs.ts's enqueueJob is typed by this map), the wiring binds each kind to its handler
// (src/job-handlers.ts, where a missing or extra kind does not compile), and the job runner checks a
// claimed job's payload against the same map, because a row read back from the database carries no type.

export type JobPayloads = {
  'activate-number': { organizationId: string; phoneNumberId: string };
  'expire-reservation': { organizationId: string; reservationId: string };
  'bill-number': { organizationId: string; phoneNumberId: string };
  /** At the end of an unpaid number's grace period: suspended if the arrears are still owed. */
  'suspend-unpaid-number': { organizationId: string; phoneNumberId: string };
  'release-number': { e164: string; organizationId?: string };
  'port-progress': { organizationId: string; portingOrderId: string; run: number; step: number };
  /** Without an organization: every tenant holding numbers, and the next daily sweep is scheduled. */
  'inventory-sweep': { organizationId?: string };
  'event-retention': Record<string, never>;
  'return-to-stock': { inventoryNumberId: string };
  /** Attempt `attempt` (1-based) of a webhook delivery; made by the outbox relay, then by each failed attempt. */
  'deliver-webhook': { organizationId: string; endpointId: string; deliveryId: string; attempt: number };
};

export type JobKind = keyof JobPayloads;

// How each payload field is checked when a job is claimed; tied to JobPayloads by type, so the two cannot drift.
type FieldCheck<T> = undefined extends T ? `${RequiredCheck<Exclude<T, undefined>>}?` : RequiredCheck<T>;
type RequiredCheck<T> = [T] extends [string] ? 'string' : [T] extends [number] ? 'integer' : never;
type PayloadChecks<P> = { [F in keyof P]-?: FieldCheck<P[F]> };

const payloadChecks: { [K in JobKind]: PayloadChecks<JobPayloads[K]> } = {
  'activate-number': { organizationId: 'string', phoneNumberId: 'string' },
  'expire-reservation': { organizationId: 'string', reservationId: 'string' },
  'bill-number': { organizationId: 'string', phoneNumberId: 'string' },
  'suspend-unpaid-number': { organizationId: 'string', phoneNumberId: 'string' },
  'release-number': { e164: 'string', organizationId: 'string?' },
  'port-progress': { organizationId: 'string', portingOrderId: 'string', run: 'integer', step: 'integer' },
  'inventory-sweep': { organizationId: 'string?' },
  'event-retention': {},
  'return-to-stock': { inventoryNumberId: 'string' },
  'deliver-webhook': { organizationId: 'string', endpointId: 'string', deliveryId: 'string', attempt: 'integer' },
};

/**
 * Job queues, each with its own runner and slots: webhook deliveries wait on other people's servers (up to
 * their timeout each), so they never hold the slots that activations, billing and porting run in.
 */
export type JobQueue = 'default' | 'webhooks';

export function queueOf(kind: JobKind): JobQueue {
  return kind === 'deliver-webhook' ? 'webhooks' : 'default';
}

export function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(payloadChecks, kind);
}

/** A stored payload that does not have the shape its kind declares; running the job again cannot fix it. */
export class MalformedJobPayload extends Error {
  override name = 'MalformedJobPayload';
}

const checks: Record<string, { matches: (value: unknown) => boolean; expected: string }> = {
  string: { matches: (value) => typeof value === 'string' && value !== '', expected: 'a non-empty string' },
  integer: { matches: (value) => Number.isInteger(value), expected: 'an integer' },
};

/** The payload of a claimed job, checked field by field against its kind; fields the kind does not declare are dropped. */
export function parseJobPayload<K extends JobKind>(kind: K, raw: unknown): JobPayloads[K] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MalformedJobPayload(`${kind} job payload is not an object`);
  const source = raw as Record<string, unknown>;
  const payload: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(payloadChecks[kind] as Record<string, string>)) {
    const optional = check.endsWith('?');
    const type = optional ? check.slice(0, -1) : check;
    const value = source[field];
    if (value === undefined && optional) continue;
    const expected = checks[type];
    if (!expected?.matches(value)) {
      const found = value === undefined ? 'missing' : JSON.stringify(value);
      throw new MalformedJobPayload(`${kind} job payload: "${field}" should be ${optional ? 'absent or ' : ''}${expected?.expected ?? type}, found ${found}`);
    }
    payload[field] = value;
  }
  return payload as JobPayloads[K];
}
