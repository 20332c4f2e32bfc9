/**
 * The local hub's vault: the same VaultStore interface as the S3 vault, kept in memory or, with a data
 * directory, in files (`<dir>/<bucket>/<key>`), so vault pointers survive a restart of `socless local`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { VaultError } from '../integration-runtime/errors.ts';
import type { VaultRef, VaultStore } from '../integration-runtime/vault.ts';

export const LOCAL_VAULT_BUCKET = 'socless-local-vault';

export class LocalVaultStore implements VaultStore {
  private readonly objects = new Map<string, string>();

  constructor(
    readonly bucket: string = LOCAL_VAULT_BUCKET,
    private readonly dir?: string,
  ) {}

  private file(key: string): string {
    const root = join(this.dir as string, this.bucket);
    const path = normalize(join(root, key));
    // A key such as `../../etc/passwd` must not escape the vault directory.
    if (!path.startsWith(root + sep)) throw new VaultError(this.bucket, key, 'key escapes the vault directory');
    return path;
  }

  async put(key: string, body: string): Promise<VaultRef> {
    if (this.dir) {
      const path = this.file(key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body, 'utf8');
    } else {
      this.objects.set(key, body);
    }
    return { bucket: this.bucket, key };
  }

  async get(ref: VaultRef): Promise<string> {
    if (ref.bucket !== this.bucket) {
      throw new VaultError(ref.bucket, ref.key, `is outside the vault bucket ${this.bucket}; refusing to read it`);
    }
    if (this.dir) {
      try {
        return await readFile(this.file(ref.key), 'utf8');
      } catch (err) {
        if (err instanceof VaultError) throw err;
        throw new VaultError(ref.bucket, ref.key, 'does not exist', { cause: err });
      }
    }
    const body = this.objects.get(ref.key);
    if (body === undefined) throw new VaultError(ref.bucket, ref.key, 'does not exist');
    return body;
  }

  /** Keys stored so far (in-memory mode), for inspection by the local hub and tests. */
  keys(): string[] {
    return [...this.objects.keys()];
  }
}
