import { edgeLines, edgeText } from './edge-text';
import type { EdgeView, ServiceView } from './types';

interface Node {
  readonly id: string;
  readonly x: number;
  readonly y: number;
}

// The lab's topology (docs/architecture.md), laid out left to right as a message travels: the
// gateway produces to Kafka, bot, worker and data-service consume, the worker calls the provider.
const NODES: readonly Node[] = [
  { id: 'token-dealer', x: 20, y: 20 },
  { id: 'gateway', x: 20, y: 210 },
  { id: 'kafka', x: 420, y: 210 },
  { id: 'data-service', x: 420, y: 420 },
  { id: 'bot', x: 860, y: 40 },
  { id: 'worker', x: 860, y: 300 },
  { id: 'provider', x: 860, y: 460 },
];
const WIDTH = 180;
const HEIGHT = 70;
const VIEW = { width: 1060, height: 550 };

/**
 * Where a lone edge's label goes: `side` 1 is the left of the direction of travel, -1 the right;
 * `at` is how far along the line (0.5 the middle). Both ways of a pair are labelled on their own left
 * (their `side` is not taken).
 */
const LABEL_PLACES: Readonly<Record<string, { side?: 1 | -1; at?: number }>> = {
  'gateway->token-dealer': { side: -1 },
  'gateway->data-service': { side: -1 },
  'kafka->data-service': { at: 0.7 },
  // Kafka → worker falls to the right: its label, above the line, sits where the line is lowest.
  'kafka->worker': { at: 0.62 },
  'worker->provider': { side: -1 },
};

const READINESS_TEXT: Record<ServiceView['readiness'], string> = {
  ready: 'ready',
  'not-ready': 'not ready',
  down: 'down',
};

interface Point {
  readonly x: number;
  readonly y: number;
}

function centre(id: string): Point {
  const node = NODES.find((n) => n.id === id) ?? { x: 0, y: 0 };
  return { x: node.x + WIDTH / 2, y: node.y + HEIGHT / 2 };
}

/** Where the line from a box's centre towards `towards` leaves the box (plus a gap for the arrowhead). */
function border(from: Point, towards: Point, gap: number): Point {
  const dx = towards.x - from.x;
  const dy = towards.y - from.y;
  const t = Math.min(dx === 0 ? Infinity : WIDTH / 2 / Math.abs(dx), dy === 0 ? Infinity : HEIGHT / 2 / Math.abs(dy));
  const length = Math.hypot(dx, dy) || 1;
  return { x: from.x + dx * t + (dx / length) * gap, y: from.y + dy * t + (dy / length) * gap };
}

/**
 * An edge's line and label position. A pair drawn both ways (Kafka ⇄ bot) gets two parallel lines,
 * each labelled on its own side; a label's anchor and lines follow the side it sits on.
 */
function geometry(edge: EdgeView, paired: boolean) {
  const a = centre(edge.from);
  const b = centre(edge.to);
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  // The left-hand normal of the direction of travel: each direction of a pair takes its own side.
  const nx = dy / length;
  const ny = -dx / length;
  const shift = paired ? 7 : 0;
  const start = border(a, b, 2);
  const end = border(b, a, 6);
  const line = {
    x1: start.x + nx * shift,
    y1: start.y + ny * shift,
    x2: end.x + nx * shift,
    y2: end.y + ny * shift,
  };
  const place = LABEL_PLACES[edge.id] ?? {};
  const side = paired ? 1 : (place.side ?? 1);
  const at = place.at ?? 0.5;
  const sx = nx * side;
  const sy = ny * side;
  const x = line.x1 + (line.x2 - line.x1) * at + sx * 16;
  const y = line.y1 + (line.y2 - line.y1) * at + sy * 16;
  const anchor = sx > 0.35 ? 'start' : sx < -0.35 ? 'end' : 'middle';
  // Two lines of text: above the point when the label sits above the line, below when below.
  const firstY = sy < -0.35 ? y - 18 : sy > 0.35 ? y + 12 : y - 4;
  return { line, label: { x, firstY, anchor } as const };
}

/**
 * The services as a graph: each box says its readiness in words (and by its border: solid green
 * ready, dashed orange not ready, dotted red down) and names any breaker that is not closed; each
 * arrow says what flows along it, how fast and what share fails. Kafka's own health is not read by
 * the console: its box says so.
 */
export function ServicesGraph({ services, edges }: { services: readonly ServiceView[]; edges: readonly EdgeView[] }) {
  const byName = new Map(services.map((s) => [s.service, s]));
  const ids = new Set(edges.map((e) => e.id));
  const summary = [
    ...services.map(
      (s) =>
        `${s.service} ${READINESS_TEXT[s.readiness]}${s.breakers.map((b) => `, breaker to ${b.dependency} ${b.state}`).join('')}`,
    ),
    ...edges.map((e) => `${e.from} to ${e.to}: ${edgeText(e)}`),
  ].join('; ');
  return (
    <svg className="graph" viewBox={`0 0 ${VIEW.width} ${VIEW.height}`} role="img" aria-labelledby="graph-title">
      <title id="graph-title">{`Services graph: ${summary}`}</title>
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerUnits="userSpaceOnUse"
          markerWidth="12"
          markerHeight="12"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
        </marker>
      </defs>
      {edges.map((e) => {
        if (!centreKnown(e.from) || !centreKnown(e.to)) return null;
        const { line, label } = geometry(e, ids.has(`${e.to}->${e.from}`));
        return (
          <g
            key={e.id}
            className={`edge-group ${e.errorShare ? 'edge-failing' : ''}`}
            data-edge={e.id}
            data-rate={e.ratePerSecond ?? ''}
            data-error-share={e.errorShare ?? ''}
          >
            <line {...line} className="edge" markerEnd="url(#arrow)" />
            <text x={label.x} y={label.firstY} textAnchor={label.anchor} className="edge-label">
              {edgeLines(e).map((text, i) => (
                <tspan key={i} x={label.x} dy={i === 0 ? 0 : 15}>
                  {text}
                </tspan>
              ))}
            </text>
          </g>
        );
      })}
      {NODES.map((node) => {
        const view = byName.get(node.id);
        const state = view ? view.readiness : 'unknown';
        const readiness = view ? READINESS_TEXT[view.readiness] : 'broker (not probed)';
        // Closed breakers are the normal case (the cards list them all); the graph names the others.
        const tripped = (view?.breakers ?? [])
          .filter((b) => b.state !== 'closed')
          .map((b) => `${b.dependency} breaker ${b.state.replace('_', '-')}`)
          .join(', ');
        return (
          <g key={node.id} className={`node node-${state}`} transform={`translate(${node.x} ${node.y})`}>
            <rect width={WIDTH} height={HEIGHT} rx={6} />
            <text x={10} y={22} className="node-name">
              {node.id}
            </text>
            <text x={10} y={42} className="node-state">
              {readiness}
            </text>
            {tripped && (
              <text x={10} y={60} className="node-state node-tripped">
                {tripped}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

function centreKnown(id: string): boolean {
  return NODES.some((n) => n.id === id);
}
