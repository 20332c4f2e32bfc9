import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../scripts/local/inputs.ts';
import { normalizeEvent } from '../../shared/events/index.ts';

describe('socless local --events', () => {
  it('measures a file that is not UTF-8 text in its own bytes, not in its decoding', () => {
    // Prepare: 300,000 bytes that are not UTF-8 (each 0xff would decode to a 3-byte U+FFFD).
    const dir = mkdtempSync(join(tmpdir(), 'socless-bytes-'));
    try {
      writeFileSync(join(dir, 'binary.json'), Buffer.alloc(300_000, 0xff));
      // Act
      const [input] = readInputs(join(dir, 'binary.json'));
      const result = normalizeEvent(input?.body);
      // Assess
      expect(result).toMatchObject({ ok: false, reason: 'payload is 300000 bytes; the limit is 262144 bytes' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
