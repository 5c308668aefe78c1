// The dashboard's shell: navigation, the hash router, the admin-key prompt and the link to the
// live event stream.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, onAuthRefused, storeKey, storedKey } from './api';
import { listen, watchLink, type LinkState } from './events';
import { BackendsPage } from './pages/backends';
import { EnginesPage } from './pages/engines';
import { InspectPage } from './pages/inspect';
import { ModelsPage } from './pages/models';
import { PlaygroundPage } from './pages/playground';
import { RequestsPage } from './pages/requests';
import { RouterPage } from './pages/router';
import { SettingsPage } from './pages/settings';
import { UsagePage } from './pages/usage';
import './style.css';

const pages = [
  { path: 'router', label: 'Router' },
  { path: 'requests', label: 'Requests' },
  { path: 'models', label: 'Models' },
  { path: 'engines', label: 'Engines' },
  { path: 'backends', label: 'Backends' },
  { path: 'usage', label: 'Usage' },
  { path: 'playground', label: 'Playground' },
  { path: 'settings', label: 'Settings' },
];

export interface Location {
  page: string;
  rest: string[]; // path segments after the page
  params: URLSearchParams;
}

function currentLocation(): Location {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?', 2);
  const [page = 'router', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page, rest, params: new URLSearchParams(query) };
}

function useLocation(): Location {
  const [loc, setLoc] = useState(currentLocation);
  useEffect(() => {
    const on = () => setLoc(currentLocation());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return loc;
}

function KeyPrompt({ status, message, onKey }: { status: number; message: string; onKey: () => void }) {
  const [key, setKey] = useState('');
  return (
    <div class="key-prompt">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          storeKey(key.trim());
          onKey();
        }}
      >
        <h2>Admin key</h2>
        <p>
          {status === 403
            ? 'This key may call the model APIs but not the admin API. Enter a key with role: admin.'
            : 'This gateway has API keys. Enter a key with role: admin to open the dashboard.'}
        </p>
        {message && <p class="muted small">{message}</p>}
        <input
          type="password"
          name="key"
          autoComplete="off"
          placeholder="sk-…"
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          autoFocus
        />
        <p class="muted small">Kept for this tab only (sessionStorage), sent in the Authorization header.</p>
        <button type="submit" disabled={!key.trim()}>
          Open the dashboard
        </button>
      </form>
    </div>
  );
}

function LinkBadge() {
  const [s, setS] = useState<LinkState>('down');
  useEffect(() => watchLink(setS), []);
  return (
    <span class={`link link-${s}`} title="the live event stream (/api/events)">
      {s === 'live' ? '● live' : s === 'connecting' ? '○ connecting' : '○ offline'}
    </span>
  );
}

function App() {
  const loc = useLocation();
  const [auth, setAuth] = useState<{ status: number; message: string } | null>(null);
  const [ready, setReady] = useState(false);
  const [version, setVersion] = useState(0); // bumps when the key changes: pages reload

  useEffect(() => {
    onAuthRefused((status, message) => setAuth({ status, message }));
    api('/api/backends')
      .then(() => setReady(true))
      .catch(() => setReady(true));
  }, []);
  // one event stream while the dashboard is open and allowed in: the badge shows it is live
  useEffect(() => (ready && !auth ? listen(() => {}) : undefined), [ready, auth]);

  if (!ready) return <div class="loading">Loading…</div>;
  if (auth)
    return (
      <KeyPrompt
        status={auth.status}
        message={storedKey() ? auth.message : ''}
        onKey={() => {
          setAuth(null);
          setVersion((v) => v + 1);
        }}
      />
    );

  let page;
  switch (loc.page) {
    case 'requests':
      page = <RequestsPage loc={loc} />;
      break;
    case 'models':
      page = loc.rest[0] === 'inspect' ? <InspectPage loc={loc} /> : <ModelsPage />;
      break;
    case 'engines':
      page = <EnginesPage />;
      break;
    case 'backends':
      page = <BackendsPage />;
      break;
    case 'usage':
      page = <UsagePage />;
      break;
    case 'playground':
      page = <PlaygroundPage />;
      break;
    case 'settings':
      page = <SettingsPage />;
      break;
    default:
      page = <RouterPage />;
  }
  return (
    <div class="shell" key={version}>
      <nav>
        <a class="brand" href="#/router">
          <img src="/ui/favicon.svg" alt="" width="22" height="22" /> Switchyard
        </a>
        {pages.map((p) => (
          <a href={`#/${p.path}`} class={loc.page === p.path ? 'active' : ''} data-page={p.path}>
            {p.label}
          </a>
        ))}
        <span class="spacer" />
        <LinkBadge />
        {storedKey() && (
          <button
            class="link-button"
            onClick={() => {
              storeKey(null);
              location.reload();
            }}
          >
            forget key
          </button>
        )}
      </nav>
      <main data-page={loc.page}>{page}</main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
