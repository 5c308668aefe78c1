// "Reload configuration": POST /api/config/reload, then the outcome beside the button (the
// file's validation error when it was refused). `onDone` runs either way.
import { useState } from 'preact/hooks';
import { reloadConfiguration } from './api';

export function ReloadButton({ onDone, disabled }: { onDone: () => void; disabled?: boolean }) {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const reload = async () => {
    try {
      await reloadConfiguration();
      setOutcome({ ok: true, text: 'Reloaded; model lists are being refreshed.' });
    } catch (e) {
      setOutcome({ ok: false, text: (e as Error).message });
    }
    onDone();
  };
  return (
    <span class="reload">
      {outcome && <span class={`small ${outcome.ok ? 'ok' : 'error-text'}`}>{outcome.text}</span>}
      <button onClick={reload} disabled={disabled}>
        Reload configuration
      </button>
    </span>
  );
}
