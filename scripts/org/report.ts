/** Terminal output of the org commands: a progress bar on stderr (TTY only), the status table, a prompt. */
import { createInterface } from 'node:readline/promises';
import type { AccountStatus, ScanProgress } from './scan.ts';

/** A progress bar redrawn in place on a TTY stream; does nothing elsewhere (pipes, CI logs). */
export function progressBar(
  stream: NodeJS.WriteStream,
  label: string,
): {
  update(p: ScanProgress): void;
  done(): void;
} {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  const draw = (p: ScanProgress) => {
    const width = 30;
    const ratio = p.found === 0 ? 0 : p.done / p.found;
    const filled = Math.round(ratio * width);
    const found = p.walking ? `${p.found}+` : `${p.found}`;
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${found} accounts`);
  };
  return {
    update(p) {
      // Redrawing on every account would flood a slow terminal: ten times a second is plenty.
      const now = performance.now();
      if (now - last < 100 && p.done !== p.found) return;
      last = now;
      draw(p);
    },
    done() {
      stream.write('\r\u001b[2K');
    },
  };
}

function spokeCell(a: AccountStatus): string {
  const bad = a.spoke.filter((s) => s.status !== 'CURRENT');
  if (a.spoke.length === 0) return 'unknown';
  if (bad.length === 0) return `ok (${a.spoke.length})`;
  return bad.map((s) => `${s.region}:${s.status.toLowerCase()}`).join(' ');
}

/** The status table: one row per account. */
export function statusTable(accounts: readonly AccountStatus[]): string[] {
  const rows = accounts.map((a) => [
    a.accountId,
    (a.name || '-').slice(0, 24),
    a.state === 'ACTIVE' ? a.kind : a.state.toLowerCase(),
    (a.ouNames.slice(1).join('/') || 'Root').slice(0, 28),
    spokeCell(a),
    a.role.state,
    `${a.mode.mode} (${a.mode.source})`,
    a.lastEvent ? `${a.lastEvent.receivedAt.slice(0, 16)}Z ${a.lastEvent.kind ?? ''}`.trim() : '-',
    a.checked ? '' : `! ${a.problems.join('; ')}`,
  ]);
  const header = ['ACCOUNT', 'NAME', 'KIND', 'OU', 'SPOKE', 'ROLE', 'MODE', 'LAST EVENT', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Asks a yes/no question on the terminal; false unless the answer starts with y. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
