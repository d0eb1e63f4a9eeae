/**
 * Webhook signatures: how a receiver can tell a delivery came from us, unchanged, and recently.
 *
 * This file depends on nothing but `node:crypto`, so a receiver may copy it as it is into their own back end.
 *
 * Every delivery carries the header `numbers-signature`. With the secret `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`,
 * the body `{"id":"evt_1"}` signed at 1733616000 (the HMAC of `1733616000.{"id":"evt_1"}`) carries
 *
 *     numbers-signature: t=1733616000,v1=f3711f24888874367245b3c0088c204d7bda2595f1a55f4ae4b8f7c51e01f391
 *
 * - `t` is when the delivery was signed, in Unix seconds.
 * - each `v1` is the lower-case hex HMAC-SHA256 of the UTF-8 bytes of `<t>.<raw body>` (the timestamp exactly as
 *   written in the header, a full stop, then the request body byte for byte as received), keyed with a signing
 *   secret: the UTF-8 bytes of the whole secret string, `whsec_` prefix included.
 * - while a secret is being rotated there is one `v1` per valid secret, so a receiver that knows either the old
 *   or the new secret accepts the delivery. Keys other than `t` and `v1` may be added later; ignore them.
 *
 * To verify: take the raw body before any JSON parsing (re-serialised JSON does not match), recompute the HMAC
 * with each secret you hold, compare it in constant time with each `v1`, and refuse a `t` too far from your
 * clock so that a captured delivery cannot be replayed later. `verifyWebhookSignature` does all of this.
 * Deduplicate on the `numbers-event-id` header too: a delivery may arrive more than once, inside the tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header (lower case, as Node presents it) carrying `t=…,v1=…`. */
export const webhookSignatureHeader = 'numbers-signature';

/** The header carrying the event's id: the same for every delivery of one event, so receivers can deduplicate. */
export const webhookEventIdHeader = 'numbers-event-id';

// A real header is well under this even with several secrets; the cap keeps hostile input cheap to refuse.
const maxHeaderLength = 4_096;
const timestampPattern = /^\d{1,12}$/;
const signaturePattern = /^[0-9a-fA-F]{64}$/;

type Body = string | Buffer;

function signedBytes(rawBody: Body, timestamp: string): Buffer {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
}

function hmac(secret: string, message: Buffer): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message).digest();
}

/**
 * The `numbers-signature` header value for a body: `t=<timestampSeconds>` then one `v1=` per secret.
 * Throws if there is no secret, a secret is empty, or the timestamp is not a whole number of seconds ≥ 0.
 */
export function signWebhookPayload(rawBody: string | Buffer, secrets: readonly string[], timestampSeconds: number): string {
  if (secrets.length === 0) throw new TypeError('signWebhookPayload needs at least one signing secret');
  if (secrets.some((secret) => typeof secret !== 'string' || secret === '')) throw new TypeError('signWebhookPayload was given an empty signing secret');
  const timestamp = String(timestampSeconds);
  // Anything else would produce a header that verifyWebhookSignature refuses.
  if (!Number.isSafeInteger(timestampSeconds) || !timestampPattern.test(timestamp)) {
    throw new RangeError(`signWebhookPayload needs a whole, non-negative Unix time in seconds, got ${timestamp}`);
  }
  const message = signedBytes(rawBody, timestamp);
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${hmac(secret, message).toString('hex')}`)].join(',');
}

function parseHeader(header: string): { timestamp: string; signatures: string[] } | null {
  if (header.length > maxHeaderLength) return null;
  let timestamp: string | null = null;
  let timestamps = 0;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (key === 't') {
      timestamps += 1;
      timestamp = value;
    } else if (key === 'v1') {
      signatures.push(value);
    }
  }
  // Two timestamps would leave it open which one was signed, so neither is trusted.
  if (timestamps !== 1 || timestamp === null || !timestampPattern.test(timestamp) || signatures.length === 0) return null;
  return { timestamp, signatures };
}

/**
 * Whether `header` (the `numbers-signature` value) is a valid signature of `rawBody` by one of `secrets`,
 * made no more than `toleranceSeconds` away from `nowSeconds` (either way, to allow for clock skew).
 *
 * `rawBody` must be the body exactly as received. `toleranceSeconds` 0 turns the age check off, which leaves
 * replays of old deliveries undetected: only do that when replaying is harmless or checked some other way.
 * Returns false, never throws, for any header or body (missing, malformed, huge, wrong); throws a RangeError
 * only for a negative or non-finite tolerance, as that is a programming error. Empty secrets never match.
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  header: string | null | undefined,
  secrets: string | readonly string[],
  toleranceSeconds = 300,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (typeof toleranceSeconds !== 'number' || !Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new RangeError(`toleranceSeconds must be a finite number ≥ 0, got ${String(toleranceSeconds)}`);
  }
  if (typeof header !== 'string') return false;
  if (typeof rawBody !== 'string' && !Buffer.isBuffer(rawBody)) return false;
  const parsed = parseHeader(header);
  if (!parsed) return false;
  if (toleranceSeconds > 0 && !(Math.abs(nowSeconds - Number(parsed.timestamp)) <= toleranceSeconds)) return false;

  // An unset environment variable often arrives as '' — a key anyone can sign with, so it must not verify.
  const keys = (typeof secrets === 'string' ? [secrets] : Array.isArray(secrets) ? secrets : []).filter(
    (secret): secret is string => typeof secret === 'string' && secret !== '',
  );
  if (keys.length === 0) return false;

  // Hex is decoded to bytes first so that every comparison is between two 32-byte buffers, as timingSafeEqual needs.
  const candidates = parsed.signatures.filter((signature) => signaturePattern.test(signature)).map((signature) => Buffer.from(signature, 'hex'));
  if (candidates.length === 0) return false;
  const message = signedBytes(rawBody, parsed.timestamp);
  for (const secret of keys) {
    const expected = hmac(secret, message);
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return true;
    }
  }
  return false;
}
