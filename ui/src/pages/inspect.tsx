// What a GGUF model is, before or after downloading it (GET /api/models/inspect reads only its
// header, over HTTP Range for a hub model): architecture, block structure, RoPE, vocabulary, the
// quantization mix and where the parameters are, the KV cache against context length, and
// whether it fits this machine.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { Chart } from '../chart';
import { bytes, count } from '../format';
import type { Location } from '../main';

interface Part {
  tensors: number;
  params: number;
  bytes: number;
  bits_per_weight: number;
  type?: string;
}

interface Estimate {
  ctx: number;
  kv_bytes: number;
  weights_bytes: number;
  compute_bytes: number;
  total_bytes: number;
  fits: boolean;
}

interface Report {
  source: string;
  gguf: { version: number; file_size: number; metadata_count: number };
  identity: { architecture: string; name: string; size_label: string; file_type_name: string; license: string };
  total: Part;
  quantization: Part[];
  roles: Record<string, Part>;
  shape: {
    blocks: number;
    hidden: number;
    feed_forward: number;
    heads: number[];
    kv_heads: number[];
    head_dim_k: number;
    head_dim_v: number;
    experts: number;
    experts_used: number;
    sliding_window: number;
  };
  rope: {
    dimension_count: number;
    freq_base: number;
    scaling_type: string;
    scaling_factor: number | null;
    original_context_length: number | null;
  };
  vocabulary: { model: string; pre: string; tokens: number; special: number; merges: number; chat_template_bytes: number };
  blocks: { layers: number[]; params: number; bytes: number; tensors: { name: string; dims: number[]; type: string }[] }[];
  context: {
    trained: number;
    cache_type: string;
    parallel: number;
    available_bytes: number;
    estimates: Estimate[];
  };
}

const palette = ['#38bdf8', '#a78bfa', '#34d399', '#fbbf24', '#f472b6', '#fb7185', '#60a5fa', '#4ade80', '#facc15'];

