#!/usr/bin/env node
// What many connections cost when they do little: N connected pairs of RTCPeerConnections (2N
// connections, data channel open) of one stack in one process, for @x/webrtc, libwebrtc
// (@roamhq/wrtc) and libdatachannel (node-datachannel/polyfill), each stack in a child process
// of its own (pairs-process.mjs), one after the other. Each child reports:
// - setup: createOffer → the offerer's data channel `open`, pair after pair (p50, p99), with
//   the pairs made so far open;
// - RSS per pair: (RSS with the N pairs idle − RSS after one connection made and closed) / N,
//   both after a full GC; and what one more pair costs, (RSS at N − RSS at N/2) / (N − N/2),
//   which leaves out what a process grows by once (V8's young generation, thread pools);
// - idle CPU: CPU time of the whole process (every thread) over BENCH_IDLE_MS (10 s), as a
//   percentage of one core, and per connection;
// - the same with one 100-byte message a second on each channel (offerer → answerer), and the
//   CPU time the messages add over idle, per message.
// Ratios are ours / theirs.
//
// Run after a build: `node tools/bench/run.mjs scale` (or `npm run bench -- scale`).
// Options (flags or environment):
//   --pairs=N, BENCH_PAIRS (default 150)         --idle-ms=MS, BENCH_IDLE_MS (default 10000)
//   --stacks=a,b, BENCH_STACKS (default x-webrtc,libwebrtc,libdatachannel)
//   --rounds=N, BENCH_ROUNDS (default 1): the stacks N times in turn, medians and per-round ratios
//   --profile=DIR, BENCH_PROFILE: a CPU profile of each stack's idle phase, summarized by
//     profile.mjs (self time by function and by package)
//   --clients=N: the load tool of clients.mjs instead (N connections from client processes of
//     @x/webrtc to one server process: `--server=x-webrtc,libwebrtc,libdatachannel`, ours on
//     a UDP mux); see there for its options.
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarize } from './profile.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? 'true'];
    }),
);
if (args.clients) {
  const { runClients } = await import('./clients.mjs');
  await runClients(args);
  process.exit(0);
}
const PAIRS = Number(args.pairs ?? process.env.BENCH_PAIRS ?? 150);
const IDLE_MS = Number(args['idle-ms'] ?? process.env.BENCH_IDLE_MS ?? 10_000);
const STACKS = (args.stacks ?? process.env.BENCH_STACKS ?? 'x-webrtc,libwebrtc,libdatachannel')
  .split(',')
  .filter(Boolean);
const PROFILE = args.profile ?? process.env.BENCH_PROFILE;
// Rounds of the stacks in turn (A B C A B C): this machine's speed moves between minutes, so
// medians of interleaved rounds, and ratios taken within each round, say more than one run.
const ROUNDS = Math.max(1, Number(args.rounds ?? process.env.BENCH_ROUNDS ?? 1));
if (PROFILE) mkdirSync(PROFILE, { recursive: true });

const child = fileURLToPath(new URL('./pairs-process.mjs', import.meta.url));

function run(stack) {
  return new Promise((resolve) => {
    const proc = fork(
      child,
      [
        stack,
        String(PAIRS),
        String(IDLE_MS),
        String(IDLE_MS),
        ...(PROFILE ? [`--profile=${PROFILE}`] : []),
      ],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] },
    );
    let result;
    // Setup of N pairs, settling, idle, messages and close: generous, but not forever.
    const limit = setTimeout(() => proc.kill('SIGKILL'), 120_000 + PAIRS * 2000);
    proc.on('message', (m) => {
      if (m.type === 'result') result = m;
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(limit);
      resolve(result ?? { stack, error: `exited with ${signal ?? code} before reporting` });
    });
  });
}

const KIB = 1024;
/** Every measurement, in the order run: `round` says which turn of the stacks it was. */
const all = [];
for (let round = 0; round < ROUNDS; round++)
  for (const stack of STACKS) await measure(stack, round);

