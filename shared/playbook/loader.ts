/**
 * Reads `playbooks/<name>/playbook.json` files. Parsing problems are collected, never thrown, so a CLI run
 * reports every broken playbook at once.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Problem, SoclessError } from '../errors.ts';
import { jsonErrorText } from '../json-text.ts';

/** The repository's `playbooks/` folder, found from this module's location (not the working directory). */
export const DEFAULT_PLAYBOOKS_DIR = fileURLToPath(new URL('../../playbooks/', import.meta.url));

/** File name of a playbook inside its folder. */
export const PLAYBOOK_FILE = 'playbook.json';

/** One playbook as read from disk. */
export interface PlaybookSource {
  /** The folder name; the playbook's `Playbook` field must equal it. */
  readonly name: string;
  readonly dir: string;
  /** Path of `playbook.json`. */
  readonly file: string;
  /** The parsed JSON, absent when the file is missing or is not JSON. */
  readonly json?: unknown;
  readonly problems: Problem[];
}

/** Reads one playbook folder. */
export function loadPlaybookSource(dir: string): PlaybookSource {
  const absolute = resolve(dir);
  const name = absolute.split(/[\\/]/).filter(Boolean).pop() ?? absolute;
  const file = join(absolute, PLAYBOOK_FILE);
  if (!existsSync(file)) {
    return { name, dir: absolute, file, problems: [{ file, path: '$', reason: `${PLAYBOOK_FILE} not found` }] };
  }
  const text = readFileSync(file, 'utf8');
  return parsePlaybookText(name, absolute, file, text);
}

/** Parses playbook text (split out so callers holding the text, such as tests or an editor, can use it). */
export function parsePlaybookText(name: string, dir: string, file: string, text: string): PlaybookSource {
  try {
    return { name, dir, file, json: JSON.parse(text) as unknown, problems: [] };
  } catch (err) {
    const reason = `not valid JSON: ${jsonErrorText(text, err)}`;
    return { name, dir, file, problems: [{ file, path: '$', reason }] };
  }
}

/**
 * Reads every playbook under `rootDir` (one folder each, sorted by name). Folders starting with `.` or `_`
 * are skipped (scratch space); a folder without `playbook.json` is reported. Throws when `rootDir` is missing.
 */
export function loadPlaybookSources(rootDir: string = DEFAULT_PLAYBOOKS_DIR): PlaybookSource[] {
  const root = resolve(rootDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new SoclessError(`playbooks folder not found: ${root}`);
  }
  return readdirSync(root)
    .filter((entry) => !entry.startsWith('.') && !entry.startsWith('_'))
    .filter((entry) => statSync(join(root, entry)).isDirectory())
    .sort()
    .map((entry) => loadPlaybookSource(join(root, entry)));
}

/**
 * Reads the playbooks a command-line argument names by path: a `playbook.json` (or any `.json`) file, a
 * playbook folder (holding `playbook.json`), or a folder of playbook folders. Throws when the path does not
 * exist.
 */
export function loadPlaybookPath(path: string): PlaybookSource[] {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new SoclessError(`no playbook at ${absolute}: the path does not exist`);
  if (statSync(absolute).isFile()) {
    const dir = dirname(absolute);
    const name = basename(absolute) === PLAYBOOK_FILE ? basename(dir) : basename(absolute).replace(/\.json$/i, '');
    return [parsePlaybookText(name, dir, absolute, readFileSync(absolute, 'utf8'))];
  }
  if (existsSync(join(absolute, PLAYBOOK_FILE))) return [loadPlaybookSource(absolute)];
  const nested = join(absolute, 'playbooks');
  // A SOCless repository keeps its playbooks in playbooks/<name>/.
  if (existsSync(nested) && statSync(nested).isDirectory()) return loadPlaybookSources(nested);
  return loadPlaybookSources(absolute);
}

/** Whether a command-line argument is a path rather than a playbook name. */
export function looksLikePlaybookPath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || arg.endsWith('.json') || arg === '.' || arg === '..';
}
