// The official OpenAI SDK's Responses API (npm `openai`, client.responses.create / .stream)
// against switchyard's /v1/responses, with OpenAI chat upstreams behind it: the mock upstream
// (text, streams, faults) and a small fake here that answers with function calls, written from
// OpenAI's Chat Completions reference; it records what it received.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import OpenAI from 'openai';
import { readJson, sendJson, listenLocal, startStack } from './harness.mjs';

// A chat upstream that calls get_weather until it sees the tool's result, then answers in text.
let received = [];
function fakeToolUpstream() {
  return createServer(async (req, res) => {
    const json = await readJson(req);
    received.push({ url: req.url, body: json });
    if (req.method === 'GET' && req.url === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [{ id: 'tool-model', object: 'model', owned_by: 'fake' }] });
      return;
    }
    const result = json.messages?.find((m) => m.role === 'tool');
    const head = { id: 'chatcmpl-fake', created: 1741570000, model: json.model };
    const usage = { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 };
    const message = result
      ? { role: 'assistant', content: `It is ${result.content} in Paris.` }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        };
    const finish = result ? 'stop' : 'tool_calls';
    if (!json.stream) {
      sendJson(res, 200, { ...head, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (delta, finish_reason = null) =>
      res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }] })}\n\n`);
    send({ role: 'assistant', content: '' });
    if (result) {
      send({ content: message.content });
    } else {
      send({ tool_calls: [{ index: 0, id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '' } }] });
      for (const piece of ['{"city":', '"Paris"}']) send({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
    }
    send({}, finish);
    res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
}

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

let stack;
let upstream;
let client;
before(async () => {
  upstream = fakeToolUpstream();
  const port = await listenLocal(upstream);
  stack = await startStack({
    apiKeys: ['sy-client-key'],
    extraBackends: ['  - name: tools', '    type: openai', `    url: http://127.0.0.1:${port}/v1`],
    extraAliases: ['  toolbot: tools/tool-model'],
  });
  client = new OpenAI({ baseURL: stack.baseURL, apiKey: 'sy-client-key', maxRetries: 0 });
});
afterEach(() => stack.faults({}));
after(() => {
  stack?.stop();
  upstream?.close();
});

async function lastMockRequest() {
  const last = await (await fetch(`${stack.mockURL}/mock/last`)).json();
  return JSON.parse(last.body);
}

test('a plain text response', async () => {
  const res = await client.responses.create({ model: 'fast', instructions: 'Be terse.', input: 'hello' });
  assert.equal(res.object, 'response');
  assert.match(res.id, /^resp_/);
  assert.equal(res.status, 'completed');
  assert.equal(res.model, 'fast');
  assert.equal(res.output_text, 'Hello from mock');
  assert.equal(res.output[0].type, 'message');
  assert.equal(res.output[0].role, 'assistant');
  assert.equal(res.output[0].content[0].type, 'output_text');
  assert.equal(res.instructions, 'Be terse.');
  assert.ok(res.usage.input_tokens > 0 && res.usage.output_tokens > 0);
  assert.equal(res.usage.total_tokens, res.usage.input_tokens + res.usage.output_tokens);
  const sent = await lastMockRequest();
  assert.deepEqual(sent.messages, [
    { role: 'system', content: 'Be terse.' },
    { role: 'user', content: 'hello' },
  ]);
});

