import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Writes a committed file generated from the code (schema.graphql, docs/error-codes.md); with --check on the
 * command line, exits 1 instead when the committed copy differs, so CI catches a change that forgot to regenerate it.
 */
export function writeOrCheck(file: URL, current: string, name: string, printCommand: string): void {
  if (!process.argv.includes('--check')) {
    writeFileSync(file, current);
    console.log(`Wrote ${name}`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // Missing reads as stale.
  }
  if (committed !== current) {
    console.error(`${name} is stale: run \`${printCommand}\` and commit it.`);
    process.exit(1);
  }
  console.log(`${name} is current.`);
}
