// An Anthropic upstream (backend type "anthropic") behind switchyard: OpenAI clients and
// Anthropic clients both reach it. The upstream here is a small fake of the Messages API written
// from Anthropic's public reference; it records what it received.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { readJson, sendJson, listenLocal, collectChatStream, startStack } from './harness.mjs';

let received = [];
function fakeAnthropic() {
  return createServer(async (req, res) => {
    const json = await readJson(req);
    received.push({ method: req.method, url: req.url, headers: req.headers, body: json });
    if (req.method === 'GET' && req.url === '/v1/models') {
      sendJson(res, 200, { data: [{ type: 'model', id: 'claude-fake-1', display_name: 'Fake', created_at: '2026-01-01T00:00:00Z' }], has_more: false });
      return;
    }
    if (req.url === '/v1/messages/count_tokens') {
      sendJson(res, 200, { input_tokens: 42 + JSON.stringify(json.messages).length });
      return;
    }
    if (req.url !== '/v1/messages') {
      sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'no such path' } });
      return;
    }
    if (json.messages?.[0]?.content === 'overloaded') {
      sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      return;
    }
    const usage = { input_tokens: 12, output_tokens: 3 };
    if (!json.stream) {
      sendJson(res, 200, {
        id: 'msg_fake_1', type: 'message', role: 'assistant', model: json.model,
        content: [{ type: 'text', text: 'Bonjour from Claude' }],
        stop_reason: 'end_turn', stop_sequence: null, usage,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    send('message_start', { message: { id: 'msg_fake_2', type: 'message', role: 'assistant', model: json.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } });
    const said = json.messages?.at(-1)?.content;
    if (said === 'die' || said === 'ends early') {  // a stream that stops after its first piece
      send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Bon' } });
      if (said === 'die') setTimeout(() => res.destroy(), 50);  // the connection drops
      else res.end();  // a clean end of the body, without message_delta and message_stop
      return;
    }
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('ping', {});
    for (const t of ['Bon', 'jour']) send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } });
    send('content_block_stop', { index: 0 });
    send('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: {} } });
    send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":' } });
    send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"paris"}' } });
    send('content_block_stop', { index: 1 });
    send('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } });
    send('message_stop', {});
    res.end();
  });
}

let stack;
let upstream;
let openai;
let anthropic;
before(async () => {
  upstream = fakeAnthropic();
  const port = await listenLocal(upstream);
  stack = await startStack({
    apiKeys: ['sy-client-key'],
    extraBackends: [
      '  - name: claude',
      '    type: anthropic',
      `    url: http://127.0.0.1:${port}/v1`,
      '    api_key: sk-ant-upstream-secret',
    ],
    extraAliases: ['  sonnet: claude/claude-fake-1'],
    // a route whose first target speaks Anthropic and whose second speaks OpenAI (the mock)
    extraRoutes: [
      '  - model: claude-route',
      '    targets: [claude/claude-fake-1, mock/mock-chat]',
    ],
  });
  openai = new OpenAI({ baseURL: stack.baseURL, apiKey: 'sy-client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.baseURL.replace(/\/v1$/, ''), apiKey: 'sy-client-key', maxRetries: 0 });
});
after(() => {
  stack?.stop();
  upstream?.close();
});

test('an OpenAI client reaches an Anthropic upstream: the request in Messages form, with the backend key', async () => {
  received = [];
  const res = await openai.chat.completions.create({
    model: 'sonnet',
    max_tokens: 50,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello' },
    ],
  });
  assert.equal(res.choices[0].message.content, 'Bonjour from Claude');
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.equal(res.usage.prompt_tokens, 12);
  assert.equal(res.usage.completion_tokens, 3);
  const got = received.find((r) => r.url === '/v1/messages');
  assert.equal(got.headers['x-api-key'], 'sk-ant-upstream-secret');
  assert.equal(got.headers['anthropic-version'], '2023-06-01');
  assert.equal(got.headers.authorization, undefined);  // the client's key never travels
  assert.equal(got.body.model, 'claude-fake-1');
  assert.equal(got.body.system, 'Be brief.');
  assert.equal(got.body.max_tokens, 50);
  assert.deepEqual(got.body.messages, [{ role: 'user', content: 'hello' }]);
});

test('a streamed answer with a tool call comes back as OpenAI chunks', async () => {
  const stream = await openai.chat.completions.create({
    model: 'sonnet',
    messages: [{ role: 'user', content: 'hello' }],
    stream: true,
    tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
  });
  const { text, name, args, finish } = await collectChatStream(stream);
  assert.equal(text, 'Bonjour');
  assert.equal(name, 'lookup');
  assert.deepEqual(JSON.parse(args), { q: 'paris' });
  assert.equal(finish, 'tool_calls');
  const sent = received.at(-1).body;
  assert.equal(sent.stream, true);
  assert.equal(sent.tools[0].name, 'lookup');
  assert.deepEqual(sent.tools[0].input_schema.properties, { q: { type: 'string' } });
});

test('an Anthropic client reaches it too (translated both ways)', async () => {
  const msg = await anthropic.messages.create({ model: 'sonnet', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(msg.content[0].text, 'Bonjour from Claude');
  assert.equal(msg.stop_reason, 'end_turn');
});

test('upstream errors come back with their status in the client\'s format', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'overloaded' }] }),
    (err) => err.status === 502 && /HTTP 529/.test(err.message),
  );
  await assert.rejects(
    openai.embeddings.create({ model: 'sonnet', input: 'x' }),
    (err) => err.status === 400 && /only chat requests/.test(err.message),
  );
});

