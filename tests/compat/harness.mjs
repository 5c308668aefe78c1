// Starts the mock upstream and the real switchyard binary for SDK compatibility tests.
// Binaries come from SWITCHYARD_BIN and MOCK_BIN (set by CTest).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${out}`)), 10000);
    const onData = (d) => {
      out += d.toString();
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${out}`)));
  });
}

// extraBackends / extraAliases: more YAML lines under backends: / aliases:; extraRoutes: YAML
// lines of a routes: section.
export async function startStack({ apiKeys = [], extraBackends = [], extraAliases = [], extraRoutes = [] } = {}) {
  const mock = spawn(process.env.MOCK_BIN, ['--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const mockPort = await waitForLine(mock, /listening on 127\.0\.0\.1:(\d+)/, 'mock upstream');
  const dir = mkdtempSync(join(tmpdir(), 'sy-compat-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, [
    'backends:',
    '  - name: mock',
    '    type: openai',
    `    url: http://127.0.0.1:${mockPort}/v1`,
    '    api_key: sk-upstream-key',
    ...extraBackends,
    'aliases:',
    '  fast: mock/mock-chat',
    '  claude-test: mock/mock-chat',
    ...extraAliases,
    ...(extraRoutes.length ? ['routes:', ...extraRoutes] : []),
    '',
  ].join('\n'));
  const args = ['serve', '--config', config, '--listen', '127.0.0.1:0'];
  for (const k of apiKeys) args.push('--api-key', k);
  const gw = spawn(process.env.SWITCHYARD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await waitForLine(gw, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 'switchyard');
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    mockURL: `http://127.0.0.1:${mockPort}`,
    // standing faults of the mock for requests that carry none ({} clears them)
    async faults(f) {
      await fetch(`http://127.0.0.1:${mockPort}/mock/faults`, { method: 'POST', body: JSON.stringify(f) });
    },
    stop() {
      gw.kill('SIGKILL');
      mock.kill('SIGKILL');
    },
  };
}

// For the fake upstreams: a request's whole body parsed as JSON ({} when it is empty).
export function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

// For the fake upstreams: a JSON reply.
export function sendJson(res, status, body, contentType = 'application/json') {
  res.writeHead(status, { 'content-type': contentType });
  res.end(JSON.stringify(body));
}

// Starts `server` (a node http.Server, e.g. a fake upstream) on 127.0.0.1 and a free port.
export async function listenLocal(server) {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server.address().port;
}

// Reads an OpenAI SDK chat stream to its end: the text, the (first) tool call's id, name and
// arguments, the finish reason and the usage chunk.
export async function collectChatStream(stream) {
  const out = { text: '', id: undefined, name: undefined, args: '', finish: undefined, usage: undefined };
  for await (const chunk of stream) {
    out.usage = chunk.usage ?? out.usage;
    const c = chunk.choices[0];
    if (!c) continue;
    out.text += c.delta?.content ?? '';
    for (const t of c.delta?.tool_calls ?? []) {
      out.id = t.id ?? out.id;
      out.name = t.function?.name ?? out.name;
      out.args += t.function?.arguments ?? '';
    }
    out.finish = c.finish_reason ?? out.finish;
  }
  return out;
}
