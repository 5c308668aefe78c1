// The soak: every client API under keep-alive load through routes to mock upstreams, for as
// long as asked, while everything around the gateway churns —
//   - model lists refreshed and health checked every second;
//   - POST /api/config/reload every 2 s, the config file rewritten every 5 s (a reload by the
//     file watcher);
//   - upstream "b" killed every 15 s and started again 3 s later on a new port (a config change);
//   - the local engine (llama-server) killed every 20 s, reloaded by the next local request;
//   - clients that leave mid-stream;
//   - 10 s bursts with 5 s of idle between them.
// What must hold: the gateway stays up; no unexpected error reaches a client (a route fails over
// to "a" before its first byte; a stream cut by a dying upstream ends with an explicit error,
// never a silent end); RSS and open fds stay within bounds; SIGTERM at the end stops it cleanly.
// Returns the figures; throws nothing itself (the caller asserts).
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { fatalLines, makeModels, request, sleep, slow, startGateway, startMock, stopGateway, tempDir } from './stack.mjs';

const user = [{ role: 'user', content: 'hi' }];
const slowStream = { chunks: 8, chunk_delay_ms: 15 };

// A response torn after its head (the upstream died mid-body and nothing in the body could say
// so) is an explicit failure the client sees: 'cut'. Everything else is judged by its kind.
const judged = (judge) => (r) => (r.error === 'aborted' ? 'cut' : judge(r));

// Each kind: the request it sends and how its answer is judged ('ok', 'cut': a stream ended by
// an explicit error, 'left': the client left on purpose, or a string: what went wrong).
const kinds = {
  openai_chat: {
    send: (port, agent) => request(port, 'POST', '/v1/chat/completions', { model: 'chat', messages: user }, { agent }),
    judge: (r) => (r.status === 200 && r.body.includes('chat.completion') ? 'ok' : `status ${r.status}`),
  },
  openai_stream: {
    send: (port, agent) => request(port, 'POST', '/v1/chat/completions', { model: 'chat', stream: true, messages: user, mock: slowStream }, { agent }),
    judge: (r) => judgeStream(r, (b) => b.includes('data: [DONE]'), (b) => /"error"/.test(b)),
  },
  responses: {
    send: (port, agent) => request(port, 'POST', '/v1/responses', { model: 'chat', input: 'hi' }, { agent }),
    judge: (r) => (r.status === 200 && r.body.includes('"output"') ? 'ok' : `status ${r.status}`),
  },
  anthropic: {
    send: (port, agent) =>
      request(port, 'POST', '/v1/messages', { model: 'chat', max_tokens: 16, messages: user }, { agent, headers: { 'anthropic-version': '2023-06-01' } }),
    judge: (r) => (r.status === 200 && r.body.includes('"type":"message"') ? 'ok' : `status ${r.status}`),
  },
  anthropic_stream: {
    send: (port, agent) =>
      request(port, 'POST', '/v1/messages', { model: 'chat', max_tokens: 16, stream: true, messages: user }, { agent, headers: { 'anthropic-version': '2023-06-01' } }),
    judge: (r) => judgeStream(r, (b) => b.includes('event: message_stop'), (b) => b.includes('event: error')),
  },
  ollama: {
    send: (port, agent) => request(port, 'POST', '/api/chat', { model: 'chat', stream: false, messages: user }, { agent }),
    judge: (r) => (r.status === 200 && r.body.includes('"done":true') ? 'ok' : `status ${r.status}`),
  },
  ollama_stream: {
    send: (port, agent) => request(port, 'POST', '/api/chat', { model: 'chat', messages: user }, { agent }),
    judge: (r) => judgeStream(r, (b) => /"done":true/.test(b), (b) => /"error"/.test(b)),
  },
  embeddings: {
    send: (port, agent) => request(port, 'POST', '/v1/embeddings', { model: 'embed', input: ['a', 'b'] }, { agent }),
    judge: (r) => (r.status === 200 && r.body.includes('"embedding"') ? 'ok' : `status ${r.status}`),
  },
  leaves_mid_stream: {
    send: (port, agent) =>
      request(port, 'POST', '/v1/chat/completions', { model: 'chat', stream: true, messages: user, mock: slowStream }, { agent, leaveAfter: 1 }),
    judge: (r) => (r.left ? 'left' : `did not leave: status ${r.status}`),
  },
};

