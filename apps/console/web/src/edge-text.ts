import { formatRate, formatShare } from './format';
import type { EdgeView } from './types';

const VERB: Record<EdgeView['kind'], string> = { produce: 'produces', consume: 'consumes', call: 'calls' };

/** An edge in words: `produces 3.2/s · 0% errors`, `consumes 3.2/s · 1.5% dead-lettered · lag 4`, `calls 0/s (idle)`. */
export function edgeText(edge: EdgeView): string {
  const [rate, rest] = edgeLines(edge);
  return rest ? `${rate} · ${rest}` : rate;
}

/** The same in two short lines for the graph: the rate, then the failed share and lag (or `idle`). */
export function edgeLines(edge: EdgeView): [string, string] {
  const verb = VERB[edge.kind];
  const lag = edge.lagMessages === undefined ? [] : [`lag ${edge.lagMessages}`];
  if (edge.ratePerSecond === null) return [`${verb}: rate not known yet`, lag.join('')];
  if (edge.errorShare === null) return [`${verb} ${formatRate(edge.ratePerSecond)}`, ['idle', ...lag].join(' · ')];
  return [
    `${verb} ${formatRate(edge.ratePerSecond)}`,
    [`${formatShare(edge.errorShare)} ${edge.errorName}`, ...lag].join(' · '),
  ];
}
