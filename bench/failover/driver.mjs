// bench/failover/driver.mjs: the load driver of bench/failover (see README.md there).
//
// Sends chat requests at a fixed rate to switchyard, kills one backend at --kill-at seconds,
// restarts it at --restart-at, polls GET /api/router every --poll-ms, and records every request
// (scheduled send time, status, latency, x-switchyard-backend, error). Prints one line per second
// on stderr and, at the end, one JSON object on stdout (summary, phases, per-second timeline,
// router and log events). Node 20, built-in modules only.
//
//   node driver.mjs --url http://127.0.0.1:PORT --model chat --rate 200 --duration 20
//       [--delay-ms 20 | --stream --chunks 10 --chunk-delay-ms 20] [--victim b] [--victim-target b/mock-chat]
//       [--kill-pid PID --kill-at 5 --fault kill|stop] [--restart-at 12 --restart-cmd CMD --restart-pidfile F --restart-log F]
//       [--poll-ms 100] [--switchyard-log F] [--records F.csv] [--timeout-ms 10000]
//
// Latency runs from the *scheduled* send time (t0 + i/rate), so a stall shows as latency and not
// as fewer samples. Times in the output are seconds since t0 (the first scheduled send).

import http from 'node:http';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------------------------
// options

const opt = {
  url: '', model: 'chat', rate: 200, duration: 20, stream: false, chunks: 10, chunkDelayMs: 20,
  victim: 'b', victimTarget: '', killPid: 0, killAt: 5, restartAt: 12, restartCmd: '',
  restartPidfile: '', restartLog: '', delayMs: 0, fault: 'kill', pollMs: 100, switchyardLog: '', records: '', timeoutMs: 10000, maxSockets: 512,
};
{
  const a = process.argv.slice(2);
  const num = (i) => { const v = Number(a[i]); if (!Number.isFinite(v)) die(`bad number for ${a[i - 1]}: ${a[i]}`); return v; };
  for (let i = 0; i < a.length; ++i) {
    switch (a[i]) {
      case '--url': opt.url = a[++i]; break;
      case '--model': opt.model = a[++i]; break;
      case '--rate': opt.rate = num(++i); break;
      case '--duration': opt.duration = num(++i); break;
      case '--stream': opt.stream = true; break;
      case '--chunks': opt.chunks = num(++i); break;
      case '--chunk-delay-ms': opt.chunkDelayMs = num(++i); break;
      case '--victim': opt.victim = a[++i]; break;
      case '--victim-target': opt.victimTarget = a[++i]; break;
      case '--kill-pid': opt.killPid = num(++i); break;
      case '--kill-at': opt.killAt = num(++i); break;
      case '--restart-at': opt.restartAt = num(++i); break;
      case '--restart-cmd': opt.restartCmd = a[++i]; break;
      case '--restart-pidfile': opt.restartPidfile = a[++i]; break;
      case '--restart-log': opt.restartLog = a[++i]; break;
      case '--delay-ms': opt.delayMs = num(++i); break;
      case '--fault': opt.fault = a[++i]; break;
      case '--poll-ms': opt.pollMs = num(++i); break;
      case '--switchyard-log': opt.switchyardLog = a[++i]; break;
      case '--records': opt.records = a[++i]; break;
      case '--timeout-ms': opt.timeoutMs = num(++i); break;
      case '--max-sockets': opt.maxSockets = num(++i); break;
      default: die(`unknown argument ${a[i]}`);
    }
  }
  if (!opt.url) die('--url is required');
  if (!opt.victimTarget) opt.victimTarget = `${opt.victim}/mock-chat`;
}
function die(msg) { process.stderr.write(`driver: ${msg}\n`); process.exit(2); }

const base = new URL(opt.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: opt.maxSockets });
const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const body = JSON.stringify({
  model: opt.model,
  messages: [{ role: 'user', content: 'failover bench' }],
  ...(opt.stream ? { stream: true, mock: { chunks: opt.chunks, chunk_delay_ms: opt.chunkDelayMs } }
    : opt.delayMs > 0 ? { mock: { delay_ms: opt.delayMs } } : {}),
});

