// An Ollama server's native API as an upstream (backend type "ollama") behind switchyard: OpenAI,
// Anthropic and Ollama clients all reach it. The upstream here is a small fake of /api/chat,
// /api/embed and /api/tags written from Ollama's public API reference (docs/api.md): NDJSON
// streams (application/x-ndjson, chunked), {"error":"..."} bodies and error lines. It records
// what it received.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import { readJson, sendJson, listenLocal, collectChatStream, startStack } from './harness.mjs';

const UPSTREAM_KEY = 'ollama-proxy-secret';
const CLIENT_KEY = 'sy-client-key';
const MODELS = ['llama3.2:latest', 'all-minilm:latest'];

let received = [];
let gate = null;  // the 'incremental' stream waits here after its first line
let leaked = [];  // requests that carried anything but the backend's own key
function fakeOllama() {
  return createServer(async (req, res) => {
    const json = await readJson(req);
    received.push({ method: req.method, url: req.url, headers: req.headers, body: json });
    if (req.headers.authorization !== `Bearer ${UPSTREAM_KEY}` || JSON.stringify(req.headers).includes(CLIENT_KEY))
      leaked.push({ url: req.url, headers: req.headers });
    const reply = (status, obj) => sendJson(res, status, obj, 'application/json; charset=utf-8');
    const created_at = '2025-01-02T03:04:05.123456Z';
    if (req.method === 'GET' && req.url === '/api/tags') {
      reply(200, {
        models: MODELS.map((name) => ({
          name, model: name, modified_at: '2024-12-01T10:00:00.5-08:00', size: 2019393189,
          digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
          details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
        })),
      });
      return;
    }
    if (req.method === 'POST' && req.url === '/api/show') {
      // what Ollama's /api/show says of each model: an embedding model cannot chat
      const embed = json.model.startsWith('all-minilm');
      reply(200, {
        details: { format: 'gguf', family: embed ? 'bert' : 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
        model_info: embed ? { 'general.architecture': 'bert', 'bert.context_length': 512 } : { 'general.architecture': 'llama', 'llama.context_length': 131072 },
        capabilities: embed ? ['embedding'] : ['completion', 'tools'],
      });
      return;
    }
    if (req.method !== 'POST' || !['/api/chat', '/api/embed'].includes(req.url)) {
      reply(404, { error: 'page not found' });
      return;
    }
    if (!MODELS.includes(json.model) && !MODELS.includes(`${json.model}:latest`)) {
      reply(404, { error: `model "${json.model}" not found, try pulling it first` });
      return;
    }
    if (req.url === '/api/embed') {
      const inputs = Array.isArray(json.input) ? json.input : [json.input];
      reply(200, { model: json.model, embeddings: inputs.map((_, i) => [0.1 * (i + 1), -0.2, 0.3]), total_duration: 1000, load_duration: 10, prompt_eval_count: 4 * inputs.length });
      return;
    }
    const last = json.messages.at(-1);
    const done = { done: true, total_duration: 1200000000, load_duration: 1000000, prompt_eval_count: 21, prompt_eval_duration: 300000000, eval_count: 7, eval_duration: 800000000 };
    const wantsTool = json.tools?.length && last.role === 'user' && /weather/.test(last.content);
    const answer = last.role === 'tool' ? `It is ${last.content} in Paris.` : 'Bonjour from Ollama';
    if (json.stream === false) {
      if (last.content === 'server error') {
        reply(500, { error: 'llama runner process has terminated: signal: killed' });
        return;
      }
      const message = wantsTool
        ? { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] }
        : { role: 'assistant', content: answer };
      reply(200, { model: json.model, created_at, message, done_reason: 'stop', ...done });
      return;
    }
    // a stream (Ollama's default): one JSON object per line, chunked
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const line = (o) => res.write(JSON.stringify({ model: json.model, created_at, ...o }) + '\n');
    const piece = (content) => line({ message: { role: 'assistant', content }, done: false });
    if (last.content === 'error line') {
      piece('Part');
      res.end(JSON.stringify({ error: 'an error was encountered while running the model: unexpected EOF' }) + '\n');
      return;
    }
    if (last.content === 'incremental') {
      // the rest comes only once the client has seen the first piece (or after 3 s: buffered)
      piece('Bon');
      let timer;
      const rest = (late) => {
        clearTimeout(timer);
        gate.late = late;
        piece('jour');
        line({ message: { role: 'assistant', content: '' }, done_reason: 'stop', ...done });
        res.end();
      };
      timer = setTimeout(() => rest(true), 3000);
      gate.release = () => rest(false);
      return;
    }
    if (last.content === 'huge line') {  // over the gateway's 8 MiB line limit
      piece('Part');
      piece('x'.repeat(9 * 1024 * 1024));
      line({ message: { role: 'assistant', content: '' }, done_reason: 'stop', ...done });
      res.end();
      return;
    }
    if (last.content === 'cut short') {
      piece('Part');
      setTimeout(() => res.socket.destroy(), 50);  // dies mid-stream, no done line
      return;
    }
    if (last.content === 'ends early') {
      piece('Part');
      res.end();  // a clean end of the body, without the done line
      return;
    }
    if (wantsTool) {
      line({ message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] }, done: false });
      line({ message: { role: 'assistant', content: '' }, done_reason: 'stop', ...done });
      res.end();
      return;
    }
    // a line split across writes: the gateway must hand whole lines on
    const first = JSON.stringify({ model: json.model, created_at, message: { role: 'assistant', content: 'Bon' }, done: false }) + '\n';
    res.write(first.slice(0, 20));
    setTimeout(() => {
      res.write(first.slice(20));
      piece('jour');
      line({ message: { role: 'assistant', content: '' }, done_reason: 'stop', ...done });
      res.end();
    }, 20);
  });
}

