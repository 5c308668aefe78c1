// The official Anthropic SDK (npm `@anthropic-ai/sdk`) against switchyard's /v1/messages, with an
// OpenAI-compatible mock upstream behind it: requests and answers are translated both ways.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startStack } from './harness.mjs';

let stack;
let client;
before(async () => {
  stack = await startStack({ apiKeys: ['sy-client-key'] });
  // the SDK appends /v1/messages itself and sends the key as x-api-key
  client = new Anthropic({ baseURL: stack.baseURL.replace(/\/v1$/, ''), apiKey: 'sy-client-key', maxRetries: 0 });
});
afterEach(() => stack.faults({}));
after(() => stack?.stop());

test('a message', async () => {
  const msg = await client.messages.create({
    model: 'claude-test',
    max_tokens: 64,
    system: 'You are terse.',
    messages: [{ role: 'user', content: 'hello' }],
  });
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.equal(msg.model, 'claude-test');
  assert.equal(msg.content[0].type, 'text');
  assert.equal(msg.content[0].text, 'Hello from mock');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0);
});

test('a streamed message arrives event by event', async () => {
  await stack.faults({ chunks: 5 });
  const stream = client.messages.stream({
    model: 'claude-test',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hello' }],
  });
  const pieces = [];
  stream.on('text', (t) => pieces.push(t));
  const final = await stream.finalMessage();
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ', 'tok4 ']);
  assert.equal(final.content[0].text, 'tok0 tok1 tok2 tok3 tok4 ');
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, 5);
});

test('a stream that fails midway raises an error in the SDK, after what was produced', async () => {
  await stack.faults({ chunks: 5, die_after: 2 });
  const stream = client.messages.stream({
    model: 'claude-test',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hello' }],
  });
  const pieces = [];
  stream.on('text', (t) => pieces.push(t));
  await assert.rejects(stream.finalMessage(), /failed mid-stream/);
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ']);
});

test('a stream whose upstream ends without [DONE] or a finish reason raises an error, never end_turn', async () => {
  await stack.faults({ chunks: 5, end_after: 2 });  // a clean end of the body after two content events
  const stream = client.messages.stream({
    model: 'claude-test',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hello' }],
  });
  const pieces = [];
  stream.on('text', (t) => pieces.push(t));
  await assert.rejects(stream.finalMessage(), (err) => err instanceof Anthropic.APIError && /failed mid-stream: the upstream's stream ended before its last event/.test(err.message));
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ']);
});

test('errors come in Anthropic format with the right status', async () => {
  await assert.rejects(
    client.messages.create({ model: 'no-such-model', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.NotFoundError && err.error?.error?.type === 'not_found_error',
  );
  const anonymous = new Anthropic({ baseURL: client.baseURL, apiKey: 'wrong-key', maxRetries: 0 });
  await assert.rejects(
    anonymous.messages.create({ model: 'claude-test', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.AuthenticationError,
  );
  await stack.faults({ status: 429, retry_after: '7' });
  await assert.rejects(
    client.messages.create({ model: 'claude-test', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.RateLimitError && err.headers?.get('retry-after') === '7',
  );
});

test('a tool definition and a tool result reach the upstream as OpenAI tools', async () => {
  const msg = await client.messages.create({
    model: 'claude-test',
    max_tokens: 64,
    tools: [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18 C, sunny' }] },
    ],
  });
  assert.equal(msg.content[0].text, 'Hello from mock');
  const last = await (await fetch(`${stack.mockURL}/mock/last`)).json();
  const sent = JSON.parse(last.body);
  assert.equal(sent.tools[0].type, 'function');
  assert.equal(sent.tools[0].function.name, 'get_weather');
  assert.deepEqual(sent.tools[0].function.parameters.required, ['city']);
  const assistant = sent.messages.find((m) => m.role === 'assistant');
  assert.equal(assistant.tool_calls[0].id, 'toolu_1');
  assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), { city: 'Paris' });
  const tool = sent.messages.find((m) => m.role === 'tool');
  assert.equal(tool.tool_call_id, 'toolu_1');
  assert.equal(sent.max_tokens, 64);
});

test('model listing in Anthropic\'s shape', async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.type, 'model');
    assert.ok(!Number.isNaN(Date.parse(m.created_at)));
    ids.push(m.id);
  }
  assert.ok(ids.includes('claude-test'));
  assert.ok(ids.includes('mock/mock-chat'));
});
