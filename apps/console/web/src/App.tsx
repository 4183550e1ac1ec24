import { useEffect, useState } from 'react';
import { ChaosPage } from './ChaosPage';
import { ChatPage } from './ChatPage';
import { ExperimentsPage } from './ExperimentsPage';
import { OverviewPage } from './OverviewPage';

const PAGES = [
  { id: 'overview', title: 'Overview', Page: OverviewPage },
  { id: 'chaos', title: 'Chaos', Page: ChaosPage },
  { id: 'experiments', title: 'Experiments', Page: ExperimentsPage },
  { id: 'chat', title: 'Chat', Page: ChatPage },
] as const;

type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(): PageId {
  const id = window.location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.id === id)?.id ?? 'overview';
}

/** The console: one page per tab, chosen by the URL fragment (#/chaos), so each has a link. */
export function App() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = `${PAGES.find((p) => p.id === page)?.title} — Jeeves Lab console`;
  }, [page]);
  const Current = PAGES.find((p) => p.id === page)?.Page ?? OverviewPage;
  return (
    <>
      <header>
        <h1>Jeeves Lab console</h1>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main>
        <Current />
      </main>
    </>
  );
}
