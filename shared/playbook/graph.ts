/**
 * The graph of a compiled playbook: what the state machine really runs (Choice rules, Catch edges, the
 * failure-handler chain, Parallel branches and Map bodies as nested scopes). The Mermaid flowchart
 * (./mermaid.ts) and the console's SVG are both drawn from this one model.
 */
import type { CompiledPlaybook } from '../deploy-model.ts';
import type { JsonObject } from './model.ts';
import { WAIT_FOR_TASK_TOKEN_RESOURCE } from './model.ts';
import { isObject } from './validator.ts';

/** How a state is drawn. */
export type NodeShape =
  /** A Lambda or service Task. */
  | 'task'
  /** A Task that parks the execution until a person answers (`.waitForTaskToken`). */
  | 'human'
  | 'choice'
  /** Wait or Pass. */
  | 'light'
  /** Succeed or Fail: the execution (or branch) ends here. */
  | 'terminal'
  /** Parallel or Map: holds bodies. */
  | 'container';

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphEdge {
  readonly kind: EdgeKind;
  /** Node ids. `to` may name a state that does not exist (an invalid definition): no node has that id then. */
  readonly from: string;
  readonly to: string;
  /** The target state's name. */
  readonly toState: string;
  /** For `choice`: the rule in one line; for `catch`: the errors caught. */
  readonly label?: string;
}

export interface GraphNode {
  /** Stable id, unique in the graph and safe in Mermaid and SVG (`s<n>_<name>`). */
  readonly id: string;
  /** The state's name (unique in a state machine, nested states included). */
  readonly state: string;
  /** ASL `Type` (as written; `?` when missing). */
  readonly type: string;
  readonly shape: NodeShape;
  /** Key of the scope it is in: `` for the top level, `<parent scope>/<Parallel or Map>#<i>` below. */
  readonly scope: string;
  /** Outgoing edges, in order: Next, each Choice rule, Default, each Catch. */
  readonly edges: readonly GraphEdge[];
  /** For a Parallel (one per branch) or a Map (its item processor). */
  readonly bodies?: readonly GraphBody[];
}

export interface GraphBody {
  /** `<container id>_body<i>`. */
  readonly id: string;
  /** `branch <i+1>` or `for each item`. */
  readonly title: string;
  /** Undefined when the body has no States/StartAt (an invalid definition). */
  readonly scope?: GraphScope;
}

export interface GraphScope {
  readonly key: string;
  /** Node id of the scope's start marker. */
  readonly entryId: string;
  /** Node id of the StartAt state. */
  readonly startId: string;
  readonly startAt: string;
  /** States in definition order. */
  readonly nodes: readonly GraphNode[];
}

export interface PlaybookGraph {
  readonly name: string;
  /** Undefined when the definition has no States/StartAt. */
  readonly root?: GraphScope;
}

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

function shapeOf(def: JsonObject): NodeShape {
  const type = def.Type;
  if (type === 'Parallel' || type === 'Map') return 'container';
  if (type === 'Choice') return 'choice';
  if (type === 'Succeed' || type === 'Fail') return 'terminal';
  if (type === 'Task' && def.Resource === WAIT_FOR_TASK_TOKEN_RESOURCE) return 'human';
  if (type === 'Wait' || type === 'Pass') return 'light';
  return 'task';
}

/** Builds the graph; ids are handed out in a fixed walk order, so they are stable for a definition. */
class GraphBuilder {
  private readonly ids = new Map<string, string>();

  id(scope: string, name: string): string {
    const key = `${scope}/${name}`;
    let id = this.ids.get(key);
    if (!id) {
      id = `s${this.ids.size}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 60);
      this.ids.set(key, id);
    }
    return id;
  }

  scope(states: JsonObject, startAt: string, key: string, entryId: string): GraphScope {
    const startId = this.id(key, startAt);
    const nodes: GraphNode[] = [];
    for (const [name, def] of Object.entries(states)) {
      if (isObject(def)) nodes.push(this.node(name, def, key));
    }
    return { key, entryId, startId, startAt, nodes };
  }

  node(name: string, def: JsonObject, scope: string): GraphNode {
    const id = this.id(scope, name);
    const type = typeof def.Type === 'string' ? def.Type : '?';
    const shape = shapeOf(def);
    let bodies: GraphBody[] | undefined;
    if (shape === 'container') {
      const defs =
        type === 'Parallel'
          ? (Array.isArray(def.Branches) ? def.Branches : []).filter(isObject)
          : [def.ItemProcessor ?? def.Iterator].filter(isObject);
      bodies = defs.map((body, i) => {
        const bodyId = `${id}_body${i}`;
        const title = type === 'Parallel' ? `branch ${i + 1}` : 'for each item';
        if (!isObject(body.States) || typeof body.StartAt !== 'string') return { id: bodyId, title };
        return {
          id: bodyId,
          title,
          scope: this.scope(body.States, body.StartAt, `${scope}/${name}#${i}`, `${bodyId}_start`),
        };
      });
    }
    const edges: GraphEdge[] = [];
    const edge = (kind: EdgeKind, to: string, label?: string) =>
      edges.push({ kind, from: id, to: this.id(scope, to), toState: to, ...(label !== undefined ? { label } : {}) });
    if (typeof def.Next === 'string') edge('next', def.Next);
    if (Array.isArray(def.Choices)) {
      for (const rule of def.Choices) {
        if (isObject(rule) && typeof rule.Next === 'string') edge('choice', rule.Next, describeChoiceRule(rule));
      }
    }
    if (typeof def.Default === 'string') edge('default', def.Default);
    if (Array.isArray(def.Catch)) {
      for (const catcher of def.Catch) {
        if (isObject(catcher) && typeof catcher.Next === 'string') {
          edge('catch', catcher.Next, Array.isArray(catcher.ErrorEquals) ? catcher.ErrorEquals.join(', ') : '?');
        }
      }
    }
    return { id, state: name, type, shape, scope, edges, ...(bodies ? { bodies } : {}) };
  }
}

/** The graph of a compiled playbook. */
export function playbookGraph(compiled: CompiledPlaybook): PlaybookGraph {
  const def = compiled.definition;
  if (!isObject(def.States) || typeof def.StartAt !== 'string') return { name: compiled.name };
  return { name: compiled.name, root: new GraphBuilder().scope(def.States, def.StartAt, '', 'start') };
}

/** Every node of the graph, nested ones included, in walk order. */
export function graphNodes(graph: PlaybookGraph): GraphNode[] {
  const out: GraphNode[] = [];
  const walk = (scope: GraphScope) => {
    for (const node of scope.nodes) {
      out.push(node);
      for (const body of node.bodies ?? []) if (body.scope) walk(body.scope);
    }
  };
  if (graph.root) walk(graph.root);
  return out;
}
