import { useCallback } from 'react';
import { apiGet } from './api';
import { ServicesGraph } from './ServicesGraph';
import type { ServiceView } from './types';
import { usePoll } from './use-poll';

const READINESS_TEXT: Record<ServiceView['readiness'], string> = {
  ready: 'ready',
  'not-ready': 'not ready',
  down: 'down (no answer)',
};

/** Every service's readiness, its breakers' states and its consumer groups' lag, refreshed every 2 s. */
export function OverviewPage() {
  const load = useCallback(() => apiGet<{ services: ServiceView[] }>('/api/overview'), []);
  const { value, error } = usePoll(load, 2000);
  return (
    <section aria-labelledby="overview-heading">
      <h2 id="overview-heading">Overview</h2>
      {error && <p role="alert">Error: {error}</p>}
      {value && <ServicesGraph services={value.services} />}
      <ul className="services">
        {(value?.services ?? []).map((s) => (
          <li key={s.service} className={`service readiness-${s.readiness}`} data-service={s.service}>
            <h3>{s.service}</h3>
            <p>
              Readiness: <span className="state">{READINESS_TEXT[s.readiness]}</span>
            </p>
            {s.breakers.length > 0 && (
              <>
                <h4>Breakers</h4>
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
                <h4>Consumer lag</h4>
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
