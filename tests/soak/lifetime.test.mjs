// The gateway stays up on its own: the seven ways it used to die (issue "The gateway dies by
// itself within minutes"), each on the real binary. Built with GCC 12 every one of them failed
// (SIGSEGV/SIGBUS at a model refresh, heap corruption or a segfault at SIGTERM): temporaries of
// co_await expressions were destroyed twice. Timers are short (1 s refreshes and health checks)
// so that what took minutes at the defaults happens within seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { fatalLines, makeModels, request, sleep, slow, startGateway, startMock, stopGateway, tempDir } from './stack.mjs';

// Alive, and a SIGTERM ends it cleanly: exit 0, "stopped", nothing fatal in the log.
async function assertStaysUpAndStopsCleanly(gw, what) {
  assert.ok(gw.alive(), `${what}: the gateway died: ${JSON.stringify(gw.exit)}\n${gw.tail()}`);
  const health = await request(gw.port, 'GET', '/health');
  assert.equal(health.status, 200, `${what}: /health`);
  const { exit, log } = await stopGateway(gw);
  assert.deepEqual(exit, { code: 0, signal: null }, `${what}: SIGTERM did not end it cleanly\n${gw.tail()}`);
  assert.match(log, /stopped/, `${what}: no "stopped" line`);
  assert.deepEqual(fatalLines(log), [], `${what}: fatal lines in the log`);
}

const DOWN = 'http://127.0.0.1:9/v1'; // the discard port: nothing listens there

test('idle with no backends and 1 s model refreshes, discovery probing every second', async () => {
  const dir = tempDir();
  const gw = await startGateway(dir, 'upstream: { models_refresh: 1s }\ndiscovery: { local: true, cloud: false, interval: 1s }\n', {
    env: { SWITCHYARD_DISCOVERY: 'local' },
  });
  await sleep(8000);
  await assertStaysUpAndStopsCleanly(gw, 'idle, zero configuration');
});

test('idle with one backend down, active health checks every second', async () => {
  const dir = tempDir();
  const yaml = [
    'backends:',
    `  - { name: down, type: openai, url: ${DOWN}, models: [m] }`,
    'routes:',
    '  - { model: chat, targets: [down/m] }',
    'router: { health: { interval: 1s, timeout: 500ms } }',
    '',
  ].join('\n');
  const gw = await startGateway(dir, yaml, { env: { SWITCHYARD_DISCOVERY: 'off' } });
  await sleep(8000);
  await assertStaysUpAndStopsCleanly(gw, 'idle, backend down, health checks');
});

test('idle with one backend down and 1 s model refreshes', async () => {
  const dir = tempDir();
  const yaml = `upstream: { models_refresh: 1s }\nbackends:\n  - { name: down, type: openai, url: ${DOWN} }\n`;
  const gw = await startGateway(dir, yaml, { env: { SWITCHYARD_DISCOVERY: 'off' } });
  await sleep(8000);
  await assertStaysUpAndStopsCleanly(gw, 'idle, backend down, 1 s refresh');
});

