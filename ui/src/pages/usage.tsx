// Tokens and requests over time by key, route, backend or model (one /api/usage call per view),
// as charts and a table, with a CSV export of what is shown.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type UsageGroup, type UsageSummary } from '../api';
import { Chart } from '../chart';
import { count, ms } from '../format';

const ranges: Record<string, { from: string; bucket: string }> = {
  '1h': { from: '-1h', bucket: 'minute' },
  '24h': { from: '-24h', bucket: 'hour' },
  '7d': { from: '-7d', bucket: 'day' },
  '30d': { from: '-30d', bucket: 'day' },
};
const bucketMs: Record<string, number> = { minute: 60_000, hour: 3600_000, day: 86400_000 };
const dimensions = ['model', 'requested_model', 'key', 'route', 'backend', 'endpoint', 'status'];
const colors = ['#38bdf8', '#a78bfa', '#34d399', '#fbbf24', '#f472b6', '#fb7185', '#94a3b8'];
const topN = 6;

function csv(rows: UsageGroup[], dim: string): string {
  const cols = ['bucket_start', dim, 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'errors', 'cut_short', 'avg_duration_ms', 'avg_ttft_ms'];
  const cell = (v: unknown) => {
    const s = v == null ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

export function UsagePage() {
  const [range, setRange] = useState('24h');
  const [dim, setDim] = useState('model');
  const [data, setData] = useState<UsageSummary | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const { from, bucket } = ranges[range];
    api<UsageSummary>(`/api/usage?from=${from}&group_by=${dim}&bucket=${bucket}`)
      .then((d) => {
        setData(d);
        setError('');
      })
      .catch((e) => setError(e.message));
  }, [range, dim]);

  const view = useMemo(() => {
    if (!data) return null;
    const totals = new Map<string, { requests: number; input: number; output: number; errors: number; dur: number; ttft: number; ttftN: number }>();
    for (const g of data.groups) {
      const k = String(g[dim] ?? '');
      const t = totals.get(k) ?? { requests: 0, input: 0, output: 0, errors: 0, dur: 0, ttft: 0, ttftN: 0 };
      t.requests += g.requests;
      t.input += g.input_tokens;
      t.output += g.output_tokens;
      t.errors += g.errors;
      t.dur += (g.avg_duration_ms ?? 0) * g.requests;
      if (g.avg_ttft_ms != null) {
        t.ttft += g.avg_ttft_ms * g.requests;
        t.ttftN += g.requests;
      }
      totals.set(k, t);
    }
    const ranked = [...totals.entries()].sort((a, b) => b[1].requests - a[1].requests);
    const top = ranked.slice(0, topN).map(([k]) => k);
    // every bucket of the range, empty ones as zeros: the time axis is the range asked for
    const step = bucketMs[data.bucket] ?? 3600_000;
    const buckets: number[] = [];
    for (let b = Math.floor(data.from_ms / step) * step; b <= data.to_ms; b += step) buckets.push(b);
    const index = new Map(buckets.map((b, i) => [b, i]));
    const series = [...top, ...(ranked.length > topN ? ['(other)'] : [])];
    const req = series.map(() => buckets.map(() => 0));
    const tokIn = buckets.map(() => 0);
    const tokOut = buckets.map(() => 0);
    for (const g of data.groups) {
      const i = index.get(Number(g.bucket_start_ms));
      if (i == null) continue;
      const k = String(g[dim] ?? '');
      const s = top.includes(k) ? top.indexOf(k) : series.length - 1;
      req[s][i] += g.requests;
      tokIn[i] += g.input_tokens;
      tokOut[i] += g.output_tokens;
    }
    const x = buckets.map((b) => b / 1000);
    return { ranked, series, requests: [x, ...req], tokens: [x, tokIn, tokOut] };
  }, [data, dim]);

  const download = () => {
    if (!data) return;
    const blob = new Blob([csv(data.groups, dim)], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `switchyard-usage-${range}-by-${dim}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  return (
    <div>
      <header class="page-head">
        <h1>Usage</h1>
        <div class="summary">
          <label>
            last{' '}
            <select value={range} onChange={(e) => setRange((e.target as HTMLSelectElement).value)}>
              {Object.keys(ranges).map((r) => (
                <option value={r}>{r}</option>
              ))}
            </select>
          </label>
          <label>
            by{' '}
            <select value={dim} onChange={(e) => setDim((e.target as HTMLSelectElement).value)}>
              {dimensions.map((d) => (
                <option value={d}>{d.replace('_', ' ')}</option>
              ))}
            </select>
          </label>
          <button class="secondary" onClick={download} disabled={!data}>
            Export CSV
          </button>
        </div>
      </header>
      {error && <p class="error-text">{error}</p>}
      {data && (
        <div class="stats card">
          <div>
            <b>{count(data.totals.requests)}</b> requests
          </div>
          <div>
            <b>{count(data.totals.input_tokens)}</b> tokens in
          </div>
          <div>
            <b>{count(data.totals.output_tokens)}</b> tokens out
          </div>
          <div>
            <b>{count(data.totals.errors)}</b> errors
          </div>
          <div>
            avg TTFT <b>{ms(data.totals.avg_ttft_ms)}</b>
          </div>
          <div>
            avg duration <b>{ms(data.totals.avg_duration_ms)}</b>
          </div>
        </div>
      )}
      {view && (
        <>
          <section class="card">
            <Chart
              id="usage-requests"
              title={`Requests by ${dim.replace('_', ' ')}`}
              data={view.requests}
              series={view.series.map((s, i) => ({ label: s || '(none)', color: colors[i % colors.length], bars: false }))}
            />
          </section>
          <section class="card">
            <Chart
              id="usage-tokens"
              title="Tokens"
              data={view.tokens}
              series={[
                { label: 'input', color: '#38bdf8' },
                { label: 'output', color: '#34d399' },
              ]}
            />
          </section>
          <table class="grid usage">
            <thead>
              <tr>
                <th>{dim.replace('_', ' ')}</th>
                <th>requests</th>
                <th>tokens in</th>
                <th>tokens out</th>
                <th>errors</th>
                <th>avg TTFT</th>
                <th>avg duration</th>
              </tr>
            </thead>
            <tbody>
              {view.ranked.map(([k, t]) => (
                <tr>
                  <td>{k || '(none)'}</td>
                  <td>{count(t.requests)}</td>
                  <td>{count(t.input)}</td>
                  <td>{count(t.output)}</td>
                  <td>{count(t.errors)}</td>
                  <td>{ms(t.ttftN ? t.ttft / t.ttftN : null)}</td>
                  <td>{ms(t.requests ? t.dur / t.requests : null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data?.truncated && <p class="muted small">More groups than the API returns: the table shows the largest.</p>}
        </>
      )}
    </div>
  );
}
