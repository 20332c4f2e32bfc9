/** @jsxImportSource hono/jsx */
/**
 * The playbook graph (shared/playbook/graph.ts, the model the Mermaid output uses) as an inline SVG: a layered
 * layout per scope (longest path from the start marker, back edges drawn round the side), Parallel and Map
 * bodies laid out inside their state's box. Labels go through hono/jsx, so a state name is text, never markup.
 * No inline styles (the console's CSP forbids them): classes only, styled by console.css.
 */
import type { GraphEdge, GraphNode, GraphScope, PlaybookGraph } from '../../shared/playbook/graph.ts';

/** What an execution did, to highlight on the graph. */
export interface GraphPath {
  /** State names in the order they were entered. */
  readonly steps: readonly string[];
  /** States whose last attempt failed. */
  readonly failed?: ReadonlySet<string>;
  /** The state the execution is parked on, waiting for a person. */
  readonly waiting?: string;
}

const NODE_H = 34;
const ENTRY_R = 8;
const ROW_GAP = 46;
const COL_GAP = 26;
const PAD = 14;
const HEADER = 26;
const BODY_GAP = 16;
const BACK_MARGIN = 34;
const MAX_LABEL = 34;
/** Edge labels are shorter (the whole rule is in the label's tooltip). */
const MAX_EDGE_LABEL = 26;

interface Point {
  readonly x: number;
  readonly y: number;
}

/** A laid-out item relative to its scope's top-left corner. */
interface Placed {
  readonly id: string;
  readonly node?: GraphNode;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly inner?: ReadonlyArray<{
    readonly title: string;
    readonly x: number;
    readonly y: number;
    readonly layout?: Layout;
  }>;
}

interface Layout {
  readonly w: number;
  readonly h: number;
  readonly placed: ReadonlyMap<string, Placed>;
  readonly edges: ReadonlyArray<{
    readonly edge: GraphEdge | { kind: 'start'; from: string; to: string; toState: string };
    readonly back: boolean;
  }>;
  readonly scope: GraphScope;
}

function shortLabel(text: string, max = MAX_LABEL): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The point at `t` of a cubic Bézier curve. */
function cubicAt(p0: Point, p1: Point, p2: Point, p3: Point, t: number): Point {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * p0.x + b * p1.x + c * p2.x + d * p3.x, y: a * p0.y + b * p1.y + c * p2.y + d * p3.y };
}

function labelOf(node: GraphNode): string {
  if (node.shape === 'container' || node.shape === 'terminal' || node.shape === 'light') {
    return `${node.state} (${node.type})`;
  }
  return node.state;
}

function nodeWidth(node: GraphNode): number {
  return Math.max(96, Math.min(260, shortLabel(labelOf(node)).length * 7 + 28));
}

