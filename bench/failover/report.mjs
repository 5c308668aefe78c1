// bench/failover/report.mjs COMBINED.json OUTPUT.json: prints the failover tables from the results
// run.sh combined, and writes them (plus the added latency figures) to OUTPUT.json.
import fs from 'node:fs';

const [input, output] = process.argv.slice(2);
const all = JSON.parse(fs.readFileSync(input, 'utf8'));

const f = (x, w, d = 1) => String(x === null || x === undefined ? '-' : typeof x === 'number' ? x.toFixed(d) : x).padStart(w);
const i = (x, w) => String(x === null || x === undefined ? '-' : x).padStart(w);
const sub = (a, b) => (a === null || b === null || a === undefined || b === undefined ? null : Math.round((a - b) * 10) / 10);

console.log();
console.log('mode        sent     ok failed  cut  eject(log) eject(router) last try on b  failovers  +latency(failed over)  readmit  readmit(router)');
for (const [mode, run] of Object.entries(all.runs)) {
  const s = run.summary;

  s.added_p50_ms_first_second = sub(run.phases[2].p50_ms, run.phases[0].p50_ms);
  s.added_p99_ms_first_second = sub(run.phases[2].p99_ms, run.phases[0].p99_ms);
  s.added_max_ms_first_second = sub(run.phases[2].max_ms, run.phases[0].max_ms);

  console.log(`${mode.padEnd(10)}${i(s.requests, 6)}${i(s.ok, 7)}${i(s.failed, 7)}${i(s.cut_mid_stream, 5)}` +
    `${f(s.eject_log_s, 9, 3)} s${f(s.eject_router_s, 12, 2)} s${f(s.eject_last_attempt_s, 12, 3)} s${i(s.failovers_from_victim, 11)}` +
    `${f(run.failed_over.added_p50_ms, 9)} / ${f(run.failed_over.added_max_ms, 6)} ms` +
    `${f(s.readmit_s, 8, 2)} s${f(s.readmit_router_s, 15, 2)} s`);
}
for (const [mode, run] of Object.entries(all.runs)) {
  const s = run.summary;
  const stream = mode === 'stream';
  console.log();
  console.log(`${mode}: ${s.rate} req/s, kill b at ${s.kill_s} s, restart at ${s.restart_s} s` +
    ` (listening again at ${s.restart_listening_s} s)${stream ? '' : `, mock delay_ms ${s.delay_ms}`}; lag: the driver's worst send delay; latency from the scheduled send to the ${stream ? 'end of the stream' : 'end of the response'}, ms` +
    (stream ? '; ttfb: to the response header' : ''));
  console.log(`  ${'phase'.padEnd(32)}  reqs failed  cut     p50     p90     p99     max${stream ? ' ttfb50  ttfb99' : ''}  lag  served by`);
  for (const p of run.phases) {
    const by = Object.entries(p.by_backend).sort().map(([k, v]) => `${k}:${v}`).join(' ');
    console.log(`  ${p.phase.padEnd(32)}${i(p.requests, 6)}${i(p.failed, 7)}${i(p.cut, 5)}${f(p.p50_ms, 8)}${f(p.p90_ms, 8)}` +
      `${f(p.p99_ms, 8)}${f(p.max_ms, 8)}${stream ? f(p.ttfb_p50_ms, 7) + f(p.ttfb_p99_ms, 8) : ''}${f(p.max_send_lag_ms, 5, 0)}  ${by}`);
  }
  console.log(`  added latency in the first second after the kill: p50 ${f(s.added_p50_ms_first_second, 0)} ms,` +
    ` p99 ${f(s.added_p99_ms_first_second, 0)} ms, max ${f(s.added_max_ms_first_second, 0)} ms`);
  console.log(`  eject: switchyard logged '${s.eject_log_msg ?? '-'}' ${f(s.eject_log_s, 0, 3)} s after the kill`);
  console.log(`  eject: router shows b ${s.eject_router_state ?? '-'} ${f(s.eject_router_s, 0, 2)} s after the kill;` +
    ` last failover away from b ${f(s.eject_last_attempt_s, 0, 3)} s after it (${s.failovers_from_victim} failovers from b);` +
    ` b served ${s.served_by_victim_during_outage} requests while down`);
  const fo = run.failed_over;
  console.log(`  failed over from b: ${fo.requests} requests (${fo.ok} ok; sent at ${fo.sent_s.join(', ')} s), latency p50 ${f(fo.p50_ms, 0)} ms,` +
    ` max ${f(fo.max_ms, 0)} ms (+${f(fo.added_p50_ms, 0)} / +${f(fo.added_max_ms, 0)} ms over the p50 before the kill); why: ${Object.entries(fo.reasons_from_victim).map(([k, v]) => `${v}x ${k}`).join('; ')}`);
  console.log(`  readmit: first request b answered was sent ${f(s.readmit_s, 0, 2)} s after the restart` +
    ` (${f(s.readmit_after_listening_s, 0, 2)} s after it listened); router shows it healthy/closed after ${f(s.readmit_router_s, 0, 2)} s`);
  const tr = run.router_transitions.map((t) => `${t.t_s}s ${t.health}/${t.state}`).join(', ');
  console.log(`  b in /api/router (health/breaker): ${tr}`);
  for (const e of run.failures) console.log(`  FAILED x${e.count} (${e.first_s}..${e.last_s} s, status ${JSON.stringify(e.statuses)}): ${e.error}`);
  for (const e of run.cuts) console.log(`  cut x${e.count} (${e.first_s}..${e.last_s} s): ${e.error}`);
  if (run.restart_error) console.log(`  restart: ${run.restart_error}`);
}
fs.writeFileSync(output, JSON.stringify(all, null, 1) + '\n');
