#!/usr/bin/env node
// bench/engine/client.mjs: the load side of bench/engine/run.sh (see README.md here).
// Node 20+, built-in fetch only; no npm packages.
//
//   node client.mjs load  --url U --model M [--key K] --concurrency C --requests N
//                         [--max-tokens 128] [--prompt-repeat 16] [--seed 42] [--warmup 1]
//       N streaming chat completions over C workers (closed loop), after C short unrecorded ones
//       (--warmup 0: none); prints one JSON object with a record per request (client timings +
//       the usage and llama.cpp "timings" of the last chunk).
//   node client.mjs cold-direct --bin LLAMA_SERVER --port P --key K --model M [--poll-ms 10]
//                         [--pidfile F] [--log F] [--taskset CPUS] -- LLAMA_SERVER_ARGS...
//       launches llama-server, polls /health every --poll-ms, then sends one streaming request;
//       prints launch -> healthy, request -> first token, launch -> first token.
//   node client.mjs cold-request --url U --model M [--key K] [--engines-url URL]
//       one streaming request (for a fresh gateway whose model is not loaded): request -> first
//       token; with --engines-url, the engine's load_time_ms and pid from GET /api/engines.
//   node client.mjs report --dir D [--out FILE]
//       reads the files run.sh left in D; prints the table to stdout and writes the combined JSON
//       to FILE, or without --out, the table to stderr and the JSON to stdout.
import { spawn } from "node:child_process";
import { appendFileSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

function parseArgs(argv) {
  const opts = { _: [], rest: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === "--") {
      opts.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith("--")) {
      const k = a.slice(2);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) opts[k] = true;
      else (opts[k] = v), ++i;
    } else opts._.push(a);
  }
  return opts;
}

// A fixed prompt: the same English paragraph repeated; with the 32k llama tokenizer and the chat
// template each repeat is ~17 tokens, so the default 16 repeats give ~290 prompt tokens.
function makePrompt(repeat) {
  const unit = "The quick brown fox jumps over the lazy dog near the river bank. ";
  return "Continue this text: " + unit.repeat(repeat);
}

function requestBody(o) {
  return JSON.stringify({
    model: o.model,
    messages: [{ role: "user", content: makePrompt(Number(o["prompt-repeat"] ?? 16)) }],
    max_tokens: Number(o["max-tokens"] ?? 128),
    stream: true,
    stream_options: { include_usage: true },
    ignore_eos: true,
    temperature: 0,
    seed: Number(o.seed ?? 42),
    cache_prompt: false,
  });
}

