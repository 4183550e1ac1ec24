import type { ServiceView } from './types';

interface Node {
  readonly id: string;
  readonly x: number;
  readonly y: number;
}

// The lab's topology (docs/architecture.md): who calls or feeds whom. Kafka and the provider's
// callers are drawn as the pipeline runs: gateway → Kafka → bot/worker/data-service, worker → provider.
const NODES: readonly Node[] = [
  { id: 'token-dealer', x: 20, y: 20 },
  { id: 'gateway', x: 20, y: 130 },
  { id: 'data-service', x: 260, y: 250 },
  { id: 'kafka', x: 260, y: 130 },
  { id: 'bot', x: 510, y: 40 },
  { id: 'worker', x: 510, y: 200 },
  { id: 'provider', x: 760, y: 200 },
];
const EDGES: ReadonlyArray<readonly [string, string]> = [
  ['gateway', 'token-dealer'],
  ['gateway', 'kafka'],
  ['gateway', 'data-service'],
  ['kafka', 'bot'],
  ['kafka', 'worker'],
  ['kafka', 'data-service'],
  ['worker', 'provider'],
];
const WIDTH = 180;
const HEIGHT = 70;

const READINESS_TEXT: Record<ServiceView['readiness'], string> = {
  ready: 'ready',
  'not-ready': 'not ready',
  down: 'down',
};

function centre(id: string): { x: number; y: number } {
  const node = NODES.find((n) => n.id === id) ?? { x: 0, y: 0 };
  return { x: node.x + WIDTH / 2, y: node.y + HEIGHT / 2 };
}

/**
 * The services as a graph: each box says its readiness in words (and by its border: solid green
 * ready, dashed orange not ready, dotted red down), and names any breaker that is not closed. Kafka's own health is not
 * read by the console: its box says so.
 */
export function ServicesGraph({ services }: { services: readonly ServiceView[] }) {
  const byName = new Map(services.map((s) => [s.service, s]));
  const summary = services
    .map(
      (s) =>
        `${s.service} ${READINESS_TEXT[s.readiness]}${s.breakers.map((b) => `, breaker to ${b.dependency} ${b.state}`).join('')}`,
    )
    .join('; ');
  return (
    <svg className="graph" viewBox="0 0 960 330" role="img" aria-labelledby="graph-title">
      <title id="graph-title">{`Services graph: ${summary}`}</title>
      {EDGES.map(([from, to]) => {
        const a = centre(from);
        const b = centre(to);
        return <line key={`${from}-${to}`} x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="edge" />;
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
