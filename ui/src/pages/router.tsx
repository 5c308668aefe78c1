// The home page: where requests go. A graph of client APIs and keys → models asked → targets →
// backends. Edges carry the last minute's requests/s and errors; target nodes show their
// circuit breaker (closed / half-open / open with the time to the next probe) and backends their
// health. Breaker and health changes arrive on the event stream and repaint at once; counters
// are polled every 2 s. Clicking a target opens its latency over time and recent transitions.
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  api,
  type BackendInfo,
  type MinuteLatency,
  type RequestEvent,
  type RequestPage,
  type RouterSnapshot,
  type Target,
} from '../api';
import { Chart } from '../chart';
import { listen } from '../events';
import { count, ms, rate, seconds } from '../format';

interface Flow {
  t: number; // ms
  client: string;
  model: string;
  target: string;
  backend: string;
  ok: boolean;
  ttft: number | null;
  failed: string[]; // targets tried before the answer, which failed
}

// The targets an attempts text names ("id: why; id: why").
function failedTargets(attempts: string | undefined): string[] {
  if (!attempts) return [];
  return attempts
    .split('; ')
    .map((a) => a.slice(0, a.indexOf(': ')))
    .filter((id) => id.includes('/'));
}

const window_ms = 60_000;
// Kept across visits of the page: the recent flows and each target's latency history.
const flows: Flow[] = [];
let seeded = false;

function addFlow(f: Flow) {
  flows.push(f);
  const cut = Date.now() - 10 * window_ms;
  while (flows.length && (flows[0].t < cut || flows.length > 20000)) flows.shift();
}

function clientOf(api: string, key: string) {
  return `${api || 'other'} · ${key || 'anonymous'}`;
}

interface Node {
  id: string;
  column: number;
  label: string;
  sub?: string;
  cls: string;
  target?: Target;
}

interface Edge {
  from: string;
  to: string;
  perSecond: number;
  errors: number;
  label: string;
}

const columns = ['Clients', 'Models asked', 'Targets', 'Backends'];
const nodeWidth = 210;
const nodeHeight = 40;
const rowGap = 16;
const columnX = [10, 390, 770, 1150];
const graphWidth = 1370;

// The request log says "none" where a request never reached a target (unknown model, refused).
const reached = (target: string) => (target && target !== 'none' ? target : '');

function breakerLabel(t: Target): string {
  if (t.state === 'open') return `open · probe in ${seconds(t.open_for_s ?? 0)}`;
  if (t.state === 'half_open') return 'half-open · probing';
  return 'closed';
}

