import { expandVariables, panelQueries, variableQueries, type Dashboard } from './dashboard-queries';
import { checkExpressions } from './promtool';

const dashboard: Dashboard = {
  uid: 'test',
  title: 'Test',
  templating: {
    list: [
      { name: 'service', type: 'query', query: { query: 'label_values(up, service)' } },
      { name: 'instance', type: 'query', definition: 'label_values(up{service=~"$service"}, instance)' },
    ],
  },
  panels: [
    {
      id: 1,
      type: 'row',
      title: 'Row',
      panels: [
        {
          id: 3,
          type: 'stat',
          title: 'Inside a collapsed row',
          targets: [{ refId: 'A', expr: 'up{instance=~"[[instance]]"}' }],
        },
      ],
    },
    {
      id: 2,
      type: 'timeseries',
      title: 'Rate',
      targets: [
        { refId: 'A', expr: 'sum(rate(x_total{service=~"$service"}[$__rate_interval]))' },
        { refId: 'B', expr: 'hidden_total', hide: true },
      ],
    },
  ],
};

describe('expandVariables', () => {
  it('expands $name, ${name}, ${name:format} and [[name]], built-ins included', () => {
    expect(
      expandVariables(
        'a{s=~"$service", i=~"${instance}", j=~"${instance:regex}", k=~"[[service]]"}[$__rate_interval]',
        { service: 'bot', instance: 'h:1' },
      ),
    ).toBe('a{s=~"bot", i=~"h:1", j=~"h:1", k=~"bot"}[1m]');
  });

  it('refuses a variable it has no value for', () => {
    expect(() => expandVariables('up{x="$nope"}', {})).toThrow('$nope');
  });
});

describe('panelQueries', () => {
  it('lists visible targets of every panel, collapsed rows included, with variables at "All" by default', () => {
    expect(panelQueries(dashboard)).toEqual([
      { dashboard: 'test', panel: 'Inside a collapsed row', refId: 'A', expr: 'up{instance=~".*"}' },
      { dashboard: 'test', panel: 'Rate', refId: 'A', expr: 'sum(rate(x_total{service=~".*"}[1m]))' },
    ]);
  });

  it('takes chosen values', () => {
    expect(panelQueries(dashboard, { service: 'worker' })[1].expr).toBe('sum(rate(x_total{service=~"worker"}[1m]))');
  });
});

describe('variableQueries', () => {
  it('returns the selector of each label_values variable', () => {
    expect(variableQueries(dashboard).map((q) => q.expr)).toEqual(['up', 'up{service=~".*"}']);
  });
});

describe('checkExpressions', () => {
  it('accepts valid PromQL', () => {
    const result = checkExpressions([
      { name: 'ok', expr: 'histogram_quantile(0.95, sum by (le) (rate(x_bucket[1m])))' },
    ]);
    expect(result.status).toBe(0);
  });

  it('rejects invalid PromQL and names the query', () => {
    const result = checkExpressions([
      { name: 'fine', expr: 'up' },
      { name: 'jeeves-kafka / Broken panel / A', expr: 'sum by (topic (rate(x_total[1m]))' },
    ]);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Broken panel');
  });
});
