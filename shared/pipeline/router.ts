import type { CompiledPlaybook } from '../deploy-model.ts';
import { type CompiledPattern, compileEventPattern } from '../event-pattern/index.ts';

/** Routes an EventBridge event to every playbook whose `Triggers` match it. */
export interface Router {
  /** Names of the matching playbooks, each once, in playbook order. */
  route(event: unknown): string[];
  readonly playbooks: readonly string[];
}

/** Compiles every playbook's triggers once; matching is then pure and allocation-light. */
export function createRouter(playbooks: readonly Pick<CompiledPlaybook, 'name' | 'triggers'>[]): Router {
  const compiled: Array<{ name: string; patterns: CompiledPattern[] }> = playbooks.map((p) => ({
    name: p.name,
    patterns: p.triggers.map((t) => compileEventPattern(t)),
  }));
  return {
    playbooks: compiled.map((c) => c.name),
    route(event: unknown): string[] {
      const out: string[] = [];
      for (const p of compiled) {
        if (p.patterns.some((pattern) => pattern.matches(event))) out.push(p.name);
      }
      return out;
    },
  };
}
