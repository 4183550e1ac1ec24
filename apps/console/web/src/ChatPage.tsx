import { type FormEvent, useEffect, useRef, useState } from 'react';
import { apiGet, apiSend } from './api';
import type { ChatMessage } from './types';

const FINAL = new Set(['replied', 'failed']);
const POLL_MS = 500;
/** How long the page follows one message before it says it stopped looking. */
const FOLLOW_MS = 60_000;

/** Send a message as a user and follow it: accepted → processing → replied (or failed). */
export function ChatPage() {
  const [user, setUser] = useState('console-user');
  const [text, setText] = useState('weather in Paris');
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [error, setError] = useState<string | undefined>();
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);

  const update = (next: ChatMessage) =>
    setMessages((all) => all.map((m) => (m.id === next.id ? { ...m, ...next } : m)));

  const follow = (id: string, startedAt: number) => {
    const timer = setTimeout(async () => {
      timers.current.delete(timer);
      try {
        const next = await apiGet<ChatMessage>(`/api/chat/messages/${id}`);
        update(next);
        if (FINAL.has(next.status)) return;
      } catch {
        /* a missed poll: the next one says more */
      }
      if (Date.now() - startedAt < FOLLOW_MS) follow(id, startedAt);
    }, POLL_MS);
    timers.current.add(timer);
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const accepted = await apiSend<ChatMessage>('POST', '/api/chat/messages', { user, text });
      setMessages((all) => [{ ...accepted, text }, ...all]);
      follow(accepted.id, Date.now());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section aria-labelledby="chat-heading">
      <h2 id="chat-heading">Chat</h2>
      <form className="chat" onSubmit={(e) => void send(e)}>
        <label>
          User
          <input name="user" value={user} onChange={(e) => setUser(e.target.value)} required maxLength={64} />
        </label>
        <label>
          Message
          <input name="text" value={text} onChange={(e) => setText(e.target.value)} required />
        </label>
        <button type="submit">Send</button>
      </form>
      {error && <p role="alert">Error: {error}</p>}
      <ol className="messages" aria-live="polite">
        {messages.map((m) => (
          <li key={m.id} data-message-id={m.id} data-status={m.status}>
            <p>
              <strong>{m.text}</strong> — status: <span className={`status status-${m.status}`}>{m.status}</span>
              {m.degraded ? ' (degraded answer)' : ''}
            </p>
            {m.reply && <p className="reply">Reply: {m.reply}</p>}
            {m.failureReason && <p>Failure: {m.failureReason}</p>}
            {m.traceUrl ? (
              <p>
                <a href={m.traceUrl} target="_blank" rel="noreferrer noopener">
                  Trace {m.traceId} in the trace UI
                </a>
              </p>
            ) : m.traceId ? (
              <p>
                Trace id: <code>{m.traceId}</code> (run <code>npm run lab -- trace {m.traceId}</code> for the span tree)
              </p>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
