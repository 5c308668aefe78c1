// The official OpenAI SDK (npm `openai`) against switchyard in front of the mock upstream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack } from './harness.mjs';

let stack;
let client;
before(async () => {
  stack = await startStack({ apiKeys: ['sy-client-key'] });
  client = new OpenAI({ baseURL: stack.baseURL, apiKey: 'sy-client-key', maxRetries: 0 });
});
after(() => stack?.stop());

test('chat completion', async () => {
  const res = await client.chat.completions.create({
    model: 'fast',
    messages: [{ role: 'user', content: 'hello' }],
  });
  assert.equal(res.object, 'chat.completion');
  assert.equal(res.choices[0].message.content, 'Hello from mock');
  assert.equal(res.model, 'mock-chat');
  assert.ok(res.usage.total_tokens > 0);
});

test('streamed chat completion arrives chunk by chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'mock/mock-chat',
    messages: [{ role: 'user', content: 'hello' }],
    stream: true,
    stream_options: { include_usage: true },
    mock: { chunks: 5 },
  });
  const pieces = [];
  let usage;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) pieces.push(chunk.choices[0].delta.content);
    if (chunk.usage) usage = chunk.usage;
  }
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ', 'tok4 ']);
  assert.ok(usage, 'usage chunk relayed');
});

test('a stream that fails midway raises an error in the SDK', async () => {
  const stream = await client.chat.completions.create({
    model: 'fast',
    messages: [{ role: 'user', content: 'hello' }],
    stream: true,
    mock: { chunks: 5, die_after: 2 },
  });
  const pieces = [];
  await assert.rejects(async () => {
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta?.content);
  }, /failed mid-stream/);
  assert.equal(pieces.length, 2);
});

test('a stream whose upstream ends without [DONE] or a finish reason raises an error in the SDK', async () => {
  // the upstream's body ends cleanly (its last chunk) after two content events: no finish, no [DONE]
  const stream = await client.chat.completions.create({
    model: 'fast',
    messages: [{ role: 'user', content: 'hello' }],
    stream: true,
    mock: { chunks: 5, end_after: 2 },
  });
  const pieces = [];
  await assert.rejects(async () => {
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta?.content);
  }, /failed mid-stream: the upstream's stream ended before its last event/);
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ']);
});

test('legacy completions and embeddings', async () => {
  const c = await client.completions.create({ model: 'mock/mock-chat', prompt: 'x' });
  assert.equal(c.object, 'text_completion');
  const e = await client.embeddings.create({ model: 'mock/mock-embed', input: ['a', 'b'], encoding_format: 'float' });
  assert.equal(e.data.length, 2);
  assert.equal(e.data[0].embedding.length, 8);
});

test('model listing', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes('fast'), ids.join(','));
});

test('errors map onto the SDK error classes', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [] }),
    (err) => err instanceof OpenAI.NotFoundError && /not found/.test(err.message),
  );
  const anonymous = new OpenAI({ baseURL: stack.baseURL, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(
    anonymous.chat.completions.create({ model: 'fast', messages: [] }),
    (err) => err instanceof OpenAI.AuthenticationError,
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'fast', messages: [], mock: { status: 503 } }),
    (err) => err instanceof OpenAI.APIError && err.status === 502 && /backend 'mock'/.test(err.message),
  );
});