test('keep-alive chat load through a backend while its models are refreshed every second', async () => {
  const dir = tempDir();
  const mock = await startMock(dir);
  const yaml = `upstream: { models_refresh: 1s }\nbackends:\n  - { name: mock, type: openai, url: ${mock.url} }\n`;
  const gw = await startGateway(dir, yaml, { env: { SWITCHYARD_DISCOVERY: 'off' } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const end = Date.now() + 12000;
  let ok = 0;
  const failures = [];
  await Promise.all(
    Array.from({ length: 32 }, async (_, i) => {
      while (Date.now() < end && gw.alive()) {
        const stream = i % 4 === 0;
        try {
          const r = await request(gw.port, 'POST', '/v1/chat/completions', { model: 'mock/mock-chat', stream, messages: [{ role: 'user', content: 'hi' }] }, { agent });
          if (r.status === 200 && (!stream || r.body.includes('[DONE]'))) ok++;
          else failures.push(`${r.status} ${r.error ?? ''} ${(r.body ?? '').slice(0, 200)}`);
        } catch (e) {
          failures.push(e.message);
        }
      }
    }),
  );
  agent.destroy();
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests of ${ok + failures.length}`);
  assert.ok(ok > 100, `only ${ok} requests completed`);
  await assertStaysUpAndStopsCleanly(gw, 'under load');
  mock.signal('SIGKILL');
});

test('reload storms: POST /api/config/reload and SIGHUP back to back while the file changes', async () => {
  const dir = tempDir();
  const mock = await startMock(dir);
  const variant = (i) =>
    [
      'upstream: { models_refresh: 1h }',
      'backends:',
      `  - { name: mock, type: openai, url: ${mock.url} }`,
      `  - { name: other${i % 3}, type: openai, url: ${DOWN}, models: [m${i}] }`,
      'aliases:',
      `  a${i}: mock/mock-chat`,
      '',
    ].join('\n');
  const gw = await startGateway(dir, variant(0), { env: { SWITCHYARD_DISCOVERY: 'off' } });
  const agent = new http.Agent({ keepAlive: true });
  for (let i = 1; i <= 40 && gw.alive(); i++) {
    writeFileSync(gw.config, variant(i));
    const r = await request(gw.port, 'POST', '/api/config/reload', undefined, { agent });
    assert.equal(r.status, 200, `reload ${i}: ${r.body}`);
    gw.signal('SIGHUP');
    const chat = await request(gw.port, 'POST', '/v1/chat/completions', { model: `a${i}`, messages: [{ role: 'user', content: 'hi' }] }, { agent });
    assert.equal(chat.status, 200, `chat after reload ${i}: ${chat.body}`);
    await sleep(50);
  }
  // then a SIGHUP storm alone, and SIGTERM right after it
  for (let i = 0; i < 30 && gw.alive(); i++) {
    gw.signal('SIGHUP');
    await sleep(10);
  }
  agent.destroy();
  await sleep(500 * slow);
  await assertStaysUpAndStopsCleanly(gw, 'reload storm');
  mock.signal('SIGKILL');
});

test('SIGTERM one second after a fresh start, three times', async () => {
  for (let round = 0; round < 3; round++) {
    const dir = tempDir();
    const gw = await startGateway(dir, null, { env: { SWITCHYARD_DISCOVERY: 'on' } });
    await sleep(1000);
    await assertStaysUpAndStopsCleanly(gw, `fresh start ${round}`);
  }
});

test('SIGTERM after an API reload with a local engine loaded, three times', async () => {
  const dir = tempDir();
  const models = makeModels(dir, [['tiny-chat.gguf', ['--name', 'tiny chat']]]);
  const yaml = ['models:', `  paths: [${models}]`, 'engine:', '  context_size: 512', '  threads: 1', '  warmup: false', ''].join('\n');
  for (let round = 0; round < 3; round++) {
    const gw = await startGateway(dir, yaml, { env: { SWITCHYARD_DISCOVERY: 'off' }, name: `gateway${round}` });
    const list = JSON.parse((await request(gw.port, 'GET', '/v1/models')).body);
    const model = list.data.map((m) => m.id).find((id) => id.startsWith('local/tiny-chat'));
    assert.ok(model, JSON.stringify(list));
    const chat = await request(gw.port, 'POST', '/v1/chat/completions', { model, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(chat.status, 200, `the local engine did not answer: ${chat.body}`);
    assert.equal(gw.children('llama-server').length, 1, 'one engine runs');
    const reload = await request(gw.port, 'POST', '/api/config/reload');
    assert.equal(reload.status, 200, reload.body);
    await sleep(1000);  // the reload's model refresh runs (it lists the local store again)
    await assertStaysUpAndStopsCleanly(gw, `local engine, round ${round}`);
  }
});

test('a fatal signal leaves its report and a symbolised backtrace in the log', { skip: process.env.SWITCHYARD_SANITIZER && 'sanitizer builds leave fatal signals to the sanitizer runtime' }, async () => {
  const dir = tempDir();
  const gw = await startGateway(dir, null, { env: { SWITCHYARD_DISCOVERY: 'off' } });
  gw.signal('SIGSEGV');
  const exit = await gw.waitExit(20000);
  assert.deepEqual(exit, { code: null, signal: 'SIGSEGV' }, 'it dies of the signal it got');
  const log = gw.output();
  assert.match(log, /switchyard: fatal signal SIGSEGV \(11\) at address 0x[0-9a-f]+ in thread \d+ of pid \d+; backtrace:/);
  // addr2line names the functions of the binary, with their files and lines
  assert.match(log, /#\d+ .*sy::.* at .*\/src\/.*\.(cpp|h):\d+/, log);
});
