import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where uploaded documents live. On local disk by default; an object store would implement the same. */
export interface DocumentStorage {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

export class LocalDocumentStorage implements DocumentStorage {
  constructor(private readonly baseDir: string) {}

  private pathOf(key: string) {
    if (!/^[a-z0-9-]+\/[a-f0-9]{64}$/.test(key)) throw new Error(`Invalid document key ${key}`);
    return path.join(this.baseDir, key);
  }

  /** Written to a temporary name and renamed, so a crash never leaves half a file under the real key. */
  async put(key: string, bytes: Uint8Array) {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, target);
  }

  get(key: string) {
    return readFile(this.pathOf(key));
  }

  async delete(key: string) {
    await rm(this.pathOf(key), { force: true });
  }
}