test('a streamed response arrives event by event', async () => {
  await stack.faults({ chunks: 5 });
  const stream = await client.responses.create({ model: 'fast', input: 'hello', stream: true });
  const events = [];
  for await (const event of stream) events.push(event);
  assert.equal(events[0].type, 'response.created');
  assert.equal(events[1].type, 'response.in_progress');
  events.forEach((e, i) => assert.equal(e.sequence_number, i));
  const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
  assert.deepEqual(deltas, ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ', 'tok4 ']);
  const done = events.find((e) => e.type === 'response.output_text.done');
  assert.equal(done.text, 'tok0 tok1 tok2 tok3 tok4 ');
  const last = events.at(-1);
  assert.equal(last.type, 'response.completed');
  assert.equal(last.response.status, 'completed');
  assert.equal(last.response.output[0].content[0].text, 'tok0 tok1 tok2 tok3 tok4 ');
  assert.equal(last.response.usage.output_tokens, 5);
  assert.ok(last.response.usage.input_tokens > 0);
});

test('the SDK stream helper assembles the streamed response', async () => {
  await stack.faults({ chunks: 3 });
  const stream = client.responses.stream({ model: 'fast', input: 'hello' });
  const pieces = [];
  stream.on('response.output_text.delta', (e) => pieces.push(e.delta));
  const final = await stream.finalResponse();
  assert.deepEqual(pieces, ['tok0 ', 'tok1 ', 'tok2 ']);
  assert.equal(final.status, 'completed');
  assert.equal(final.output[0].content[0].text, 'tok0 tok1 tok2 '); // the helper adds no output_text here
});

test('a stream that fails midway ends with error and response.failed, after what was produced', async () => {
  await stack.faults({ chunks: 5, die_after: 2 });
  const stream = await client.responses.create({ model: 'fast', input: 'hello', stream: true });
  const events = [];
  for await (const event of stream) events.push(event);
  const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
  assert.deepEqual(deltas, ['tok0 ', 'tok1 ']);
  assert.ok(!events.some((e) => e.type === 'response.completed'));
  assert.equal(events.at(-2).type, 'error');
  assert.match(events.at(-2).message, /failed mid-stream/);
  assert.equal(events.at(-1).type, 'response.failed');
  assert.equal(events.at(-1).response.status, 'failed');
  assert.match(events.at(-1).response.error.message, /failed mid-stream/);
});

test('a function call round trip', async () => {
  received = [];
  const first = await client.responses.create({ model: 'toolbot', input: 'Weather in Paris?', tools: [weatherTool] });
  assert.equal(first.status, 'completed');
  const call = first.output.find((o) => o.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  assert.equal(call.name, 'get_weather');
  assert.equal(call.call_id, 'call_w1');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
  const sentFirst = received.at(-1).body;
  assert.equal(sentFirst.tools[0].type, 'function');
  assert.equal(sentFirst.tools[0].function.name, 'get_weather');
  assert.equal(sentFirst.tools[0].function.strict, true);

  const second = await client.responses.create({
    model: 'toolbot',
    tools: [weatherTool],
    input: [
      { role: 'user', content: 'Weather in Paris?' },
      ...first.output,
      { type: 'function_call_output', call_id: call.call_id, output: '18 C' },
    ],
  });
  assert.equal(second.output_text, 'It is 18 C in Paris.');
  const sent = received.at(-1).body;
  const assistant = sent.messages.find((m) => m.role === 'assistant');
  assert.equal(assistant.tool_calls[0].id, 'call_w1');
  assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
  const tool = sent.messages.find((m) => m.role === 'tool');
  assert.equal(tool.tool_call_id, 'call_w1');
  assert.equal(tool.content, '18 C');
});

test('a streamed function call', async () => {
  const stream = client.responses.stream({ model: 'toolbot', input: 'Weather in Paris?', tools: [weatherTool] });
  const argDeltas = [];
  stream.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
  const final = await stream.finalResponse();
  assert.deepEqual(argDeltas, ['{"city":', '"Paris"}']);
  const call = final.output.find((o) => o.type === 'function_call');
  assert.equal(call.call_id, 'call_w1');
  assert.equal(call.arguments, '{"city":"Paris"}');
  assert.equal(call.status, 'completed');
});

test('an unsupported feature is a 400 that names it', async () => {
  await assert.rejects(
    client.responses.create({ model: 'fast', input: 'x', previous_response_id: 'resp_123' }),
    (err) =>
      err instanceof OpenAI.BadRequestError &&
      err.status === 400 &&
      err.param === 'previous_response_id' &&
      /previous_response_id/.test(err.message),
  );
  await assert.rejects(
    client.responses.create({ model: 'fast', input: 'x', tools: [{ type: 'web_search' }] }),
    (err) => err instanceof OpenAI.BadRequestError && /tools of type 'web_search'/.test(err.message),
  );
});

test('errors come in OpenAI format with the right status', async () => {
  await assert.rejects(
    client.responses.create({ model: 'no-such-model', input: 'x' }),
    (err) => err instanceof OpenAI.NotFoundError && /not found/.test(err.message),
  );
  const anonymous = new OpenAI({ baseURL: stack.baseURL, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(
    anonymous.responses.create({ model: 'fast', input: 'x' }),
    (err) => err instanceof OpenAI.AuthenticationError,
  );
  await stack.faults({ status: 429, retry_after: '7' });
  await assert.rejects(
    client.responses.create({ model: 'fast', input: 'x' }),
    (err) =>
      err instanceof OpenAI.RateLimitError &&
      err.type === 'rate_limit_error' &&
      /mock failure 429/.test(err.message) &&
      err.headers?.get('retry-after') === '7',
  );
  await stack.faults({ status: 503 });
  await assert.rejects(
    client.responses.create({ model: 'fast', input: 'x' }),
    (err) => err instanceof OpenAI.APIError && err.status === 502 && /backend 'mock'/.test(err.message),
  );
});
