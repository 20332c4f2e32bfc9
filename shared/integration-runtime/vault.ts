/**
 * The vault: where payloads too large for a Step Functions state (256 KB) or worth keeping go. In AWS it is
 * the hub's S3 vault bucket; the local hub uses an in-memory or directory store with the same interface.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { VaultError } from './errors.ts';

/** Where one vault object lives. */
export interface VaultRef {
  readonly bucket: string;
  readonly key: string;
}

/** The value a state passes instead of a large payload: `{"vault_ref": {"bucket", "key"}}`. */
export interface VaultPointer {
  readonly vault_ref: VaultRef;
}

/** Reads and writes vault objects. `get` refuses references to any other bucket. */
export interface VaultStore {
  readonly bucket: string;
  put(key: string, body: string, contentType?: string): Promise<VaultRef>;
  get(ref: VaultRef): Promise<string>;
}

/** Whether a value is a vault pointer (`{"vault_ref": {"bucket": "...", "key": "..."}}`, other keys allowed). */
export function isVaultPointer(value: unknown): value is VaultPointer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ref = (value as Record<string, unknown>).vault_ref;
  if (typeof ref !== 'object' || ref === null) return false;
  const { bucket, key } = ref as Record<string, unknown>;
  return typeof bucket === 'string' && bucket.length > 0 && typeof key === 'string' && key.length > 0;
}

/** Vault text back to a value: JSON when it parses, else the text itself. */
export function decodeVaultBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** The S3 vault bucket. */
export class S3VaultStore implements VaultStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType = 'application/json'): Promise<VaultRef> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (err) {
      throw new VaultError(this.bucket, key, `write failed (${(err as Error).message})`, { cause: err });
    }
    return { bucket: this.bucket, key };
  }

  async get(ref: VaultRef): Promise<string> {
    if (ref.bucket !== this.bucket) {
      throw new VaultError(ref.bucket, ref.key, `is outside the vault bucket ${this.bucket}; refusing to read it`);
    }
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      if (!out.Body) throw new Error('empty body');
      return await out.Body.transformToString('utf8');
    } catch (err) {
      throw new VaultError(ref.bucket, ref.key, `read failed (${(err as Error).message})`, { cause: err });
    }
  }
}