async function measure(stack, round) {
  const r = await run(stack);
  if (r.error) {
    console.log(`${stack}: ${r.error}`);
    return;
  }
  const connections = 2 * r.pairs;
  const idlePct = (100 * r.idle.cpuMs) / r.idle.elapsedMs;
  const msgPct = (100 * r.messages.cpuMs) / r.messages.elapsedMs;
  const row = {
    stack,
    round,
    setupP50: r.setup.p50,
    setupP99: r.setup.p99,
    rssPerPairKiB: (r.rss.connected - r.rss.before) / r.pairs / KIB,
    rssMarginalKiB: (r.rss.connected - r.rss.half) / (r.pairs - r.rss.halfPairs) / KIB,
    idlePct,
    idleUsPerConnPerS: (1000 * r.idle.cpuMs) / connections / (r.idle.elapsedMs / 1000),
    msgPct,
    // What the messages add to the idle cost, per message delivered.
    msgUsPerMessage:
      (1000 * (r.messages.cpuMs - (r.idle.cpuMs * r.messages.elapsedMs) / r.idle.elapsedMs)) /
      Math.max(1, r.messages.received),
    delivered: `${r.messages.received}/${r.messages.sent}`,
    stillOpen: `${r.stillOpen}/${r.pairs}`,
    retries: r.retries,
  };
  all.push(row);
  console.log(
    `${ROUNDS > 1 ? `round ${round + 1} ` : ''}${stack}: ${r.pairs} pairs set up in ${(r.setup.totalMs / 1000).toFixed(1)} s` +
      ` (${r.retries} retried); RSS ${(r.rss.before / 2 ** 20).toFixed(0)} → ` +
      `${(r.rss.connected / 2 ** 20).toFixed(0)} MiB connected, ${(r.rss.after / 2 ** 20).toFixed(0)} MiB after messages;` +
      ` idle CPU ${r.idle.userMs.toFixed(0)} ms user + ${(r.idle.cpuMs - r.idle.userMs).toFixed(0)} ms system`,
  );
}

const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
};
/** One row per stack: the median of its rounds for every figure. */
const rows = STACKS.filter((stack, i) => STACKS.indexOf(stack) === i)
  .map((stack) => all.filter((r) => r.stack === stack))
  .filter((runs) => runs.length > 0)
  .map((runs) => {
    const row = { ...runs[0], rounds: runs.length };
    for (const key of Object.keys(row)) {
      if (typeof row[key] === 'number' && key !== 'round' && key !== 'rounds')
        row[key] = median(runs.map((r) => r[key]));
    }
    if (runs.length > 1) {
      row.delivered = runs.map((r) => r.delivered).join(', ');
      row.stillOpen = runs.map((r) => r.stillOpen).join(', ');
    }
    return row;
  });

const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
console.log(
  `\n${PAIRS} pairs (${2 * PAIRS} connections) per process, idle ${IDLE_MS / 1000} s, then 1 message/s per channel` +
    (ROUNDS > 1 ? `; medians of ${ROUNDS} interleaved rounds` : ''),
);
console.table(
  Object.fromEntries(
    rows.map((r) => [
      r.stack,
      {
        'setup p50 ms': fmt(r.setupP50),
        'setup p99 ms': fmt(r.setupP99),
        'RSS/pair KiB': fmt(r.rssPerPairKiB, 0),
        'RSS/pair KiB, N/2→N': fmt(r.rssMarginalKiB, 0),
        'idle % core': fmt(r.idlePct, 2),
        'idle µs/conn/s': fmt(r.idleUsPerConnPerS, 2),
        'msgs % core': fmt(r.msgPct, 2),
        'µs/message (over idle)': fmt(r.msgUsPerMessage, 0),
        delivered: r.delivered,
        'open at end': r.stillOpen,
      },
    ]),
  ),
);
// Ratios within each round (the stacks of one round ran minutes apart at most), then their
// median and range over the rounds.
const ratio = (other, key) => {
  const per = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = all.find((r) => r.stack === 'x-webrtc' && r.round === round);
    const b = all.find((r) => r.stack === other && r.round === round);
    if (a && b) per.push(a[key] / b[key]);
  }
  const m = fmt(median(per), 2);
  if (per.length < 2) return `×${m}`;
  return `×${m} (${fmt(Math.min(...per), 2)}–${fmt(Math.max(...per), 2)})`;
};
if (rows.some((r) => r.stack === 'x-webrtc')) {
  for (const other of rows.filter((r) => r.stack !== 'x-webrtc')) {
    console.log(
      `ours / ${other.stack}: idle CPU ${ratio(other.stack, 'idlePct')}, ` +
        `RSS per pair ${ratio(other.stack, 'rssPerPairKiB')} ` +
        `(one more pair, N/2→N: ${ratio(other.stack, 'rssMarginalKiB')}), ` +
        `CPU with messages ${ratio(other.stack, 'msgPct')}, ` +
        `setup p50 ${ratio(other.stack, 'setupP50')}`,
    );
  }
}
if (PROFILE) {
  for (const stack of STACKS) {
    console.log(`\nidle profile of ${stack} (${PROFILE}/${stack}-idle.cpuprofile):`);
    summarize(`${PROFILE}/${stack}-idle.cpuprofile`);
  }
}