// One streaming request. Times are performance.now() milliseconds.
async function streamOne(url, key, body) {
  const headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
  if (key) headers.Authorization = `Bearer ${key}`;
  const rec = { ok: false };
  const t0 = performance.now();
  rec.t_send = t0;
  let res;
  try {
    res = await fetch(url, { method: "POST", headers, body });
  } catch (e) {
    rec.error = String(e?.cause?.message ?? e);
    return rec;
  }
  rec.status = res.status;
  rec.t_headers = performance.now();
  if (res.status !== 200) {
    rec.error = (await res.text()).slice(0, 500);
    return rec;
  }
  const dec = new TextDecoder();
  let buf = "";
  let first = null;
  let last = null;
  let contentChunks = 0;
  let firstEvent = null;
  let maxGap = 0;
  let usage = null;
  let timings = null;
  let finish = null;
  let done = false;
  const onEvent = (data, now) => {
    if (firstEvent === null) firstEvent = now;
    if (data === "[DONE]") {
      done = true;
      return;
    }
    let j;
    try {
      j = JSON.parse(data);
    } catch {
      rec.error = `bad SSE data: ${data.slice(0, 200)}`;
      return;
    }
    if (j.error) rec.error = JSON.stringify(j.error).slice(0, 500);
    if (j.usage) usage = j.usage;
    if (j.timings) timings = j.timings;
    for (const c of j.choices ?? []) {
      if (c.finish_reason) finish = c.finish_reason;
      const d = c.delta ?? {};
      if ((typeof d.content === "string" && d.content.length > 0) ||
          (typeof d.reasoning_content === "string" && d.reasoning_content.length > 0)) {
        if (first === null) first = now;
        else maxGap = Math.max(maxGap, now - last);
        last = now;
        ++contentChunks;
      }
    }
  };
  for await (const chunk of res.body) {
    const now = performance.now();
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, "");
      buf = buf.slice(i + 1);
      if (line.startsWith("data:")) onEvent(line.slice(5).trim(), now);
    }
  }
  const tEnd = performance.now();
  Object.assign(rec, {
    ok: first !== null && usage !== null && !rec.error,
    done,
    finish_reason: finish,
    ttfe_ms: firstEvent === null ? null : firstEvent - t0,
    ttft_ms: first === null ? null : first - t0,
    decode_ms: first === null ? null : last - first,
    e2e_ms: tEnd - t0,
    content_chunks: contentChunks,
    max_gap_ms: maxGap,
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? null,
    server: timings
      ? { prompt_n: timings.prompt_n, prompt_ms: timings.prompt_ms, predicted_n: timings.predicted_n,
          predicted_ms: timings.predicted_ms, cache_n: timings.cache_n }
      : null,
    t_first: first,
    t_end: tEnd,
  });
  if (rec.ok) {
    rec.prompt_tps = rec.prompt_tokens / (rec.ttft_ms / 1000);
    // the first token arrives at TTFT; the remaining n-1 are generated between first and last
    rec.gen_tps = rec.completion_tokens > 1 && rec.decode_ms > 0
      ? (rec.completion_tokens - 1) / (rec.decode_ms / 1000) : null;
    if (timings) {
      // what the client sees beyond llama-server's own compute: HTTP, queueing, the proxy
      rec.ttft_over_server_ms = rec.ttft_ms - timings.prompt_ms;
      rec.e2e_over_server_ms = rec.e2e_ms - timings.prompt_ms - timings.predicted_ms;
      // llama-server's own decode time over the client's first-to-last token span: ~1 when the
      // tokens reach the client as fast as they are made, whatever the engine's speed that round
      rec.decode_relay = rec.decode_ms > 0 ? timings.predicted_ms / rec.decode_ms : null;
    }
  }
  return rec;
}

