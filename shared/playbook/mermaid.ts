/**
 * Mermaid flowchart of a compiled playbook: what the state machine really runs, including Choice conditions,
 * Catch edges (dashed), the failure-handler chain, and Parallel/Map bodies as subgraphs.
 */
import type { CompiledPlaybook } from '../deploy-model.ts';
import { type GraphNode, type GraphScope, playbookGraph } from './graph.ts';

export { describeChoiceRule } from './graph.ts';

function scopeLines(lines: string[], scope: GraphScope, indent: string, entry: string): void {
  lines.push(`${indent}${entry} --> ${scope.startId}`);
  for (const node of scope.nodes) nodeLines(lines, node, indent);
}

function nodeLines(lines: string[], node: GraphNode, indent: string): void {
  const { id, type } = node;
  const text = label(node.state);
  switch (node.shape) {
    case 'container':
      lines.push(`${indent}${id}[["${text} (${type})"]]`);
      for (const body of node.bodies ?? []) {
        lines.push(`${indent}subgraph ${body.id} ["${text}: ${body.title}"]`);
        if (body.scope) scopeLines(lines, body.scope, `${indent}  `, `${body.scope.entryId}(("start"))`);
        lines.push(`${indent}end`);
        lines.push(`${indent}${id} --> ${body.id}`);
      }
      break;
    case 'choice':
      lines.push(`${indent}${id}{"${text}"}`);
      break;
    case 'terminal':
      lines.push(`${indent}${id}(["${text} (${type})"])`);
      break;
    case 'human':
      lines.push(`${indent}${id}[/"${text} (waits for a human)"/]`);
      break;
    case 'light':
      lines.push(`${indent}${id}("${text} (${type})")`);
      break;
    default:
      lines.push(`${indent}${id}["${text}"]`);
  }
  for (const edge of node.edges) {
    if (edge.kind === 'next') lines.push(`${indent}${id} --> ${edge.to}`);
    else if (edge.kind === 'choice') lines.push(`${indent}${id} -->|"${label(edge.label ?? '')}"| ${edge.to}`);
    else if (edge.kind === 'default') lines.push(`${indent}${id} -->|default| ${edge.to}`);
    else lines.push(`${indent}${id} -.->|"${label(edge.label ?? '')}"| ${edge.to}`);
  }
}

/** Escapes text for a double-quoted Mermaid label. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/[\r\n]+/g, ' ');
}

/** Prints a compiled playbook as a Mermaid flowchart (`flowchart TD`). */
export function playbookToMermaid(compiled: CompiledPlaybook): string {
  const lines = ['flowchart TD'];
  const graph = playbookGraph(compiled);
  if (graph.root) scopeLines(lines, graph.root, '  ', `start(("${label(compiled.name)}"))`);
  return `${lines.join('\n')}\n`;
}