function buildGraph(snap: RouterSnapshot | null, backends: BackendInfo[], now: number) {
  const nodes = new Map<string, Node>();
  const edges = new Map<string, Edge>();
  const add = (n: Node) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return nodes.get(n.id)!;
  };
  const edge = (from: string, to: string) => {
    const k = `${from}→${to}`;
    if (!edges.has(k)) edges.set(k, { from, to, perSecond: 0, errors: 0, label: '' });
    return edges.get(k)!;
  };
  const health = new Map(snap?.backends.map((b) => [b.name, b]) ?? []);
  const targets = new Map(snap?.targets.map((t) => [t.id, t]) ?? []);
  const targetNode = (id: string, backend: string) => {
    const t = targets.get(id);
    add({
      id: `t:${id}`,
      column: 2,
      label: id,
      sub: t ? `${breakerLabel(t)} · ${t.in_flight} in flight` : 'no requests yet',
      cls: `target breaker-${t?.state ?? 'closed'}`,
      target: t,
    });
    backendNode(backend);
    edge(`t:${id}`, `b:${backend}`);
  };
  const backendNode = (name: string) => {
    const h = health.get(name);
    const listing = backends.find((b) => b.name === name);
    const state = h?.health ?? (listing?.listing === 'ok' ? 'ok' : listing?.listing ?? 'unknown');
    add({
      id: `b:${name}`,
      column: 3,
      label: name,
      sub: `${listing?.type ?? ''} · ${state}`,
      cls: `backend health-${state}`,
    });
  };
  for (const b of backends) backendNode(b.name);
  for (const r of snap?.routes ?? []) {
    add({ id: `m:${r.model}`, column: 1, label: r.model, sub: `route · ${r.strategy}`, cls: 'model route' });
    for (const t of r.targets) {
      targetNode(t.id, t.backend);
      edge(`m:${r.model}`, `t:${t.id}`);
    }
  }
  for (const t of snap?.targets ?? []) targetNode(t.id, t.backend);

  const recent = flows.filter((f) => f.t >= now - window_ms);
  for (const f of flows.filter((f) => f.t >= now - 10 * window_ms)) {
    add({ id: `c:${f.client}`, column: 0, label: f.client, sub: '', cls: 'client' });
    if (f.model) add({ id: `m:${f.model}`, column: 1, label: f.model, sub: 'asked', cls: 'model' });
    edge(`c:${f.client}`, `m:${f.model}`);
    if (f.target) {
      targetNode(f.target, f.backend || f.target.split('/')[0]);
      edge(`m:${f.model}`, `t:${f.target}`);
    }
  }
  for (const f of recent) {
    const chain = [`c:${f.client}`, `m:${f.model}`, f.target ? `t:${f.target}` : ''];
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!chain[i + 1]) continue;
      const e = edge(chain[i], chain[i + 1]);
      e.perSecond += 1000 / window_ms;
      if (!f.ok) e.errors++;
    }
    if (f.target) {
      const e = edge(`t:${f.target}`, `b:${f.backend || f.target.split('/')[0]}`);
      e.perSecond += 1000 / window_ms;
      if (!f.ok) e.errors++;
    }
    // attempts that failed over: an error on the way to each target that failed
    for (const t of f.failed) {
      targetNode(t, t.split('/')[0]);
      const tried = edge(`m:${f.model}`, `t:${t}`);
      tried.perSecond += 1000 / window_ms;
      tried.errors++;
      const down = edge(`t:${t}`, `b:${t.split('/')[0]}`);
      down.perSecond += 1000 / window_ms;
      down.errors++;
    }
  }
  for (const e of edges.values()) {
    const parts = [e.perSecond > 0 ? rate(e.perSecond, ' req/s') : ''];
    if (e.errors) parts.push(`${e.errors} err`);
    if (e.from.startsWith('t:')) {
      const t = targets.get(e.from.slice(2));
      if (t?.ttft?.count && t.ttft.p50_ms != null) parts.push(`TTFT ${ms(t.ttft.p50_ms)}`);
    }
    e.label = parts.filter(Boolean).join(' · ');
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

function Graph({
  nodes,
  edges,
  selected,
  onSelect,
}: {
  nodes: Node[];
  edges: Edge[];
  selected: string;
  onSelect: (id: string) => void;
}) {
  const pos = new Map<string, { x: number; y: number }>();
  const rows = [0, 0, 0, 0];
  for (const n of nodes) {
    pos.set(n.id, { x: columnX[n.column], y: 40 + rows[n.column] * (nodeHeight + rowGap) });
    rows[n.column]++;
  }
  const height = 60 + Math.max(1, ...rows) * (nodeHeight + rowGap);
  return (
    <svg class="graph" viewBox={`0 0 ${graphWidth} ${height}`} width="100%" role="img" aria-label="request routing graph">
      {columns.map((c, i) => (
        <text class="column-title" x={columnX[i]} y={20}>
          {c}
        </text>
      ))}
      {edges.map((e) => {
        const a = pos.get(e.from);
        const b = pos.get(e.to);
        if (!a || !b) return null;
        const x1 = a.x + nodeWidth;
        const y1 = a.y + nodeHeight / 2;
        const x2 = b.x;
        const y2 = b.y + nodeHeight / 2;
        const mid = (x1 + x2) / 2;
        const width = Math.min(8, 1.5 + Math.log2(1 + e.perSecond * 4));
        return (
          <g class={`edge${e.errors ? ' edge-errors' : ''}${e.perSecond > 0 ? ' edge-busy' : ''}`}>
            <path d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} stroke-width={width} />
            {e.label &&
              (e.from.startsWith('t:') ? (
                // a target has one edge to its backend: its label sits at the start, clear of the others
                <text x={x1 + 8} y={y1 - 6} text-anchor="start">
                  {e.label}
                </text>
              ) : (
                <text x={mid} y={(y1 + y2) / 2 - 5} text-anchor="middle">
                  {e.label}
                </text>
              ))}
          </g>
        );
      })}
      {nodes.map((n) => {
        const p = pos.get(n.id)!;
        const clickable = n.column === 2;
        return (
          <g
            class={`node ${n.cls}${selected === n.id ? ' selected' : ''}${clickable ? ' clickable' : ''}`}
            transform={`translate(${p.x},${p.y})`}
            data-node={n.id}
            onClick={clickable ? () => onSelect(n.id) : undefined}
          >
            <rect width={nodeWidth} height={nodeHeight} rx={7} />
            <text x={10} y={16} class="node-label">
              {n.label.length > 29 ? n.label.slice(0, 28) + '…' : n.label}
            </text>
            <text x={10} y={31} class="node-sub">
              {n.sub}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function TargetDetails({ t }: { t: Target }) {
  // the target's time to first token per minute over the last hour, kept by the gateway
  const [history, setHistory] = useState<MinuteLatency[]>([]);
  useEffect(() => {
    const load = () =>
      api<RouterSnapshot>(`/api/router?history=${encodeURIComponent(t.id)}`)
        .then((s) => setHistory(s.targets.find((x) => x.id === t.id)?.ttft_by_minute ?? []))
        .catch(() => {});
    void load();
    const timer = setInterval(load, 15000);
    return () => clearInterval(timer);
  }, [t.id]);
  const now = Math.floor(Date.now() / 60000) * 60;
  const data = useMemo(() => {
    return [
      history.map((m) => now - m.minutes_ago * 60),
      history.map((m) => m.p50_ms),
      history.map((m) => m.p90_ms),
      history.map((m) => m.p99_ms),
    ];
  }, [history]);
  return (
    <section class="card target-details" data-target={t.id}>
      <h3>
        {t.id} <span class={`pill breaker-${t.state}`}>{breakerLabel(t)}</span>{' '}
        <span class={`pill health-${t.health}`}>{t.health}</span>
      </h3>
      <div class="stats">
        <div>
          <b>{t.in_flight}</b> in flight
        </div>
        {t.max_concurrency != null && (
          <div>
            <b>{t.queued ?? 0}</b> queued ({t.admitted ?? 0}/{t.max_concurrency} admitted)
          </div>
        )}
        <div>
          <b>{count(t.requests)}</b> requests
        </div>
        <div>
          <b>{count(t.failures ?? 0)}</b> failures
        </div>
        <div>
          <b>{count(t.rate_limited ?? 0)}</b> rate limited
        </div>
        <div>
          <b>{t.trips ?? 0}</b> breaker trips
        </div>
        <div>
          TTFT p50 <b>{ms(t.ttft?.count ? t.ttft.p50_ms : null)}</b> p90{' '}
          <b>{ms(t.ttft?.count ? t.ttft.p90_ms : null)}</b> p99 <b>{ms(t.ttft?.count ? t.ttft.p99_ms : null)}</b>
        </div>
        <div>
          total p50 <b>{ms(t.total?.count ? t.total.p50_ms : null)}</b> p99{' '}
          <b>{ms(t.total?.count ? t.total.p99_ms : null)}</b>
        </div>
      </div>
      {t.last_error && (
        <p class="error-text">
          Last error ({seconds(t.last_error_s_ago)} ago): {t.last_error}
        </p>
      )}
      <Chart
        id="target-latency"
        title="Time to first token per minute, last hour"
        data={data}
        xRange={[now - 3600, now + 60]}
        series={[
          { label: 'p50', color: '#38bdf8', unit: ' ms' },
          { label: 'p90', color: '#a78bfa', unit: ' ms' },
          { label: 'p99', color: '#f472b6', unit: ' ms' },
        ]}
        height={200}
      />
      <h4>Recent transitions</h4>
      {t.transitions?.length ? (
        <ul class="transitions">
          {[...t.transitions].reverse().map((tr) => (
            <li>
              <span class={`pill breaker-${tr.to}`}>{tr.to}</span> {seconds(tr.seconds_ago)} ago — {tr.why}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">None: the breaker has stayed closed.</p>
      )}
    </section>
  );
}

export function RouterPage() {
  const [snap, setSnap] = useState<RouterSnapshot | null>(null);
  const [backends, setBackends] = useState<BackendInfo[]>([]);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const s = await api<RouterSnapshot>('/api/router');
        if (stopped) return;
        setSnap(s);
        setError('');
      } catch (e) {
        if (!stopped) setError(String((e as Error).message));
      }
    };
    const pollBackends = () =>
      api<{ backends: BackendInfo[] }>('/api/backends')
        .then((b) => !stopped && setBackends(b.backends))
        .catch(() => {});
    if (!seeded) {
      seeded = true;
      api<RequestPage>('/api/requests?limit=500&from=-10m')
        .then((page) => {
          for (const r of [...page.requests].reverse())
            addFlow({
              t: r.at_ms,
              client: clientOf(r.api, r.key),
              model: r.model,
              target: reached(r.target),
              backend: r.backend,
              ok: r.status > 0 && r.status < 400,
              ttft: r.ttft_ms,
              failed: failedTargets(r.attempts),
            });
          setTick((x) => x + 1);
        })
        .catch(() => {});
    }
    void poll();
    void pollBackends();
    const timer = setInterval(poll, 2000);
    const slow = setInterval(pollBackends, 10000);
    const redraw = setInterval(() => setTick((x) => x + 1), 1000);
    const unlisten = listen((kind, data) => {
      if (kind === 'request') {
        const e = data as RequestEvent;
        addFlow({
          t: Date.now(),
          client: clientOf(e.api, e.key),
          model: e.model,
          target: reached(e.target),
          backend: e.backend,
          ok: e.status > 0 && e.status < 400 && e.complete,
          ttft: e.ttft_ms ?? null,
          failed: failedTargets(e.attempts),
        });
      } else if (kind === 'breaker') {
        // repaint now: the poll would take up to 2 s
        const b = data as { target: string; to: string };
        setSnap((s) =>
          s
            ? {
                ...s,
                targets: s.targets.map((t) => (t.id === b.target ? { ...t, state: b.to } : t)),
                routes: s.routes.map((r) => ({
                  ...r,
                  targets: r.targets.map((t) => (t.id === b.target ? { ...t, state: b.to } : t)),
                })),
              }
            : s,
        );
        void poll();
      } else if (kind === 'health') {
        void poll();
      }
    });
    return () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(slow);
      clearInterval(redraw);
      unlisten();
    };
  }, []);

  const graph = useMemo(() => buildGraph(snap, backends, Date.now()), [snap, backends, tick]);
  const target = snap?.targets.find((t) => `t:${t.id}` === selected);
  const totals = snap?.targets.reduce(
    (a, t) => ({ inFlight: a.inFlight + t.in_flight, open: a.open + (t.state === 'open' ? 1 : 0) }),
    { inFlight: 0, open: 0 },
  );
  return (
    <div>
      <header class="page-head">
        <h1>Router</h1>
        <div class="summary">
          <span>
            <b>{snap?.targets.length ?? 0}</b> targets
          </span>
          <span>
            <b>{totals?.inFlight ?? 0}</b> in flight
          </span>
          <span class={totals?.open ? 'bad' : ''}>
            <b>{totals?.open ?? 0}</b> breakers open
          </span>
          <span>
            retry budget <b>{snap?.retry_budget.retries ?? 0}</b>/<b>{snap?.retry_budget.requests ?? 0}</b>
            {snap?.retry_budget.refused ? ` (${snap.retry_budget.refused} refused)` : ''}
          </span>
        </div>
      </header>
      {error && <p class="error-text">{error}</p>}
      <section class="card">
        {graph.nodes.length ? (
          <Graph nodes={graph.nodes} edges={graph.edges} selected={selected} onSelect={setSelected} />
        ) : (
          <p class="muted">No backends or targets yet. Configure a backend, or send a request.</p>
        )}
        <p class="muted small">Edges: the last minute. Click a target for its latency and breaker history.</p>
      </section>
      {target && <TargetDetails t={target} />}
    </div>
  );
}
