// The official Ollama client (npm `ollama`) against switchyard's Ollama-compatible API, with an
// OpenAI-compatible mock upstream behind it.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import { startStack } from './harness.mjs';

let stack;
let ollama;
before(async () => {
  stack = await startStack({ apiKeys: ['sy-client-key'], extraAliases: ['  llama3: mock/mock-chat'] });
  ollama = new Ollama({ host: stack.baseURL.replace(/\/v1$/, ''), headers: { Authorization: 'Bearer sy-client-key' } });
});
afterEach(() => stack.faults({}));
after(() => stack?.stop());

test('chat', async () => {
  const res = await ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'hello' }], stream: false });
  assert.equal(res.model, 'llama3');
  assert.equal(res.message.role, 'assistant');
  assert.equal(res.message.content, 'Hello from mock');
  assert.equal(res.done, true);
  assert.equal(res.done_reason, 'stop');
  assert.ok(res.eval_count > 0);
  assert.ok(!Number.isNaN(Date.parse(res.created_at)));
});

test('a streamed chat arrives line by line', async () => {
  await stack.faults({ chunks: 4 });
  const stream = await ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'hello' }], stream: true });
  const pieces = [];
  let last;
  for await (const part of stream) {
    if (part.message?.content) pieces.push(part.message.content);
    last = part;
  }
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ']);
  assert.equal(last.done, true);
  assert.equal(last.eval_count, 4);
});

test('a stream that fails midway ends with an error, not done', async () => {
  await stack.faults({ chunks: 5, die_after: 2 });
  const stream = await ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'hello' }], stream: true });
  const pieces = [];
  await assert.rejects(
    (async () => {
      for await (const part of stream) if (part.message?.content) pieces.push(part.message.content);
    })(),
    /failed mid-stream/,
  );
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ']);
});

test('a stream whose upstream ends without [DONE] or a finish reason ends with an error, never done', async () => {
  await stack.faults({ chunks: 5, end_after: 2 });  // a clean end of the body after two content events
  for (const call of [
    () => ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'hello' }], stream: true }),
    () => ollama.generate({ model: 'llama3', prompt: 'hello', stream: true }),
  ]) {
    const stream = await call();
    const pieces = [];
    const seen = [];
    await assert.rejects(
      (async () => {
        for await (const part of stream) {
          seen.push(part);
          const text = part.message?.content ?? part.response;
          if (text) pieces.push(text);
        }
      })(),
      /failed mid-stream: the upstream's stream ended before its last event/,
    );
    assert.deepEqual(pieces, ['tok0 ', 'tok1 ']);
    assert.ok(!seen.some((p) => p.done), 'no line says done');
  }
});

test('generate', async () => {
  const res = await ollama.generate({ model: 'llama3', prompt: 'hello', system: 'be brief', stream: false });
  assert.equal(res.response, 'Hello from mock');
  assert.equal(res.done, true);
  const sent = JSON.parse((await (await fetch(`${stack.mockURL}/mock/last`)).json()).body);
  assert.equal(sent.messages[0].role, 'system');
  assert.equal(sent.messages.at(-1).content, 'hello');
});

test('embed', async () => {
  const res = await ollama.embed({ model: 'mock/mock-embed', input: ['a', 'b'] });
  assert.equal(res.embeddings.length, 2);
  assert.equal(res.embeddings[0].length, 8);
});

test('list, show, version', async () => {
  const list = await ollama.list();
  const names = list.models.map((m) => m.name);
  assert.ok(names.includes('llama3'), names.join(', '));
  assert.ok(names.includes('mock/mock-chat'));
  const show = await ollama.show({ model: 'llama3' });
  assert.ok(show.capabilities.includes('completion'));
  const version = await ollama.version();
  assert.match(version.version, /^\d+\.\d+/);
});

test('a tool call round trip reaches the upstream as OpenAI tools', async () => {
  await ollama.chat({
    model: 'llama3',
    stream: false,
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    messages: [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '18 C' },
    ],
  });
  const sent = JSON.parse((await (await fetch(`${stack.mockURL}/mock/last`)).json()).body);
  assert.equal(sent.tools[0].function.name, 'get_weather');
  const assistant = sent.messages.find((m) => m.role === 'assistant');
  assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), { city: 'Paris' });
  assert.equal(sent.messages.at(-1).role, 'tool');
});

test('errors come in Ollama format with the right status', async () => {
  await assert.rejects(ollama.chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }], stream: false }), (err) => err.status_code === 404 && /not found/.test(err.error));
  const anonymous = new Ollama({ host: stack.baseURL.replace(/\/v1$/, '') });
  await assert.rejects(anonymous.list(), (err) => err.status_code === 401);
});

test('a request without messages loads the model (done_reason "load")', async () => {
  const res = await ollama.chat({ model: 'llama3', messages: [], stream: false });
  assert.equal(res.done, true);
  assert.equal(res.done_reason, 'load');
});
