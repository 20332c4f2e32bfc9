/**
 * "Did you mean": the known names closest to a name that is not known, by edit distance, so an error can
 * offer two or three likely fixes instead of every name there is.
 */

/** Levenshtein distance (insertions, deletions and substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The part of a name that matters for closeness: `${{self:custom.jira.CreateIssue}}` → `createissue`. */
function comparable(name: string): string {
  const reference = /^\$\{\{self:custom\.(?:[^.}]+\.)?([^.}]+)\}\}$/.exec(name);
  return (reference?.[1] ?? name).toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Up to `max` known names within a small edit distance of `name` (about one edit in four characters),
 * closest first; several spellings of one name count once, the one written like `name` preferred.
 */
export function closeMatches(name: string, known: readonly string[], max = 3): string[] {
  const target = comparable(name);
  const limit = Math.max(1, Math.floor(target.length / 4));
  const styleOf = (n: string) => (n.startsWith('${{') ? 'reference' : /[A-Z]/.test(n) ? 'pascal' : 'snake');
  const scored = known
    .map((k) => ({
      k,
      key: comparable(k),
      d: editDistance(target, comparable(k)),
      style: styleOf(k) !== styleOf(name),
      // Between spellings of one name, the one written most like `name` (case and separators included).
      raw: editDistance(name, k),
    }))
    .filter((s) => s.d <= limit)
    .sort((x, y) => x.d - y.d || Number(x.style) - Number(y.style) || x.raw - y.raw || x.k.localeCompare(y.k));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of scored) {
    if (seen.has(s.key)) continue;
    seen.add(s.key);
    out.push(s.k);
    if (out.length === max) break;
  }
  return out;
}
