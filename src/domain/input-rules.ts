import { invalidInput } from './errors.js';

// Rules every piece of user text obeys, wherever it comes from (GraphQL
// arguments are checked by the input guard in src/http/input-guard.ts, the
// export's query string by parseExportQuery). Fields with a stricter cap keep
// it in their own domain code; these are the ceilings for everything else.

export const inputLimits = {
  /** Characters (UTF-16 code units) in any string or ID argument. */
  maxStringLength: 1_000,
  /** Items in any list argument. */
  maxListLength: 100,
} as const;

// C0 controls except tab, newline and carriage return, DEL and the C1 controls.
// PostgreSQL can't store NUL in text at all; the rest have no business in names, labels or filters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this rule's purpose.
const disallowedCharacter = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Bidirectional overrides and isolates reorder how the text around them is shown: a label can
// then read differently from what it is ("Trojan Source" spoofing). Right-to-left scripts need none of them.
const bidiControl = /[\u202A-\u202E\u2066-\u2069]/;
// Half of a surrogate pair: not a character, and can't be encoded as UTF-8 for the database.
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` is not acceptable text, or null when it is. */
const codePoint = (character: string) => `U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

export function textProblem(value: string, maxLength: number = inputLimits.maxStringLength): string | null {
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  const bad = disallowedCharacter.exec(value);
  if (bad) return `contains the control character ${codePoint(bad[0])}; only tab, newline and carriage return are allowed`;
  const bidi = bidiControl.exec(value);
  if (bidi) return `contains the bidirectional control character ${codePoint(bidi[0])}, which would change how the text is shown`;
  if (unpairedSurrogate.test(value)) return 'is not well-formed Unicode (unpaired surrogate)';
  return null;
}

/** Throws BAD_USER_INPUT naming `field` when `value` breaks the text rules. */
export function checkText(value: string, field: string[], maxLength?: number): string {
  const problem = textProblem(value, maxLength);
  if (problem) throw invalidInput(field, `"${field.join('.')}" ${problem}`);
  return value;
}

/**
 * User text for a LIKE/ILIKE pattern, matched literally. Prisma's `contains`,
 * `startsWith`, `endsWith` and `equals` with `mode: 'insensitive'` become
 * (I)LIKE without escaping, so `%` and `_` would be wildcards and `\` an escape.
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** A name (of an API key, a connection): trimmed, 1 to 100 characters. */
export function checkName(name: string, field: string[]) {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw invalidInput(field, 'Name must be 1 to 100 characters');
  return trimmed;
}

/** A client's idempotency key: 1 to 255 characters of letters, digits, "_", "-", ".", ":". */
export function checkIdempotencyKey(key: string, field = ['input', 'idempotencyKey']) {
  if (!/^[A-Za-z0-9_.:-]{1,255}$/.test(key)) {
    throw invalidInput(field, 'idempotencyKey must be 1 to 255 characters of letters, digits, "_", "-", ".", ":"');
  }
  return key;
}
