// The Requests page of the dashboard over a large request log, timed in headless Chromium:
//   node bench/ui/requests_page.mjs [ROWS (1000000)]
// Fills the log through the real path (switchyard-loadgen -> switchyard -> mock-openai) until it
// holds ROWS requests, then loads #/requests in Chromium and times, from the click to the rows on
// screen: the first page, ten "Older" pages and a filter that matches nothing (every row read);
// and the API alone for those and a page 900,000 rows deep. Binaries from build/ (or
// SWITCHYARD_BIN, MOCK_BIN, LOADGEN).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startGateway, startMock, stopGateway, tempDir } from '../../tests/soak/stack.mjs';

const root = new URL('../..', import.meta.url).pathname;
process.env.SWITCHYARD_BIN ??= join(root, 'build/src/cli/switchyard');
process.env.MOCK_BIN ??= join(root, 'build/tests/support/mock-openai');
const loadgen = process.env.LOADGEN ?? join(root, 'build/bench/gateway/switchyard-loadgen');
const rows = Number(process.argv[2] ?? 1_000_000);

const dir = tempDir('sy-bench-ui-');
const mock = await startMock(dir);
const gw = await startGateway(
  dir,
  ['backends:', `  - { name: up, type: openai, url: "${mock.url}" }`, 'aliases: { chat: up/mock-chat }',
    'observability: { requests_max_rows: 100000000 }', 'server: { access_log: false }', ''].join('\n'),
  { env: { SWITCHYARD_DISCOVERY: 'off' } },
);
const base = `http://127.0.0.1:${gw.port}`;
const count = async () => (await (await fetch(`${base}/api/usage?from=-30d`)).json()).totals.requests;

const filled = Date.now();
for (let have = await count(); have < rows; have = await count()) {
  const seconds = Math.max(2, Math.min(60, Math.ceil((rows - have) / 20000)));
  const r = spawnSync(loadgen, ['--mode', 'saturate', '--url', `${base}/v1/chat/completions`, '--model', 'chat',
    '--connections', '32', '--duration', String(seconds), '--warmup', '0'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loadgen: ${r.stderr}`);
  process.stdout.write(`\rfilling: ${have} of ${rows} requests`);
}
console.log(`\nfilled ${await count()} requests in ${((Date.now() - filled) / 1000).toFixed(0)} s`);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const firstId = () => page.evaluate(() => Number(document.querySelector('tr.row')?.dataset.id ?? -1));
// (done is a function, never a string: the dashboard's CSP forbids evaluating strings)
async function timed(what, action, done, arg = null) {
  const t = Date.now();
  await action();
  await page.waitForFunction(done, arg, { timeout: 60000, polling: 5 });
  const ms = Date.now() - t;
  console.log(`${what.padEnd(44)} ${String(ms).padStart(6)} ms`);
  return ms;
}
await timed('first page, cold (navigation to 100 rows drawn)', () => page.goto(`${base}/#/requests`),
  () => document.querySelectorAll('tr.row').length === 100);
await timed('first page, reloaded (cached scripts)', () => page.reload(),
  () => document.querySelectorAll('tr.row').length === 100);
const older = [];
for (let i = 0; i < 10; i++) {
  const before = await firstId();
  older.push(await timed(`older page ${i + 2}`, () => page.click('button[name="older"]'),
    (b) => Number(document.querySelector('tr.row')?.dataset.id) < b, before));
}
await timed('a filter nothing matches (every row read)',
  () => page.goto(`${base}/#/requests?backend=nobody`), () => document.querySelector('main p.muted')?.textContent === 'No requests match.');
const api = async (q) => {
  const t = performance.now();
  await (await fetch(`${base}/api/requests?${q}`)).json();
  return performance.now() - t;
};
console.log(`API alone: newest ${(await api('limit=100')).toFixed(1)} ms, before=100000 ${(await api('limit=100&before=100000')).toFixed(1)} ms, no match ${(await api('limit=100&backend=nobody')).toFixed(1)} ms`);
console.log(`older pages: median ${older.sort((a, b) => a - b)[5]} ms, max ${older[older.length - 1]} ms`);
await browser.close();
await stopGateway(gw);
mock.signal('SIGKILL');
