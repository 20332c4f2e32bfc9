/** What DynamoDB bills a write for: the item's size, one write unit per started KB. */

/** DynamoDB bills a write one unit per started KB of the item. */
export const WRITE_UNIT_BYTES = 1024;

/**
 * The size DynamoDB bills for an item (attribute names plus values), by the rules of "DynamoDB item sizes and
 * formats": strings and binaries by their bytes, numbers one byte per two significant digits plus one, booleans
 * and null one byte, lists and maps 3 bytes plus one per element. `undefined` attributes are not stored.
 */
export function dynamoItemBytes(item: object): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) bytes += Buffer.byteLength(name) + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value)
      .replace(/^-/, '')
      .replace(/e.*$/i, '')
      .replace('.', '')
      .replace(/^0+/, '')
      .replace(/0+$/, '');
    return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    return 3 + value.reduce((n: number, v) => n + (v === undefined ? 0 : valueBytes(v) + 1), 0);
  }
  if (typeof value === 'object') {
    let n = 3;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) n += Buffer.byteLength(k) + valueBytes(v) + 1;
    }
    return n;
  }
  return 0;
}
