// One connection to GET /api/events for the whole dashboard, shared by every page that listens:
// opened with the first listener, closed with the last, reopened after a drop (backing off up to
// 10 s). Listeners get the event's kind and its parsed JSON.
import { authHeaders, readSse } from './api';

export type EventListener = (kind: string, data: unknown) => void;
export type LinkState = 'connecting' | 'live' | 'down';

const listeners = new Set<EventListener>();
const linkListeners = new Set<(s: LinkState) => void>();
let controller: AbortController | null = null;
let link: LinkState = 'down';

function setLink(s: LinkState) {
  link = s;
  for (const f of linkListeners) f(s);
}

async function run(abort: AbortController) {
  let backoff = 500;
  while (!abort.signal.aborted) {
    setLink('connecting');
    try {
      const res = await fetch('/api/events', { headers: authHeaders(), signal: abort.signal });
      if (!res.ok) throw new Error(`${res.status}`);
      setLink('live');
      backoff = 500;
      for await (const m of readSse(res)) {
        let data: unknown = null;
        try {
          data = JSON.parse(m.data);
        } catch {
          data = m.data;
        }
        for (const f of listeners) f(m.event, data);
      }
    } catch {
      if (abort.signal.aborted) return;
    }
    setLink('down');
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 10000);
  }
}

export function listen(f: EventListener): () => void {
  listeners.add(f);
  if (!controller) {
    controller = new AbortController();
    void run(controller);
  }
  return () => {
    listeners.delete(f);
    if (listeners.size === 0 && controller) {
      controller.abort();
      controller = null;
      setLink('down');
    }
  };
}

export function watchLink(f: (s: LinkState) => void): () => void {
  linkListeners.add(f);
  f(link);
  return () => linkListeners.delete(f);
}
