// Chat with any model the gateway knows through its own OpenAI API, streamed as it arrives,
// with a system prompt and sampling parameters; each answer shows its time to first token,
// tokens/s and where it ran. "Compare" sends the same conversation to a second model beside it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, authHeaders, readSse, refusal } from '../api';
import { ms, rate } from '../format';

interface Message {
  role: 'user' | 'assistant';
  content: string;
  stats?: string;
  error?: string;
}

interface Panel {
  model: string;
  messages: Message[];
  busy: boolean;
}

interface Sampling {
  system: string;
  temperature: number;
  top_p: number;
  max_tokens: number;
}

async function stream(
  model: string,
  history: Message[],
  s: Sampling,
  signal: AbortSignal,
  onText: (text: string) => void,
): Promise<string> {
  const messages = [
    ...(s.system.trim() ? [{ role: 'system', content: s.system }] : []),
    ...history.filter((m) => !m.error).map((m) => ({ role: m.role, content: m.content })),
  ];
  const started = performance.now();
  const res = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: authHeaders({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: s.temperature,
      top_p: s.top_p,
      max_tokens: s.max_tokens,
    }),
    signal,
  });
  if (!res.ok) throw await refusal(res);
  const where = [res.headers.get('x-switchyard-model'), res.headers.get('x-switchyard-backend')].filter(Boolean);
  let text = '';
  let first: number | null = null;
  let chunks = 0;
  let completion: number | null = null;
  let finish = '';
  for await (const m of readSse(res)) {
    if (m.data === '[DONE]') break;
    const d = JSON.parse(m.data);
    if (d.error) throw new Error(d.error.message ?? JSON.stringify(d.error));
    const delta = d.choices?.[0]?.delta?.content ?? '';
    if (d.choices?.[0]?.finish_reason) finish = d.choices[0].finish_reason;
    if (d.model && where.length === 0) where.push(d.model);
    if (d.usage?.completion_tokens != null) completion = d.usage.completion_tokens;
    if (delta) {
      if (first == null) first = performance.now();
      chunks++;
      text += delta;
      onText(text);
    }
  }
  const end = performance.now();
  const tokens = completion ?? chunks;
  const gen = first != null ? (end - first) / 1000 : 0;
  const parts = [
    `TTFT ${ms(first != null ? first - started : null)}`,
    `${tokens} tokens`,
    gen > 0 && tokens > 1 ? rate((tokens - 1) / gen, ' tok/s') : '',
    where.length ? `via ${where.join(' on ')}` : '',
    finish && finish !== 'stop' ? `finish: ${finish}` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

// One numeric sampling parameter: a slider (showing its value) or a number field.
function NumberSetting(props: {
  label: string;
  type: 'range' | 'number';
  min: number;
  max: number;
  step: number;
  name: 'temperature' | 'top_p' | 'max_tokens';
  s: Sampling;
  set: (s: Sampling) => void;
}) {
  const { label, type, min, max, step, name, s, set } = props;
  return (
    <label>
      {label} {type === 'range' ? s[name] : ''}
      <input
        type={type}
        min={min}
        max={max}
        step={step}
        value={s[name]}
        onInput={(e) => set({ ...s, [name]: Number((e.target as HTMLInputElement).value) })}
      />
    </label>
  );
}

export function PlaygroundPage() {
  const [models, setModels] = useState<string[]>([]);
  const [panels, setPanels] = useState<Panel[]>([{ model: '', messages: [], busy: false }]);
  const [prompt, setPrompt] = useState('');
  const [sampling, setSampling] = useState<Sampling>({ system: '', temperature: 0.7, top_p: 1, max_tokens: 512 });
  const [error, setError] = useState('');
  const aborts = useRef<AbortController[]>([]);

  useEffect(() => {
    api<{ data: { id: string }[] }>('/v1/models')
      .then((r) => {
        const ids = r.data.map((m) => m.id);
        setModels(ids);
        setPanels((ps) => ps.map((p) => ({ ...p, model: p.model || ids[0] || '' })));
      })
      .catch((e) => setError(e.message));
    return () => aborts.current.forEach((a) => a.abort());
  }, []);

  const setPanel = (i: number, f: (p: Panel) => Panel) => setPanels((ps) => ps.map((p, j) => (j === i ? f(p) : p)));

  const send = (e: Event) => {
    e.preventDefault();
    const text = prompt.trim();
    if (!text || panels.some((p) => p.busy)) return;
    setPrompt('');
    aborts.current = panels.map(() => new AbortController());
    panels.forEach((p, i) => {
      const history: Message[] = [...p.messages, { role: 'user', content: text }];
      setPanel(i, (q) => ({ ...q, busy: true, messages: [...history, { role: 'assistant', content: '' }] }));
      const replaceLast = (m: Partial<Message>) =>
        setPanel(i, (q) => ({ ...q, messages: [...q.messages.slice(0, -1), { ...q.messages[q.messages.length - 1], ...m }] }));
      stream(p.model, history, sampling, aborts.current[i].signal, (t) => replaceLast({ content: t }))
        .then((stats) => replaceLast({ stats }))
        .catch((err) => replaceLast({ error: (err as Error).message }))
        .finally(() => setPanel(i, (q) => ({ ...q, busy: false })));
    });
  };

  const busy = panels.some((p) => p.busy);
  return (
    <div class="playground">
      <header class="page-head">
        <h1>Playground</h1>
        <div class="summary">
          <button
            class="secondary"
            onClick={() =>
              setPanels((ps) =>
                ps.length === 1
                  ? [...ps, { model: models.find((m) => m !== ps[0].model) ?? ps[0].model, messages: [], busy: false }]
                  : ps.slice(0, 1),
              )
            }
          >
            {panels.length === 1 ? 'Compare with another model' : 'One model'}
          </button>
          <button class="secondary" onClick={() => setPanels((ps) => ps.map((p) => ({ ...p, messages: [] })))}>
            New chat
          </button>
        </div>
      </header>
      {error && <p class="error-text">{error}</p>}
      <details class="card sampling">
        <summary>System prompt and sampling</summary>
        <label>
          system prompt
          <textarea
            rows={3}
            value={sampling.system}
            onInput={(e) => setSampling({ ...sampling, system: (e.target as HTMLTextAreaElement).value })}
          />
        </label>
        <div class="row-form">
          <NumberSetting label="temperature" type="range" min={0} max={2} step={0.05} name="temperature" s={sampling} set={setSampling} />
          <NumberSetting label="top_p" type="range" min={0} max={1} step={0.05} name="top_p" s={sampling} set={setSampling} />
          <NumberSetting label="max tokens" type="number" min={1} max={32768} step={1} name="max_tokens" s={sampling} set={setSampling} />
        </div>
      </details>
      <div class={`panels panels-${panels.length}`}>
        {panels.map((p, i) => (
          <section class="card panel" data-panel={i}>
            <select
              name={`model-${i}`}
              value={p.model}
              disabled={p.busy}
              onChange={(e) => setPanel(i, (q) => ({ ...q, model: (e.target as HTMLSelectElement).value }))}
            >
              {models.map((m) => (
                <option value={m}>{m}</option>
              ))}
            </select>
            <div class="messages">
              {p.messages.length === 0 && <p class="muted">Ask something below.</p>}
              {p.messages.map((m) => (
                <div class={`message ${m.role}`}>
                  <div class="content">{m.content || (m.role === 'assistant' && !m.error ? '…' : '')}</div>
                  {m.error && <div class="error-text">{m.error}</div>}
                  {m.stats && <div class="stats-line muted small">{m.stats}</div>}
                </div>
              ))}
            </div>
          </section>
        ))}
      </div>
      <form class="composer" onSubmit={send}>
        <textarea
          name="prompt"
          rows={3}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          value={prompt}
          onInput={(e) => setPrompt((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) send(e);
          }}
        />
        {busy ? (
          <button type="button" class="secondary" onClick={() => aborts.current.forEach((a) => a.abort())}>
            Stop
          </button>
        ) : (
          <button type="submit" disabled={!prompt.trim() || !panels.every((p) => p.model)}>
            Send
          </button>
        )}
      </form>
    </div>
  );
}