// ---------------------------------------------------------------------------------------------
// clock: ms since t0 on performance.now(); wall clock of t0 for the switchyard log's timestamps

let t0 = 0;
let t0Wall = 0;
const now = () => performance.now() - t0;

// ---------------------------------------------------------------------------------------------
// requests

const records = [];  // {i, sched, sent, ttfb, done, status, backend, outcome, error}
let inFlight = 0;

function sendOne(i, sched) {
  const rec = { i, sched, sent: now(), ttfb: null, done: null, status: 0, backend: '', reqId: '', outcome: '', error: '' };
  records.push(rec);
  ++inFlight;
  let finished = false;
  const finish = (outcome, error = '') => {
    if (finished) return;
    finished = true;
    rec.done = now();
    rec.outcome = outcome;
    rec.error = error;
    --inFlight;
  };
  const req = http.request({
    host: base.hostname, port: base.port, path: '/v1/chat/completions', method: 'POST', agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  }, (res) => {
    rec.ttfb = now();
    rec.status = res.statusCode;
    rec.backend = String(res.headers['x-switchyard-backend'] ?? '');
    rec.reqId = String(res.headers['x-request-id'] ?? '');
    const parts = [];
    res.on('data', (c) => parts.push(c));
    res.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      if (res.statusCode < 200 || res.statusCode > 299) {
        let msg = text;
        try { msg = JSON.parse(text).error?.message ?? text; } catch { /* keep the raw text */ }
        return finish('failed', `HTTP ${res.statusCode}: ${msg}`.slice(0, 400));
      }
      if (!opt.stream) {
        try { JSON.parse(text); } catch { return finish('failed', 'unparseable JSON body'); }
        return finish('ok');
      }
      // a stream: [DONE] is a whole stream; an error event or no [DONE] is a stream cut short
      const err = text.match(/^data: (\{"error".*)$/m);
      if (err) {
        let msg = err[1];
        try { msg = JSON.parse(err[1]).error?.message ?? msg; } catch { /* raw */ }
        return finish('cut', msg.slice(0, 400));
      }
      if (/^data: \[DONE\]/m.test(text)) return finish('ok');
      return finish('cut', 'stream ended without [DONE] or an error event');
    });
    res.on('error', (e) => finish(rec.ttfb !== null && opt.stream ? 'cut' : 'failed', `response: ${e.code ?? e.message}`));
    res.on('aborted', () => finish(opt.stream ? 'cut' : 'failed', 'response aborted'));
  });
  req.setTimeout(opt.timeoutMs, () => req.destroy(new Error(`timeout after ${opt.timeoutMs} ms`)));
  req.on('error', (e) => finish(rec.ttfb !== null && opt.stream ? 'cut' : 'failed', `${e.code ?? ''} ${e.message}`.trim()));
  req.end(body);
}

// ---------------------------------------------------------------------------------------------
// router poll: the victim target's health/breaker state over time

const routerSamples = [];  // {t, health, state, backend_health}
let pollBusy = false;
function pollRouter() {
  if (pollBusy) return;
  pollBusy = true;
  const t = now();
  const req = http.get({ host: base.hostname, port: base.port, path: '/api/router', agent: pollAgent }, (res) => {
    const parts = [];
    res.on('data', (c) => parts.push(c));
    res.on('end', () => {
      pollBusy = false;
      try {
        const j = JSON.parse(Buffer.concat(parts).toString('utf8'));
        const tgt = (j.routes?.[0]?.targets ?? []).find((x) => x.id === opt.victimTarget) ?? {};
        const be = (j.backends ?? []).find((x) => x.name === opt.victim) ?? {};
        routerSamples.push({ t, health: tgt.health ?? null, state: tgt.state ?? null, backend_health: be.health ?? null });
      } catch { routerSamples.push({ t, health: null, state: null, backend_health: null, error: 'bad JSON' }); }
    });
    res.on('error', () => { pollBusy = false; });
  });
  req.setTimeout(1000, () => req.destroy());
  req.on('error', () => { pollBusy = false; });
}

