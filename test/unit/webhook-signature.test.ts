import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookPayload, verifyWebhookSignature, webhookEventIdHeader, webhookSignatureHeader } from '../../src/domain/webhook-signature.js';

const now = 1_733_616_000;
const secretA = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const secretB = 'whsec_Zp3nQ7vYb1mXc0LkR8sTuWe5aJhG2dFo';
const secretC = 'whsec_unrelatedunrelatedunrelatedunrel';
const body = JSON.stringify({ id: 'evt_1', type: 'API_KEY_REVOKED', data: { name: 'Zoë’s key ✓ 🔑' } });

function v1s(header: string) {
  return header
    .split(',')
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3));
}

describe('header names', () => {
  it('are lower case, as Node presents incoming headers', () => {
    expect(webhookSignatureHeader).toBe('numbers-signature');
    expect(webhookEventIdHeader).toBe('numbers-event-id');
  });
});

describe('signWebhookPayload', () => {
  it('matches an HMAC-SHA256 computed directly over "<t>.<body>" with the whole secret as key', () => {
    const expected = createHmac('sha256', secretA).update(`${now}.{"id":"evt_1"}`, 'utf8').digest('hex');
    expect(signWebhookPayload('{"id":"evt_1"}', [secretA], now)).toBe(`t=${now},v1=${expected}`);
    // The vector documented in the module's header comment.
    expect(expected).toBe('f3711f24888874367245b3c0088c204d7bda2595f1a55f4ae4b8f7c51e01f391');
  });

  it('writes one v1 per secret, in order', () => {
    const header = signWebhookPayload(body, [secretA, secretB], now);
    expect(header).toMatch(/^t=1733616000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    const [first, second] = v1s(header);
    expect(first).toBe(createHmac('sha256', secretA).update(`${now}.${body}`).digest('hex'));
    expect(second).toBe(createHmac('sha256', secretB).update(`${now}.${body}`).digest('hex'));
  });

  it('refuses to sign without a secret, with an empty secret, or with a timestamp verification would refuse', () => {
    expect(() => signWebhookPayload(body, [], now)).toThrow(TypeError);
    expect(() => signWebhookPayload(body, [''], now)).toThrow(TypeError);
    for (const timestamp of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 10 ** 13]) {
      expect(() => signWebhookPayload(body, [secretA], timestamp), String(timestamp)).toThrow(RangeError);
    }
  });
});