test('thinking blocks keep their signatures on the way back to Anthropic (extended thinking with tools)', async () => {
  received = [];
  const thinking = { type: 'thinking', thinking: 'The user wants a lookup.', signature: 'EqQBCgIYAhIM-signed' };
  const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'paris' } };
  const msg = await anthropic.messages.create({
    model: 'sonnet',
    max_tokens: 2048,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
    messages: [
      { role: 'user', content: 'look up paris' },
      { role: 'assistant', content: [thinking, toolUse] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found' }] },
    ],
  });
  assert.equal(msg.content[0].text, 'Bonjour from Claude');
  const sent = received.find((r) => r.url === '/v1/messages').body;
  assert.deepEqual(sent.messages[1].content, [thinking, toolUse]);
});

test('same API on both sides: an Anthropic client\'s request reaches an Anthropic backend as it was sent', async () => {
  received = [];
  const system = [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }];
  const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A short note.' }, cache_control: { type: 'ephemeral' } };
  const msg = await anthropic.messages.create({
    model: 'sonnet',
    max_tokens: 30,
    system,
    messages: [{ role: 'user', content: [document, { type: 'text', text: 'summarise' }] }],
  });
  assert.equal(msg.id, 'msg_fake_1');  // the upstream's own answer, not a re-written one
  assert.equal(msg.model, 'claude-fake-1');
  const sent = received.find((r) => r.url === '/v1/messages').body;
  assert.equal(sent.model, 'claude-fake-1');
  assert.deepEqual(sent.system, system);  // cache_control kept: prompt caching works
  assert.deepEqual(sent.messages[0].content[0], document);  // documents are not refused
  // a stream is relayed event by event
  const final = await anthropic.messages.stream({ model: 'sonnet', max_tokens: 30, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
  assert.equal(final.content[0].text, 'Bonjour');
  assert.equal(final.stop_reason, 'tool_use');
  assert.equal(final.usage.output_tokens, 9);
});

// POST /v1/messages as plain JSON (fields the SDK does not type: container, mcp_servers, ...).
function postMessages(body) {
  return fetch(`${stack.baseURL}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sy-client-key', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
}

test('through a route, Anthropic-only fields reach the Anthropic target: translation is per attempt', async () => {
  received = [];
  const cached = { type: 'text', text: 'A long shared context.', cache_control: { type: 'ephemeral', ttl: '1h' } };
  const fields = {
    metadata: { user_id: 'user-42' },
    service_tier: 'standard_only',
    container: 'container_abc',
    context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
    mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'example' }],
  };
  const res = await postMessages({
      model: 'claude-route',
      max_tokens: 30,
      system: [cached],
      messages: [{ role: 'user', content: [cached, { type: 'text', text: 'summarise' }] }],
      ...fields,
    });
  assert.equal(res.status, 200, await res.clone().text());
  const msg = await res.json();
  assert.equal(msg.id, 'msg_fake_1');  // the Anthropic upstream's own answer, relayed
  const sent = received.find((r) => r.url === '/v1/messages').body;
  assert.equal(sent.model, 'claude-fake-1');
  for (const [k, v] of Object.entries(fields)) assert.deepEqual(sent[k], v, k);
  assert.deepEqual(sent.system, [cached]);
  assert.deepEqual(sent.messages[0].content[0], cached);  // cache_control on a block: prompt caching works
});

test('the same route fails over to its OpenAI-compatible target for a request without them', async () => {
  received = [];
  const msg = await anthropic.messages.create({
    model: 'claude-route',
    max_tokens: 30,
    messages: [{ role: 'user', content: 'overloaded' }],  // the Anthropic target answers 529
  });
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.ok(msg.content[0].text.length > 0);
  assert.notEqual(msg.id, 'msg_fake_1');  // the mock's answer, translated into a Message
  assert.ok(received.some((r) => r.url === '/v1/messages'));  // the Anthropic target was tried first
});

test('a request only an Anthropic target can take is not sent to the others: a 400 says why', async () => {
  const res = await postMessages({
      model: 'claude-route',
      max_tokens: 30,
      container: 'container_abc',
      messages: [{ role: 'user', content: 'overloaded' }],
    });
  const body = await res.json();
  assert.ok(res.status >= 500, `${res.status} ${JSON.stringify(body)}`);  // the Anthropic target failed; the mock could not take `container`
  assert.equal(body.type, 'error');
  assert.match(body.error.message, /claude\/claude-fake-1: .*529|overloaded/i);
  assert.match(body.error.message, /mock\/mock-chat: .*container/);
  const direct = await postMessages({ model: 'fast', max_tokens: 30, container: 'c', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(direct.status, 400);  // an OpenAI-compatible model alone: refused, naming the field
  assert.match((await direct.json()).error.message, /container/);
});

test('same API on both sides: a stream that breaks off or ends without message_stop raises an error in the SDK', async () => {
  for (const content of ['die', 'ends early']) {
    const stream = anthropic.messages.stream({ model: 'sonnet', max_tokens: 30, messages: [{ role: 'user', content }] });
    const pieces = [];
    stream.on('text', (t) => pieces.push(t));
    // Anthropic's own `event: error` with an api_error: the SDK raises it (an unnamed
    // `data: {"error":...}` event would be skipped, and the answer silently cut short)
    await assert.rejects(
      stream.finalMessage(),
      (err) => err instanceof Anthropic.APIError && err.error?.type === 'error' && err.error?.error?.type === 'api_error' &&
        /backend 'claude' failed mid-stream/.test(err.message),
      content,
    );
    assert.deepEqual(pieces, ['Bon'], content);
  }
  // an OpenAI client of the same upstream (translated) gets OpenAI's error
  for (const content of ['die', 'ends early']) {
    const stream = await openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content }], stream: true });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    }, /failed mid-stream/, content);
    assert.equal(text, 'Bon', content);
  }
});

test('count_tokens is answered by the Anthropic upstream\'s own endpoint', async () => {
  const messages = [{ role: 'user', content: 'count me' }];
  const counted = await anthropic.messages.countTokens({ model: 'sonnet', system: 'Be brief.', messages });
  assert.equal(counted.input_tokens, 42 + JSON.stringify(messages).length);
  const got = received.find((r) => r.url === '/v1/messages/count_tokens');
  assert.equal(got.body.model, 'claude-fake-1');
  assert.equal(got.body.system, 'Be brief.');
  assert.equal(got.body.max_tokens, undefined);
  assert.equal(got.headers['x-api-key'], 'sk-ant-upstream-secret');
  // a target that cannot count says so, in Anthropic's format
  await assert.rejects(
    anthropic.messages.countTokens({ model: 'fast', messages }),
    (err) => err.status === 400 && err.error?.error?.type === 'invalid_request_error' && /cannot count tokens/.test(err.message),
  );
});

test('the backend lists its models from the provider', async () => {
  const models = await openai.models.list();
  const ids = models.data.map((m) => m.id);
  assert.ok(ids.includes('claude/claude-fake-1'), ids.join(', '));
});
