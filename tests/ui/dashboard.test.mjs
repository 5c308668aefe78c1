// The dashboard in a real headless Chromium (Debian's, driven by playwright-core) against the
// real binary, two mock upstreams, a mock Hugging Face hub and a tiny generated GGUF. Every test
// saves screenshots of what it saw into $UI_SCREENSHOTS (CTest: build/ui-screenshots), and fails
// on any console error or uncaught exception in the page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Proc, makeModels, request, sleep, slow, startGateway, startMock, stopGateway, tempDir } from '../soak/stack.mjs';

const chromiumPath = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const shots = process.env.UI_SCREENSHOTS || join(tempDir('sy-ui-shots-'));
mkdirSync(shots, { recursive: true });

let dir, good, flaky, hub, gw, browser, base;
const seeded = 10000;

async function newPage(t) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  t.after(async () => {
    await context.close();
  });
  page.problems = problems;
  page.shot = (name, fullPage = true) => page.screenshot({ path: join(shots, `${name}.png`), fullPage });
  return page;
}

function assertClean(page) {
  assert.deepEqual(page.problems, [], 'the page logged errors');
}

// Sends `n` chat requests for `model` with `concurrency` keep-alive connections.
async function send(port, model, n, concurrency = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = await request(port, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, { agent });
      assert.equal(r.status, 200, r.body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

before(async () => {
  dir = tempDir('sy-ui-');
  good = await startMock(dir, 'good');
  flaky = await startMock(dir, 'flaky');
  const models = makeModels(dir, [['tiny-chat.gguf', ['--name', 'tiny-chat']]]);
  // the hub offers testorg/tiny-GGUF with one F32 file, sent slowly enough to watch its progress
  const hubDir = join(dir, 'hub');
  mkdirSync(join(hubDir, 'testorg', 'tiny-GGUF'), { recursive: true });
  const made = spawnSync(process.env.MAKE_MODEL_BIN, [join(hubDir, 'testorg', 'tiny-GGUF', 'tiny-F32.gguf'), '--name', 'tiny-hub'], {
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  writeFileSync(join(hubDir, 'testorg', 'tiny-GGUF', '.hub-meta'), 'downloads 1234\nlikes 56\n');
  hub = new Proc(process.env.MOCK_HUB_BIN, ['--dir', hubDir, '--trickle', '4000000'], { log: join(dir, 'hub.log') });
  hub.port = Number(await hub.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 'mock hub'));
  gw = await startGateway(
    dir,
    [
      'backends:',
      `  - { name: mock, type: openai, url: "${good.url}", api_key: sk-upstream-secret }`,
      `  - { name: flaky, type: openai, url: "${flaky.url}" }`,
      'aliases:',
      '  fast: mock/mock-chat',
      '  seed: mock/mock-chat',
      'routes:',
      '  - model: chat',
      '    strategy: priority',
      '    targets: [flaky/mock-chat, mock/mock-chat]',
      'observability: { capture_bodies: true }',
      'router:',
      '  breaker: { consecutive_failures: 2, open_base: 60s }',
      '  health: { interval: 0s }',
      'models:',
      `  home: "${join(dir, 'store')}"`,
      `  paths: ["${models}"]`,
      '',
    ].join('\n'),
    { env: { HF_ENDPOINT: `http://127.0.0.1:${hub.port}` } },
  );
  base = `http://127.0.0.1:${gw.port}`;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  if (gw) await stopGateway(gw);
  for (const p of [good, flaky, hub]) p?.signal('SIGKILL');
});

test('the dashboard is served with its security headers, compressed and cached', async () => {
  const page = await fetch(`${base}/`, { headers: { accept: 'text/html', 'accept-encoding': 'br, gzip' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text();
  const script = html.match(/src="(\/ui\/assets\/main-[A-Z0-9]+\.js)"/)[1];
  const js = await fetch(`${base}${script}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.match(js.headers.get('cache-control'), /immutable/);
  const again = await fetch(`${base}${script}`, { headers: { 'if-none-match': js.headers.get('etag') } });
  assert.equal(again.status, 304);
  // API clients probing "/" (Ollama's) still get their answer
  const probe = await fetch(`${base}/`);
  assert.match(await probe.text(), /is running/);
});

test('every page renders with data and no console error', async (t) => {
  await send(gw.port, 'fast', 20);
  const page = await newPage(t);
  const started = Date.now();
  await page.goto(`${base}/`);
  await page.waitForSelector('[data-node="t:mock/mock-chat"]');
  const loadMs = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
  t.diagnostic(`first page: load event at ${loadMs.toFixed(0)} ms, router graph drawn after ${Date.now() - started} ms`);
  await page.waitForSelector('text=● live');
  // a target opens its latency per minute, kept by the gateway (so there from the first look)
  await page.click('[data-node="t:mock/mock-chat"]');
  await page.waitForFunction(() => Number(document.querySelector('#target-latency')?.dataset.points) >= 1);
  await page.shot('router');

  await page.click('a[data-page="requests"]');
  await page.waitForSelector('tr.row td:has-text("mock/mock-chat")');
  await page.shot('requests');
  // a row opens its details, and the bodies kept with it (observability.capture_bodies)
  await page.click('tr.row >> nth=0');
  await page.click('button:has-text("Show the bodies")');
  await page.waitForSelector('.bodies pre >> text=Hello from mock');
  await page.shot('requests-bodies');

  await page.click('a[data-page="models"]');
  await page.waitForSelector('tr[data-model] >> text=tiny-chat');
  await page.shot('models');

  await page.click('a[data-page="engines"]');
  await page.waitForSelector('h1:has-text("Engines")');
  await page.waitForSelector('text=No engine is running');
  await page.shot('engines');

  await page.click('a[data-page="backends"]');
  await page.waitForSelector('tr[data-backend="flaky"]');
  await page.click('tr[data-backend="mock"] td:nth-child(5) button');  // its model count opens its models
  await page.waitForSelector('.backend-models >> text=mock/mock-chat');
  await page.shot('backends');

  await page.click('a[data-page="usage"]');
  await page.waitForSelector('#usage-requests canvas');
  await page.waitForSelector('table.usage >> text=mock/mock-chat');
  await page.shot('usage');

  await page.click('a[data-page="settings"]');
  await page.waitForSelector('#file-check >> text=Valid');
  const config = await page.textContent('pre.config');
  assert.match(config, /flaky/);
  assert.doesNotMatch(config, /sk-upstream-secret/, 'a secret reached the settings page');
  await page.shot('settings');

  // a broken file on disk: the page says why, and the running configuration stays
  const good = readFileSync(gw.config, 'utf8');
  writeFileSync(gw.config, good.replace('strategy: priority', 'strategy: fastest-please'));
  try {
    await page.click('button:has-text("Check the file again")');
    await page.waitForSelector('#file-check .error-text >> text=fastest-please');
    assert.ok(await page.$('button:has-text("Reload configuration")[disabled]'), 'reload stays possible with a broken file');
    await page.shot('settings-invalid-file');
  } finally {
    writeFileSync(gw.config, good);
  }
  await page.click('button:has-text("Check the file again")');
  await page.waitForSelector('#file-check >> text=Valid');
  assertClean(page);
});

test('a playground chat streams its answer as it arrives', async (t) => {
  await fetch(`${good.url.replace('/v1', '')}/mock/faults`, { method: 'POST', body: JSON.stringify({ chunks: 12, chunk_delay_ms: 120 }) });
  t.after(() => fetch(`${good.url.replace('/v1', '')}/mock/faults`, { method: 'POST', body: '{}' }));
  const page = await newPage(t);
  await page.goto(`${base}/#/playground`);
  await page.waitForSelector('select[name="model-0"] option[value="fast"]', { state: 'attached' });
  await page.selectOption('select[name="model-0"]', 'fast');
  await page.fill('textarea[name="prompt"]', 'Say something');
  await page.click('button[type="submit"]');
  const seen = new Set();
  const deadline = Date.now() + 10000 * slow;
  let stats = null;
  while (Date.now() < deadline) {
    const text = await page.textContent('.message.assistant .content');
    if (text && text !== '…') seen.add(text);
    stats = await page.$('.message.assistant .stats-line');
    if (stats) break;
    await sleep(40);
  }
  assert.ok(stats, 'the answer never finished');
  const final = await page.textContent('.message.assistant .content');
  assert.match(final, /tok0 .*tok11/);
  assert.ok(seen.size >= 4, `the answer arrived in ${seen.size} visible steps, not as a stream: ${[...seen].join(' | ')}`);
  assert.match(await stats.textContent(), /TTFT .* tok\/s · via mock\/mock-chat on mock/);
  await page.shot('playground');

  // two models side by side: the same prompt streams into both panels
  await page.click('button:has-text("Compare with another model")');
  await page.waitForSelector('select[name="model-1"]');
  await page.selectOption('select[name="model-1"]', 'mock/mock-chat');
  await page.click('button:has-text("New chat")');
  await page.fill('textarea[name="prompt"]', 'And again');
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => document.querySelectorAll('.panel .stats-line').length === 2, null, {
    timeout: 10000 * slow,
  });
  const answers = await page.$$eval('.panel .message.assistant .content', (els) => els.map((e) => e.textContent));
  assert.deepEqual(answers.map((a) => /tok0 .*tok11/.test(a)), [true, true]);
  await page.shot('playground-side-by-side');
  assertClean(page);
});

test('a failing target turns its breaker open in the graph within a second', async (t) => {
  const page = await newPage(t);
  await page.goto(`${base}/#/router`);
  await page.waitForSelector('[data-node="t:flaky/mock-chat"].breaker-closed');
  await page.waitForSelector('text=● live');
  await fetch(`${flaky.url.replace('/v1', '')}/mock/faults`, { method: 'POST', body: JSON.stringify({ status: 500 }) });
  // two failures in a row open it; each request still succeeds on the next target
  for (let i = 0; i < 2; i++) {
    const r = await request(gw.port, 'POST', '/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200, r.body);
  }
  const opened = Date.now();
  await page.waitForSelector('[data-node="t:flaky/mock-chat"].breaker-open', { timeout: 1000 });
  t.diagnostic(`breaker drawn open ${Date.now() - opened} ms after the failing request returned`);
  await page.click('[data-node="t:flaky/mock-chat"]');
  await page.waitForSelector('.target-details .transitions li');
  await page.shot('router-breaker-open');
  assertClean(page);
});

test('a pull from the hub shows its progress to 100% and the model lands in the store', async (t) => {
  const page = await newPage(t);
  await page.goto(`${base}/#/models`);
  await page.fill('input[name="q"]', 'tiny');
  await page.click('button:has-text("Search")');
  await page.waitForSelector('tr[data-repo="testorg/tiny-GGUF"] >> text=F32');
  await page.shot('models-search');
  await page.click('tr[data-repo="testorg/tiny-GGUF"] button[title="pull testorg/tiny-GGUF:F32"]');
  // the trickling hub takes a few seconds: progress is seen between 0 and 100
  const partial = await page.waitForFunction(
    () => {
      const p = document.querySelector('.pull progress');
      return p && p.value > 0 && p.value < 100 ? p.value : null;
    },
    null,
    { timeout: 10000 * slow, polling: 50 },
  );
  t.diagnostic(`progress seen at ${(await partial.jsonValue()).toFixed(1)}%`);
  await page.shot('models-pull-progress');
  await page.waitForSelector('.pull >> text=(100%)', { timeout: 30000 * slow });
  assert.equal(await page.$eval('.pull progress', (p) => p.value), 100);
  const name = (await page.textContent('.pull-status')).match(/done: (\S+) is in the store/)[1];
  await page.waitForSelector(`tr[data-model="${name}"]`, { timeout: 10000 * slow });
  t.diagnostic(`pulled as ${name}`);
  await page.shot('models-pulled');
  assertClean(page);
});

test('a store model loads from the Models page, runs on the Engines page with its log, and unloads', async (t) => {
  const page = await newPage(t);
  await page.goto(`${base}/#/models`);
  const row = 'tr[data-model*="tiny-chat"]';
  await page.waitForSelector(`${row} button:has-text("Load")`);
  await page.click(`${row} button:has-text("Load")`);
  await page.waitForSelector(`${row} .pill.state-ready`, { timeout: 60000 * slow });
  await page.click('a[data-page="engines"]');
  const engine = 'tr[data-engine*="tiny-chat"]';
  await page.waitForSelector(`${engine} .pill.state-ready`);
  await page.click(`${engine} button:has-text("Log")`);
  await page.waitForFunction(() => /llama|server|model/i.test(document.querySelector('pre.log')?.textContent ?? ''), null, {
    timeout: 10000 * slow,
  });
  await page.shot('engines-loaded');
  await page.click(`${engine} button:has-text("Unload")`);
  await page.waitForSelector('text=No engine is running', { timeout: 30000 * slow });
  assertClean(page);
});

test('the inspect page draws its charts and the fit verdict', async (t) => {
  const page = await newPage(t);
  const models = await (await fetch(`${base}/api/models`)).json();
  const tiny = models.models.find((m) => m.name.includes('tiny-chat'));
  await page.goto(`${base}/#/models/inspect?model=${encodeURIComponent(tiny.name)}`);
  await page.waitForSelector('#kv-chart canvas');
  assert.ok((await page.$$('#quant-mix rect')).length >= 1);
  assert.ok((await page.$$('#param-split rect')).length >= 3);
  assert.match(await page.textContent('#fits-verdict'), /fits this machine/);
  assert.equal(await page.$eval('#kv-chart', (c) => Number(c.dataset.points)), 7);
  await page.shot('inspect');
  assertClean(page);
});

test(`the requests page pages through ${seeded} seeded requests`, async (t) => {
  const began = Date.now();
  await send(gw.port, 'seed', seeded, 32);
  t.diagnostic(`seeded ${seeded} requests in ${Date.now() - began} ms`);
  const page = await newPage(t);
  await page.goto(`${base}/#/requests?model=seed`);
  await page.selectOption('select', '500');
  await page.waitForFunction(() => document.querySelectorAll('tr.row').length === 500);
  const ids = new Set();
  let pages = 0;
  const times = [];
  for (;;) {
    const got = await page.$$eval('tr.row', (rows) => rows.map((r) => Number(r.dataset.id)));
    for (const id of got) ids.add(id);
    pages++;
    times.push(await page.textContent('.page-head .summary .muted'));
    if (pages === 1) await page.shot('requests-seeded', false);
    const older = await page.$('button[name="older"]:not([disabled])');
    if (!older) break;
    const first = got[0];
    await older.click();
    await page.waitForFunction((f) => Number(document.querySelector('tr.row')?.dataset.id) < f, first);
  }
  t.diagnostic(`${pages} pages; ${times.slice(0, 3).join(', ')} …`);
  assert.equal(ids.size, seeded);
  assert.equal(pages, seeded / 500);
  await page.shot('requests-last-page', false);
  assertClean(page);
});

test('with admin keys, the dashboard asks for one and the admin API refuses the others', async (t) => {
  const keyed = await startGateway(
    dir,
    [
      'server:',
      '  api_keys:',
      '    - { key: sk-ui-admin, name: ops, role: admin }',
      '    - { key: sk-ui-plain, name: app }',
      'backends:',
      `  - { name: mock, type: openai, url: "${good.url}" }`,
      '',
    ].join('\n'),
    { name: 'keyed' },
  );
  t.after(() => stopGateway(keyed));
  const url = `http://127.0.0.1:${keyed.port}`;
  assert.equal((await fetch(`${url}/api/router`)).status, 401);
  assert.equal((await fetch(`${url}/api/router`, { headers: { authorization: 'Bearer sk-ui-plain' } })).status, 403);
  assert.equal((await fetch(`${url}/api/router`, { headers: { authorization: 'Bearer sk-ui-admin' } })).status, 200);

  const page = await newPage(t);
  await page.goto(`${url}/`);
  await page.waitForSelector('.key-prompt >> text=Enter a key with role: admin');
  await page.shot('key-prompt');
  await page.fill('input[name="key"]', 'sk-ui-plain');
  await page.click('button:has-text("Open the dashboard")');
  await page.waitForSelector('.key-prompt >> text=may call the model APIs but not the admin API');
  await page.shot('key-prompt-plain-key');
  await page.fill('input[name="key"]', 'sk-ui-admin');
  await page.click('button:has-text("Open the dashboard")');
  await page.waitForSelector('[data-node="b:mock"]');
  await page.waitForSelector('text=● live');
  await page.shot('router-with-admin-key');
  // the 401 and 403 of the refused keys are the only console errors expected here
  assert.ok(page.problems.every((p) => /401|403/.test(p)), page.problems.join('\n'));
});
