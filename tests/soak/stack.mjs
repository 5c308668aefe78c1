// Processes and plain HTTP for the lifetime and soak tests: the real switchyard binary, mock
// upstreams and local models, each with its output in a log file (a long run must not keep
// logs in memory), and a keep-alive HTTP client that can read streams and leave them midway.
// Binaries come from SWITCHYARD_BIN, MOCK_BIN and MAKE_MODEL_BIN (set by CTest).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Sanitized builds run several times slower: waits scale with this.
export const slow = process.env.SWITCHYARD_SANITIZER ? 4 : 1;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tempDir(prefix = 'sy-soak-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

// A child process whose stdout and stderr go to `log`. exited: a promise of {code, signal}.
export class Proc {
  constructor(bin, args, { log, env = {} }) {
    this.log = log;
    const fd = openSync(log, 'a');
    this.child = spawn(bin, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    this.pid = this.child.pid;
    this.exit = null;
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }
  alive() {
    return this.exit === null;
  }
  output() {
    try {
      return readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }
  // The first capture of the first line matching `pattern`; throws on exit or timeout.
  async waitFor(pattern, what, timeoutMs = 15000 * slow) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output().match(pattern);
      if (m) return m[1] ?? m[0];
      if (!this.alive()) throw new Error(`${what} exited (${JSON.stringify(this.exit)}) before ${pattern}:\n${this.tail()}`);
      if (Date.now() > end) throw new Error(`${what}: no ${pattern} within ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(25);
    }
  }
  tail(chars = 4000) {
    const out = this.output();
    return out.slice(Math.max(0, out.length - chars));
  }
  signal(sig) {
    if (this.alive()) this.child.kill(sig);
  }
  // Exit status within `timeoutMs`, else null.
  async waitExit(timeoutMs) {
    return Promise.race([this.exited, sleep(timeoutMs).then(() => null)]);
  }
  // Resident memory (KiB) and open file descriptors, from /proc.
  usage() {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const rss = Number(status.match(/VmRSS:\s+(\d+)/)[1]);
    const fds = readdirSync(`/proc/${this.pid}/fd`).length;
    return { rssKiB: rss, fds };
  }
  // Children of this process running `name` (e.g. llama-server), by pid.
  children(name) {
    const found = spawnSync('pgrep', ['-P', String(this.pid), '-x', name], { encoding: 'utf8' });
    return found.stdout.split('\n').filter(Boolean).map(Number);
  }
}

// What a gateway log must never hold, whatever the test did to it.
export const fatalPatterns = [/fatal signal/, /AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:/, /corrupted|double free|free\(\): invalid/];
export function fatalLines(text) {
  return text.split('\n').filter((l) => fatalPatterns.some((p) => p.test(l)));
}

export async function startMock(dir, name = 'mock', extra = []) {
  const p = new Proc(process.env.MOCK_BIN, ['--port', '0', ...extra], { log: join(dir, `${name}.log`) });
  p.port = Number(await p.waitFor(/listening on 127\.0\.0\.1:(\d+)/, name));
  p.url = `http://127.0.0.1:${p.port}/v1`;
  return p;
}

// Starts `switchyard serve` with `yaml` as its config file (null: no file at all).
export async function startGateway(dir, yaml, { env = {}, name = 'gateway' } = {}) {
  const home = join(dir, `${name}-home`);
  mkdirSync(home, { recursive: true });
  const args = ['serve', '--listen', '127.0.0.1:0'];
  let config = null;
  if (yaml !== null) {
    config = join(dir, `${name}.yaml`);
    writeFileSync(config, yaml);
    args.push('--config', config);
  }
  const p = new Proc(process.env.SWITCHYARD_BIN, args, {
    log: join(dir, `${name}.log`),
    env: { SWITCHYARD_HOME: home, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), ...env },
  });
  p.port = Number(await p.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 'switchyard'));
  p.config = config;
  return p;
}

// Stops a gateway with SIGTERM and returns how it ended: {exit, log}.
export async function stopGateway(gw, timeoutMs = 20000 * slow) {
  gw.signal('SIGTERM');
  const exit = await gw.waitExit(timeoutMs);
  if (!exit) gw.signal('SIGKILL');
  return { exit, log: gw.output() };
}

// Tiny random-weight GGUF models (make-test-model) in dir/models.
export function makeModels(dir, specs) {
  const models = join(dir, 'models');
  mkdirSync(models, { recursive: true });
  for (const [file, args] of specs) {
    const made = spawnSync(process.env.MAKE_MODEL_BIN, [join(models, file), '--ctx', '512', ...args], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`make-test-model ${file}: ${made.stderr}`);
  }
  return models;
}

// One HTTP request over `agent` (keep-alive). Resolves {status, body, events} — events: for
// SSE/NDJSON answers, the lines read. leaveAfter: destroy the request after that many body
// bytes (a client that goes away mid-stream); resolves {status, left: true} then.
export function request(port, method, path, body, { agent, headers = {}, leaveAfter, timeoutMs = 30000 * slow } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers },
      },
      (res) => {
        const chunks = [];
        let got = 0;
        res.on('data', (c) => {
          chunks.push(c);
          got += c.length;
          if (leaveAfter !== undefined && got >= leaveAfter) {
            req.destroy();
            resolve({ status: res.statusCode, left: true });
          }
        });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve({ status: res.statusCode, error: e.message, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('aborted', () => resolve({ status: res.statusCode, error: 'aborted', body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (e) => (leaveAfter !== undefined ? resolve({ status: 0, left: true, error: e.message }) : reject(e)));
    if (data !== undefined) req.write(data);
    req.end();
  });
}

