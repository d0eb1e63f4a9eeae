import { createHash } from 'node:crypto';
import type { DocumentStorage } from '../infra/document-storage.js';
import { DomainError } from './errors.js';

// Uploaded documents (porting LOAs and invoices, KYC evidence): one set of rules. PDF, PNG or
// JPEG by their content as well as their declared type, not empty, at most the configured size;
// everything is checked before a byte is stored, the size before a byte is read.

const documentTypes: Record<string, string> = { 'application/pdf': '%PDF-', 'image/png': '\x89PNG', 'image/jpeg': '\xff\xd8\xff' };
export const defaultMaxDocumentBytes = 10 * 1024 * 1024;

export type Upload = { filename: string; contentType: string; size: number; read: () => Promise<Uint8Array> };

function sniff(bytes: Uint8Array) {
  const head = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  return Object.entries(documentTypes).find(([, magic]) => head.startsWith(magic))?.[0] ?? null;
}

/** Checks an upload and stores its bytes under the organization; what to record of it. DOCUMENT_INVALID on `input.file` when refused. */
export async function storeDocument(storage: DocumentStorage, organizationId: string, upload: Upload, maxBytes = defaultMaxDocumentBytes) {
  if (upload.size === 0) throw new DomainError('DOCUMENT_INVALID', 'The file is empty', ['input', 'file']);
  if (upload.size > maxBytes) throw new DomainError('DOCUMENT_INVALID', `The file is ${upload.size} bytes; the limit is ${maxBytes}`, ['input', 'file']);
  const bytes = await upload.read();
  const declared = (upload.contentType.split(';')[0] ?? '').trim().toLowerCase();
  const actual = sniff(bytes);
  if (!actual || !(declared in documentTypes) || declared !== actual) {
    throw new DomainError(
      'DOCUMENT_INVALID',
      `Documents must be PDF, PNG or JPEG files (got ${declared || 'no type'}${actual && actual !== declared ? `, content looks like ${actual}` : ''})`,
      ['input', 'file'],
    );
  }
  const filename = upload.filename.replace(/[^\w.\- ]+/g, '_').slice(0, 200) || 'document';
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const storageKey = `${organizationId}/${sha256}`;
  await storage.put(storageKey, bytes);
  return { filename, contentType: actual, sizeBytes: bytes.byteLength, sha256, storageKey };
}
