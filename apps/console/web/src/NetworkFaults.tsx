import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, apiGet, apiSend } from './api';
import type { NetworkView, ToxicForm, ToxicForms, ToxicView } from './types';
import { usePoll } from './use-poll';
import './network.css';

const STREAMS = [
  { value: 'downstream', text: 'downstream (answers, upstream → client)' },
  { value: 'upstream', text: 'upstream (requests, client → upstream)' },
];

function describeAttributes(toxic: ToxicView): string {
  return Object.entries(toxic.attributes)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * Toxiproxy's network faults on the Chaos page: every proxy (on or off) and its toxics, a form for
 * any toxic type with its parameters and direction, remove one toxic or all, turn a proxy off and
 * on. When Toxiproxy does not run, the section says so and how to start it.
 */
export function NetworkFaults() {
  const load = useCallback(() => apiGet<NetworkView>('/api/chaos/network'), []);
  const network = usePoll(load, 2000);
  const [forms, setForms] = useState<readonly ToxicForm[] | undefined>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();

  useEffect(() => {
    apiGet<ToxicForms>('/api/chaos/network/forms').then(
      (answer) => setForms(answer.forms),
      (e: Error) => setMessage({ kind: 'error', text: `Could not load the toxic types: ${e.message}` }),
    );
  }, []);

  const act = async (done: string, call: () => Promise<unknown>) => {
    try {
      await call();
      setMessage({ kind: 'ok', text: done });
    } catch (e) {
      const fields = e instanceof ApiError ? e.fieldErrors.map((f) => ` ${f.field}: ${f.message}.`).join('') : '';
      setMessage({ kind: 'error', text: `${e instanceof Error ? e.message : String(e)}${fields}` });
    }
    await network.reload();
  };

  const view = network.value;
  const toxics = view?.running ? view.proxies.flatMap((p) => p.toxics.map((t) => ({ proxy: p.name, toxic: t }))) : [];
  return (
    <section className="network" aria-labelledby="network-heading" data-toxiproxy={view ? String(view.running) : ''}>
      <h3 id="network-heading">Network faults (Toxiproxy)</h3>
      <div role={message?.kind === 'error' ? 'alert' : 'status'} className={`notice ${message?.kind ?? ''}`}>
        {message ? (message.kind === 'error' ? `Error: ${message.text}` : message.text) : ''}
      </div>
      {network.error && <p role="alert">Error: could not read Toxiproxy: {network.error}</p>}
      {!view && !network.error && <p>Asking Toxiproxy…</p>}
      {view && !view.running && (
        <p className="toxiproxy-off">
          Toxiproxy is not running. {view.problem}. Network faults need it; the faults above do not.
        </p>
      )}
      {view?.running && (
        <>
          <p>
            Toxiproxy (version {view.version}) at {view.url}. An app&apos;s traffic crosses a proxy only when the app
            was started with the proxy&apos;s address (<code>LAB_PROVIDER_URL</code>, <code>LAB_APP_KAFKA_BROKERS</code>
            ).
          </p>
          {forms && view.proxies.length > 0 && (
            <ToxicForm
              forms={forms}
              proxies={view.proxies.map((p) => p.name)}
              onAdd={(proxy, toxic) =>
                act(`Added ${String(toxic.type)} toxic to ${proxy}.`, () =>
                  apiSend('POST', `/api/chaos/network/proxies/${encodeURIComponent(proxy)}/toxics`, toxic),
                )
              }
            />
          )}
          <table className="proxies">
            <caption>Proxies</caption>
            <thead>
              <tr>
                <th scope="col">Proxy</th>
                <th scope="col">Listens on</th>
                <th scope="col">Forwards to</th>
                <th scope="col">State</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {view.proxies.map((p) => (
                <tr key={p.name} data-proxy={p.name} data-enabled={String(p.enabled)}>
                  <th scope="row">{p.name}</th>
                  <td>{p.listen}</td>
                  <td>{p.upstream}</td>
                  <td>{p.enabled ? 'enabled' : 'disabled (every connection cut)'}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() =>
                        void act(`${p.enabled ? 'Disabled' : 'Enabled'} proxy ${p.name}.`, () =>
                          apiSend('POST', `/api/chaos/network/proxies/${encodeURIComponent(p.name)}`, {
                            enabled: !p.enabled,
                          }),
                        )
                      }
                    >
                      {p.enabled ? `Disable ${p.name}` : `Enable ${p.name}`}
                    </button>
                  </td>
                </tr>
              ))}
              {view.proxies.length === 0 && (
                <tr>
                  <td colSpan={5}>
                    No proxies: <code>npm run lab -- chaos network up</code> creates the lab&apos;s.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <h4>Active toxics ({toxics.length})</h4>
          <p>
            <button
              type="button"
              disabled={toxics.length === 0}
              onClick={() => void act('Removed every toxic.', () => apiSend('DELETE', '/api/chaos/network/toxics'))}
            >
              Remove every toxic
            </button>
          </p>
          <table className="toxics">
            <caption className="visually-hidden">Active toxics per proxy</caption>
            <thead>
              <tr>
                <th scope="col">Proxy</th>
                <th scope="col">Toxic</th>
                <th scope="col">Type</th>
                <th scope="col">Direction</th>
                <th scope="col">Toxicity</th>
                <th scope="col">Attributes</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {toxics.map(({ proxy, toxic }) => (
                <tr key={`${proxy}/${toxic.name}`} data-proxy={proxy} data-toxic={toxic.name}>
                  <th scope="row">{proxy}</th>
                  <td>{toxic.name}</td>
                  <td>{toxic.type}</td>
                  <td>{toxic.stream}</td>
                  <td>{toxic.toxicity}</td>
                  <td>{describeAttributes(toxic)}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Remove toxic ${toxic.name} from ${proxy}`}
                      onClick={() =>
                        void act(`Removed ${toxic.name} from ${proxy}.`, () =>
                          apiSend(
                            'DELETE',
                            `/api/chaos/network/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic.name)}`,
                          ),
                        )
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
              {toxics.length === 0 && (
                <tr>
                  <td colSpan={7}>No toxics.</td>
                </tr>
              )}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

interface ToxicFormProps {
  forms: readonly ToxicForm[];
  proxies: readonly string[];
  onAdd(proxy: string, toxic: Record<string, unknown>): Promise<void>;
}

/** Attributes of a toxic type, blank (required ones must be filled). */
function blankAttributes(form: ToxicForm | undefined): Record<string, string> {
  return Object.fromEntries((form?.attributes ?? []).map((a) => [a.name, '']));
}

function ToxicForm({ forms, proxies, onAdd }: ToxicFormProps) {
  const [proxy, setProxy] = useState(proxies.includes('provider') ? 'provider' : (proxies[0] ?? ''));
  const [type, setType] = useState(forms[0]?.type ?? '');
  const form = forms.find((f) => f.type === type);
  const [stream, setStream] = useState('downstream');
  const [toxicity, setToxicity] = useState('1');
  const [name, setName] = useState('');
  const [attributes, setAttributes] = useState<Record<string, string>>(() => blankAttributes(form));
  const [busy, setBusy] = useState(false);

  const changeType = (next: string) => {
    setType(next);
    setAttributes(blankAttributes(forms.find((f) => f.type === next)));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    const values: Record<string, number> = {};
    for (const a of form.attributes) if ((attributes[a.name] ?? '') !== '') values[a.name] = Number(attributes[a.name]);
    setBusy(true);
    try {
      await onAdd(proxy, {
        type: form.type,
        stream,
        toxicity: Number(toxicity),
        ...(name.trim() ? { name: name.trim() } : {}),
        attributes: values,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="inject" onSubmit={(e) => void submit(e)} aria-labelledby="toxic-heading">
      <h4 id="toxic-heading">Add a toxic</h4>
      <div className="fields">
        <label>
          Proxy
          <select name="proxy" value={proxy} onChange={(e) => setProxy(e.target.value)}>
            {proxies.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Toxic type
          <select name="toxicType" value={type} onChange={(e) => changeType(e.target.value)}>
            {forms.map((f) => (
              <option key={f.type}>{f.type}</option>
            ))}
          </select>
        </label>
        <label>
          Direction
          <select name="stream" value={stream} onChange={(e) => setStream(e.target.value)}>
            {STREAMS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.text}
              </option>
            ))}
          </select>
        </label>
        <label>
          Toxicity (0–1, share of connections)
          <input
            name="toxicity"
            type="number"
            min={0}
            max={1}
            step="any"
            required
            value={toxicity}
            onChange={(e) => setToxicity(e.target.value)}
          />
        </label>
        <label>
          Name (optional)
          <input name="toxicName" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        {(form?.attributes ?? []).map((a) => (
          <label key={`${type}-${a.name}`}>
            {`${a.name} (${a.unit}, ${a.min}–${a.max})${a.required ? ' (required)' : ''}`}
            <input
              name={`attribute-${a.name}`}
              type="number"
              inputMode="numeric"
              step={1}
              min={a.min}
              max={a.max}
              required={a.required}
              value={attributes[a.name] ?? ''}
              onChange={(e) => setAttributes({ ...attributes, [a.name]: e.target.value })}
            />
          </label>
        ))}
      </div>
      <button type="submit" disabled={busy}>
        Add toxic
      </button>
    </form>
  );
}