let stack;
let upstream;
let openai;
before(async () => {
  upstream = fakeOllama();
  const port = await listenLocal(upstream);
  stack = await startStack({
    apiKeys: [CLIENT_KEY],
    extraBackends: [
      '  - name: ollama',
      '    type: ollama',
      `    url: http://127.0.0.1:${port}`,
      `    api_key: ${UPSTREAM_KEY}`,
      '    models: [ghost:latest]',  // listed by the config, unknown to the server
    ],
    extraAliases: ['  llama: ollama/llama3.2:latest'],
  });
  openai = new OpenAI({ baseURL: stack.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
});
after(() => {
  stack?.stop();
  upstream?.close();
});

const lastChat = () => received.filter((r) => r.url === '/api/chat').at(-1);

test('an OpenAI client reaches Ollama\'s /api/chat with the backend key', async () => {
  const res = await openai.chat.completions.create({
    model: 'llama',
    max_tokens: 50,
    temperature: 0.5,
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }],
  });
  assert.equal(res.object, 'chat.completion');
  assert.match(res.id, /^chatcmpl-/);
  assert.equal(res.choices[0].message.content, 'Bonjour from Ollama');
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.equal(res.usage.prompt_tokens, 21);
  assert.equal(res.usage.completion_tokens, 7);
  const got = lastChat();
  assert.equal(got.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  assert.equal(got.body.model, 'llama3.2:latest');
  assert.equal(got.body.stream, false);
  assert.deepEqual(got.body.options, { temperature: 0.5, num_predict: 50 });
  assert.deepEqual(got.body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }]);
});

test('a streamed answer comes back as OpenAI chunks with usage', async () => {
  const stream = await openai.chat.completions.create({
    model: 'ollama/llama3.2:latest',
    messages: [{ role: 'user', content: 'hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const { text, finish, usage } = await collectChatStream(stream);
  assert.equal(text, 'Bonjour');
  assert.equal(finish, 'stop');
  assert.deepEqual([usage.prompt_tokens, usage.completion_tokens], [21, 7]);
  assert.equal(lastChat().body.stream, true);
});

test('a stream is relayed as it comes, not buffered', async () => {
  gate = {};
  const stream = await openai.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'incremental' }], stream: true });
  let text = '';
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta?.content ?? '';
    if (piece && !text) gate.release();
    text += piece;
  }
  assert.equal(text, 'Bonjour');
  assert.equal(gate.late, false, 'the first piece arrived only after the upstream finished');
});

