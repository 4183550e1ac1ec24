import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, apiGet, apiSend } from './api';
import { NetworkFaults } from './NetworkFaults';
import type { Fault, FaultForm, FaultForms, ServiceFaults, TargetKind } from './types';
import { usePoll } from './use-poll';

const SERVICES = ['gateway', 'token-dealer', 'data-service', 'provider', 'bot', 'worker'];

function expiresIn(fault: Fault, now: number): string {
  const seconds = Math.max(0, Math.round((Date.parse(fault.expiresAt) - now) / 1000));
  return `${seconds} s`;
}

function describeParams(params: Fault['params']): string {
  const entries = Object.entries(params);
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(', ') : '—';
}

/** Active faults of every service, the form that injects any fault type the chaos API takes, and Toxiproxy's network faults. */
export function ChaosPage() {
  const loadFaults = useCallback(() => apiGet<ServiceFaults[]>('/api/chaos/faults'), []);
  const faults = usePoll(loadFaults, 2000);
  const [forms, setForms] = useState<FaultForms | undefined>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    apiGet<FaultForms>('/api/chaos/forms').then(setForms, (e: Error) =>
      setMessage({ kind: 'error', text: `Could not load the fault types: ${e.message}` }),
    );
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const act = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      setMessage({ kind: 'ok', text: what });
    } catch (e) {
      const fields = e instanceof ApiError ? e.fieldErrors.map((f) => ` ${f.field}: ${f.message}.`).join('') : '';
      setMessage({ kind: 'error', text: `${e instanceof Error ? e.message : String(e)}${fields}` });
    }
    await faults.reload();
  };

  const active = (faults.value ?? []).reduce((n, s) => n + s.faults.length, 0);
  return (
    <section aria-labelledby="chaos-heading">
      <h2 id="chaos-heading">Chaos</h2>
      <div role={message?.kind === 'error' ? 'alert' : 'status'} className={`notice ${message?.kind ?? ''}`}>
        {message ? (message.kind === 'error' ? `Error: ${message.text}` : message.text) : ''}
      </div>
      {forms ? (
        <InjectForm
          forms={forms}
          onInject={(service, spec) =>
            act(`Injected ${String(spec.type)} on ${service}.`, () =>
              apiSend('POST', '/api/chaos/faults', { service, spec }),
            )
          }
        />
      ) : (
        <p>Loading fault types…</p>
      )}
      <h3>Active faults ({active})</h3>
      {faults.error && <p role="alert">Error: could not list faults: {faults.error}</p>}
      <p>
        <button
          type="button"
          onClick={() => void act('Cleared every fault.', () => apiSend('DELETE', '/api/chaos/faults'))}
        >
          Clear all faults
        </button>
      </p>
      <table className="faults">
        <caption className="visually-hidden">Active faults per service</caption>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Fault</th>
            <th scope="col">Target</th>
            <th scope="col">Parameters</th>
            <th scope="col">Expires in</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {(faults.value ?? []).flatMap((s) =>
            s.problem
              ? [
                  <tr key={s.service}>
                    <th scope="row">{s.service}</th>
                    <td colSpan={5}>Unknown: {s.problem}</td>
                  </tr>,
                ]
              : s.faults.map((f) => (
                  <tr key={f.id} data-fault-type={f.type} data-service={s.service}>
                    <th scope="row">{s.service}</th>
                    <td>{f.type}</td>
                    <td>{f.target ?? 'whole service'}</td>
                    <td>{describeParams(f.params)}</td>
                    <td>{expiresIn(f, now)}</td>
                    <td>
                      <button
                        type="button"
                        aria-label={`Clear ${f.type} fault on ${s.service}`}
                        onClick={() =>
                          void act(`Cleared ${f.type} on ${s.service}.`, () =>
                            apiSend('DELETE', `/api/chaos/faults/${s.service}/${encodeURIComponent(f.id)}`),
                          )
                        }
                      >
                        Clear
                      </button>
                    </td>
                  </tr>
                )),
          )}
          {active === 0 && faults.value && !faults.value.some((s) => s.problem) && (
            <tr>
              <td colSpan={6}>No active faults.</td>
            </tr>
          )}
        </tbody>
      </table>
      <NetworkFaults />
    </section>
  );
}

