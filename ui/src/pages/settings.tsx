// The running configuration (secrets masked), whether the file on disk would load (and why
// not), and a reload.
import { usePolled } from '../poll';
import { ReloadButton } from '../reload';

interface ConfigAnswer {
  source: string;
  running: string;
  file: { checked: boolean; valid?: boolean; changed?: boolean; error?: string };
}

export function SettingsPage() {
  const { data: cfg, error, refresh } = usePolled<ConfigAnswer>('/api/config', 0);
  return (
    <div>
      <header class="page-head">
        <h1>Settings</h1>
        <div class="summary">
          <button class="secondary" onClick={refresh}>
            Check the file again
          </button>
          <ReloadButton onDone={refresh} disabled={!cfg?.file.valid} />
        </div>
      </header>
      {error && <p class="error-text">{error}</p>}
      {cfg && (
        <>
          <section class="card" id="file-check">
            <h3>Configuration file</h3>
            <p class="mono">{cfg.source}</p>
            {!cfg.file.checked ? (
              <p class="muted">This gateway has no file to reload from.</p>
            ) : cfg.file.valid ? (
              <p class="ok">
                Valid.{' '}
                {cfg.file.changed ? 'It differs from the running configuration: reload to apply it.' : 'It is the running configuration.'}
              </p>
            ) : (
              <pre class="error-text">{cfg.file.error}</pre>
            )}
          </section>
          <section class="card">
            <h3>Running configuration (secrets masked)</h3>
            <pre class="config">{cfg.running}</pre>
          </section>
        </>
      )}
    </div>
  );
}