test('a tool call round trip', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  // streamed: the call arrives whole in one line, as OpenAI tool-call deltas
  const stream = await openai.chat.completions.create({ model: 'llama', messages, tools, stream: true });
  const { id, name, args, finish } = await collectChatStream(stream);
  assert.equal(name, 'get_weather');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  assert.equal(finish, 'tool_calls');
  assert.ok(id);
  assert.equal(lastChat().body.tools[0].function.name, 'get_weather');
  // not streamed
  const first = await openai.chat.completions.create({ model: 'llama', messages, tools });
  const call = first.choices[0].message.tool_calls[0];
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  // the result goes back as a tool message that names its tool
  const second = await openai.chat.completions.create({
    model: 'llama',
    tools,
    messages: [...messages, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '18 C' }],
  });
  assert.equal(second.choices[0].message.content, 'It is 18 C in Paris.');
  const sent = lastChat().body.messages;
  assert.deepEqual(sent[1].tool_calls[0].function, { index: 0, name: 'get_weather', arguments: { city: 'Paris' } });
  assert.equal(sent[2].role, 'tool');
  assert.equal(sent[2].tool_name, 'get_weather');
  assert.equal(sent[2].content, '18 C');
});

test('an Anthropic client streams through it', async () => {
  const anthropic = new Anthropic({ baseURL: stack.baseURL.replace(/\/v1$/, ''), apiKey: CLIENT_KEY, maxRetries: 0 });
  const stream = anthropic.messages.stream({ model: 'llama', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  stream.on('text', (t) => (text += t));
  const msg = await stream.finalMessage();
  assert.equal(text, 'Bonjour');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.output_tokens, 7);
});

test('an Ollama client streams through it', async () => {
  const ollama = new Ollama({ host: stack.baseURL.replace(/\/v1$/, ''), headers: { Authorization: `Bearer ${CLIENT_KEY}` } });
  const stream = await ollama.chat({ model: 'llama', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  let last;
  for await (const part of stream) {
    text += part.message?.content ?? '';
    last = part;
  }
  assert.equal(text, 'Bonjour');
  assert.equal(last.done, true);
  assert.equal(last.eval_count, 7);
});

test('same API on both sides: an Ollama client\'s request reaches Ollama as it was sent', async () => {
  const ollama = new Ollama({ host: stack.baseURL.replace(/\/v1$/, ''), headers: { Authorization: `Bearer ${CLIENT_KEY}` } });
  const res = await ollama.chat({
    model: 'llama', stream: false, keep_alive: '10m', format: 'json',
    options: { num_ctx: 8192, temperature: 0.1 },
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(res.message.content, 'Bonjour from Ollama');
  assert.equal(res.prompt_eval_count, 21);  // Ollama's own answer, timings and all
  const got = received.filter((r) => r.url === '/api/chat').at(-1);
  assert.equal(got.body.model, 'llama3.2:latest');
  assert.deepEqual(got.body.options, { num_ctx: 8192, temperature: 0.1 });  // kept: no pivot
  assert.equal(got.body.keep_alive, '10m');
  assert.equal(got.body.format, 'json');
  assert.equal(got.headers.authorization, `Bearer ${UPSTREAM_KEY}`);  // the backend's key, never the client's
});

test('OpenAI embeddings go to /api/embed', async () => {
  const res = await openai.embeddings.create({ model: 'ollama/all-minilm:latest', input: ['a', 'b'], encoding_format: 'float' });
  assert.equal(res.data.length, 2);
  assert.deepEqual(res.data[1].embedding, [0.2, -0.2, 0.3]);
  assert.equal(res.usage.prompt_tokens, 8);
  const got = received.filter((r) => r.url === '/api/embed').at(-1);
  assert.deepEqual(got.body, { model: 'all-minilm:latest', input: ['a', 'b'] });
});

test('embeddings in the OpenAI SDK\'s default (base64) encoding', async () => {
  const res = await openai.embeddings.create({ model: 'ollama/all-minilm:latest', input: 'a' });
  assert.deepEqual(res.data[0].embedding.map((x) => Math.round(x * 1000) / 1000), [0.1, -0.2, 0.3]);
  assert.equal(received.filter((r) => r.url === '/api/embed').at(-1).body.encoding_format, undefined);
});

test('/v1/models lists the upstream\'s tags', async () => {
  const ids = (await openai.models.list()).data.map((m) => m.id);
  for (const m of MODELS) assert.ok(ids.includes(`ollama/${m}`), ids.join(', '));
  assert.ok(received.some((r) => r.method === 'GET' && r.url === '/api/tags'));
});

test('upstream errors come back with their status in the client\'s format', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'ollama/ghost:latest', messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err.status === 404 && /model "ghost:latest" not found, try pulling it first/.test(err.message),
  );
  await assert.rejects(
    openai.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'server error' }] }),
    (err) => err.status === 502 && /HTTP 500/.test(err.message) && /signal: killed/.test(err.message),
  );
  await assert.rejects(
    openai.completions.create({ model: 'llama', prompt: 'hi' }),
    (err) => err.status === 400 && /\/v1\/completions/.test(err.message),
  );
});