function judgeStream(r, complete, explicitError) {
  if (r.status !== 200) return `status ${r.status}`;
  const body = r.body ?? '';
  if (complete(body)) return 'ok';
  if (explicitError(body)) return 'cut';
  return `stream ended without its end or an error (${r.error ?? 'clean close'}): ${body.slice(-200)}`;
}

function configYaml({ a, b, models, generation }) {
  return [
    // idle upstream connections go after 2 s: at the end, what is left open is what leaked
    'upstream: { models_refresh: 1s, pool_idle_timeout: 2s }',
    // generous retries: while "b" dies, every request must still reach "a"
    'router: { health: { interval: 1s, timeout: 500ms }, retry: { budget_percent: 1000, budget_min_per_second: 10000 } }',
    `models: { paths: [${models}] }`,
    // an engine killed every 20 s is not a crash loop: its streak resets once it stayed up 2 s
    'engine: { context_size: 512, threads: 1, warmup: false, restart_backoff: 100ms, restart_backoff_max: 2s }',
    'backends:',
    `  - { name: a, type: openai, url: ${a} }`,
    `  - { name: b, type: openai, url: ${b} }`,
    'aliases:',
    '  embed: a/mock-embed',
    `  generation${generation}: a/mock-chat`,
    'routes:',
    '  - { model: chat, targets: [b/mock-chat, a/mock-chat] }',
    '',
  ].join('\n');
}