function layoutScope(scope: GraphScope): Layout {
  const byId = new Map(scope.nodes.map((n) => [n.id, n]));
  const ids = [scope.entryId, ...scope.nodes.map((n) => n.id)];
  type AnyEdge = Layout['edges'][number]['edge'];
  const out = new Map<string, AnyEdge[]>(ids.map((id) => [id, []]));
  out.get(scope.entryId)?.push({ kind: 'start', from: scope.entryId, to: scope.startId, toState: scope.startAt });
  for (const node of scope.nodes) {
    for (const edge of node.edges) if (byId.has(edge.to)) out.get(node.id)?.push(edge);
  }

  // Depth-first from the start marker (then from any state it does not reach), in edge order: back edges are
  // the ones that reach a state still on the stack.
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<AnyEdge>();
  const post: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'open');
    for (const edge of out.get(id) ?? []) {
      const s = state.get(edge.to);
      if (s === 'open') back.add(edge);
      else if (s === undefined) visit(edge.to);
    }
    state.set(id, 'done');
    post.push(id);
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  const discovery = new Map([...post].reverse().map((id, i) => [id, i]));

  // Longest path layering over the forward edges, in topological order.
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const id of [...post].reverse()) {
    for (const edge of out.get(id) ?? []) {
      if (back.has(edge)) continue;
      layer.set(edge.to, Math.max(layer.get(edge.to) ?? 0, (layer.get(id) ?? 0) + 1));
    }
  }
  const rows: string[][] = [];
  for (const id of ids) {
    const l = layer.get(id) ?? 0;
    rows[l] ??= [];
    rows[l].push(id);
  }

  // Sizes (containers hold their bodies' layouts side by side).
  const inner = new Map<string, { w: number; h: number; bodies: Placed['inner'] }>();
  const size = (id: string): { w: number; h: number } => {
    if (id === scope.entryId) return { w: ENTRY_R * 2, h: ENTRY_R * 2 };
    const node = byId.get(id) as GraphNode;
    if (node.shape !== 'container') return { w: nodeWidth(node), h: NODE_H };
    const known = inner.get(id);
    if (known) return known;
    let x = PAD;
    let h = 0;
    const bodies = (node.bodies ?? []).map((body) => {
      const layout = body.scope ? layoutScope(body.scope) : undefined;
      const w = Math.max(layout?.w ?? 0, body.title.length * 7 + 2 * PAD);
      const placed = { title: body.title, x, y: HEADER + 18, ...(layout ? { layout } : {}) };
      x += w + BODY_GAP;
      h = Math.max(h, (layout?.h ?? 0) + 18);
      return placed;
    });
    const w = Math.max(nodeWidth(node), x - BODY_GAP + PAD);
    const entry = { w, h: HEADER + h + PAD + 18, bodies };
    inner.set(id, entry);
    return entry;
  };

  // Order within each row by the mean position of its neighbours in the row above (then below, then above again:
  // the barycenter heuristic), rows being centred, ties kept in discovery order.
  const column = new Map<string, number>();
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const [from, edges] of out) {
    for (const edge of edges) {
      if (back.has(edge)) continue;
      preds.set(edge.to, [...(preds.get(edge.to) ?? []), from]);
      succs.set(from, [...(succs.get(from) ?? []), edge.to]);
    }
  }
  const place = (row: string[]) => {
    row.forEach((id, i) => {
      column.set(id, i - (row.length - 1) / 2);
    });
  };
  const sweep = (order: readonly (string[] | undefined)[], neighbours: Map<string, string[]>) => {
    for (const row of order) {
      if (!row) continue;
      const key = (id: string) => {
        const p = (neighbours.get(id) ?? []).map((q) => column.get(q)).filter((v): v is number => v !== undefined);
        return p.length ? p.reduce((a, b) => a + b, 0) / p.length : (column.get(id) ?? Number.POSITIVE_INFINITY);
      };
      const keys = new Map(row.map((id) => [id, key(id)]));
      row.sort(
        (a, b) =>
          (keys.get(a) ?? 0) - (keys.get(b) ?? 0) ||
          (column.get(a) ?? 0) - (column.get(b) ?? 0) ||
          (discovery.get(a) ?? 0) - (discovery.get(b) ?? 0),
      );
      place(row);
    }
  };
  for (const row of rows) if (row) row.sort((a, b) => (discovery.get(a) ?? 0) - (discovery.get(b) ?? 0));
  for (const row of rows) if (row) place(row);
  sweep(rows, preds);
  sweep([...rows].reverse(), succs);
  sweep(rows, preds);

  const widths = rows.map(
    (row) => (row ?? []).reduce((sum, id) => sum + size(id).w, 0) + COL_GAP * ((row?.length ?? 1) - 1),
  );
  const hasBack = back.size > 0;
  const contentW = Math.max(0, ...widths);
  const w = contentW + 2 * PAD + (hasBack ? BACK_MARGIN : 0);
  const placed = new Map<string, Placed>();
  let y = PAD;
  rows.forEach((row, i) => {
    if (!row) return;
    const rowH = Math.max(...row.map((id) => size(id).h));
    let x = PAD + (contentW - (widths[i] ?? 0)) / 2;
    for (const id of row) {
      const s = size(id);
      const node = byId.get(id);
      const bodies = inner.get(id)?.bodies;
      placed.set(id, {
        id,
        x,
        y: y + (rowH - s.h) / 2,
        w: s.w,
        h: s.h,
        ...(node ? { node } : {}),
        ...(bodies ? { inner: bodies } : {}),
      });
      x += s.w + COL_GAP;
    }
    y += rowH + ROW_GAP;
  });
  const edges = [...out.values()].flat().map((edge) => ({ edge, back: back.has(edge) }));
  return { w, h: y - ROW_GAP + PAD, placed, edges, scope };
}

