// Loaded local models: state, memory, slots, uptime, restarts, the end of each engine's log,
// and unload.
import { useState } from 'preact/hooks';
import { post, type Engine } from '../api';
import { usePolled } from '../poll';
import { bytes, ms, seconds } from '../format';

interface EnginesAnswer {
  engines: Engine[];
  max_loaded: number;
  memory_budget: number;
  llama_server: string;
}

function LogTail({ model }: { model: string }) {
  const { data, error } = usePolled<{ tail: string; path: string }>(
    `/api/engines/log?model=${encodeURIComponent(model)}`,
    3000,
  );
  return <pre class="log">{error || (data ? data.tail || `(${data.path} is empty)` : 'reading…')}</pre>;
}

export function EnginesPage() {
  const { data, error, setError, refresh } = usePolled<EnginesAnswer>('/api/engines', 2000);
  const [open, setOpen] = useState('');
  const unload = async (model: string, force: boolean) => {
    try {
      await post('/api/engines/unload', { model, force });
    } catch (e) {
      setError((e as Error).message);
    }
    void refresh();
  };
  return (
    <div>
      <header class="page-head">
        <h1>Engines</h1>
        {data && (
          <div class="summary muted small">
            at most {data.max_loaded} loaded · memory budget {data.memory_budget ? bytes(data.memory_budget) : 'automatic'}{' '}
            · {data.llama_server}
          </div>
        )}
      </header>
      {error && <p class="error-text">{error}</p>}
      {data && data.engines.length === 0 && (
        <p class="muted card">No engine is running. Local models load on their first request, or from the Models page.</p>
      )}
      {data && data.engines.length > 0 && (
        <table class="grid engines">
          <thead>
            <tr>
              <th>model</th>
              <th>state</th>
              <th>memory</th>
              <th>slots busy</th>
              <th>uptime</th>
              <th>idle</th>
              <th>restarts</th>
              <th>load time</th>
              <th>pid · port</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.engines.map((e) => [
              <tr data-engine={e.model}>
                <td>
                  <button class="link-button inline" onClick={() => setOpen(open === e.model ? '' : e.model)}>
                    {e.model}
                  </button>
                </td>
                <td>
                  <span class={`pill state-${e.state}`}>{e.state}</span>
                </td>
                <td>{bytes(e.memory_bytes)}</td>
                <td>
                  {e.slots_busy} / {e.slots}
                </td>
                <td>{seconds(e.uptime_s)}</td>
                <td>{seconds(e.idle_s)}</td>
                <td>{e.restarts}</td>
                <td>{ms(e.load_time_ms)}</td>
                <td class="mono">
                  {e.pid} · {e.port}
                </td>
                <td class="actions">
                  <button class="secondary" onClick={() => setOpen(open === e.model ? '' : e.model)}>
                    Log
                  </button>
                  <button class="secondary" onClick={() => unload(e.model, e.slots_busy > 0)}>
                    Unload
                  </button>
                </td>
              </tr>,
              (open === e.model || e.last_error) && (
                <tr class="detail">
                  <td colSpan={10}>
                    {e.last_error && <pre class="error-text">{e.last_error}</pre>}
                    {open === e.model && <LogTail model={e.model} />}
                  </td>
                </tr>
              ),
            ])}
          </tbody>
        </table>
      )}
    </div>
  );
}