/** A form's parameters at their defaults (blank where the schema has none). */
function defaultsOf(form: FaultForm | undefined): Record<string, string> {
  return Object.fromEntries(
    (form?.params ?? []).map((p) => [p.name, p.defaultValue === undefined ? '' : String(p.defaultValue)]),
  );
}

interface InjectFormProps {
  forms: FaultForms;
  onInject(service: string, spec: Record<string, unknown>): Promise<void>;
}

function InjectForm({ forms, onInject }: InjectFormProps) {
  const [service, setService] = useState('provider');
  const [type, setType] = useState(forms.forms.find((f) => f.type === 'error')?.type ?? forms.forms[0]?.type ?? '');
  const form: FaultForm | undefined = forms.forms.find((f) => f.type === type);
  const [targetKind, setTargetKind] = useState<'' | TargetKind>('');
  const [targetValue, setTargetValue] = useState('');
  const [params, setParams] = useState<Record<string, string>>(() => defaultsOf(form));
  const [durationS, setDurationS] = useState('60');
  const [busy, setBusy] = useState(false);

  // A new type starts from its own defaults and the whole service, in the same render.
  const changeType = (next: string) => {
    setType(next);
    setParams(defaultsOf(forms.forms.find((f) => f.type === next)));
    setTargetKind('');
    setTargetValue('');
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    const spec: Record<string, unknown> = { type: form.type };
    if (targetKind) spec.target = `${targetKind}:${targetValue}`;
    if (durationS.trim()) spec.durationMs = Math.round(Number(durationS) * 1000);
    for (const p of form.params) {
      const raw = params[p.name] ?? '';
      if (raw === '') continue;
      spec[p.name] = p.kind === 'choice' ? raw : Number(raw);
    }
    setBusy(true);
    try {
      await onInject(service, spec);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="inject" onSubmit={(e) => void submit(e)} aria-labelledby="inject-heading">
      <h3 id="inject-heading">Inject a fault</h3>
      <div className="fields">
        <label>
          Service
          <select name="service" value={service} onChange={(e) => setService(e.target.value)}>
            {SERVICES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Fault type
          <select name="type" value={type} onChange={(e) => changeType(e.target.value)}>
            {forms.forms.map((f) => (
              <option key={f.type}>{f.type}</option>
            ))}
          </select>
        </label>
        <label>
          Target
          <select
            name="targetKind"
            value={targetKind}
            onChange={(e) => setTargetKind(e.target.value as '' | TargetKind)}
          >
            <option value="">whole service</option>
            {(form?.targets ?? []).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {targetKind === 'topic' ? (
          <label>
            Topic
            <select name="targetValue" value={targetValue} onChange={(e) => setTargetValue(e.target.value)} required>
              <option value="">choose a topic</option>
              {forms.topics.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        ) : targetKind ? (
          <label>
            {targetKind === 'route' ? 'Route path (e.g. /v1/weather)' : 'Dependency (e.g. provider)'}
            <input name="targetValue" value={targetValue} onChange={(e) => setTargetValue(e.target.value)} required />
          </label>
        ) : null}
        {(form?.params ?? []).map((p) => (
          <label key={`${type}-${p.name}`}>
            {p.name}
            {p.min !== undefined && p.max !== undefined ? ` (${p.min}–${p.max})` : ''}
            {p.required ? ' (required)' : ''}
            {p.kind === 'choice' ? (
              <select
                name={p.name}
                value={params[p.name] ?? ''}
                onChange={(e) => setParams({ ...params, [p.name]: e.target.value })}
              >
                {(p.choices ?? []).map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            ) : (
              <input
                name={p.name}
                type="number"
                inputMode="decimal"
                step={p.kind === 'integer' ? 1 : 'any'}
                min={p.min}
                max={p.max}
                required={p.required}
                value={params[p.name] ?? ''}
                onChange={(e) => setParams({ ...params, [p.name]: e.target.value })}
              />
            )}
          </label>
        ))}
        <label>
          Duration (seconds)
          <input
            name="durationSeconds"
            type="number"
            min={1}
            max={form ? form.durationMs.max / 1000 : undefined}
            value={durationS}
            onChange={(e) => setDurationS(e.target.value)}
          />
        </label>
      </div>
      <button type="submit" disabled={busy}>
        Inject fault
      </button>
    </form>
  );
}
