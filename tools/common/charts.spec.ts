import { niceTicks, renderLineChart, renderSvgDocument } from './charts';

describe('renderLineChart', () => {
  const chart = {
    title: 'Latency <p99>',
    unit: 'ms',
    series: [
      {
        name: 'p99',
        points: [
          [0, 10],
          [1, null],
          [2, 12],
          [3, 14],
        ] as const,
      },
      { name: 'empty', points: [] },
    ],
  };

  it('lifts the pen at a gap and counts only the points with a value', () => {
    const svg = renderLineChart(chart, { xMaxSeconds: 3 });
    const path = /<path class="series" data-series="p99" data-points="(\d+)" d="([^"]*)"/.exec(svg);
    expect(path?.[1]).toBe('3');
    expect(path?.[2]).toMatch(/^M52\.0 [\d.]+ M[\d.]+ [\d.]+ L[\d.]+ [\d.]+$/);
    // The empty series draws nothing and has no legend entry.
    expect(svg).not.toContain('data-series="empty"');
    expect(svg).not.toContain('>empty</span>');
    expect(svg).toContain('Latency &lt;p99&gt;');
  });

  it('shades windows and says "no data" when no series has a value', () => {
    const svg = renderLineChart(
      { title: 't', unit: '', series: [{ name: 'gone', points: [[0, null]] }] },
      { xMaxSeconds: 60, windows: [{ label: 'outage', startS: 20, endS: 40 }] },
    );
    expect(svg).toContain('<rect class="fault-window" x="217.3" y="10" width="165.3"');
    expect(svg).toContain('no data');
    expect(svg).not.toContain('class="series"');
  });

  it('uses the size and colours it is given', () => {
    const svg = renderLineChart(
      { title: 't', unit: '', series: [{ name: 'a', color: '#123456', points: [[0, 1]] }] },
      { widthPx: 720, heightPx: 200 },
    );
    expect(svg).toContain('viewBox="0 0 720 200"');
    expect(svg).toContain('stroke="#123456"');
    expect(svg).toContain('<i style="background:#123456"></i>a');
  });
});

describe('niceTicks', () => {
  it('picks round axis ticks', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 0.07, 4)).toEqual([0, 0.02, 0.04, 0.06]);
  });
});

describe('renderSvgDocument', () => {
  it('stacks the charts in one standalone SVG with their titles and legends as SVG text', () => {
    const svg = renderSvgDocument(
      [
        {
          title: 'p99 <e2e>',
          unit: 'ms',
          series: [
            {
              name: 'lab',
              points: [
                [50, 20],
                [100, 40],
              ],
            },
          ],
        },
        { title: 'replied', unit: 'msgs/s', series: [{ name: 'bare', points: [[50, 50]] }] },
      ],
      { xLabel: 'offered msgs/s' },
    );
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 560 508"/);
    expect(svg).toContain('p99 &lt;e2e&gt;');
    expect(svg).toContain('>lab</text>');
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="chart" x="0" y="288"');
    expect(svg).toContain('data-series="bare" data-points="1"');
    expect(svg).not.toContain('<figure>');
  });
});