/** Whether the execution went from `from` to `to`: both entered, `to` some time after `from`. */
function took(path: GraphPath | undefined, from: string | undefined, to: string): boolean {
  if (!path) return false;
  const toAt = path.steps.lastIndexOf(to);
  if (toAt < 0) return false;
  if (from === undefined) return true;
  const fromAt = path.steps.indexOf(from);
  return fromAt >= 0 && fromAt < toAt;
}

function edgePath(a: Placed, b: Placed, back: boolean, scopeW: number): { d: string; mid: Point } {
  if (back) {
    const x1 = a.x + a.w;
    const y1 = a.y + a.h / 2;
    const x2 = b.x + b.w;
    const y2 = b.y + b.h / 2;
    const side = scopeW - PAD / 2;
    return { d: `M${x1},${y1} C${side},${y1} ${side},${y2} ${x2 + 6},${y2}`, mid: { x: side - 4, y: (y1 + y2) / 2 } };
  }
  const x1 = a.x + a.w / 2;
  const y1 = a.y + a.h;
  const x2 = b.x + b.w / 2;
  const y2 = b.y - 6;
  const dy = Math.max(20, (y2 - y1) / 2);
  // The label sits nearer the target, where the edges fanning out of one Choice are apart.
  const at = cubicAt({ x: x1, y: y1 }, { x: x1, y: y1 + dy }, { x: x2, y: y2 - dy }, { x: x2, y: y2 }, 0.72);
  return { d: `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`, mid: at };
}

function Shape(props: { p: Placed }) {
  const { p } = props;
  const node = p.node as GraphNode;
  switch (node.shape) {
    case 'choice': {
      const k = 12;
      const pts = `${p.x + k},${p.y} ${p.x + p.w - k},${p.y} ${p.x + p.w},${p.y + p.h / 2} ${p.x + p.w - k},${p.y + p.h} ${p.x + k},${p.y + p.h} ${p.x},${p.y + p.h / 2}`;
      return <polygon class="shape" points={pts} />;
    }
    case 'human': {
      const k = 10;
      const pts = `${p.x + k},${p.y} ${p.x + p.w},${p.y} ${p.x + p.w - k},${p.y + p.h} ${p.x},${p.y + p.h}`;
      return <polygon class="shape" points={pts} />;
    }
    case 'terminal':
      return <rect class="shape" x={p.x} y={p.y} width={p.w} height={p.h} rx={p.h / 2} />;
    case 'light':
      return <rect class="shape" x={p.x} y={p.y} width={p.w} height={p.h} rx={10} />;
    case 'container':
      return <rect class="shape" x={p.x} y={p.y} width={p.w} height={p.h} rx={6} />;
    default:
      return <rect class="shape" x={p.x} y={p.y} width={p.w} height={p.h} rx={3} />;
  }
}

