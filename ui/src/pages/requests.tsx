// Every request the gateway answered: history from the request log (one API call per page,
// keyset paging by id) with filters, and a live tail from the event stream on the first page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type RequestEvent, type RequestPage, type RequestRow } from '../api';
import { listen } from '../events';
import { clock, count, ms, rate, statusClass } from '../format';
import type { Location } from '../main';

const filterNames = ['status', 'model', 'route', 'backend', 'key', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof filterNames)[number], string>>;

function filtersOf(params: URLSearchParams): Filters {
  const f: Filters = {};
  for (const n of filterNames) {
    const v = params.get(n);
    if (v) f[n] = v;
  }
  return f;
}

function query(f: Filters, before: number | null, limit: number) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k === 'model' ? 'requested_model' : k, v);
  if (before != null) q.set('before', String(before));
  q.set('limit', String(limit));
  return q.toString();
}

function matches(f: Filters, e: RequestEvent): boolean {
  if (f.from || f.to) return false; // a time range is history, not the tail
  if (f.model && e.model !== f.model) return false;
  if (f.route && e.route !== f.route) return false;
  if (f.backend && e.backend !== f.backend) return false;
  if (f.key && e.key !== f.key) return false;
  if (f.status) {
    const s = f.status;
    if (s === '4xx' && !(e.status >= 400 && e.status < 500)) return false;
    if (s === '5xx' && !(e.status >= 500)) return false;
    if (s === 'error' && e.status < 400 && e.status !== 0 && e.complete) return false;
    if (/^\d{3}$/.test(s) && e.status !== Number(s)) return false;
  }
  return true;
}

// A live event as a row (the log gives it an id once it is flushed; until then, none).
function rowOf(e: RequestEvent): RequestRow {
  const now = Date.now();
  return {
    id: 0,
    at: new Date(now).toISOString(),
    at_ms: now,
    request_id: e.request_id,
    api: e.api,
    endpoint: e.path,
    key: e.key,
    model: e.model,
    target: e.target,
    route: e.route,
    backend: e.backend,
    status: e.status,
    stream: e.stream,
    complete: e.complete,
    ttft_ms: e.ttft_ms ?? null,
    duration_ms: e.duration_ms,
    prompt_tokens: e.prompt_tokens,
    completion_tokens: e.completion_tokens,
    cached_tokens: 0,
    tokens_per_s:
      e.completion_tokens > 0 && e.duration_ms - (e.ttft_ms ?? 0) > 0
        ? e.completion_tokens / ((e.duration_ms - (e.ttft_ms ?? 0)) / 1000)
        : null,
    attempts: '',
    error: e.error ?? '',
  };
}

function Bodies({ id }: { id: number }) {
  const [bodies, setBodies] = useState<{ request: string; response: string } | null>(null);
  const [error, setError] = useState('');
  if (!bodies)
    return (
      <div>
        <button
          class="secondary"
          onClick={() =>
            api<{ request: string; response: string }>(`/api/requests/bodies?id=${id}`)
              .then(setBodies)
              .catch((e) => setError(e.message))
          }
        >
          Show the bodies
        </button>
        {error && <span class="error-text"> {error}</span>}
      </div>
    );
  return (
    <div class="bodies">
      <div>
        <b>request</b>
        <pre class="log">{bodies.request}</pre>
      </div>
      <div>
        <b>sent to the client</b>
        <pre class="log">{bodies.response}</pre>
      </div>
    </div>
  );
}

function Attempts({ r }: { r: RequestRow }) {
  const tried = r.attempts ? r.attempts.split('; ').filter(Boolean) : [];
  return (
    <div class="attempts">
      <div>
        <b>request id</b> {r.request_id} · <b>endpoint</b> {r.endpoint} · {r.stream ? 'streamed' : 'not streamed'}
        {r.complete ? '' : ' · cut short'}
      </div>
      {tried.length > 0 && (
        <div>
          <b>attempts</b>
          <ol>
            {tried.map((a) => (
              <li>{a}</li>
            ))}
          </ol>
        </div>
      )}
      {r.error && <div class="error-text">{r.error}</div>}
      {r.bodies && r.id > 0 && <Bodies id={r.id} />}
    </div>
  );
}

