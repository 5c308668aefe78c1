// The gateway's admin API as the dashboard calls it. The admin key (when the gateway has keys)
// lives in this tab's sessionStorage and travels in the Authorization header — never in a
// cookie, so no other site can make the browser call the API with it (no CSRF).

const keySlot = 'switchyard.admin-key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(keySlot);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null) {
  if (key) sessionStorage.setItem(keySlot, key);
  else sessionStorage.removeItem(keySlot);
}

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public code = '',
  ) {
    super(message);
  }
}

// Told when a call is refused for want of a (suitable) key: 401 or 403.
type AuthListener = (status: number, message: string) => void;
let authListener: AuthListener = () => {};
export function onAuthRefused(f: AuthListener) {
  authListener = f;
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const key = storedKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

// The message of an error answer in any of the gateway's shapes (OpenAI, Anthropic, Ollama).
function errorMessage(body: unknown, fallback: string): { message: string; code: string } {
  const b = body as { error?: unknown } | null;
  if (b && typeof b.error === 'string') return { message: b.error, code: '' };
  const e = b?.error as { message?: string; code?: string; type?: string } | undefined;
  if (e?.message) return { message: e.message, code: e.code ?? e.type ?? '' };
  return { message: fallback, code: '' };
}

export async function refusal(res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const { message, code } = errorMessage(body, text || `${res.status} ${res.statusText}`);
  if (res.status === 401 || res.status === 403) authListener(res.status, message);
  return new ApiError(res.status, message, code);
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = authHeaders(init.body ? { 'Content-Type': 'application/json' } : {});
  const res = await fetch(path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
  if (!res.ok) throw await refusal(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return api<T>(path, { method: 'POST', body: JSON.stringify(body) });
}

// POST /api/config/reload: applies the configuration file (refused with its validation error).
export function reloadConfiguration(): Promise<unknown> {
  return post('/api/config/reload', {});
}

export interface SseMessage {
  event: string;
  data: string;
}

// Reads a text/event-stream body (fetch, because EventSource cannot send the key header).
// Yields each event; comments and retry fields are skipped.
export async function* readSse(res: Response): AsyncGenerator<SseMessage> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      let line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (data.length) yield { event, data: data.join('\n') };
        event = 'message';
        data = [];
      } else if (line.startsWith(':')) {
        continue;
      } else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  }
}

// --- the shapes the admin API answers with (only the fields the dashboard reads) ---

export interface Latency {
  count: number;
  p50_ms?: number;
  p90_ms?: number;
  p99_ms?: number;
}

export interface Transition {
  to: string;
  why: string;
  seconds_ago: number;
}

export interface MinuteLatency {
  minutes_ago: number;
  count: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
}

export interface Target {
  id: string;
  backend: string;
  health: string;
  state: string; // closed | open | half_open
  trips?: number;
  open_for_s?: number;
  transitions?: Transition[];
  in_flight: number;
  requests: number;
  failures?: number;
  rate_limited?: number;
  ewma_ttft_ms?: number;
  ttft?: Latency;
  total?: Latency;
  last_error?: string;
  last_error_s_ago?: number;
  weight?: number;
  max_concurrency?: number;
  admitted?: number;
  queued?: number;
  ttft_by_minute?: MinuteLatency[]; // with ?history=<id>
}

export interface RouteInfo {
  model: string;
  strategy: string;
  targets: Target[];
  fallback: string[];
}

export interface BackendHealth {
  name: string;
  health: string;
  checks: number;
  last_check_s_ago?: number;
  last_error?: string;
}

export interface RouterSnapshot {
  routes: RouteInfo[];
  targets: Target[];
  backends: BackendHealth[];
  retry_budget: { requests: number; retries: number; refused: number };
}

export interface RequestRow {
  id: number;
  at: string;
  at_ms: number;
  request_id: string;
  api: string;
  endpoint: string;
  key: string;
  model: string;
  target: string;
  route: string;
  backend: string;
  status: number;
  stream: boolean;
  complete: boolean;
  ttft_ms: number | null;
  duration_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  tokens_per_s: number | null;
  attempts: string;
  error: string;
  bodies?: boolean; // kept by observability.capture_bodies
}

export interface RequestPage {
  requests: RequestRow[];
  next_before: number | null;
}

// A "request" event of /api/events: a request that just finished.
export interface RequestEvent {
  request_id: string;
  path: string;
  api: string;
  key: string;
  model: string;
  route: string;
  target: string;
  backend: string;
  status: number;
  stream: boolean;
  duration_ms: number;
  ttft_ms?: number;
  prompt_tokens: number;
  completion_tokens: number;
  complete: boolean;
  error?: string;
  attempts?: string; // "target: why; target: why" of the targets that failed before the answer
}

export interface BackendInfo {
  name: string;
  type: string;
  url: string;
  source: string;
  listing?: string;
  models?: number;
  error?: string;
}

export interface LocalModel {
  name: string;
  id: string;
  path: string;
  size_bytes: number;
  source: string;
  in_store: boolean;
  architecture: string;
  quantization: string;
  size_label: string;
  parameters: number;
  context_length: number;
  embedding: boolean;
  state: string;
}

export interface Engine {
  model: string;
  id: string;
  state: string;
  pid: number;
  port: number;
  memory_bytes: number;
  slots: number;
  slots_busy: number;
  restarts: number;
  load_time_ms: number;
  last_error: string;
  uptime_s?: number;
  idle_s?: number;
}

export interface SearchHit {
  id: string;
  downloads: number;
  likes: number;
  updated: string;
  gated: boolean;
  quantizations: string[];
  files: string[];
}

export interface UsageTotals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  errors: number;
  cut_short: number;
  avg_duration_ms: number | null;
  avg_ttft_ms: number | null;
}

export interface UsageGroup extends UsageTotals {
  [dimension: string]: string | number | null;
}

export interface UsageSummary {
  from: string;
  to: string;
  from_ms: number;
  to_ms: number;
  group_by: string[];
  bucket: string;
  totals: UsageTotals;
  groups: UsageGroup[];
  truncated: boolean;
}
