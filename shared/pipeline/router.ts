import type { CompiledPlaybook } from '../deploy-model.ts';
import { type CompiledPattern, compileEventPattern } from '../event-pattern/index.ts';

/**
 * The playbook that answers security findings no specific playbook claims (it notifies the SOC). It runs only
 * when it is the only match, so every forwarded finding gets a response and none gets two triages.
 */
export const FALLBACK_PLAYBOOK = 'triage-notify';

/** Routes an EventBridge event to every playbook whose `Triggers` match it. */
export interface Router {
  /** Names of the matching playbooks, each once, in playbook order. */
  route(event: unknown): string[];
  readonly playbooks: readonly string[];
}

/**
 * Compiles every playbook's triggers once; matching is then pure and allocation-light. The
 * {@link FALLBACK_PLAYBOOK} (or `options.fallback`) is routed to only when no other playbook matches.
 */
export function createRouter(
  playbooks: readonly Pick<CompiledPlaybook, 'name' | 'triggers'>[],
  options: { readonly fallback?: string } = {},
): Router {
  const fallbackName = options.fallback ?? FALLBACK_PLAYBOOK;
  const compile = (p: Pick<CompiledPlaybook, 'name' | 'triggers'>) => ({
    name: p.name,
    patterns: p.triggers.map((t) => compileEventPattern(t)),
  });
  const compiled: Array<{ name: string; patterns: CompiledPattern[] }> = playbooks
    .filter((p) => p.name !== fallbackName)
    .map(compile);
  const found = playbooks.find((p) => p.name === fallbackName);
  const fallback = found ? compile(found) : undefined;
  return {
    playbooks: playbooks.map((p) => p.name),
    route(event: unknown): string[] {
      const out: string[] = [];
      for (const p of compiled) {
        if (p.patterns.some((pattern) => pattern.matches(event))) out.push(p.name);
      }
      if (out.length === 0 && fallback?.patterns.some((pattern) => pattern.matches(event))) out.push(fallback.name);
      return out;
    },
  };
}
