/**
 * Mermaid flowchart of a compiled playbook: what the state machine really runs, including Choice conditions,
 * Catch edges (dashed), the failure-handler chain, and Parallel/Map bodies as subgraphs.
 */
import type { CompiledPlaybook } from '../deploy-model.ts';
import type { JsonObject } from './model.ts';
import { WAIT_FOR_TASK_TOKEN_RESOURCE } from './model.ts';
import { isObject } from './validator.ts';

const COMPARISONS: Record<string, string> = {
  Equals: '==',
  LessThan: '<',
  GreaterThan: '>',
  LessThanEquals: '<=',
  GreaterThanEquals: '>=',
};

/** Describes a choice rule in one line, e.g. `$.results.Ask.answer == "yes"`. */
export function describeChoiceRule(rule: unknown): string {
  if (!isObject(rule)) return '?';
  if (Array.isArray(rule.And)) return rule.And.map((r) => `(${describeChoiceRule(r)})`).join(' and ');
  if (Array.isArray(rule.Or)) return rule.Or.map((r) => `(${describeChoiceRule(r)})`).join(' or ');
  if (rule.Not !== undefined) return `not (${describeChoiceRule(rule.Not)})`;
  const variable = String(rule.Variable ?? '?');
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || key === 'Next' || key === 'Comment') continue;
    const shown = typeof value === 'string' && !key.endsWith('Path') ? JSON.stringify(value) : String(value);
    const m =
      /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals)(Path)?$/.exec(
        key,
      );
    if (m) return `${variable} ${COMPARISONS[m[2] as string]} ${shown}`;
    if (key === 'StringMatches') return `${variable} matches ${shown}`;
    if (key.startsWith('Is')) return `${variable} ${key} ${String(value)}`;
  }
  return variable;
}

class MermaidWriter {
  readonly lines: string[] = ['flowchart TD'];
  private readonly ids = new Map<string, string>();

  /** A stable, Mermaid-safe node id for a state (names may hold spaces and punctuation). */
  id(scope: string, name: string): string {
    const key = `${scope}/${name}`;
    let id = this.ids.get(key);
    if (!id) {
      id = `s${this.ids.size}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 60);
      this.ids.set(key, id);
    }
    return id;
  }

  scope(states: JsonObject, startAt: string, scope: string, indent: string, entry: string): void {
    this.lines.push(`${indent}${entry} --> ${this.id(scope, startAt)}`);
    for (const [name, def] of Object.entries(states)) {
      if (isObject(def)) this.state(name, def, scope, indent);
    }
  }

  state(name: string, def: JsonObject, scope: string, indent: string): void {
    const id = this.id(scope, name);
    const text = label(name);
    const type = def.Type;
    if (type === 'Parallel' || type === 'Map') {
      const bodies =
        type === 'Parallel'
          ? (Array.isArray(def.Branches) ? def.Branches : []).filter(isObject)
          : [def.ItemProcessor ?? def.Iterator].filter(isObject);
      this.lines.push(`${indent}${id}[["${text} (${type})"]]`);
      bodies.forEach((body, i) => {
        const sub = `${id}_body${i}`;
        const title = type === 'Parallel' ? `branch ${i + 1}` : 'for each item';
        this.lines.push(`${indent}subgraph ${sub} ["${label(name)}: ${title}"]`);
        if (isObject(body.States) && typeof body.StartAt === 'string') {
          this.scope(body.States, body.StartAt, `${scope}/${name}#${i}`, `${indent}  `, `${sub}_start(("start"))`);
        }
        this.lines.push(`${indent}end`);
        this.lines.push(`${indent}${id} --> ${sub}`);
      });
    } else if (type === 'Choice') {
      this.lines.push(`${indent}${id}{"${text}"}`);
    } else if (type === 'Succeed' || type === 'Fail') {
      this.lines.push(`${indent}${id}(["${text} (${type})"])`);
    } else if (type === 'Task' && def.Resource === WAIT_FOR_TASK_TOKEN_RESOURCE) {
      this.lines.push(`${indent}${id}[/"${text} (waits for a human)"/]`);
    } else if (type === 'Wait' || type === 'Pass') {
      this.lines.push(`${indent}${id}("${text} (${type})")`);
    } else {
      this.lines.push(`${indent}${id}["${text}"]`);
    }
    if (typeof def.Next === 'string') this.lines.push(`${indent}${id} --> ${this.id(scope, def.Next)}`);
    if (Array.isArray(def.Choices)) {
      for (const rule of def.Choices) {
        if (isObject(rule) && typeof rule.Next === 'string') {
          this.lines.push(`${indent}${id} -->|"${label(describeChoiceRule(rule))}"| ${this.id(scope, rule.Next)}`);
        }
      }
    }
    if (typeof def.Default === 'string') this.lines.push(`${indent}${id} -->|default| ${this.id(scope, def.Default)}`);
    if (Array.isArray(def.Catch)) {
      for (const catcher of def.Catch) {
        if (isObject(catcher) && typeof catcher.Next === 'string') {
          const errors = Array.isArray(catcher.ErrorEquals) ? catcher.ErrorEquals.join(', ') : '?';
          this.lines.push(`${indent}${id} -.->|"${label(errors)}"| ${this.id(scope, catcher.Next)}`);
        }
      }
    }
  }
}

/** Escapes text for a double-quoted Mermaid label. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/[\r\n]+/g, ' ');
}

/** Prints a compiled playbook as a Mermaid flowchart (`flowchart TD`). */
export function playbookToMermaid(compiled: CompiledPlaybook): string {
  const writer = new MermaidWriter();
  const def = compiled.definition;
  if (isObject(def.States) && typeof def.StartAt === 'string') {
    writer.scope(def.States, def.StartAt, '', '  ', `start(("${label(compiled.name)}"))`);
  }
  return `${writer.lines.join('\n')}\n`;
}