describe('verifyWebhookSignature', () => {
  const verify = (rawBody: string | Buffer, header: string | null | undefined, secrets: string | readonly string[], tolerance?: number, at = now) =>
    verifyWebhookSignature(rawBody, header, secrets, tolerance, at);

  it('accepts its own signature with one secret, given as a string or a list', () => {
    const header = signWebhookPayload(body, [secretA], now);
    expect(verify(body, header, secretA)).toBe(true);
    expect(verify(body, header, [secretA])).toBe(true);
    expect(verify(body, header, [secretC, secretA])).toBe(true);
    expect(verify(body, header, secretB)).toBe(false);
  });

  it('accepts either secret during a rotation and refuses a third', () => {
    const header = signWebhookPayload(body, [secretA, secretB], now);
    expect(verify(body, header, secretA)).toBe(true);
    expect(verify(body, header, secretB)).toBe(true);
    expect(verify(body, header, [secretA, secretB])).toBe(true);
    expect(verify(body, header, secretC)).toBe(false);
  });

  it('refuses with no secrets, or only empty ones', () => {
    const header = signWebhookPayload(body, [secretA], now);
    expect(verify(body, header, [])).toBe(false);
    expect(verify(body, header, '')).toBe(false);
    expect(verify(body, header, ['', ''])).toBe(false);
    // An attacker can sign with an empty key too; a receiver whose secret is unset must not accept that.
    const emptyKeyed = `t=${now},v1=${createHmac('sha256', '').update(`${now}.${body}`).digest('hex')}`;
    expect(verify(body, emptyKeyed, '')).toBe(false);
  });

  it('uses the date it is given, or the clock by default', () => {
    const header = signWebhookPayload(body, [secretA], Math.floor(Date.now() / 1000));
    expect(verifyWebhookSignature(body, header, secretA)).toBe(true);
    expect(verifyWebhookSignature(body, signWebhookPayload(body, [secretA], now), secretA)).toBe(false);
  });

  describe('refuses a changed body', () => {
    const header = signWebhookPayload(body, [secretA], now);
    const bytes = Buffer.from(body, 'utf8');
    const flipped = Buffer.from(bytes);
    flipped[10] = flipped[10]! ^ 0x01;
    it.each([
      ['one byte changed', flipped],
      ['a trailing newline', `${body}\n`],
      ['a leading space', ` ${body}`],
      ['truncated by one byte', bytes.subarray(0, bytes.length - 1)],
      ['re-serialised with other whitespace', JSON.stringify(JSON.parse(body), null, 2)],
      ['empty', ''],
    ] as const)('%s', (_label, changed) => {
      expect(verify(changed, header, secretA)).toBe(false);
    });
  });

  it('refuses a changed signature', () => {
    const header = signWebhookPayload(body, [secretA], now);
    const [hex] = v1s(header);
    const last = hex!.at(-1) === '0' ? '1' : '0';
    expect(verify(body, `t=${now},v1=${hex!.slice(0, -1)}${last}`, secretA)).toBe(false);
    expect(verify(body, `t=${now},v1=${hex!.slice(1)}${hex![0]}`, secretA)).toBe(false);
    expect(verify(body, `t=${now},v1=${'0'.repeat(64)}`, secretA)).toBe(false);
  });

  it('accepts upper-case hex and whitespace around the parts, and ignores unknown keys', () => {
    const [hex] = v1s(signWebhookPayload(body, [secretA], now));
    expect(verify(body, ` t = ${now} , v1 = ${hex!.toUpperCase()} `, secretA)).toBe(true);
    expect(verify(body, `v0=abc,t=${now},x,scheme=2,v1=${hex}`, secretA)).toBe(true);
    expect(verify(body, `t=${now},v1=${'f'.repeat(64)},v1=${hex}`, secretA)).toBe(true);
  });

  it('refuses the original signature under a new timestamp (a replay made to look fresh)', () => {
    const signedAt = now - 3_600;
    const [hex] = v1s(signWebhookPayload(body, [secretA], signedAt));
    expect(verify(body, `t=${signedAt},v1=${hex}`, secretA, 0)).toBe(true);
    expect(verify(body, `t=${now},v1=${hex}`, secretA)).toBe(false);
    expect(verify(body, `t=${now},v1=${hex}`, secretA, 0)).toBe(false);
    // The timestamp is signed as written, so padding it does not carry the signature over either.
    expect(verify(body, `t=0${signedAt},v1=${hex}`, secretA, 0)).toBe(false);
  });

  it('refuses a timestamp older than the tolerance and accepts one inside it', () => {
    const at = (secondsAgo: number) => signWebhookPayload(body, [secretA], now - secondsAgo);
    expect(verify(body, at(0), secretA)).toBe(true);
    expect(verify(body, at(299), secretA)).toBe(true);
    expect(verify(body, at(300), secretA)).toBe(true);
    expect(verify(body, at(301), secretA)).toBe(false);
    expect(verify(body, at(86_400), secretA)).toBe(false);
    expect(verify(body, at(86_400), secretA, 100_000)).toBe(true);
    expect(verify(body, at(61), secretA, 60)).toBe(false);
  });

  it('refuses a timestamp further ahead than the tolerance', () => {
    const ahead = (seconds: number) => signWebhookPayload(body, [secretA], now + seconds);
    expect(verify(body, ahead(300), secretA)).toBe(true);
    expect(verify(body, ahead(301), secretA)).toBe(false);
    expect(verify(body, ahead(10 ** 9), secretA)).toBe(false);
  });

  it('skips the age check with tolerance 0', () => {
    expect(verify(body, signWebhookPayload(body, [secretA], 1), secretA, 0)).toBe(true);
    expect(verify(body, signWebhookPayload(body, [secretA], now + 10 ** 6), secretA, 0)).toBe(true);
    expect(verify(body, signWebhookPayload(body, [secretB], 1), secretA, 0)).toBe(false);
  });

  it('throws for a negative or non-finite tolerance, as that is a mistake in the caller', () => {
    const header = signWebhookPayload(body, [secretA], now);
    for (const tolerance of [-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => verify(body, header, secretA, tolerance), String(tolerance)).toThrow(RangeError);
    }
  });

  describe('returns false without throwing for a malformed header', () => {
    const [hex] = v1s(signWebhookPayload(body, [secretA], now));
    it.each([
      ['empty', ''],
      ['null', null],
      ['undefined', undefined],
      ['garbage', 'garbage'],
      ['only commas', ',,,'],
      ['a non-numeric t', `t=abc,v1=${hex}`],
      ['a negative t', `t=-${now},v1=${hex}`],
      ['a fractional t', `t=${now}.0,v1=${hex}`],
      ['a t of 13 digits', `t=${'1'.repeat(13)},v1=${hex}`],
      ['an empty t', `t=,v1=${hex}`],
      ['two t entries', `t=${now},t=${now},v1=${hex}`],
      ['two different t entries', `t=${now - 1},t=${now},v1=${hex}`],
      ['no t', `v1=${hex}`],
      ['no v1', `t=${now}`],
      ['only a v0', `t=${now},v0=${hex}`],
      ['an empty v1', `t=${now},v1=`],
      ['a 100 kB header', `t=${now},v1=${hex},${'v0=x,'.repeat(20_000)}`],
      ['a 100 kB v1', `t=${now},v1=${'a'.repeat(100_000)}`],
      ['non-hex v1', `t=${now},v1=${'g'.repeat(64)}`],
      ['odd-length hex', `t=${now},v1=${hex!.slice(0, 63)}`],
      ['hex one byte too long', `t=${now},v1=${hex}00`],
      ['hex that Buffer would half-decode', `t=${now},v1=${hex!.slice(0, 32)}zz${hex!.slice(34)}`],
      ['base64 instead of hex', `t=${now},v1=${Buffer.from(hex!, 'hex').toString('base64')}`],
      ['semicolons instead of commas', `t=${now};v1=${hex}`],
    ] as const)('%s', (_label, header) => {
      expect(() => verify(body, header, secretA)).not.toThrow();
      expect(verify(body, header, secretA)).toBe(false);
    });

    it('or for values of the wrong type from untyped callers', () => {
      const untyped = verifyWebhookSignature as (...args: unknown[]) => boolean;
      const header = `t=${now},v1=${hex}`;
      expect(untyped(body, 42, secretA, 300, now)).toBe(false);
      expect(untyped(body, { toString: () => header }, secretA, 300, now)).toBe(false);
      expect(untyped(undefined, header, secretA, 300, now)).toBe(false);
      expect(untyped({ body }, header, secretA, 300, now)).toBe(false);
      expect(untyped(body, header, [undefined, 7], 300, now)).toBe(false);
      expect(untyped(body, header, null, 300, now)).toBe(false);
      expect(untyped(body, header, secretA, 300, now)).toBe(true);
    });
  });

  it('gives the same answer for a body as a string or as its UTF-8 bytes, including non-ASCII text', () => {
    const unicode = '{"name":"Zoë’s café ✓ 🔑 日本語"}';
    const bytes = Buffer.from(unicode, 'utf8');
    expect(bytes.length).toBeGreaterThan(unicode.length);
    const fromString = signWebhookPayload(unicode, [secretA], now);
    expect(signWebhookPayload(bytes, [secretA], now)).toBe(fromString);
    expect(verify(bytes, fromString, secretA)).toBe(true);
    expect(verify(unicode, fromString, secretA)).toBe(true);
    // Reading the bytes as Latin-1 (a common receiver mistake) changes the text, so it no longer verifies.
    expect(verify(bytes.toString('latin1'), fromString, secretA)).toBe(false);
    const direct = createHmac('sha256', secretA).update(Buffer.concat([Buffer.from(`${now}.`), bytes]));
    expect(v1s(fromString)[0]).toBe(direct.digest('hex'));
  });
});
