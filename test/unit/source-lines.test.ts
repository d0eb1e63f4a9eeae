import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Biome wraps code at 160 columns but leaves long strings and comments alone; this
// keeps those readable too, so every source line fits a laptop screen side by side.
const maxColumns = 160;
const root = path.resolve(import.meta.dirname, '../..');
const sourceDirectories = ['src', 'test', 'bench', 'prisma', 'examples'];
const skipped = new Set(['generated', 'node_modules', 'migrations']);

function sourceFiles(directory: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return skipped.has(entry.name) ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

describe('source lines', () => {
  it(`are at most ${maxColumns} characters long`, () => {
    const files = sourceDirectories.flatMap((directory) => sourceFiles(path.join(root, directory)));
    expect(files.length).toBeGreaterThan(50);
    const long = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => ([...line].length > maxColumns ? [`${path.relative(root, file)}:${index + 1} (${[...line].length})`] : [])),
    );
    expect(long).toEqual([]);
  });
});