function Scope(props: { layout: Layout; dx: number; dy: number; path?: GraphPath | undefined; marker: string }) {
  const { layout, path } = props;
  const stateOf = (id: string) => layout.placed.get(id)?.node?.state;
  return (
    <g transform={`translate(${props.dx},${props.dy})`}>
      {layout.edges.map(({ edge, back }) => {
        const a = layout.placed.get(edge.from);
        const b = layout.placed.get(edge.to);
        if (!a || !b) return null;
        const { d, mid } = edgePath(a, b, back, layout.w);
        const visited = took(path, stateOf(edge.from), edge.toState);
        // Catch edges (every Task has one to the failure handler) are faint and unlabelled unless taken.
        const label =
          edge.kind === 'catch' && !visited
            ? undefined
            : edge.kind === 'default'
              ? 'default'
              : 'label' in edge
                ? edge.label
                : undefined;
        return (
          <g
            class={`edge edge-${edge.kind}${visited ? ' visited' : ''}`}
            data-from={stateOf(edge.from) ?? 'start'}
            data-to={edge.toState}
            data-kind={edge.kind}
            data-visited={visited ? 'true' : 'false'}
          >
            <path d={d} marker-end={`url(#${props.marker}${visited ? '-on' : ''})`} />
            {label ? (
              <text x={mid.x} y={mid.y} text-anchor="middle" class="edge-label">
                <title>{label}</title>
                {shortLabel(label, MAX_EDGE_LABEL)}
              </text>
            ) : null}
          </g>
        );
      })}
      {[...layout.placed.values()].map((p) => {
        if (!p.node) {
          return <circle class="entry" cx={p.x + ENTRY_R} cy={p.y + ENTRY_R} r={ENTRY_R} />;
        }
        const node = p.node;
        const visited = path?.steps.includes(node.state) ?? false;
        const failed = path?.failed?.has(node.state) ?? false;
        const waiting = path?.waiting === node.state;
        const classes = ['node', `node-${node.shape}`, visited && 'visited', failed && 'failed', waiting && 'waiting']
          .filter(Boolean)
          .join(' ');
        const container = node.shape === 'container';
        return (
          <g
            class={classes}
            data-testid="graph-node"
            data-state={node.state}
            data-type={node.type}
            data-visited={visited ? 'true' : 'false'}
            data-failed={failed ? 'true' : undefined}
            data-waiting={waiting ? 'true' : undefined}
          >
            <title>{`${node.state} (${node.shape === 'human' ? 'waits for a human' : node.type})${failed ? ': failed' : ''}${waiting ? ': waiting' : ''}`}</title>
            <Shape p={p} />
            <text
              x={p.x + p.w / 2}
              y={container ? p.y + HEADER / 2 + 5 : p.y + p.h / 2 + 4}
              text-anchor="middle"
              class="node-label"
            >
              {shortLabel(labelOf(node))}
            </text>
            {(p.inner ?? []).map((body) => (
              <g class="body">
                <text x={p.x + body.x} y={p.y + body.y - 4} class="body-title">
                  {body.title}
                </text>
                {body.layout ? (
                  <Scope
                    layout={body.layout}
                    dx={p.x + body.x - PAD}
                    dy={p.y + body.y}
                    path={path}
                    marker={props.marker}
                  />
                ) : null}
              </g>
            ))}
          </g>
        );
      })}
    </g>
  );
}

/** The arrowhead an edge ends with (`class` styles it: taken or not). */
function ArrowMarker(props: { id: string; class: string }) {
  return (
    <marker
      id={props.id}
      viewBox="0 0 10 10"
      refX="9"
      refY="5"
      markerUnits="userSpaceOnUse"
      markerWidth="9"
      markerHeight="9"
      orient="auto"
    >
      <path d="M0,0 L10,5 L0,10 z" class={props.class} />
    </marker>
  );
}

/** The graph as an inline `<svg data-testid="graph">`; with a path, the states and edges taken are highlighted. */
export function GraphSvg(props: { graph: PlaybookGraph; path?: GraphPath | undefined; idPrefix?: string }) {
  const marker = `${props.idPrefix ?? 'g'}-arrow`;
  if (!props.graph.root) {
    return (
      <svg data-testid="graph" class="graph" width="200" height="30" role="img" aria-label="empty playbook">
        <text x="4" y="20">
          no states
        </text>
      </svg>
    );
  }
  const layout = layoutScope(props.graph.root);
  return (
    <svg
      data-testid="graph"
      class="graph"
      xmlns="http://www.w3.org/2000/svg"
      width={layout.w}
      height={layout.h}
      viewBox={`0 0 ${layout.w} ${layout.h}`}
      role="img"
      aria-label={`graph of playbook ${props.graph.name}`}
    >
      <defs>
        <ArrowMarker id={marker} class="arrow" />
        <ArrowMarker id={`${marker}-on`} class="arrow arrow-on" />
      </defs>
      <Scope layout={layout} dx={0} dy={0} path={props.path} marker={marker} />
    </svg>
  );
}