export async function runSoak({ seconds, clients = 12, log = () => {} }) {
  const dir = tempDir();
  const models = makeModels(dir, [['tiny-chat.gguf', ['--name', 'tiny chat']]]);
  const a = await startMock(dir, 'mock-a');
  let b = await startMock(dir, 'mock-b-0');
  let generation = 0;
  const writeConfig = (gwConfig) => writeFileSync(gwConfig, configYaml({ a: a.url, b: b.url, models, generation: ++generation }));
  const gw = await startGateway(dir, configYaml({ a: a.url, b: b.url, models, generation }), { env: { SWITCHYARD_DISCOVERY: 'off' } });

  const localModel = JSON.parse((await request(gw.port, 'GET', '/v1/models')).body)
    .data.map((m) => m.id)
    .find((id) => id.startsWith('local/tiny-chat'));
  const figures = {
    seconds,
    requests: 0,
    outcomes: {},
    unexpected: [],
    local: { ok: 0, failed_while_engine_killed: 0 },
    churn: { reloads: 0, reloads_refused_mid_write: 0, file_rewrites: 0, upstream_kills: 0, engine_kills: 0, bursts: 0 },
    usage: [],
  };
  const count = (kind, outcome) => {
    figures.requests++;
    const k = `${kind}:${outcome}`;
    figures.outcomes[k] = (figures.outcomes[k] ?? 0) + 1;
  };
  const started = Date.now();
  const end = started + seconds * 1000;
  let bursting = true;
  let lastEngineKill = 0;
  const stop = () => Date.now() >= end || !gw.alive();

  // warm-up, then the baseline for memory and fds
  await request(gw.port, 'POST', '/v1/chat/completions', { model: 'chat', messages: user });
  await request(gw.port, 'POST', '/v1/chat/completions', { model: localModel, max_tokens: 2, messages: user });
  const baseline = gw.usage();

  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const names = Object.keys(kinds);
  const client = async (i) => {
    for (let n = i; !stop(); n++) {
      if (!bursting) {
        await sleep(100);
        continue;
      }
      const kind = names[n % names.length];
      try {
        const r = await kinds[kind].send(gw.port, agent);
        const outcome = judged(kinds[kind].judge)(r);
        if (outcome === 'ok' || outcome === 'cut' || outcome === 'left') count(kind, outcome);
        else {
          count(kind, 'unexpected');
          figures.unexpected.push(`${kind}: ${outcome}`);
        }
      } catch (e) {
        count(kind, 'unexpected');
        figures.unexpected.push(`${kind}: ${e.message} (at +${Date.now() - started} ms)`);
      }
    }
  };
  // one client for the local engine (it is slow on a CPU and runs one request at a time)
  const localClient = async () => {
    while (!stop()) {
      if (!bursting) {
        await sleep(100);
        continue;
      }
      const r = await request(gw.port, 'POST', '/v1/chat/completions', { model: localModel, max_tokens: 2, messages: user }, { agent }).catch((e) => ({ status: 0, error: e.message }));
      figures.requests++;
      if (r.status === 200) figures.local.ok++;
      else if (Date.now() - lastEngineKill < 5000 * slow && r.status >= 500) figures.local.failed_while_engine_killed++;
      else figures.unexpected.push(`local: status ${r.status} ${r.error ?? ''} ${(r.body ?? '').slice(0, 200)} (at +${Date.now() - started} ms)`);
    }
  };
  const every = async (ms, fn) => {
    for (let next = Date.now() + ms; !stop(); next += ms) {
      await sleep(Math.max(0, next - Date.now()));
      if (!stop()) await fn();
    }
  };
  const churn = [
    every(1000, async () => {
      const u = gw.usage();
      figures.usage.push({ t: Math.round((Date.now() - started) / 1000), ...u });
    }),
    every(2000, async () => {
      const r = await request(gw.port, 'POST', '/api/config/reload');
      // the file is rewritten every 5 s by this test: a reload can still catch it empty, and must
      // then refuse it (never apply nothing) — that is churn, not a failure
      if (r.status === 400 && r.body.includes('the file is empty')) figures.churn.reloads_refused_mid_write++;
      else if (r.status !== 200) figures.unexpected.push(`reload: status ${r.status} ${r.body}`);
      figures.churn.reloads++;
    }),
    every(5000, async () => {
      writeConfig(gw.config);
      figures.churn.file_rewrites++;
    }),
    every(15000, async () => {
      b.signal('SIGKILL');
      figures.churn.upstream_kills++;
      await sleep(3000);
      if (stop()) return;
      b = await startMock(dir, `mock-b-${figures.churn.upstream_kills}`);
      writeConfig(gw.config);
    }),
    every(20000, async () => {
      const engines = gw.children('llama-server');
      for (const pid of engines) process.kill(pid, 'SIGKILL');
      if (engines.length) {
        figures.engine_kill_at = [...(figures.engine_kill_at ?? []), Date.now() - started];
        lastEngineKill = Date.now();
        figures.churn.engine_kills++;
      }
    }),
    every(15000, async () => {
      bursting = false;  // 5 s idle after each 10 s burst
      figures.churn.bursts++;
      await sleep(5000);
      bursting = true;
    }),
  ];
  await Promise.all([...Array.from({ length: clients }, (_, i) => client(i)), localClient(), ...churn]);
  agent.destroy();
  // settle: an idle moment (past pool_idle_timeout and a sweep), then the figures at the end
  await sleep(4000);
  figures.alive = gw.alive();
  figures.exit_during_run = gw.exit;
  figures.baseline = baseline;
  figures.end = figures.alive ? gw.usage() : null;
  figures.max = figures.usage.reduce((m, u) => ({ rssKiB: Math.max(m.rssKiB, u.rssKiB), fds: Math.max(m.fds, u.fds) }), baseline);
  const { exit, log: text } = await stopGateway(gw);
  figures.exit = exit;
  figures.fatal = fatalLines(text);
  a.signal('SIGKILL');
  b.signal('SIGKILL');
  figures.log = gw.log;
  delete figures.usage;
  log(JSON.stringify(figures, null, 1));
  return figures;
}
