// A Gemini upstream (backend type "gemini") behind switchyard: OpenAI and Anthropic clients both
// reach it. The upstream is a small fake of Google's Gemini API written from its public
// reference (generateContent, streamGenerateContent?alt=sse, batchEmbedContents, models.list);
// it records what it received.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { readJson, sendJson, listenLocal, collectChatStream, startStack } from './harness.mjs';

const KEY = 'AIza-upstream-secret';
let received = [];
const listings = [];  // GET /models, kept across tests

const reply = (res, status, body) => sendJson(res, status, body, 'application/json; charset=UTF-8');

function fakeGemini() {
  return createServer(async (req, res) => {
    const json = await readJson(req);
    received.push({ method: req.method, url: req.url, headers: req.headers, body: json });
    if (req.headers['x-goog-api-key'] !== KEY) {
      reply(res, 400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } });
      return;
    }
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.pathname === '/v1beta/models') {
      listings.push(req.url);
      reply(res, 200, {
        models: [
          { name: 'models/gemini-fake-flash', supportedGenerationMethods: ['generateContent'] },
          { name: 'models/gemini-fake-embed', supportedGenerationMethods: ['embedContent'] },
        ],
      });
      return;
    }
    const m = url.pathname.match(/^\/v1beta\/models\/([^/:]+):(\w+)$/);
    if (!m) {
      reply(res, 404, { error: { code: 404, message: `no such method ${url.pathname}`, status: 'NOT_FOUND' } });
      return;
    }
    const [, model, method] = m;
    if (method === 'batchEmbedContents') {
      reply(res, 200, { embeddings: json.requests.map((r, i) => ({ values: [i, r.content.parts[0].text.length, 0.5] })) });
      return;
    }
    const lastUser = json.contents.at(-1);
    const text = lastUser.parts.find((p) => p.text)?.text ?? '';
    if (text === 'overloaded') {
      reply(res, 503, { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
      return;
    }
    if (text === 'quota') {
      reply(res, 429, { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } });
      return;
    }
    const usageMetadata = { promptTokenCount: 11, candidatesTokenCount: 4, totalTokenCount: 15 };
    const answerParts = lastUser.parts.some((p) => p.functionResponse)
      ? [{ text: `It is ${lastUser.parts[0].functionResponse.response.result}.` }]
      : json.tools
        ? [{ functionCall: { name: json.tools[0].functionDeclarations[0].name, args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmVk' }]
        : [{ text: 'Bonjour from Gemini' }];
    if (method === 'generateContent') {
      reply(res, 200, {
        candidates: [{ content: { role: 'model', parts: answerParts }, finishReason: 'STOP', index: 0 }],
        usageMetadata, modelVersion: model, responseId: 'gem-1',
      });
      return;
    }
    if (method !== 'streamGenerateContent' || url.searchParams.get('alt') !== 'sse') {
      reply(res, 400, { error: { code: 400, message: 'bad method', status: 'INVALID_ARGUMENT' } });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (o) => res.write(`data: ${JSON.stringify({ ...o, modelVersion: model, responseId: 'gem-2' })}\r\n\r\n`);
    if (text === 'die' || text === 'ends early') {
      send({ candidates: [{ content: { role: 'model', parts: [{ text: 'Half an ans' }] }, index: 0 }] });
      if (text === 'die') setTimeout(() => res.destroy(), 50);  // the connection drops mid-answer
      else res.end();  // a clean end of the body, without a finishReason
      return;
    }
    if (answerParts[0].text) {
      for (const piece of ['Bon', 'jour ', 'from Gemini'])
        send({ candidates: [{ content: { role: 'model', parts: [{ text: piece }] }, index: 0 }], usageMetadata: { promptTokenCount: 11 } });
      send({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }], usageMetadata });
    } else {
      send({ candidates: [{ content: { role: 'model', parts: answerParts }, finishReason: 'STOP', index: 0 }], usageMetadata });
    }
    res.end();
  });
}

let stack;
let upstream;
let openai;
let anthropic;
before(async () => {
  upstream = fakeGemini();
  const port = await listenLocal(upstream);
  stack = await startStack({
    apiKeys: ['sy-client-key'],
    extraBackends: [
      '  - name: google',
      '    type: gemini',
      `    url: http://127.0.0.1:${port}/v1beta`,
      `    api_key: ${KEY}`,
    ],
    extraAliases: ['  flash: google/gemini-fake-flash'],
  });
  openai = new OpenAI({ baseURL: stack.baseURL, apiKey: 'sy-client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.baseURL.replace(/\/v1$/, ''), apiKey: 'sy-client-key', maxRetries: 0 });
});
after(() => {
  stack?.stop();
  upstream?.close();
});

test('an OpenAI client reaches Gemini: generateContent with the key in x-goog-api-key, never in the URL', async () => {
  received = [];
  const res = await openai.chat.completions.create({
    model: 'flash',
    max_tokens: 50,
    temperature: 0.2,
    stop: ['END'],
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello' },
    ],
  });
  assert.equal(res.choices[0].message.content, 'Bonjour from Gemini');
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.equal(res.usage.prompt_tokens, 11);
  assert.equal(res.usage.completion_tokens, 4);
  const got = received.find((r) => r.method === 'POST');
  assert.equal(got.url, '/v1beta/models/gemini-fake-flash:generateContent');
  assert.equal(got.headers['x-goog-api-key'], KEY);
  assert.equal(got.headers.authorization, undefined);  // the client's key never travels
  assert.ok(!got.url.includes('key='));
  assert.deepEqual(got.body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
  assert.deepEqual(got.body.contents, [{ role: 'user', parts: [{ text: 'hello' }] }]);
  assert.deepEqual(got.body.generationConfig, { stopSequences: ['END'], temperature: 0.2, maxOutputTokens: 50 });
});

test('a streamed answer comes back as OpenAI chunks, usage included', async () => {
  const stream = await openai.chat.completions.create({
    model: 'flash',
    messages: [{ role: 'user', content: 'hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const { text, finish, usage } = await collectChatStream(stream);
  assert.equal(text, 'Bonjour from Gemini');
  assert.equal(finish, 'stop');
  assert.equal(usage.completion_tokens, 4);
  assert.equal(received.at(-1).url, '/v1beta/models/gemini-fake-flash:streamGenerateContent?alt=sse');
});

test('a tool-call round trip: functionCall out, functionResponse back under the function\'s name', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const first = await openai.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'weather?' }], tools });
  const call = first.choices[0].message.tool_calls[0];
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  assert.deepEqual(received.at(-1).body.tools, [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] }]);

  const second = await openai.chat.completions.create({
    model: 'flash',
    tools,
    messages: [
      { role: 'user', content: 'weather?' },
      first.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: '18 C' },
    ],
  });
  assert.equal(second.choices[0].message.content, 'It is 18 C.');
  const sent = received.at(-1).body.contents;
  assert.equal(sent[1].role, 'model');
  assert.equal(sent[1].parts[0].functionCall.name, 'get_weather');
  assert.deepEqual(sent[2], { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { result: '18 C' } } }] });
});

