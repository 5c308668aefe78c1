// Configured and discovered backends: type, address, source, health, models listed, the last
// error; and a reload of the configuration file.
import { useState } from 'preact/hooks';
import { type BackendInfo, type RouterSnapshot } from '../api';
import { usePolled } from '../poll';
import { ReloadButton } from '../reload';
import { count, seconds } from '../format';

interface ListedModel {
  id: string;
  context_length?: number;
  switchyard?: {
    kind: string;
    backend?: string;
    upstream_model?: string;
    state?: string;
    capabilities?: Record<string, boolean | number>;
  };
}

// A backend's models and what their lists say they can do.
function BackendModels({ models }: { models: ListedModel[] }) {
  if (!models.length) return <p class="muted small">No models listed.</p>;
  return (
    <ul class="backend-models">
      {models.map((m) => {
        const caps = m.switchyard?.capabilities ?? {};
        const context = m.context_length ?? (caps.context_length as number | undefined);
        return (
          <li>
            <span class="mono">{m.id}</span>
            {m.switchyard?.state && <span class={`pill small state-${m.switchyard.state}`}>{m.switchyard.state}</span>}
            {context != null && <span class="pill small">{count(context)} context</span>}
            {Object.entries(caps)
              .filter(([k]) => k !== 'context_length')
              .map(([k, v]) => (
                <span class={`pill small ${v ? 'ok' : 'muted'}`}>{v ? k : `no ${k}`}</span>
              ))}
          </li>
        );
      })}
    </ul>
  );
}

export function BackendsPage() {
  const backends = usePolled<{ backends: BackendInfo[]; discovering: boolean }>('/api/backends', 5000);
  const router = usePolled<RouterSnapshot>('/api/router', 5000);
  const listed = usePolled<{ data: ListedModel[] }>('/v1/models', 5000);
  const [open, setOpen] = useState('');
  const list = backends.data?.backends ?? null;
  const discovering = backends.data?.discovering ?? false;
  const health = router.data?.backends ?? [];
  const models = listed.data?.data.filter((x) => x.switchyard?.kind === 'model') ?? [];
  const error = backends.error || router.error || listed.error;
  const refresh = () => Promise.all([backends.refresh(), router.refresh(), listed.refresh()]);
  return (
    <div>
      <header class="page-head">
        <h1>Backends</h1>
        <div class="summary">
          {discovering && <span class="muted small">looking for local servers…</span>}
          <ReloadButton onDone={refresh} />
        </div>
      </header>
      {error && <p class="error-text">{error}</p>}
      {list && (
        <table class="grid backends">
          <thead>
            <tr>
              <th>name</th>
              <th>type</th>
              <th>address</th>
              <th>source</th>
              <th>models</th>
              <th>health</th>
              <th>last check</th>
            </tr>
          </thead>
          <tbody>
            {list.map((b) => {
              const h = health.find((x) => x.name === b.name);
              const err = b.error || h?.last_error;
              return [
                <tr data-backend={b.name}>
                  <td>{b.name}</td>
                  <td>{b.type}</td>
                  <td class="mono">{b.url}</td>
                  <td>{b.source}</td>
                  <td>
                    <button class="link-button inline" onClick={() => setOpen(open === b.name ? '' : b.name)}>
                      {b.models ?? '–'}
                    </button>{' '}
                    <span class={`pill listing-${b.listing}`}>{b.listing ?? 'not listed'}</span>
                  </td>
                  <td>
                    <span class={`pill health-${h?.health ?? 'unknown'}`}>{h?.health ?? 'not probed'}</span>
                  </td>
                  <td>{h?.last_check_s_ago != null ? `${seconds(h.last_check_s_ago)} ago` : '–'}</td>
                </tr>,
                err && (
                  <tr class="detail">
                    <td colSpan={7} class="error-text">
                      {err}
                    </td>
                  </tr>
                ),
                open === b.name && (
                  <tr class="detail">
                    <td colSpan={7}>
                      <BackendModels models={models.filter((m) => m.switchyard?.backend === b.name)} />
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