async function cmdLoad(o) {
  const n = Number(o.requests ?? 8);
  const c = Number(o.concurrency ?? 1);
  const body = requestBody(o);
  // a fresh node process pays ~100 ms on its first fetch (module loading, JIT, the connection);
  // short unrecorded requests, one per worker, keep that out of the figures
  if (Number(o.warmup ?? 1) > 0) {
    const wbody = requestBody({ ...o, "max-tokens": 4 });
    await Promise.all(Array.from({ length: c }, () => streamOne(o.url, o.key, wbody)));
  }
  const recs = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const r = await streamOne(o.url, o.key, body);
      r.index = i;
      recs.push(r);
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
  const t1 = performance.now();
  recs.sort((a, b) => a.index - b.index);
  for (const r of recs) {
    r.t_send -= t0;
    r.t_headers -= t0;
    if (r.t_first !== null && r.t_first !== undefined) r.t_first -= t0;
    if (r.t_end !== undefined) r.t_end -= t0;
  }
  const okRecs = recs.filter((r) => r.ok);
  const sum = (f) => okRecs.reduce((s, r) => s + (f(r) ?? 0), 0);
  const wall = (t1 - t0) / 1000;
  const out = {
    concurrency: c,
    requests: n,
    ok: okRecs.length,
    wall_s: wall,
    agg_gen_tps: sum((r) => r.completion_tokens) / wall,
    agg_total_tps: sum((r) => r.completion_tokens + r.prompt_tokens) / wall,
    records: recs,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
  const bad = recs.filter((r) => !r.ok);
  if (bad.length) {
    process.stderr.write(`client: ${bad.length}/${n} requests failed: ${JSON.stringify(bad[0]).slice(0, 600)}\n`);
    process.exitCode = 1;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function cmdColdDirect(o) {
  const port = Number(o.port);
  const pollMs = Number(o["poll-ms"] ?? 10);
  const log = o.log ? openSync(o.log, "a") : "ignore";
  let bin = o.bin;
  let args = o.rest;
  if (o.taskset) {
    args = ["-c", String(o.taskset), bin, ...args];
    bin = "taskset";
  }
  const env = { ...process.env, LLAMA_API_KEY: o.key };
  const t0 = performance.now();
  const child = spawn(bin, args, { env, stdio: ["ignore", log, log] });
  if (o.pidfile) appendFileSync(o.pidfile, `${child.pid}\n`);
  let exited = null;
  child.on("exit", (code, sig) => (exited = `exit ${code ?? sig}`));
  const out = { poll_ms: pollMs };
  try {
    let healthy = null;
    const deadline = t0 + 60000;
    while (performance.now() < deadline) {
      if (exited) throw new Error(`llama-server ${exited} before it was healthy`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer();
        if (r.status === 200) {
          healthy = performance.now();
          break;
        }
      } catch {}
      await sleep(pollMs);
    }
    if (healthy === null) throw new Error("llama-server not healthy within 60 s");
    out.launch_to_healthy_ms = healthy - t0;
    const body = requestBody({ ...o, "max-tokens": o["max-tokens"] ?? 8 });
    const r = await streamOne(`http://127.0.0.1:${port}/v1/chat/completions`, o.key, body);
    if (!r.ok) throw new Error(`request failed: ${r.status} ${r.error ?? ""}`);
    out.request_to_first_token_ms = r.ttft_ms;
    out.launch_to_first_token_ms = r.t_first - t0;
    out.server_prompt_ms = r.server?.prompt_ms ?? null;
    out.prompt_tokens = r.prompt_tokens;
  } finally {
    if (!exited) {
      child.kill("SIGTERM");
      for (let i = 0; i < 200 && !exited; ++i) await sleep(25);
      if (!exited) child.kill("SIGKILL");
    }
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

async function cmdColdRequest(o) {
  const body = requestBody({ ...o, "max-tokens": o["max-tokens"] ?? 8 });
  // warm this process's fetch (the direct cold run's /health polls do the same for it)
  if (o["engines-url"]) await (await fetch(o["engines-url"])).arrayBuffer();
  const r = await streamOne(o.url, o.key, body);
  if (!r.ok) {
    process.stderr.write(`client: cold request failed: ${r.status} ${r.error ?? ""}\n`);
    process.exit(1);
  }
  let engine = null;
  if (o["engines-url"]) {
    try {
      const j = await (await fetch(o["engines-url"])).json();
      engine = (j.engines ?? []).find((e) => e.id === o.model || e.model === o.model) ?? null;
    } catch {}
  }
  process.stdout.write(JSON.stringify({
    engine_load_time_ms: engine?.load_time_ms ?? null,
    engine_pid: engine?.pid ?? null,
    request_to_first_token_ms: r.ttft_ms,
    request_to_headers_ms: r.t_headers - r.t_send,
    server_prompt_ms: r.server?.prompt_ms ?? null,
    prompt_tokens: r.prompt_tokens,
  }) + "\n");
}

// --- report -------------------------------------------------------------------------------------
const median = (xs) => {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

function cmdReport(o) {
  const dir = o.dir;
  const meta = JSON.parse(readFileSync(`${dir}/meta.json`, "utf8"));
  const files = readdirSync(dir);
  const load = {};  // load[target][c] = [round results]
  const cold = {};  // cold[target] = [runs]
  for (const f of files.sort()) {
    let m;
    if ((m = f.match(/^load-(\w+)-c(\d+)-r(\d+)\.json$/))) {
      const txt = readFileSync(`${dir}/${f}`, "utf8").trim();
      if (!txt) continue;
      ((load[m[1]] ??= {})[m[2]] ??= []).push({ round: Number(m[3]), ...JSON.parse(txt) });
    } else if ((m = f.match(/^cold-(\w+)-(\d+)\.json$/))) {
      const txt = readFileSync(`${dir}/${f}`, "utf8").trim();
      if (txt) (cold[m[1]] ??= []).push(JSON.parse(txt));
    }
  }
  const targets = ["direct", "switchyard"];
  const conc = [...new Set(Object.values(load).flatMap((x) => Object.keys(x)))].map(Number).sort((a, b) => a - b);

  // per (target, concurrency): medians over every ok request of every round; aggregate tokens/s
  // is one figure per round, so its median is over rounds
  const summary = {};
  for (const t of targets) {
    for (const c of conc) {
      const rounds = load[t]?.[c] ?? [];
      const recs = rounds.flatMap((r) => r.records.filter((x) => x.ok));
      const failed = rounds.reduce((s, r) => s + r.records.filter((x) => !x.ok).length, 0);
      const short = recs.filter((r) => r.completion_tokens !== meta.max_tokens).length;
      const cached = recs.filter((r) => (r.cached_tokens ?? 0) > 0 || (r.server?.cache_n ?? 0) > 0).length;
      (summary[t] ??= {})[c] = {
        rounds: rounds.length,
        requests_ok: recs.length,
        requests_failed: failed,
        short_completions: short,
        prompt_cache_hits: cached,
        prompt_tokens: median(recs.map((r) => r.prompt_tokens)),
        completion_tokens: median(recs.map((r) => r.completion_tokens)),
        ttft_ms: median(recs.map((r) => r.ttft_ms)),
        prompt_tps: median(recs.map((r) => r.prompt_tps)),
        gen_tps: median(recs.map((r) => r.gen_tps)),
        agg_gen_tps: median(rounds.map((r) => r.agg_gen_tps)),
        agg_total_tps: median(rounds.map((r) => r.agg_total_tps)),
        e2e_ms: median(recs.map((r) => r.e2e_ms)),
        max_chunk_gap_ms: median(recs.map((r) => r.max_gap_ms)),
        server_prompt_ms: median(recs.map((r) => r.server?.prompt_ms)),
        server_gen_tps: median(recs.map((r) => r.server && r.server.predicted_n > 0
          ? r.server.predicted_n / (r.server.predicted_ms / 1000) : null)),
        ttft_over_server_ms: median(recs.map((r) => r.ttft_over_server_ms)),
        decode_relay: median(recs.map((r) => r.decode_relay)),
        e2e_over_server_ms: median(recs.map((r) => r.e2e_over_server_ms)),
        // per round medians, to show the spread
        per_round: rounds.sort((a, b) => a.round - b.round).map((r) => {
          const ok = r.records.filter((x) => x.ok);
          return { round: r.round, ttft_ms: median(ok.map((x) => x.ttft_ms)), prompt_tps: median(ok.map((x) => x.prompt_tps)),
                   gen_tps: median(ok.map((x) => x.gen_tps)), agg_gen_tps: r.agg_gen_tps };
        }),
      };
    }
  }
  const higherBetter = ["prompt_tps", "gen_tps", "agg_gen_tps", "agg_total_tps", "server_gen_tps", "decode_relay"];
  const lowerBetter = ["ttft_ms", "e2e_ms"];
  const ratios = {};
  for (const c of conc) {
    const d = summary.direct?.[c], s = summary.switchyard?.[c];
    if (!d || !s) continue;
    ratios[c] = {};
    // every ratio is switchyard / direct; for times (lower is better) it is also given inverted
    // as "speed" so that >= 0.97 reads the same way for every row
    for (const k of higherBetter) ratios[c][k] = d[k] && s[k] ? s[k] / d[k] : null;
    for (const k of lowerBetter) ratios[c][`${k}_speed`] = d[k] && s[k] ? d[k] / s[k] : null;
  }
  const coldSum = {};
  for (const t of targets) {
    const runs = cold[t] ?? [];
    coldSum[t] = {
      runs: runs.length,
      request_to_first_token_ms: median(runs.map((r) => r.request_to_first_token_ms)),
      launch_to_healthy_ms: median(runs.map((r) => r.launch_to_healthy_ms)),
      launch_to_first_token_ms: median(runs.map((r) => r.launch_to_first_token_ms)),
      engine_load_time_ms: median(runs.map((r) => r.engine_load_time_ms)),
      server_prompt_ms: median(runs.map((r) => r.server_prompt_ms)),
      all: runs,
    };
  }

  const f = (x, d = 1) => (x === null || x === undefined ? "-" : Number(x).toFixed(d));
  const lines = [];
  const P = (s) => lines.push(s);
  P(`switchyard engine benchmark: ${meta.date} on ${meta.host}, ${meta.cpus} cpus (load avg at start ${meta.loadavg})`);
  P(`model: ${meta.model_desc}`);
  P(`engine: ${meta.engine_args}`);
  P(`layout: ${meta.layout}`);
  P(`requests: prompt ~${summary.direct?.[conc[0]]?.prompt_tokens ?? "?"} tokens, max_tokens ${meta.max_tokens}, ignore_eos, ` +
    `cache_prompt false, temperature 0; ${meta.rounds} rounds, order per round ${meta.order}`);
  P("");
  const rows = [
    ["TTFT ms (median)", "ttft_ms", 1, "ttft_ms_speed"],
    ["prompt tok/s (prompt/TTFT)", "prompt_tps", 0, "prompt_tps"],
    ["gen tok/s per request", "gen_tps", 1, "gen_tps"],
    ["aggregate gen tok/s", "agg_gen_tps", 1, "agg_gen_tps"],
    ["aggregate total tok/s", "agg_total_tps", 0, "agg_total_tps"],
    ["e2e ms per request", "e2e_ms", 1, "e2e_ms_speed"],
    ["llama-server gen tok/s (its timings)", "server_gen_tps", 1, "server_gen_tps"],
    ["TTFT - server prompt_ms, ms", "ttft_over_server_ms", 2, null],
    ["e2e - server compute, ms", "e2e_over_server_ms", 2, null],
    ["server decode ms / client decode ms", "decode_relay", 4, "decode_relay"],
    ["max gap between tokens, ms", "max_chunk_gap_ms", 2, null],
  ];
  for (const c of conc) {
    const d = summary.direct?.[c] ?? {}, s = summary.switchyard?.[c] ?? {};
    P(`concurrency ${c}: ${d.requests_ok ?? 0} + ${s.requests_ok ?? 0} requests ok (direct + switchyard), ` +
      `${(d.requests_failed ?? 0) + (s.requests_failed ?? 0)} failed, ` +
      `${(d.short_completions ?? 0) + (s.short_completions ?? 0)} short, ` +
      `${(d.prompt_cache_hits ?? 0) + (s.prompt_cache_hits ?? 0)} with a prompt cache hit`);
    P(`  ${"metric".padEnd(38)} ${"direct".padStart(10)} ${"switchyard".padStart(10)} ${"sy/direct".padStart(10)}`);
    for (const [label, k, dig, rk] of rows) {
      const r = rk ? ratios[c]?.[rk] : null;
      const extra = rk && rk.endsWith("_speed") ? "  (direct/sy)" : "";
      P(`  ${label.padEnd(38)} ${f(d[k], dig).padStart(10)} ${f(s[k], dig).padStart(10)} ${(rk ? f(r, 3) : "").padStart(10)}${extra}`);
    }
    P("");
  }
  if (meta.cpu) {
    const c = meta.cpu;
    P(`CPU time over the steady-state runs (user+sys): switchyard ${f(c.switchyard_ms, 0)} ms for ${c.switchyard_requests} requests ` +
      `(${f(c.switchyard_ms / c.switchyard_requests, 2)} ms/request, ${f(c.switchyard_ms * 1000 / c.switchyard_tokens, 1)} us/token relayed); ` +
      `llama-server direct ${f(c.direct_engine_ms, 0)} ms, gateway's engine ${f(c.sy_engine_ms, 0)} ms`);
    P("");
  }
  const cd = coldSum.direct, cs = coldSum.switchyard;
  P(`cold start to first token (median of ${cd.runs} direct / ${cs.runs} switchyard runs; max_tokens 8):`);
  P(`  direct llama-server: launch -> healthy ${f(cd.launch_to_healthy_ms)} ms (polling /health every ${meta.cold_poll_ms} ms), ` +
    `launch -> first token ${f(cd.launch_to_first_token_ms)} ms`);
  P(`  switchyard (fresh gateway, model not loaded): request -> first token ${f(cs.request_to_first_token_ms)} ms ` +
    `(engine load_time_ms ${f(cs.engine_load_time_ms, 0)})`);
  if (cd.launch_to_first_token_ms && cs.request_to_first_token_ms)
    P(`  switchyard - direct: ${f(cs.request_to_first_token_ms - cd.launch_to_first_token_ms)} ms; ratio (direct/sy) ` +
      `${f(cd.launch_to_first_token_ms / cs.request_to_first_token_ms, 3)}`);
  const text = lines.join("\n") + "\n";
  const result = { bench: "engine", ...meta, summary, ratios, cold: coldSum };
  const json = JSON.stringify(result, null, 1) + "\n";
  if (o.out) {
    process.stdout.write(text);
    writeFileSync(o.out, json);
  } else {
    process.stderr.write(text);
    process.stdout.write(json);
  }
}

const o = parseArgs(process.argv.slice(2));
const cmd = o._[0];
const cmds = { load: cmdLoad, "cold-direct": cmdColdDirect, "cold-request": cmdColdRequest, report: cmdReport };
if (!cmds[cmd]) {
  process.stderr.write("usage: client.mjs load|cold-direct|cold-request|report [options] (see the header)\n");
  process.exit(2);
}
try {
  await cmds[cmd](o);
} catch (e) {
  process.stderr.write(`client: ${e?.stack ?? e}\n`);
  process.exit(1);
}
