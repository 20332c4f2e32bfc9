// Printable ASCII (plus common whitespace) folds with toLowerCase; anything else folds per code point.
const NON_ASCII = /[^ -~\t\n\r]/;

function foldCodePoint(ch: string): string {
  const upper = ch.toUpperCase();
  // Full case mappings change the length (ß -> SS); keep per-code-point folding so lengths line up.
  const base = [...upper].length === 1 ? upper : ch;
  const lower = base.toLowerCase();
  return [...lower].length === 1 ? lower : base;
}

/**
 * Case-folds a string one code point at a time (simple case folding): `Σ`, `σ` and `ς` fold alike, `ß` stays
 * itself. Folding keeps the code-point count, so prefix/suffix comparisons on folded strings stay meaningful.
 */
export function foldCase(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += foldCodePoint(ch);
  return out;
}

/** A compiled EventBridge wildcard: literal pieces between unescaped `*`. */
export interface Wildcard {
  /** Literal text between the wildcards; a single piece means no wildcard at all. */
  readonly pieces: readonly string[];
}

/**
 * Parses an EventBridge wildcard expression. `*` matches any run of characters (also none); `\*` is a literal
 * asterisk and `\\` a literal backslash; any other escape and two consecutive wildcards are errors.
 * Returns the reason as a string when the expression is invalid.
 */
export function parseWildcard(expression: string): Wildcard | string {
  const pieces: string[] = [];
  let current = '';
  let previousWasWildcard = false;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i]!;
    if (ch === '\\') {
      const next = expression[i + 1];
      if (next !== '*' && next !== '\\') {
        return `invalid escape at position ${i}: a backslash may only escape "*" or "\\"`;
      }
      current += next;
      i++;
      previousWasWildcard = false;
    } else if (ch === '*') {
      if (previousWasWildcard) return `consecutive wildcard characters at position ${i} are not allowed`;
      pieces.push(current);
      current = '';
      previousWasWildcard = true;
    } else {
      current += ch;
      previousWasWildcard = false;
    }
  }
  pieces.push(current);
  return { pieces };
}

/** Whether `text` matches the wildcard (leftmost-first placement of each middle piece is exact for `*`-only globs). */
export function matchesWildcard(wildcard: Wildcard, text: string): boolean {
  const { pieces } = wildcard;
  if (pieces.length === 1) return text === pieces[0];
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (text.length < first.length + last.length) return false;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let position = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const found = text.indexOf(piece, position);
    if (found < 0 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}
