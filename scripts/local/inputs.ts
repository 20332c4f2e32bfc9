import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/** One event to feed the local hub: where it came from and its text (parsing is the pipeline's job). */
export interface LocalInput {
  /** File name (with `:<line>` for NDJSON files, `[i]` for JSON arrays). */
  readonly input: string;
  readonly body: unknown;
}

/**
 * Reads events from a file or a folder (recursively, `*.json`, `*.ndjson`, `*.jsonl`). A `.json` file holds
 * one event or an array of events; NDJSON holds one per line. A file that is not valid JSON is still passed on
 * as text, so the pipeline rejects it with a reason instead of the reader dropping it.
 */
export function readInputs(path: string, base = statSync(path).isDirectory() ? path : dirname(path)): LocalInput[] {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .sort()
      .flatMap((entry) => {
        const full = join(path, entry);
        if (statSync(full).isDirectory()) return readInputs(full, base);
        return /\.(json|ndjson|jsonl)$/.test(entry) ? readInputs(full, base) : [];
      });
  }
  const name = relative(base, path) || basename(path);
  const bytes = readFileSync(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not UTF-8 text: passed on as bytes, so the pipeline rejects it measuring the file's size, not its decoding.
    return [{ input: name, body: bytes }];
  }
  if (/\.(ndjson|jsonl)$/.test(path)) {
    return text
      .split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, i }) => ({ input: `${name}:${i + 1}`, body: line }));
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed)) return parsed.map((body, i) => ({ input: `${name}[${i}]`, body }));
    return [{ input: name, body: parsed }];
  } catch {
    return [{ input: name, body: text }];
  }
}

/** Every bundled sample event: `playbooks/<name>/events/*.json`. */
export function bundledSampleInputs(playbooksDir: string): LocalInput[] {
  return readdirSync(playbooksDir)
    .sort()
    .flatMap((name) => {
      const dir = join(playbooksDir, name, 'events');
      try {
        if (!statSync(dir).isDirectory()) return [];
      } catch {
        return [];
      }
      return readInputs(dir).map((i) => ({ ...i, input: `${name}/events/${i.input}` }));
    });
}
