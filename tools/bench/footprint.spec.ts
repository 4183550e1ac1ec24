import { APP_NAMES, type AppName } from '../lab';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertIsolated, childEnv, nodeModulesAbove } from './footprint-baseline';
import {
  barChartSvg,
  fmtSpread,
  footprintHtml,
  rssRoundsTable,
  spread,
  startupRoundsTable,
  summaryTable,
  type FootprintRound,
} from './footprint-report';
import { parseVmRssBytes, readRssBytes, roundOrder } from './footprint';

const MiB = 2 ** 20;

const STATUS = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
Pid:\t4242
VmPeak:\t 1234567 kB
VmHWM:\t  150000 kB
VmRSS:\t  102400 kB
RssAnon:\t   80000 kB
Threads:\t11
`;

/** A round where every app took `startupMs` and held `rssMiB`, the broker `brokerMiB`. */
const round = (
  build: FootprintRound['build'],
  n: number,
  position: number,
  startupMs: number,
  rssMiB: number,
  brokerMiB: number,
): FootprintRound => ({
  build,
  round: n,
  position,
  startupMs: Object.fromEntries(APP_NAMES.map((a) => [a, startupMs])) as Record<AppName, number>,
  rssBytes: Object.fromEntries(APP_NAMES.map((a) => [a, rssMiB * MiB])) as Record<AppName, number>,
  brokerRssBytes: brokerMiB * MiB,
});

const ROUNDS: FootprintRound[] = [
  round('current', 1, 1, 1000, 100, 400),
  round('baseline', 1, 2, 500, 80, 402),
  round('baseline', 2, 1, 700, 90, 404),
  round('current', 2, 2, 1400, 110, 406),
  round('current', 3, 1, 1200, 120, 408),
  round('baseline', 3, 2, 600, 70, 410),
];

describe('/proc parsing', () => {
  it('reads VmRSS in bytes, the kernel counting in KiB', () => {
    expect(parseVmRssBytes(STATUS)).toBe(102400 * 1024);
  });

  it('fails on a status without VmRSS (a kernel thread or a zombie) instead of reading 0', () => {
    expect(() => parseVmRssBytes('Name:\tkthreadd\nState:\tS (sleeping)\n')).toThrow(/no VmRSS/);
  });

  it('reads a live process and names the pid of a gone one', () => {
    expect(readRssBytes(process.pid)).toBeGreaterThan(MiB);
    expect(() => readRssBytes(2 ** 30)).toThrow(/RSS of pid 1073741824/);
  });
});

describe('rounds and their summary', () => {
  it('alternates which build goes first (ABBA…)', () => {
    expect([1, 2, 3, 4].map((r) => roundOrder(r).join(','))).toEqual([
      'current,baseline',
      'baseline,current',
      'current,baseline',
      'baseline,current',
    ]);
  });

  it('takes median and range over the finite values only', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, NaN, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(spread([NaN])).toEqual({ median: NaN, min: NaN, max: NaN });
    expect(fmtSpread(spread([1200, 1000, 1400]), String)).toBe('1200 (1000–1400)');
    expect(fmtSpread(spread([5]), String)).toBe('5 (5)');
    expect(fmtSpread(spread([]), String)).toBe('-');
  });

  it('shows each service, the broker and the lab as median (min–max) per build with current ÷ baseline', () => {
    const t = summaryTable(ROUNDS);
    const row = (label: string): readonly string[] | undefined => t.rows.find((r) => r[0] === label);
    expect(t.header).toHaveLength(7);
    expect(row('gateway')).toEqual([
      'gateway',
      '1200 (1000–1400)',
      '600 (500–700)',
      '2.000',
      '110.0 (100.0–120.0)',
      '80.0 (70.0–90.0)',
      '1.375',
    ]);
    // The broker has no start-up of its own here (it is started once, before the rounds).
    expect(row('broker (Kafka JVM, started once)')?.slice(1, 4)).toEqual(['-', '-', '-']);
    expect(row('broker (Kafka JVM, started once)')?.[4]).toBe('406.0 (400.0–408.0)');
    // Sums are per round, then the median: six apps × 110 MiB + 406 MiB against 6 × 80 + 402.
    expect(row('six apps (sum)')?.[1]).toBe('7200 (6000–8400)');
    expect(row('whole lab (six apps + broker)')?.[4]).toBe('1066.0 (1000.0–1128.0)');
    expect(row('whole lab (six apps + broker)')?.[6]).toBe('1.209');
  });

  it('shows a broker that is not the bench\'s own as "-" and leaves it out of the medians', () => {
    const rounds = ROUNDS.map((r) => (r.build === 'current' && r.round === 2 ? { ...r, brokerRssBytes: NaN } : r));
    const broker = summaryTable(rounds).rows.find((r) => r[0].startsWith('broker'));
    expect(broker?.[4]).toBe('404.0 (400.0–408.0)');
    expect(
      rssRoundsTable(rounds)
        .rows.find((r) => r[0] === '2' && r[1] === 'current')
        ?.slice(-2),
    ).toEqual(['-', '-']);
  });

  it('lists the raw rounds in the order they ran', () => {
    const t = startupRoundsTable(ROUNDS);
    expect(t.header).toEqual(['round', 'build', 'ran', ...APP_NAMES, 'six apps']);
    expect(t.rows.map((r) => r.slice(0, 3).join(' '))).toEqual([
      '1 current first',
      '1 baseline second',
      '2 baseline first',
      '2 current second',
      '3 current first',
      '3 baseline second',
    ]);
    expect(t.rows[0].slice(3)).toEqual([...APP_NAMES.map(() => '1000'), '6000']);
    expect(rssRoundsTable(ROUNDS).rows[1].slice(-3)).toEqual(['480.0', '402.0', '882.0']);
  });
});

describe('the HTML report', () => {
  it('draws a bar and a whisker per build and group, and escapes labels', () => {
    const svg = barChartSvg({
      title: 'RSS <per> service',
      unit: 'MiB',
      groups: [
        {
          label: 'a & b',
          bars: { current: { median: 2, min: 1, max: 3 }, baseline: { median: 4, min: 4, max: 4 } },
        },
        {
          label: 'broker',
          bars: { current: { median: NaN, min: NaN, max: NaN }, baseline: { median: 1, min: 1, max: 1 } },
        },
      ],
    });
    expect(svg).toMatch(/^<svg [^>]*>.*<\/svg>$/s);
    expect(svg).toContain('RSS &lt;per&gt; service');
    expect(svg).toContain('>a &amp; b<');
    // Two legend swatches and three bars; the missing value is said, not drawn as zero.
    expect(svg.match(/<rect /g)).toHaveLength(5);
    expect(svg).toContain('no value');
    // The longest whisker end (4) sets the scale: bars never run past the plot.
    const widths = [...svg.matchAll(/<rect x="260" y="\d+" width="([\d.]+)"/g)].map((w) => Number(w[1]));
    expect(Math.max(...widths)).toBeLessThanOrEqual(420);
  });

  it('holds the intro, three charts and the tables', () => {
    const html = footprintHtml(['Builds: current <abc>'], ROUNDS);
    expect(html).toContain('<p>Builds: current &lt;abc&gt;</p>');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<table>/g)).toHaveLength(3);
  });
});

describe('the baseline build environment', () => {
  it("drops npm run's own variables (npm_config_local_prefix would redirect npm ci) and puts this Node first", () => {
    const env = childEnv(
      { PATH: '/usr/bin', HOME: '/home/x', npm_config_local_prefix: '/here', npm_package_name: 'jeeves-lab' },
      '/node24/bin',
    );
    expect(env).toEqual({ PATH: '/node24/bin:/usr/bin', HOME: '/home/x' });
  });
});

describe('where a baseline checkout may live', () => {
  it('refuses a checkout below a node_modules, which would lend it packages the old revision lacks', () => {
    const top = mkdtempSync(join(tmpdir(), 'footprint-spec-'));
    const inside = join(top, 'repo', '.lab', 'bench', 'baseline-abc1234');
    mkdirSync(join(inside, 'node_modules'), { recursive: true });
    expect(nodeModulesAbove(inside)).toBeUndefined();
    expect(() => assertIsolated(inside)).not.toThrow();
    mkdirSync(join(top, 'repo', 'node_modules'));
    expect(nodeModulesAbove(inside)).toBe(join(top, 'repo', 'node_modules'));
    expect(() => assertIsolated(inside)).toThrow(/sits below .*repo\/node_modules/);
  });
});
