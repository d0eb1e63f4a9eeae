import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isEnumType } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { topLevelErrorCodes, webSocketCloseCodes } from '../../src/domain/errors.js';
import { schema } from '../../src/schema/index.js';

// docs/error-codes.md is generated from topLevelErrorCodes and webSocketCloseCodes; these
// tests read the source to make sure no code can be raised without being listed there.

const srcDir = new URL('../../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The text of every script of an installed package, to check the codes said to come from it. */
function scriptsUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return scriptsUnder(full);
    return entry.name.endsWith('.js') ? [readFileSync(full, 'utf8')] : [];
  });
}

const sources = sourceFiles(srcDir).map((file) => ({ file: path.relative(srcDir, file), text: readFileSync(file, 'utf8') }));
// The tables themselves name every code; they are what is checked against, not evidence.
const raisingSources = sources.filter((source) => source.file !== path.join('domain', 'errors.ts'));

const literal = /'([A-Z][A-Z0-9_]+)'/g;
const literalsIn = (text: string) => [...text.matchAll(literal)].map((match) => match[1] as string);

/** Where a code is raised: which source and the code, by every way this code base raises one. */
function raisedCodes(): Array<{ file: string; code: string }> {
  const patterns = [
    // `code: 'X'` in extensions or a result, and `code: 'X' | 'Y'` in the type of a parameter or field.
    /\bcode: ('[A-Z][A-Z0-9_]+'(?:\s*\|\s*'[A-Z][A-Z0-9_]+')*)/g,
    // The helpers that build refusals: limitError('X'), refusal('X'), reportAs('X'), throwAs('X').
    /\b(?:limitError|refusal|reportAs|throwAs)\(\s*('[A-Z][A-Z0-9_]+')/g,
    // A validation rule whose errors get a code: coded(Rule, 'X').
    /\bcoded\(\s*\w+,\s*('[A-Z][A-Z0-9_]+')\)/g,
    // The export endpoint's error bodies: fail(res, 405, 'X', …).
    /\bfail\(\s*res,\s*\d+,\s*('[A-Z][A-Z0-9_]+')/g,
    // Feed limits, thrown inside subscriptions: new FeedLimitError(message, 'X').
    /\bFeedLimitError\([^;]*?,\s*('[A-Z][A-Z0-9_]+')\)/g,
  ];
  const found: Array<{ file: string; code: string }> = [];
  for (const { file, text } of raisingSources) {
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) for (const code of literalsIn(match[1] as string)) found.push({ file, code });
    }
    // Any other error built in place: every ALL_CAPS literal on a line that creates a GraphQLError.
    for (const line of text.split('\n').filter((l) => /new GraphQLError\(/.test(l) && /\bcode\b/.test(l))) {
      for (const code of literalsIn(line)) found.push({ file, code });
    }
  }
  return [...new Map(found.map((raised) => [`${raised.file}:${raised.code}`, raised])).values()];
}

describe('error codes', () => {
  it('finds the codes this code base raises (the patterns below still match the code)', () => {
    const codes = new Set(raisedCodes().map((raised) => raised.code));
    // One code per way of raising it, so a pattern that stops matching fails here instead of passing silently.
    for (const code of ['UNAUTHENTICATED', 'FORBIDDEN', 'INVALID_CURSOR', 'BAD_USER_INPUT', 'THROTTLED', 'MAX_DEPTH_EXCEEDED', 'MAX_TOKENS_EXCEEDED']) {
      expect(codes, code).toContain(code);
    }
    for (const code of ['INTROSPECTION_DISABLED', 'PERSISTED_QUERY_NOT_FOUND', 'METHOD_NOT_ALLOWED', 'SLOW_CONSUMER', 'INTERNAL_SERVER_ERROR', 'BAD_REQUEST']) {
      expect(codes, code).toContain(code);
    }
  });

  it('lists every code raised in src/ in topLevelErrorCodes (and so in docs/error-codes.md)', () => {
    const undocumented = raisedCodes().filter((raised) => !(raised.code in topLevelErrorCodes));
    expect(undocumented, 'add these to topLevelErrorCodes in src/domain/errors.ts, then run `npm run docs:print`').toEqual([]);
  });

  it('lists no code nobody raises', () => {
    const raised = new Set(raisedCodes().map((found) => found.code));
    const yogaSources = scriptsUnder(path.dirname(createRequire(import.meta.url).resolve('graphql-yoga'))).join('\n');
    for (const [code, info] of Object.entries(topLevelErrorCodes) as Array<[string, { raisedBy?: string }]>) {
      if (info.raisedBy === 'graphql-yoga') expect(yogaSources, `graphql-yoga no longer raises ${code}`).toContain(`'${code}'`);
      else expect(raised, `${code} is listed but nothing in src/ raises it`).toContain(code);
    }
  });

  it('describes every ErrorCode enum value in the schema', () => {
    const type = schema.getType('ErrorCode');
    expect(isEnumType(type)).toBe(true);
    if (!isEnumType(type)) return;
    for (const value of type.getValues()) expect(value.description, value.name).toMatch(/\S/);
  });

  it('lists every WebSocket close code src/ closes with', () => {
    // Every CloseCode member and four-digit number in the arguments of a `.close(…)` call.
    const closes = raisingSources.flatMap(({ text }) =>
      [...text.matchAll(/\.close\(([^)]*)\)/g)].flatMap((call) =>
        [...(call[1] as string).matchAll(/CloseCode\.(\w+)|\b(\d{4})\b/g)].map((match) =>
          match[1] ? (CloseCode as unknown as Record<string, number>)[match[1]] : Number(match[2]),
        ),
      ),
    );
    expect(closes.length).toBeGreaterThan(2);
    for (const code of closes) expect(Object.keys(webSocketCloseCodes), `close code ${code}`).toContain(String(code));
  });
});
