// pg-copy-streams ships no types; only what src/infra/copy-out.ts uses.
declare module 'pg-copy-streams' {
  import type { Readable } from 'node:stream';
  import type { Submittable } from 'pg';

  export class CopyToStreamQuery extends Readable implements Submittable {
    submit: Submittable['submit'];
    rowCount: number;
  }
  export function to(text: string): CopyToStreamQuery;
}
