import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

// COPY … TO STDOUT on PostgreSQL: bulk reads at the database's pace, output as PostgreSQL writes it.

/**
 * All the output of `COPY (select) TO … WITH (options)`, as the pieces it arrived in (no copy into one buffer:
 * large copies of bytes cost little, but each makes V8 count external memory toward its next full GC).
 * Each backend has one (Database.copyOut).
 */
export type CopyOut = (select: string, options: string) => Promise<Buffer[]>;

/** One COPY on a pooled connection: the connection goes back to the pool when the output has been read, or is dropped on an error. */
export async function copyOnPool(pool: pg.Pool, statement: string): Promise<Buffer[]> {
  const client = await pool.connect();
  const chunks: Buffer[] = [];
  let failure: Error | undefined;
  // A checked-out client has no pool listener: an 'error' (connection lost) would otherwise be unhandled.
  const onError = (error: Error) => {
    failure ??= error;
  };
  client.on('error', onError);
  const copy = copyTo(statement);
  // pg arms its read timeout (query_timeout) on every query and clears it through the query's callback, which a
  // copy-to stream never calls: give it one to wrap and call it once the COPY is over, or the timer fires later on a
  // finished stream (whose 'error' nobody would handle).
  const timed = copy as unknown as { callback?: () => void };
  timed.callback = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      copy.on('data', (chunk: Buffer) => chunks.push(chunk));
      copy.on('end', resolve);
      copy.on('error', reject);
      client.query(copy);
    });
  } catch (error) {
    failure ??= error instanceof Error ? error : new Error(String(error));
  } finally {
    timed.callback?.();
    client.removeListener('error', onError);
    client.release(failure);
  }
  if (failure) throw failure;
  return chunks;
}