test('a stream that fails mid-way ends with an error, never a clean end', async () => {
  const expected = {
    'error line': /unexpected EOF/,
    'cut short': /failed mid-stream/,
    'ends early': /failed mid-stream: the upstream's stream ended before its last event/,
    'huge line': /longer than 8388608 bytes/,
  };
  for (const [content, why] of Object.entries(expected)) {
    const stream = await openai.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content }], stream: true });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })(),
      why,
    );
    assert.equal(text, 'Part');
  }
});

test('same API on both sides: an Ollama client\'s stream that breaks off or ends without its done line raises an error', async () => {
  const ollama = new Ollama({ host: stack.baseURL.replace(/\/v1$/, ''), headers: { Authorization: `Bearer ${CLIENT_KEY}` } });
  for (const content of ['cut short', 'ends early']) {
    const stream = await ollama.chat({ model: 'llama', messages: [{ role: 'user', content }], stream: true });
    let text = '';
    const seen = [];
    await assert.rejects(
      (async () => {
        for await (const part of stream) {
          seen.push(part);
          text += part.message?.content ?? '';
        }
      })(),
      /backend 'ollama' failed mid-stream/,
      content,
    );
    assert.equal(text, 'Part', content);
    assert.ok(!seen.some((p) => p.done), content);
  }
});

test('capabilities from /api/show: the embedding model cannot chat, the chat model cannot see images', async () => {
  const openai = new OpenAI({ baseURL: stack.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
  await assert.rejects(
    openai.chat.completions.create({ model: 'ollama/all-minilm:latest', messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err.status === 400 && /does not support chat/.test(err.message),
  );
  await assert.rejects(
    openai.chat.completions.create({
      model: 'ollama/llama3.2:latest',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    }),
    (err) => err.status === 400 && /does not support images/.test(err.message),
  );
  const shows = received.filter((r) => r.url === '/api/show').map((r) => r.body.model);
  assert.ok(shows.includes('llama3.2:latest') && shows.includes('all-minilm:latest'), shows.join(', '));
  // asked once per model, not on every refresh: a reload lists the models again at once
  const tagsBefore = received.filter((r) => r.url === '/api/tags').length;
  const reload = await fetch(`${stack.baseURL.replace(/\/v1$/, '')}/api/config/reload`, { method: 'POST', headers: { Authorization: `Bearer ${CLIENT_KEY}` } });
  assert.equal(reload.status, 200);
  for (let i = 0; i < 50 && received.filter((r) => r.url === '/api/tags').length === tagsBefore; i++)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(received.filter((r) => r.url === '/api/tags').length > tagsBefore, 'listed again');
  const showsAfter = received.filter((r) => r.url === '/api/show').map((r) => r.body.model);
  assert.equal(showsAfter.filter((m) => m === 'llama3.2:latest').length, 1, showsAfter.join(', '));
});

test('the client\'s credentials never reach the upstream', () => {
  assert.ok(received.length > 5);
  assert.deepEqual(leaked, []);
});