export function RequestsPage({ loc }: { loc: Location }) {
  const filters = filtersOf(loc.params);
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState<Filters>(filters);
  const [rows, setRows] = useState<RequestRow[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [pages, setPages] = useState<(number | null)[]>([null]); // the `before` of each page shown so far
  const [live, setLive] = useState(true);
  const [error, setError] = useState('');
  const [loadedIn, setLoadedIn] = useState<number | null>(null);
  const [open, setOpen] = useState<string>('');
  const [limit, setLimit] = useState(100);
  const liveRef = useRef(live);
  liveRef.current = live && pages.length === 1;

  const load = async (before: number | null) => {
    const started = performance.now();
    try {
      const page = await api<RequestPage>(`/api/requests?${query(filters, before, limit)}`);
      setRows(page.requests);
      setNext(page.next_before);
      setLoadedIn(performance.now() - started);
      setError('');
    } catch (e) {
      setError((e as Error).message);
    }
  };

  useEffect(() => {
    setDraft(filters);
    setPages([null]);
    void load(null);
  }, [key, limit]);

  useEffect(
    () =>
      listen((kind, data) => {
        if (kind !== 'request' || !liveRef.current) return;
        const e = data as RequestEvent;
        if (!matches(filters, e)) return;
        setRows((r) => [rowOf(e), ...r].slice(0, limit));
      }),
    [key, limit],
  );

  const apply = (f: Filters) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
    location.hash = `#/requests${q.toString() ? '?' + q.toString() : ''}`;
  };

  return (
    <div>
      <header class="page-head">
        <h1>Requests</h1>
        <div class="summary">
          <label class="toggle">
            <input type="checkbox" checked={live} onChange={(e) => setLive((e.target as HTMLInputElement).checked)} />{' '}
            live tail {pages.length > 1 ? '(first page only)' : ''}
          </label>
          {loadedIn != null && <span class="muted small">page in {ms(loadedIn)}</span>}
        </div>
      </header>
      <form
        class="filters card"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        {filterNames.map((n) => (
          <label>
            {n}
            <input
              name={n}
              value={draft[n] ?? ''}
              placeholder={
                n === 'status' ? '200, 4xx, 5xx, error' : n === 'from' || n === 'to' ? '-1h, 2026-12-01T10:00Z' : ''
              }
              onInput={(e) => setDraft({ ...draft, [n]: (e.target as HTMLInputElement).value })}
            />
          </label>
        ))}
        <label>
          per page
          <select value={limit} onChange={(e) => setLimit(Number((e.target as HTMLSelectElement).value))}>
            {[50, 100, 200, 500].map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        <button type="button" class="secondary" onClick={() => apply({})}>
          Clear
        </button>
      </form>
      {error && <p class="error-text">{error}</p>}
      <table class="grid requests">
        <thead>
          <tr>
            <th>time</th>
            <th>api</th>
            <th>key</th>
            <th>model asked</th>
            <th>route</th>
            <th>target</th>
            <th>status</th>
            <th>TTFT</th>
            <th>duration</th>
            <th>tokens in/out</th>
            <th>tok/s</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const rowKey = r.id ? String(r.id) : r.request_id;
            return [
              <tr
                class={`row row-${statusClass(r.status)}${r.complete ? '' : ' cut'}`}
                data-id={r.id}
                onClick={() => setOpen(open === rowKey ? '' : rowKey)}
              >
                <td class="mono">{clock(r.at_ms)}</td>
                <td>{r.api}</td>
                <td>{r.key}</td>
                <td>{r.model}</td>
                <td>{r.route || '–'}</td>
                <td>
                  {r.target && r.target !== 'none' ? r.target : '–'}
                  {r.attempts && <span class="pill small">retried</span>}
                </td>
                <td>
                  <span class={`pill ${statusClass(r.status)}`}>{r.status || 'dropped'}</span>
                  {r.stream && <span class="pill small">stream</span>}
                </td>
                <td>{ms(r.ttft_ms)}</td>
                <td>{ms(r.duration_ms)}</td>
                <td>
                  {count(r.prompt_tokens)} / {count(r.completion_tokens)}
                </td>
                <td>{rate(r.tokens_per_s, '')}</td>
              </tr>,
              open === rowKey && (
                <tr class="detail">
                  <td colSpan={11}>
                    <Attempts r={r} />
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
      {rows.length === 0 && !error && <p class="muted">No requests match.</p>}
      <div class="pager">
        <button
          class="secondary"
          disabled={pages.length <= 1}
          onClick={() => {
            const p = pages.slice(0, -1);
            setPages(p);
            void load(p[p.length - 1]);
          }}
        >
          ← Newer
        </button>
        <span class="muted">page {pages.length}</span>
        <button
          class="secondary"
          name="older"
          disabled={next == null}
          onClick={() => {
            setPages([...pages, next]);
            void load(next);
          }}
        >
          Older →
        </button>
      </div>
    </div>
  );
}
