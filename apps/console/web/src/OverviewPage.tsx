import { useCallback, useState } from 'react';
import { apiGet } from './api';
import { edgeText } from './edge-text';
import { ServicesGraph } from './ServicesGraph';
import { TimeChart } from './TimeChart';
import type { ChartsView, OverviewView, RatesView, ServiceView } from './types';
import { usePoll } from './use-poll';
import './overview.css';

const READINESS_TEXT: Record<ServiceView['readiness'], string> = {
  ready: 'ready',
  'not-ready': 'not ready',
  down: 'down (no answer)',
};

const WINDOWS = [5, 15, 60] as const;

function ratesSource(rates: RatesView): string {
  if (rates.source === 'prometheus') return 'Rates: Prometheus, per second over the last minute.';
  const window =
    rates.windowSeconds === null ? 'from the next refresh on' : `over the last ${Math.round(rates.windowSeconds)} s`;
  return `Prometheus not used: ${rates.problem ?? rates.prometheus}. Rates: each app's own /metrics (first instance only), ${window}.`;
}

/**
 * The services as a graph with live rates on its edges, the charts, and every service's
 * readiness, breakers and consumer lag. The overview refreshes every 2 s, the charts every 5 s.
 */
export function OverviewPage() {
  const load = useCallback(() => apiGet<OverviewView>('/api/overview'), []);
  const { value, error } = usePoll(load, 2000);
  return (
    <section aria-labelledby="overview-heading">
      <h2 id="overview-heading">Overview</h2>
      {error && <p role="alert">Error: {error}</p>}
      {value && (
        <>
          <p className="rates-source" data-rates-source={value.rates.source}>
            {ratesSource(value.rates)}
          </p>
          <ServicesGraph services={value.services} edges={value.edges} />
          <table className="traffic">
            <caption>Traffic between the parts</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Traffic</th>
              </tr>
            </thead>
            <tbody>
              {value.edges.map((e) => (
                <tr key={e.id} data-edge-row={e.id}>
                  <td>{e.from}</td>
                  <td>{e.to}</td>
                  <td>{edgeText(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <Charts />
      <h3>Services</h3>
      <ul className="services">
        {(value?.services ?? []).map((s) => (
          <li key={s.service} className={`service readiness-${s.readiness}`} data-service={s.service}>
            <h4>{s.service}</h4>
            <p>
              Readiness: <span className="state">{READINESS_TEXT[s.readiness]}</span>
            </p>
            {s.breakers.length > 0 && (
              <>
                <h5>Breakers</h5>
                <ul>
                  {s.breakers.map((b) => (
                    <li key={b.dependency} data-breaker={b.dependency} data-state={b.state}>
                      {b.dependency}: <span className={`breaker breaker-${b.state}`}>{b.state.replace('_', '-')}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {s.lag.length > 0 && (
              <>
                <h5>Consumer lag</h5>
                <ul>
                  {s.lag.map((l) => (
                    <li key={`${l.group}/${l.topic}`}>
                      {l.group} on {l.topic}: {l.lagMessages} messages
                    </li>
                  ))}
                </ul>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The charts, from Prometheus range queries the console makes; or why there are none. */
function Charts() {
  const [minutes, setMinutes] = useState<number>(15);
  const load = useCallback(() => apiGet<ChartsView>(`/api/overview/charts?minutes=${minutes}`), [minutes]);
  const { value, error } = usePoll(load, 5000);
  const shown = value?.minutes === minutes ? value : undefined;
  return (
    <section className="charts" aria-labelledby="charts-heading">
      <h3 id="charts-heading">Charts</h3>
      <label className="inline">
        Window
        <select name="chartMinutes" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          {WINDOWS.map((m) => (
            <option key={m} value={m}>
              {m < 60 ? `last ${m} minutes` : 'last hour'}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p data-charts="unavailable">
          {shown ? 'The charts are not being refreshed' : 'The charts need Prometheus'}: {error}
        </p>
      )}
      <div className="chart-grid">
        {shown?.charts.map((c) => (
          <TimeChart key={c.id} chart={c} minutes={shown.minutes} />
        ))}
      </div>
    </section>
  );
}