// ---------------------------------------------------------------------------------------------
// kill and restart

const events = { kill: null, restart: null, restart_listening: null, restart_pid: null, restart_error: null };

function killVictim() {
  events.kill = now();
  if (opt.killPid) {
    try { process.kill(opt.killPid, opt.fault === 'stop' ? 'SIGSTOP' : 'SIGKILL'); } catch (e) { events.kill_error = e.message; }
  }
}

function restartVictim() {
  events.restart = now();
  if (opt.fault === 'stop') {  // the frozen process goes on where it stopped
    try { process.kill(opt.killPid, 'SIGCONT'); } catch (e) { events.restart_error = e.message; }
    events.restart_listening = events.restart;
    return;
  }
  if (!opt.restartCmd) return;
  const fd = fs.openSync(opt.restartLog || '/dev/null', 'w');
  const child = spawn('bash', ['-c', `exec ${opt.restartCmd}`], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  events.restart_pid = child.pid;
  if (opt.restartPidfile) fs.writeFileSync(opt.restartPidfile, `${child.pid}\n`);
  child.on('exit', (code, sig) => {
    if (!finishedAll) events.restart_error = `restarted backend exited (code ${code}, signal ${sig})`;
  });
  child.unref();
}

// the restarted backend printed "listening on" (checked from the tick until it has)
function checkListening() {
  if (events.restart === null || events.restart_listening !== null || !opt.restartLog) return;
  try { if (/listening on/.test(fs.readFileSync(opt.restartLog, 'utf8'))) events.restart_listening = now(); } catch { /* not yet */ }
}

// ---------------------------------------------------------------------------------------------
// switchyard's log: failovers, circuit and health transitions (timestamps are local wall time)

function readLog() {
  const out = { failovers_from_victim: 0, failovers_total: 0, first_failover_from_victim: null, last_failover_from_victim: null,
    events: [], failed_over_ids: new Set(), reasons: {} };
  if (!opt.switchyardLog) return out;
  let text = '';
  try { text = fs.readFileSync(opt.switchyardLog, 'utf8'); } catch { return out; }
  const toT = (ts) => (new Date(ts).getTime() - t0Wall) / 1000;  // no offset: parsed as local time
  for (const line of text.split('\n')) {
    const m = line.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) (\w+) (.*)$/);
    if (!m) continue;
    const t = toT(m[1]);
    const msg = m[3];
    const f = msg.match(/^request (\S+): (\S+) failed before answering \((.*)\); trying (\S+)$/);
    if (f) {
      const [, id, target, why] = f;
      out.failed_over_ids.add(id);
      ++out.failovers_total;
      if (target === opt.victimTarget) {
        ++out.failovers_from_victim;
        const k = why.replace(/127\.0\.0\.1:\d+/g, 'HOST:PORT');
        out.reasons[k] = (out.reasons[k] ?? 0) + 1;
        if (out.first_failover_from_victim === null) out.first_failover_from_victim = { t, why };
        out.last_failover_from_victim = { t, why };
      } else if (out.events.length < 200) {
        out.events.push({ t, level: m[2], msg });
      }
      continue;
    }
    if (/^(route target|backend) /.test(msg) && out.events.length < 200) out.events.push({ t, level: m[2], msg });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// statistics

function pct(sorted, p) {
  if (!sorted.length) return null;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
const r3 = (x) => (x === null || x === undefined ? null : Math.round(x * 1000) / 1000);

// latency of a record: scheduled send -> end of the response (non-streaming) or first byte (stream)
function latencies(recs, field) {
  return recs.filter((r) => r.outcome === 'ok' || r.outcome === 'cut')
    .map((r) => (field === 'ttfb' ? r.ttfb : r.done) - r.sched).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
}

function phaseStats(name, from, to) {
  const recs = records.filter((r) => r.sched >= from && r.sched < to);
  const lat = latencies(recs, 'done');
  const o = {
    phase: name, from_s: r3(from / 1000), to_s: r3(to / 1000), requests: recs.length,
    ok: recs.filter((r) => r.outcome === 'ok').length,
    failed: recs.filter((r) => r.outcome === 'failed').length,
    cut: recs.filter((r) => r.outcome === 'cut').length,
    by_backend: {},
    p50_ms: r1(pct(lat, 50)), p90_ms: r1(pct(lat, 90)), p99_ms: r1(pct(lat, 99)), max_ms: r1(lat.at(-1) ?? null),
    // how late the driver itself sent (scheduled -> written): a stall of the driver or the machine
    max_send_lag_ms: r1(recs.reduce((m, r) => Math.max(m, r.sent - r.sched), 0)),
  };
  for (const r of recs) if (r.outcome === 'ok') o.by_backend[r.backend] = (o.by_backend[r.backend] ?? 0) + 1;
  if (opt.stream) {
    const t = latencies(recs, 'ttfb');
    o.ttfb_p50_ms = r1(pct(t, 50)); o.ttfb_p99_ms = r1(pct(t, 99)); o.ttfb_max_ms = r1(t.at(-1) ?? null);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// run

let finishedAll = false;
async function main() {
  // wait a moment for the agent to be ready; t0 is the first scheduled send
  t0 = performance.now() + 50;
  t0Wall = Date.now() + 50;
  const total = Math.round(opt.rate * opt.duration);
  const interval = 1000 / opt.rate;
  let next = 0;
  let killed = false, restarted = false;
  let lastSecond = 0;
  const endAt = opt.duration * 1000;

  const tick = () => {
    const t = now();
    while (next < total && next * interval <= t) { sendOne(next, next * interval); ++next; }
    if (!killed && t >= opt.killAt * 1000) { killed = true; killVictim(); }
    if (!restarted && t >= opt.restartAt * 1000) { restarted = true; restartVictim(); }
    checkListening();
    // second s is printed once s + 2 begins, when its requests have (mostly) ended
    const sec = Math.floor(t / 1000);
    while (lastSecond <= sec - 2) printSecond(lastSecond++);
  };
  const timer = setInterval(tick, 1);
  const poll = setInterval(pollRouter, opt.pollMs);
  pollRouter();
  await new Promise((resolve) => {
    const check = setInterval(() => { if (now() >= endAt && next >= total) { clearInterval(check); resolve(); } }, 5);
  });
  clearInterval(timer);
  // drain: every request ends (answer, error or timeout)
  const drainStart = now();
  while (inFlight > 0 && now() - drainStart < opt.timeoutMs + 2000) await new Promise((r) => setTimeout(r, 10));
  clearInterval(poll);
  while (lastSecond < Math.ceil(opt.duration)) printSecond(lastSecond++);
  finishedAll = true;
  await new Promise((r) => setTimeout(r, 300));  // the switchyard log catches up
  report();
  agent.destroy();
  pollAgent.destroy();
}

function printSecond(s) {
  const recs = records.filter((r) => r.sched >= s * 1000 && r.sched < (s + 1) * 1000);
  const lat = latencies(recs, 'done');
  const by = {};
  for (const r of recs) if (r.outcome === 'ok') by[r.backend] = (by[r.backend] ?? 0) + 1;
  const pending = recs.filter((r) => r.done === null).length;
  process.stderr.write(`  t=${String(s).padStart(2)}s sent ${recs.length} failed ${recs.filter((r) => r.outcome === 'failed').length}` +
    `${opt.stream ? ` cut ${recs.filter((r) => r.outcome === 'cut').length}` : ''}${pending ? ` pending ${pending}` : ''}` +
    ` p50 ${r1(pct(lat, 50))} ms p99 ${r1(pct(lat, 99))} ms max ${r1(lat.at(-1) ?? null)} ms` +
    ` send lag ${r1(recs.reduce((m, r) => Math.max(m, r.sent - r.sched), 0))} ms by ${JSON.stringify(by)}\n`);
}

function report() {
  const K = events.kill ?? Infinity, R = events.restart ?? Infinity, E = opt.duration * 1000;
  // when no more requests reach the victim: the last request sent after the kill that the router
  // still gave to the victim shows up as a failover in switchyard's log; the router poll shows when
  // the victim target left the healthy+closed state.
  const log = readLog();
  const firstOff = routerSamples.find((s) => s.t >= K && (s.state !== 'closed' || s.health === 'unhealthy'));
  const back = routerSamples.find((s) => s.t >= R && s.state === 'closed' && s.health === 'healthy');
  const firstServed = records.filter((r) => r.sched >= R && r.outcome === 'ok' && r.backend === opt.victim)
    .sort((a, b) => a.sched - b.sched)[0];
  const servedDuringOutage = records.filter((r) => r.sched >= K && r.sched < R && r.outcome === 'ok' && r.backend === opt.victim).length;

  // state transitions of the victim target seen by the poll
  const transitions = [];
  let prev = '';
  for (const s of routerSamples) {
    const k = `${s.health}/${s.state}/${s.backend_health}`;
    if (k !== prev) { transitions.push({ t_s: r3(s.t / 1000), health: s.health, state: s.state, backend_health: s.backend_health }); prev = k; }
  }

  const phases = [
    // the first second warms connections up; the last second before the kill has requests that
    // the kill catches in flight (a hung backend holds them until it resumes)
    phaseStats('before kill', 1000, K - 1000),
    phaseStats('kill -1..0 s', K - 1000, K),
    phaseStats('kill +0..1 s', K, K + 1000),
    phaseStats('outage (kill +1 s .. restart)', K + 1000, R),
    phaseStats('restart +0..2 s', R, R + 2000),
    phaseStats('after (restart +2 s .. end)', R + 2000, E),
  ];
  const timeline = [];
  for (let s = 0; s < Math.ceil(opt.duration); ++s) {
    const p = phaseStats(`${s}`, s * 1000, (s + 1) * 1000);
    timeline.push({ t_s: s, requests: p.requests, failed: p.failed, cut: p.cut, p50_ms: p.p50_ms, p99_ms: p.p99_ms,
      max_ms: p.max_ms, max_send_lag_ms: p.max_send_lag_ms, by_backend: p.by_backend });
  }
  const failures = records.filter((r) => r.outcome === 'failed');
  const cuts = records.filter((r) => r.outcome === 'cut');
  const groupErr = (recs) => {
    const m = new Map();
    for (const r of recs) {
      const k = r.error.replace(/request \S+/g, 'request N').replace(/\d+(\.\d+)? ?(ms|s)\b/g, 'N$2');
      const e = m.get(k) ?? { error: k, count: 0, first_s: r3(r.sched / 1000), last_s: null, statuses: {} };
      ++e.count; e.last_s = r3(r.sched / 1000); e.statuses[r.status] = (e.statuses[r.status] ?? 0) + 1;
      m.set(k, e);
    }
    return [...m.values()].sort((a, b) => b.count - a.count).slice(0, 10);
  };

  const lastFailoverT = log.last_failover_from_victim?.t ?? null;
  const esc = (x) => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const ejectRe = new RegExp(`^(route target ${esc(opt.victimTarget)}: circuit open|backend ${esc(opt.victim)}: unhealthy)`);
  const ejectLog = log.events.find((e) => e.t * 1000 >= K && ejectRe.test(e.msg));
  // the requests that failed over (their x-request-id is in a "failed before answering" line)
  const fo = records.filter((r) => r.reqId && log.failed_over_ids.has(r.reqId));
  const foLat = latencies(fo, 'done');
  const failedOver = { requests: fo.length, ok: fo.filter((r) => r.outcome === 'ok').length,
    p50_ms: r1(pct(foLat, 50)), max_ms: r1(foLat.at(-1) ?? null),
    // over the p50 of the "before kill" phase
    added_p50_ms: null, added_max_ms: null,
    sent_s: fo.slice(0, 20).map((r) => r3(r.sched / 1000)), reasons_from_victim: log.reasons };
  const summary = {
    mode: opt.stream ? 'stream' : 'non-stream',
    rate: opt.rate, duration_s: opt.duration,
    ...(opt.stream ? { chunks: opt.chunks, chunk_delay_ms: opt.chunkDelayMs } : {}),
    kill_s: r3(events.kill / 1000), restart_s: r3(events.restart / 1000),
    restart_listening_s: events.restart_listening === null ? null : r3(events.restart_listening / 1000),
    requests: records.length,
    ok: records.filter((r) => r.outcome === 'ok').length,
    failed: failures.length,
    cut_mid_stream: cuts.length,
    unfinished: records.filter((r) => r.done === null).length,
    // eject: kill -> the router poll first shows the victim open or unhealthy
    eject_router_s: firstOff ? r3((firstOff.t - K) / 1000) : null,
    eject_router_state: firstOff ? `${firstOff.health}/${firstOff.state}` : null,
    // eject: kill -> the last failover away from the victim in switchyard's log (the last request
    // the router still gave to the victim)
    eject_last_attempt_s: lastFailoverT === null ? null : r3(lastFailoverT - K / 1000),
    // eject: kill -> switchyard logs b's circuit open or b unhealthy, whichever comes first
    eject_log_s: ejectLog ? r3(ejectLog.t - K / 1000) : null,
    eject_log_msg: ejectLog?.msg ?? null,
    failovers_from_victim: log.failovers_from_victim,
    failovers_total: log.failovers_total,
    served_by_victim_during_outage: servedDuringOutage,
    // readmit: restart -> the first request sent after the restart that the victim answered
    readmit_s: firstServed ? r3((firstServed.sched - R) / 1000) : null,
    readmit_after_listening_s: firstServed && events.restart_listening !== null
      ? r3((firstServed.sched - events.restart_listening) / 1000) : null,
    readmit_router_s: back ? r3((back.t - R) / 1000) : null,
    fault: opt.fault, ...(opt.stream ? {} : { delay_ms: opt.delayMs }),
  };
  failedOver.added_p50_ms = failedOver.p50_ms === null || phases[0].p50_ms === null ? null : r1(failedOver.p50_ms - phases[0].p50_ms);
  failedOver.added_max_ms = failedOver.max_ms === null || phases[0].p50_ms === null ? null : r1(failedOver.max_ms - phases[0].p50_ms);
  const out = {
    summary, phases, failed_over: failedOver, timeline,
    failures: groupErr(failures), cuts: groupErr(cuts),
    router_transitions: transitions.slice(0, 100),
    switchyard_log: { first_failover_from_victim: log.first_failover_from_victim, last_failover_from_victim: log.last_failover_from_victim,
      events: log.events.map((e) => ({ t_s: r3(e.t), level: e.level, msg: e.msg })) },
    restart_error: events.restart_error, kill_error: events.kill_error ?? null,
  };
  if (opt.records) {
    const lines = ['i,sched_ms,sent_ms,ttfb_ms,done_ms,status,backend,outcome,error'];
    for (const r of records) {
      lines.push([r.i, r1(r.sched), r1(r.sent), r1(r.ttfb), r1(r.done), r.status, r.backend, r.outcome,
        JSON.stringify(r.error)].join(','));
    }
    fs.writeFileSync(opt.records, lines.join('\n') + '\n');
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => { process.stderr.write(`driver: ${e.stack ?? e}\n`); process.exit(1); });
