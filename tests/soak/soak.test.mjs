// The soak in the normal suite: SOAK_SECONDS (default 90) of load and churn (see soak.mjs).
// scripts/soak.sh runs the same for 30 minutes before a release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from './soak.mjs';
import { slow } from './stack.mjs';

test('the gateway stays up under load and churn', { timeout: 3600 * 1000 }, async () => {
  const seconds = Number(process.env.SOAK_SECONDS ?? 90);
  const f = await runSoak({ seconds, log: (s) => console.log(s) });
  assert.ok(f.alive, `the gateway died during the soak: ${JSON.stringify(f.exit_during_run)} (log: ${f.log})`);
  assert.deepEqual(f.exit, { code: 0, signal: null }, 'SIGTERM after the soak');
  assert.deepEqual(f.fatal, [], 'fatal lines in the log');
  assert.deepEqual(f.unexpected.slice(0, 10), [], `${f.unexpected.length} unexpected errors reached clients`);
  assert.ok(f.requests > seconds * 10, `only ${f.requests} requests in ${seconds} s`);
  assert.ok(f.local.ok > 0, 'the local engine never answered');
  assert.ok(f.churn.upstream_kills > 0 && f.churn.engine_kills > 0, JSON.stringify(f.churn));
  // fds: connections come and go with the load; once it is idle past pool_idle_timeout, what is
  // still open must be what was open at the start
  assert.ok(f.end.fds <= f.baseline.fds + 4, `fds grew from ${f.baseline.fds} to ${f.end.fds}`);
  // memory: a sanitizer's quarantine holds freed memory on purpose; elsewhere growth is a leak
  if (slow === 1) assert.ok(f.end.rssKiB <= f.baseline.rssKiB + 64 * 1024, `RSS grew from ${f.baseline.rssKiB} KiB to ${f.end.rssKiB} KiB`);
});