test('an Anthropic client keeps Gemini\'s thought signature across the tool round trip', async () => {
  const tools = [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
  const first = await anthropic.messages.create({ model: 'flash', max_tokens: 100, tools, messages: [{ role: 'user', content: 'weather?' }] });
  assert.equal(first.stop_reason, 'tool_use');
  const use = first.content.find((b) => b.type === 'tool_use');
  const second = await anthropic.messages.create({
    model: 'flash',
    max_tokens: 100,
    tools,
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18 C' }] },
    ],
  });
  assert.equal(second.content[0].text, 'It is 18 C.');
  const call = received.at(-1).body.contents[1].parts.find((p) => p.functionCall);
  assert.equal(call.thoughtSignature, 'c2lnbmVk');  // Gemini's own, not the placeholder
});

test('an Anthropic client streams from Gemini', async () => {
  const stream = anthropic.messages.stream({ model: 'flash', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
  const msg = await stream.finalMessage();
  assert.equal(msg.content[0].text, 'Bonjour from Gemini');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.output_tokens, 4);
});

test('a stream that breaks off ends with an error, not a clean end', async () => {
  const stream = await openai.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'die' }], stream: true });
  let text = '';
  await assert.rejects(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  });
  assert.equal(text, 'Half an ans');
});

test('a stream that ends without a finishReason ends with an error in every client\'s API', async () => {
  const stream = await openai.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'ends early' }], stream: true });
  let text = '';
  await assert.rejects(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  }, /backend 'google' failed mid-stream: the upstream's stream ended before its last event/);
  assert.equal(text, 'Half an ans');
  const pieces = [];
  const message = anthropic.messages.stream({ model: 'flash', max_tokens: 20, messages: [{ role: 'user', content: 'ends early' }] });
  message.on('text', (t) => pieces.push(t));
  await assert.rejects(message.finalMessage(), (err) => err instanceof Anthropic.APIError && /failed mid-stream/.test(err.message));
  assert.deepEqual(pieces, ['Half an ans']);
});

test('embeddings go out as batchEmbedContents', async () => {
  const res = await openai.embeddings.create({ model: 'google/gemini-fake-embed', input: ['a', 'abc'] });
  assert.deepEqual(res.data.map((d) => d.embedding), [[0, 1, 0.5], [1, 3, 0.5]]);
  const got = received.at(-1);
  assert.equal(got.url, '/v1beta/models/gemini-fake-embed:batchEmbedContents');
  assert.deepEqual(got.body.requests[1], { model: 'models/gemini-fake-embed', content: { parts: [{ text: 'abc' }] } });
});

test('upstream errors come back with their status in the client\'s format', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'overloaded' }] }),
    (err) => err.status === 502 && /HTTP 503/.test(err.message) && /overloaded/.test(err.message),
  );
  await assert.rejects(
    anthropic.messages.create({ model: 'flash', max_tokens: 5, messages: [{ role: 'user', content: 'quota' }] }),
    (err) => err.status === 429 && err.error?.type === 'error' && err.error?.error?.type === 'rate_limit_error',
  );
  await assert.rejects(
    openai.completions.create({ model: 'flash', prompt: 'x' }),
    (err) => err.status === 400 && /Gemini API/.test(err.message),
  );
  await assert.rejects(
    openai.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
    }),
    (err) => err.status === 400 && /inline/.test(err.message),
  );
});

test('a model the list says cannot chat (or embed) is refused with a 400 naming the capability', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'google/gemini-fake-embed', messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err.status === 400 && /does not support chat/.test(err.message) && err.code === 'unsupported_capability',
  );
  await assert.rejects(
    openai.embeddings.create({ model: 'flash', input: 'x' }),
    (err) => err.status === 400 && /does not support embeddings/.test(err.message),
  );
});

test('the backend lists its models from Gemini\'s models.list', async () => {
  const models = await openai.models.list();
  const ids = models.data.map((m) => m.id);
  assert.ok(ids.includes('google/gemini-fake-flash'), ids.join(', '));
  assert.ok(ids.includes('google/gemini-fake-embed'), ids.join(', '));
  assert.equal(listings[0], '/v1beta/models?pageSize=1000');
});
