/** JSON parse errors a person can act on: `line L, column C` rather than a character position. */

/** `line L, column C` of a character offset in a text (both counted from 1). */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line}, column ${column}`;
}

/** A JSON.parse error message with "in JSON at position N" turned into "at line L, column C". */
export function jsonErrorText(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = /\s*(?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
  if (!at) return message;
  const where = lineColumn(text, Number(at[1]));
  return `${message.slice(0, at.index)} at ${where}${message.slice(at.index + at[0].length)}`.trim();
}
