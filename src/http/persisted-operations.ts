import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { TopLevelErrorCode } from '../domain/errors.js';

// Operations by hash: from the manifest codegen writes for the clients in this
// repository, and Automatic Persisted Queries (a client sends the hash; on a
// miss it sends hash and document once, and the hash alone after that). With
// `only`, documents that are not in the manifest are refused.

export type OperationParams = {
  query?: string | null;
  documentId?: string | null;
  extensions?: { persistedQuery?: { version?: number; sha256Hash?: string } } & Record<string, unknown>;
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function refusal(code: TopLevelErrorCode, message: string, status: number) {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

export class PersistedOperations {
  private readonly registered = new LRUCache<string, string>({ max: 5_000 });

  constructor(
    private readonly manifest: ReadonlyMap<string, string>,
    readonly only: boolean,
  ) {}

  static fromFile(path: string, only: boolean) {
    const entries = existsSync(path) ? Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : [];
    return new PersistedOperations(new Map(entries.map(([hash, document]) => [hash.replace(/^sha256:/, ''), document])), only);
  }

  get size() {
    return this.manifest.size;
  }

  /** The document to run for these request parameters, or the error to answer with. */
  resolve(params: OperationParams): string {
    const hash = (params.documentId ?? params.extensions?.persistedQuery?.sha256Hash ?? null)?.replace(/^sha256:/, '') ?? null;
    const query = params.query || null;
    if (hash === null) {
      if (this.only) throw refusal('PERSISTED_QUERY_ONLY', 'Only persisted operations are accepted here: send a documentId from the manifest', 400);
      if (!query) throw refusal('BAD_REQUEST', 'Send a query, or the hash of a persisted one', 400);
      return query;
    }
    if (!/^[a-f0-9]{64}$/.test(hash)) throw refusal('PERSISTED_QUERY_INVALID', 'A persisted operation hash is 64 hex characters (sha256)', 400);
    if (query !== null) {
      if (sha256(query) !== hash) throw refusal('PERSISTED_QUERY_HASH_MISMATCH', 'provided sha does not match query', 400);
      if (this.manifest.has(hash)) return query;
      if (this.only) throw refusal('PERSISTED_QUERY_ONLY', 'Only operations from the persisted manifest are accepted here', 400);
      this.registered.set(hash, query);
      return query;
    }
    const known = this.manifest.get(hash) ?? (this.only ? undefined : this.registered.get(hash));
    // Apollo-compatible clients look for this exact message, then resend with the document.
    if (!known) throw refusal('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', 200);
    return known;
  }
}
