// The official SDKs against a real llama-server child: switchyard runs a tiny random-weight GGUF
// (made by make-test-model) with the pinned llama.cpp build and every client API reaches it —
// chat, streaming, a tool-call round trip, embeddings and model listing. The answers are noise
// (random weights); what is checked is that each API's shape survives the real engine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';

let gw;
let baseURL;
let openai;
let chatModel;
let embedModel;
let skip = '';

function waitForPort(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`switchyard did not start:\n${out}`)), 15000);
    const onData = (d) => {
      out += d.toString();
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`switchyard exited with ${code}:\n${out}`)));
  });
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-local-compat-'));
  const models = join(dir, 'models');
  mkdirSync(models);
  for (const [file, args] of [['tiny-chat.gguf', ['--name', 'tiny chat']], ['tiny-embed.gguf', ['--name', 'tiny embed', '--embedding']]]) {
    const made = spawnSync(process.env.MAKE_MODEL_BIN, [join(models, file), '--ctx', '512', ...args], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  }
  const config = join(dir, 'config.yaml');
  writeFileSync(config, [
    'models:',
    `  paths: [${models}]`,
    'engine:',
    '  context_size: 512',
    '  threads: 1',
    '  warmup: false',
    '',
  ].join('\n'));
  gw = spawn(process.env.SWITCHYARD_BIN, ['serve', '--config', config, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHYARD_HOME: join(dir, 'home') },
  });
  const port = await waitForPort(gw);
  baseURL = `http://127.0.0.1:${port}/v1`;
  openai = new OpenAI({ baseURL, apiKey: 'unused-on-loopback', maxRetries: 0 });
  const ids = (await openai.models.list()).data.map((m) => m.id);
  chatModel = ids.find((id) => id.startsWith('local/tiny-chat'));
  embedModel = ids.find((id) => id.startsWith('local/tiny-embed'));
  assert.ok(chatModel && embedModel, ids.join(', '));
  // the first request loads the engine; without the pinned llama-server there is nothing to test
  try {
    await openai.chat.completions.create({ model: chatModel, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] });
  } catch (err) {
    if (/llama-server/.test(err.message) && /not (built|found)|no such file/i.test(err.message)) skip = err.message;
    else throw err;
  }
});
after(() => gw?.kill('SIGTERM'));

test('models are listed with their local ids', (t) => {
  if (skip) return t.skip(skip);
  assert.match(chatModel, /^local\/tiny-chat/);
});

test('OpenAI SDK: chat and a stream with usage', async (t) => {
  if (skip) return t.skip(skip);
  const res = await openai.chat.completions.create({ model: chatModel, max_tokens: 4, messages: [{ role: 'user', content: 'hello' }] });
  assert.equal(res.object, 'chat.completion');
  assert.equal(typeof res.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(res.choices[0].finish_reason));
  assert.ok(res.usage.prompt_tokens > 0);

  const stream = await openai.chat.completions.create({
    model: chatModel, max_tokens: 4, stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hello' }],
  });
  let chunks = 0;
  let usage;
  let finish;
  for await (const c of stream) {
    chunks++;
    usage = c.usage ?? usage;
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  assert.ok(chunks >= 2);
  assert.ok(['stop', 'length'].includes(finish));
  assert.ok(usage.completion_tokens > 0 && usage.completion_tokens <= 4);
});

test('OpenAI SDK: a tool-call round trip reaches the engine\'s chat template', async (t) => {
  if (skip) return t.skip(skip);
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const first = await openai.chat.completions.create({ model: chatModel, max_tokens: 4, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
  assert.equal(first.object, 'chat.completion');
  const second = await openai.chat.completions.create({
    model: chatModel,
    max_tokens: 4,
    tools,
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18 C' },
    ],
  });
  assert.equal(typeof second.choices[0].message.content, 'string');
});

test('OpenAI SDK: embeddings from an embedding model', async (t) => {
  if (skip) return t.skip(skip);
  const res = await openai.embeddings.create({ model: embedModel, input: ['hello', 'world'] });
  assert.equal(res.data.length, 2);
  assert.ok(res.data[0].embedding.length > 0);
  assert.ok(res.data[0].embedding.every((x) => Number.isFinite(x)));
});

test('capabilities: an embedding model does not chat, a chat model does not embed (400 naming it)', async (t) => {
  if (skip) return t.skip(skip);
  await assert.rejects(
    openai.chat.completions.create({ model: embedModel, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err.status === 400 && /does not support chat/.test(err.message),
  );
  await assert.rejects(
    openai.embeddings.create({ model: chatModel, input: 'x' }),
    (err) => err.status === 400 && /does not support embeddings/.test(err.message),
  );
});

test('Anthropic SDK: a message and a stream from the local engine', async (t) => {
  if (skip) return t.skip(skip);
  const anthropic = new Anthropic({ baseURL: baseURL.replace(/\/v1$/, ''), apiKey: 'unused', maxRetries: 0 });
  const msg = await anthropic.messages.create({ model: chatModel, max_tokens: 4, messages: [{ role: 'user', content: 'hello' }] });
  assert.equal(msg.type, 'message');
  assert.ok(['end_turn', 'max_tokens'].includes(msg.stop_reason));
  const final = await anthropic.messages.stream({ model: chatModel, max_tokens: 4, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
  assert.ok(final.usage.output_tokens > 0);
  // the engine counts with its own template and tokenizer: a longer prompt has more tokens
  const short = await anthropic.messages.countTokens({ model: chatModel, messages: [{ role: 'user', content: 'hello' }] });
  const long = await anthropic.messages.countTokens({ model: chatModel, messages: [{ role: 'user', content: 'hello '.repeat(40) }] });
  assert.ok(short.input_tokens > 0);
  assert.ok(long.input_tokens > short.input_tokens + 20, `${short.input_tokens} vs ${long.input_tokens}`);
});

test('Ollama SDK: chat, a stream and the model list', async (t) => {
  if (skip) return t.skip(skip);
  const ollama = new Ollama({ host: baseURL.replace(/\/v1$/, '') });
  const res = await ollama.chat({ model: chatModel, messages: [{ role: 'user', content: 'hello' }], options: { num_predict: 4 } });
  assert.equal(res.message.role, 'assistant');
  assert.equal(res.done, true);
  let parts = 0;
  for await (const part of await ollama.chat({ model: chatModel, stream: true, messages: [{ role: 'user', content: 'hello' }], options: { num_predict: 4 } }))
    parts++;
  assert.ok(parts >= 2);
  const tags = await ollama.list();
  assert.ok(tags.models.some((m) => m.name === chatModel), JSON.stringify(tags.models.map((m) => m.name)));
});
