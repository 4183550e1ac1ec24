// How the Overview writes numbers: words and units, so nothing depends on colour.

/** `3.2/s`, `12/s`, `0/s`; `unknown` for null. */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return 'unknown';
  if (perSecond === 0) return '0/s';
  if (perSecond < 0.1) return `${perSecond.toFixed(2)}/s`;
  return perSecond < 10 ? `${perSecond.toFixed(1)}/s` : `${Math.round(perSecond)}/s`;
}

/** `0%`, `2.5%`, `40%`. */
export function formatShare(share: number): string {
  const percent = share * 100;
  if (percent === 0) return '0%';
  return percent < 10 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`;
}

/** A chart value in its unit: seconds as ms below 1 s, rates with one decimal, counts whole. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'no data';
  if (unit === 'seconds') return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
  if (unit === 'messages') return `${Math.round(value)} messages`;
  if (value === 0) return `0 ${unit}`;
  return `${value < 0.1 ? value.toFixed(2) : value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** A chart axis tick: ms for seconds, else the number alone (the unit is in the chart's caption). */
export function formatAxis(value: number, unit: string): string {
  if (unit === 'seconds') return `${Math.round(value * 1000)} ms`;
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}

/** `14:05:30` in the browser's time zone. */
export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour12: false });
}
