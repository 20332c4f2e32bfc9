/** Base class of every error the project raises on purpose: callers can tell ours from the runtime's. */
export class SoclessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in a file: where it is and what is wrong. */
export interface Problem {
  /** The file the problem is in (a path, or a logical source such as `cdk.json context "socless"`). */
  readonly file: string;
  /** JSON path of the offending field, e.g. `$.remediation.defaultMode`. */
  readonly path: string;
  /** What is wrong, in words a person can act on. */
  readonly reason: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}: ${p.path}: ${p.reason}`;
}

/** Invalid configuration: names the source, every offending key and the reason. */
export class ConfigError extends SoclessError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(`Invalid socless configuration:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Turns a JSON path array from zod into `$.a.b[0]` form. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}