// A horizontal stacked bar with its legend: one of the page's two "where do the bytes go" charts.
function ShareBar({ title, parts, id }: { title: string; parts: { label: string; value: number; note: string }[]; id: string }) {
  const total = parts.reduce((n, p) => n + p.value, 0) || 1;
  return (
    <div class="share" id={id}>
      <h3>{title}</h3>
      <svg class="share-bar" viewBox="0 0 1000 28" preserveAspectRatio="none" width="100%" height="28">
        {(() => {
          let x = 0;
          return parts.map((p, i) => {
            const w = (1000 * p.value) / total;
            const r = <rect x={x} y={0} width={Math.max(w, 0.5)} height={28} fill={palette[i % palette.length]} />;
            x += w;
            return r;
          });
        })()}
      </svg>
      <ul class="legend">
        {parts.map((p, i) => (
          <li>
            <span class="swatch" style={{ background: palette[i % palette.length] }} />
            <b>{p.label}</b> {((100 * p.value) / total).toFixed(1)}% <span class="muted">{p.note}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function InspectPage({ loc }: { loc: Location }) {
  const model = loc.params.get('model') ?? '';
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState('');
  const [cacheType, setCacheType] = useState('f16');
  const [parallel, setParallel] = useState(1);

  useEffect(() => {
    if (!model) return;
    setError('');
    // contexts from 2k to 128k plus the trained one: the API takes up to 8
    const ctx = [2048, 4096, 8192, 16384, 32768, 65536, 131072];
    const q = ctx.map((c) => `ctx=${c}`).join('&');
    api<Report>(
      `/api/models/inspect?model=${encodeURIComponent(model)}&${q}&cache_type=${cacheType}&parallel=${parallel}`,
    )
      .then(setReport)
      .catch((e) => setError(e.message));
  }, [model, cacheType, parallel]);

  const kv = useMemo(() => {
    const est = report?.context.estimates ?? [];
    const gib = (b: number) => b / 1073741824;
    return [
      est.map((e) => e.ctx),
      est.map((e) => gib(e.kv_bytes)),
      est.map((e) => gib(e.total_bytes)),
      est.map(() => gib(report?.context.available_bytes ?? 0)),
    ];
  }, [report]);

  if (!model) return <p class="muted">Pick a model on the Models page.</p>;
  if (error)
    return (
      <div>
        <h1>{model}</h1>
        <p class="error-text">{error}</p>
      </div>
    );
  if (!report) return <p class="muted">Reading the header of {model}…</p>;

  const r = report;
  const fitting = r.context.estimates.filter((e) => e.fits);
  const largest = fitting.length ? fitting[fitting.length - 1] : null;
  const atTrained = r.context.estimates.find((e) => e.ctx >= r.context.trained) ?? r.context.estimates[0];
  return (
    <div class="inspect">
      <header class="page-head">
        <h1>{r.identity.name || model}</h1>
        <div class="summary">
          <span class={`pill ${largest ? 'ok' : 'bad'}`} id="fits-verdict">
            {largest
              ? `fits this machine up to ${count(largest.ctx)} context (${bytes(largest.total_bytes)} of ${bytes(
                  r.context.available_bytes,
                )})`
              : `does not fit this machine (${bytes(atTrained?.total_bytes)} needed, ${bytes(
                  r.context.available_bytes,
                )} available)`}
          </span>
        </div>
      </header>
      <p class="muted small">{r.source}</p>
      <div class="facts">
        <section class="card">
          <h3>Model</h3>
          <dl>
            <dt>architecture</dt>
            <dd>{r.identity.architecture}</dd>
            <dt>parameters</dt>
            <dd>
              {count(r.total.params)} {r.identity.size_label && `(${r.identity.size_label})`}
            </dd>
            <dt>file</dt>
            <dd>
              {bytes(r.gguf.file_size)} · GGUF v{r.gguf.version} · {r.identity.file_type_name}
            </dd>
            <dt>bits per weight</dt>
            <dd>{r.total.bits_per_weight.toFixed(2)}</dd>
            {r.identity.license && (
              <>
                <dt>license</dt>
                <dd>{r.identity.license}</dd>
              </>
            )}
          </dl>
        </section>
        <section class="card">
          <h3>Shape</h3>
          <dl>
            <dt>blocks</dt>
            <dd>{r.shape.blocks}</dd>
            <dt>hidden / feed-forward</dt>
            <dd>
              {r.shape.hidden} / {r.shape.feed_forward}
            </dd>
            <dt>heads (KV)</dt>
            <dd>
              {r.shape.heads[0]} ({r.shape.kv_heads[0]}) · head dim {r.shape.head_dim_k}
            </dd>
            {r.shape.experts > 0 && (
              <>
                <dt>experts</dt>
                <dd>
                  {r.shape.experts_used} of {r.shape.experts}
                </dd>
              </>
            )}
            {r.shape.sliding_window > 0 && (
              <>
                <dt>sliding window</dt>
                <dd>{r.shape.sliding_window}</dd>
              </>
            )}
          </dl>
        </section>
        <section class="card">
          <h3>RoPE and context</h3>
          <dl>
            <dt>trained context</dt>
            <dd>{count(r.context.trained)}</dd>
            <dt>RoPE</dt>
            <dd>
              {r.rope.dimension_count} dims · base {r.rope.freq_base}
              {r.rope.scaling_type && ` · ${r.rope.scaling_type} ×${r.rope.scaling_factor ?? '?'}`}
            </dd>
            {r.rope.original_context_length != null && (
              <>
                <dt>original context</dt>
                <dd>{count(r.rope.original_context_length)}</dd>
              </>
            )}
          </dl>
        </section>
        <section class="card">
          <h3>Vocabulary</h3>
          <dl>
            <dt>tokenizer</dt>
            <dd>
              {r.vocabulary.model} ({r.vocabulary.pre})
            </dd>
            <dt>tokens</dt>
            <dd>
              {count(r.vocabulary.tokens)} ({r.vocabulary.special} special)
            </dd>
            <dt>merges</dt>
            <dd>{count(r.vocabulary.merges)}</dd>
            <dt>chat template</dt>
            <dd>{r.vocabulary.chat_template_bytes ? bytes(r.vocabulary.chat_template_bytes) : 'none'}</dd>
          </dl>
        </section>
      </div>
      <section class="card">
        <ShareBar
          id="quant-mix"
          title="Quantization mix (share of the weights' bytes)"
          parts={r.quantization.map((p) => ({
            label: p.type ?? '?',
            value: p.bytes,
            note: `${bytes(p.bytes)} · ${p.tensors} tensors · ${p.bits_per_weight.toFixed(2)} bpw`,
          }))}
        />
        <ShareBar
          id="param-split"
          title="Where the parameters are"
          parts={Object.entries(r.roles).map(([role, p]) => ({
            label: role,
            value: p.params,
            note: `${count(p.params)} params · ${bytes(p.bytes)}`,
          }))}
        />
      </section>
      <section class="card">
        <div class="row-form">
          <h3>KV cache and memory against context length</h3>
          <span class="spacer" />
          <label>
            cache type{' '}
            <select value={cacheType} onChange={(e) => setCacheType((e.target as HTMLSelectElement).value)}>
              {['f16', 'q8_0', 'q4_0', 'f32', 'bf16'].map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          </label>
          <label>
            parallel{' '}
            <select value={parallel} onChange={(e) => setParallel(Number((e.target as HTMLSelectElement).value))}>
              {[1, 2, 4, 8].map((n) => (
                <option value={n}>{n}</option>
              ))}
            </select>
          </label>
        </div>
        <Chart
          id="kv-chart"
          data={kv}
          time={false}
          logX
          xLabel="context length (tokens)"
          series={[
            { label: 'KV cache', color: '#38bdf8', unit: ' GiB' },
            { label: 'total (weights + KV + compute)', color: '#fbbf24', unit: ' GiB' },
            { label: 'available', color: '#f87171', unit: ' GiB' },
          ]}
        />
        <table class="grid">
          <thead>
            <tr>
              <th>context</th>
              <th>KV cache</th>
              <th>weights</th>
              <th>compute</th>
              <th>total</th>
              <th>fits</th>
            </tr>
          </thead>
          <tbody>
            {r.context.estimates.map((e) => (
              <tr>
                <td>{count(e.ctx)}</td>
                <td>{bytes(e.kv_bytes)}</td>
                <td>{bytes(e.weights_bytes)}</td>
                <td>{bytes(e.compute_bytes)}</td>
                <td>{bytes(e.total_bytes)}</td>
                <td class={e.fits ? 'ok' : 'bad'}>{e.fits ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h3>Block structure</h3>
        {r.blocks.map((b) => (
          <details>
            <summary>
              layers {b.layers.length === 2 ? `${b.layers[0]}–${b.layers[1]}` : b.layers.join(', ')} ·{' '}
              {count(b.params)} params · {bytes(b.bytes)} per block
            </summary>
            <table class="grid small">
              <tbody>
                {b.tensors.map((t) => (
                  <tr>
                    <td class="mono">{t.name}</td>
                    <td class="mono">{t.dims.join(' × ')}</td>
                    <td>{t.type}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ))}
      </section>
    </div>
  );
}
