// The local store (load, unload, delete, inspect), Hugging Face search with the quantizations
// on offer, and pulls with progress (speed, ETA, cancel; a cancelled pull resumes where it
// stopped when started again).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, authHeaders, post, readSse, refusal, type LocalModel, type SearchHit } from '../api';
import { bytes, count, rate, seconds } from '../format';
import { usePolled } from '../poll';

interface PullState {
  spec: string;
  file?: string;
  done: number;
  total: number;
  rate: number;
  verifying: boolean;
  finished?: string; // the model's name when done
  error?: string;
  controller: AbortController;
}

function Pull({ p, onCancel }: { p: PullState; onCancel: () => void }) {
  const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
  const eta = p.rate > 0 && p.total > p.done ? (p.total - p.done) / p.rate : null;
  return (
    <div class="pull card" data-spec={p.spec}>
      <div class="pull-head">
        <b>{p.spec}</b>
        {p.file && <span class="muted small"> {p.file}</span>}
        <span class="spacer" />
        {!p.finished && !p.error && (
          <button class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <progress max={100} value={p.finished ? 100 : pct} />
      <div class="small pull-status">
        {p.error ? (
          <span class="error-text">{p.error}</span>
        ) : p.finished ? (
          <span class="ok">done: {p.finished} is in the store (100%)</span>
        ) : p.verifying ? (
          'verifying sha256…'
        ) : (
          <span>
            {pct.toFixed(1)}% · {bytes(p.done)} of {bytes(p.total)} · {rate(p.rate / 1048576, ' MiB/s')}
            {eta != null && ` · ETA ${seconds(eta)}`}
          </span>
        )}
      </div>
    </div>
  );
}

export function ModelsPage() {
  const [actionError, setActionError] = useState('');
  const [busy, setBusy] = useState('');
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [searchError, setSearchError] = useState('');
  const [searching, setSearching] = useState(false);
  const [pulls, setPulls] = useState<PullState[]>([]);
  const [spec, setSpec] = useState('');
  const pullsRef = useRef(pulls);
  pullsRef.current = pulls;

  const store = usePolled<{ models: LocalModel[]; home: string }>('/api/models', 5000);
  const { refresh } = store;
  const models = store.data?.models ?? null;
  const error = actionError || store.error;

  // pulls still streaming stop with the page (each resumes when pulled again)
  useEffect(() => () => pullsRef.current.forEach((p) => p.controller.abort()), []);

  const act = async (what: string, f: () => Promise<unknown>) => {
    setBusy(what);
    try {
      await f();
      setActionError('');
    } catch (e) {
      setActionError((e as Error).message);
    } finally {
      setBusy('');
      void refresh();
    }
  };

  const update = (s: string, patch: Partial<PullState>) =>
    setPulls((ps) => ps.map((p) => (p.spec === s ? { ...p, ...patch } : p)));

  const pull = async (s: string) => {
    s = s.trim();
    if (!s || pullsRef.current.some((p) => p.spec === s && !p.finished && !p.error)) return;
    const controller = new AbortController();
    setPulls((ps) => [
      { spec: s, done: 0, total: 0, rate: 0, verifying: false, controller },
      ...ps.filter((p) => p.spec !== s),
    ]);
    try {
      const res = await fetch('/api/models/pull', {
        method: 'POST',
        headers: authHeaders({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ model: s }),
        signal: controller.signal,
      });
      if (!res.ok) throw await refusal(res);
      for await (const m of readSse(res)) {
        const d = JSON.parse(m.data);
        if (m.event === 'progress')
          update(s, { file: d.file, done: d.done, total: d.total, rate: d.rate, verifying: d.verifying });
        else if (m.event === 'done') {
          update(s, { finished: d.name, done: d.size, total: d.size });
          void refresh();
        } else if (m.event === 'error') update(s, { error: d.error?.message ?? m.data });
      }
    } catch (e) {
      update(s, {
        error: controller.signal.aborted ? 'cancelled (pull it again to resume)' : (e as Error).message,
      });
    }
  };

  const search = async (e: Event) => {
    e.preventDefault();
    setSearching(true);
    try {
      const r = await api<{ models: SearchHit[] }>(`/api/hub/search?q=${encodeURIComponent(q)}&limit=30`);
      setHits(r.models);
      setSearchError('');
    } catch (err) {
      setSearchError((err as Error).message);
    } finally {
      setSearching(false);
    }
  };

  return (
    <div>
      <header class="page-head">
        <h1>Models</h1>
        <div class="summary muted small">store: {store.data?.home || '–'}</div>
      </header>
      {error && <p class="error-text">{error}</p>}
      <section class="card">
        <h2>This machine</h2>
        {models && models.length === 0 && <p class="muted">No models yet: search the hub below and pull one.</p>}
        {models && models.length > 0 && (
          <table class="grid store">
            <thead>
              <tr>
                <th>name</th>
                <th>architecture</th>
                <th>parameters</th>
                <th>quantization</th>
                <th>context</th>
                <th>size</th>
                <th>state</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr data-model={m.name}>
                  <td>
                    <a href={`#/models/inspect?model=${encodeURIComponent(m.name)}`}>{m.name}</a>
                    {m.embedding && <span class="pill small">embedding</span>}
                    {!m.in_store && <span class="pill small" title={m.path}>models.paths</span>}
                  </td>
                  <td>{m.architecture}</td>
                  <td>{m.size_label || count(m.parameters)}</td>
                  <td>{m.quantization}</td>
                  <td>{count(m.context_length)}</td>
                  <td>{bytes(m.size_bytes)}</td>
                  <td>
                    <span class={`pill state-${m.state}`}>{m.state.replace('_', ' ')}</span>
                  </td>
                  <td class="actions">
                    {m.state === 'ready' || m.state === 'starting' ? (
                      <button
                        class="secondary"
                        disabled={!!busy}
                        onClick={() => act(`unload ${m.name}`, () => post('/api/engines/unload', { model: m.name }))}
                      >
                        Unload
                      </button>
                    ) : (
                      <button
                        disabled={!!busy}
                        onClick={() => act(`load ${m.name}`, () => post('/api/engines/load', { model: m.name }))}
                      >
                        {busy === `load ${m.name}` ? 'Loading…' : 'Load'}
                      </button>
                    )}
                    {m.in_store && (
                      <button
                        class="danger"
                        disabled={!!busy}
                        onClick={() =>
                          confirm(`Delete ${m.name} (${bytes(m.size_bytes)}) from the store?`) &&
                          act(`delete ${m.name}`, () => post('/api/models/delete', { model: m.name, force: true }))
                        }
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {pulls.length > 0 && (
        <section>
          {pulls.map((p) => (
            <Pull p={p} onCancel={() => p.controller.abort()} />
          ))}
        </section>
      )}

      <section class="card">
        <h2>Hugging Face</h2>
        <form class="row-form" onSubmit={search}>
          <input
            name="q"
            placeholder="search GGUF models, e.g. qwen2.5 0.5b"
            value={q}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          />
          <button type="submit" disabled={searching}>
            {searching ? 'Searching…' : 'Search'}
          </button>
        </form>
        <form
          class="row-form"
          onSubmit={(e) => {
            e.preventDefault();
            void pull(spec);
          }}
        >
          <input
            name="spec"
            placeholder="or pull owner/repo:QUANT directly"
            value={spec}
            onInput={(e) => setSpec((e.target as HTMLInputElement).value)}
          />
          <button type="submit" disabled={!spec.trim()}>
            Pull
          </button>
        </form>
        {searchError && <p class="error-text">{searchError}</p>}
        {hits && hits.length === 0 && <p class="muted">No GGUF repositories match.</p>}
        {hits && hits.length > 0 && (
          <table class="grid hits">
            <thead>
              <tr>
                <th>repository</th>
                <th>downloads</th>
                <th>likes</th>
                <th>quantizations on offer</th>
              </tr>
            </thead>
            <tbody>
              {hits.map((h) => (
                <tr data-repo={h.id}>
                  <td>
                    <a href={`#/models/inspect?model=${encodeURIComponent(h.id)}`}>{h.id}</a>
                    {h.gated && <span class="pill small warn">gated</span>}
                    <div class="muted small">{h.updated?.slice(0, 10)}</div>
                  </td>
                  <td>{count(h.downloads)}</td>
                  <td>{count(h.likes)}</td>
                  <td class="quants">
                    {h.quantizations.length === 0 && <span class="muted small">{h.files.length} files</span>}
                    {h.quantizations.map((qn) => (
                      <span class="quant">
                        <a href={`#/models/inspect?model=${encodeURIComponent(`${h.id}:${qn}`)}`} title="inspect">
                          {qn}
                        </a>
                        <button class="small" title={`pull ${h.id}:${qn}`} onClick={() => pull(`${h.id}:${qn}`)}>
                          ↓
                        </button>
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
