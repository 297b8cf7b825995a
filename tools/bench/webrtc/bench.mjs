// RTCPeerConnection pairs on 127.0.0.1, first both in one process, then a process per peer
// (processes.mjs): setup (createOffer until the offerer's connectionState is 'connected', and
// until the data channel is open, both timed in the event handlers) and bulk throughput (MiB of
// 16 KiB messages on a reliable ordered channel, sending while bufferedAmount <= 1 MiB,
// resuming at bufferedamountlow 256 KiB, the receiver counting bytes), for @x/webrtc, libwebrtc
// (@roamhq/wrtc), werift and libdatachannel (node-datachannel) in the same run, with the
// single-thread ceiling (seal + open of 1200-byte AES-128-GCM records in bare node:crypto).
//
// Setup is measured twice for each stack, since a JavaScript stack compiles its code on first
// use and a native one does not:
// - cold: the first connection of the stack in its process (one process: the first setup of the
//   stack in this process; a process per peer: the first connection of two new processes);
// - warm: after BENCH_WARMUP connections in the same process, as in a long-running
//   application (one process: the median of the next BENCH_SETUPS setups; a process per peer:
//   the first measured connection of processes that made BENCH_WARMUP connections of their own).
// Every stack gets the same warm-up. Bulk runs on connections of their own, after the setups.
//
// Environment: BENCH_PEERS=x-webrtc,libwebrtc (a subset), BENCH_SETUPS (default 20),
// BENCH_WARMUP (default 5), BENCH_RUNS (process pairs per table, default 5), BENCH_MIB
// (default 64, as #8 asks), BENCH_DEBUG=1 (every setup time, not only the medians), BENCH_CPU_PROF=<dir>
// and BENCH_CPU_PROF_INTERVAL=<µs> (a CPU profile of each peer process), BENCH_EXEC_ARGV (node flags
// of the peer processes; `node --no-lazy bench.mjs` with BENCH_EXEC_ARGV=--no-lazy measures setup
// without V8's lazy compilation).
import { performance } from 'node:perf_hooks';
import {
  ceiling,
  closePeer,
  connectInProcess,
  median,
  peers,
  receiveBulk,
  sendBulk,
  sleep,
} from './peers.mjs';
import { runPair } from './processes.mjs';

const SETUPS = Number(process.env.BENCH_SETUPS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BULK_RUNS = 3;
const MIB = Number(process.env.BENCH_MIB ?? 64);
const debug = (name, what, xs) => {
  if (process.env.BENCH_DEBUG) console.log(name, what, xs.map((x) => x.toFixed(1)).join(' '));
};

async function bulk(s) {
  const total = MIB * 1024 * 1024;
  const done = receiveBulk(s.rx(), total);
  const t0 = performance.now();
  const stop = sendBulk(s.dc, total);
  await done;
  stop();
  return total / ((performance.now() - t0) / 1000) / 1e6;
}

const failed = (name, error) => ({ name, error: error.message });

/** Both peers in this process: the first setup, the warm median, then bulk on new connections. */
async function inOneProcess(name) {
  try {
    const make = await peers[name]();
    const connect = () => connectInProcess(make);
    const closeBoth = async (s) => {
      await Promise.all([closePeer(s.a), closePeer(s.b)]);
      await sleep(20);
    };
    const cold = await connect();
    await closeBoth(cold);
    const connected = [];
    const open = [];
    let failures = 0;
    for (let i = 1; i < WARMUP + SETUPS; i++) {
      let s;
      try {
        s = await connect();
      } catch (error) {
        // A stack that fails now and then (libdatachannel) is reported, not dropped.
        if (++failures > 3) throw error;
        continue;
      }
      if (i >= WARMUP) {
        connected.push(s.connected);
        open.push(s.open);
      }
      await closeBoth(s);
    }
    const mbps = [];
    for (let i = 0; i < BULK_RUNS; i++) {
      const s = await connect();
      mbps.push(await bulk(s));
      await closeBoth(s);
    }
    debug(name, 'warm setups', connected);
    return {
      name,
      cold: { connected: cold.connected, open: cold.open },
      warm: { connected: median(connected), open: median(open) },
      mbps: median(mbps),
      ...(failures > 0 ? { note: `${failures} setup(s) failed` } : {}),
    };
  } catch (error) {
    return failed(name, error);
  }
}

/** RUNS pairs of new processes (cold), then RUNS pairs of processes warmed up first. */
async function perProcess(name) {
  try {
    const cold = [];
    for (let i = 0; i < RUNS; i++) {
      cold.push(await runPair(name, MIB * 1024 * 1024, i < BULK_RUNS ? 1 : 0));
    }
    const warm = [];
    for (let i = 0; i < RUNS; i++) warm.push(await runPair(name, 0, 0, { warmup: WARMUP }));
    debug(
      name,
      'cold setups',
      cold.map((r) => r.connected),
    );
    debug(
      name,
      'warm setups',
      warm.map((r) => r.connected),
    );
    const med = (rs, k) => median(rs.map((r) => r[k]));
    return {
      name,
      cold: { connected: med(cold, 'connected'), open: med(cold, 'open') },
      warm: { connected: med(warm, 'connected'), open: med(warm, 'open') },
      mbps: median(cold.flatMap((r) => r.mbps)),
    };
  } catch (error) {
    return failed(name, error);
  }
}

const only = process.env.BENCH_PEERS?.split(',');
const names = Object.keys(peers).filter((n) => !only || only.includes(n));
const oneProcess = [];
for (const name of names) oneProcess.push(await inOneProcess(name));
const processPerPeer = [];
for (const name of names) processPerPeer.push(await perProcess(name));

const ceilingMBps = median([ceiling(), ceiling(), ceiling()]);
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
function table(title, rows) {
  console.log(`\n${title}`);
  console.log(
    'peer            | cold setup ms | cold open ms | warm setup ms | warm open ms | bulk MB/s',
  );
  for (const r of rows) {
    if (r.error) {
      console.log(`${r.name.padEnd(15)} | failed: ${r.error}`);
      continue;
    }
    console.log(
      `${r.name.padEnd(15)} | ${f(r.cold.connected).padStart(13)} | ${f(r.cold.open).padStart(12)} | ${f(r.warm.connected).padStart(13)} | ${f(r.warm.open).padStart(12)} | ${f(r.mbps).padStart(9)}${r.note ? `  (${r.note})` : ''}`,
    );
  }
  const ours = rows.find((r) => r.name === 'x-webrtc' && !r.error);
  if (ours === undefined) return;
  for (const r of rows.filter((x) => x !== ours && !x.error)) {
    const x = (k, p) => f(ours[k][p] / r[k][p], 2);
    console.log(
      `x-webrtc / ${r.name}: cold setup ${x('cold', 'connected')}x, open ${x('cold', 'open')}x; warm setup ${x('warm', 'connected')}x, open ${x('warm', 'open')}x; bulk ${f(ours.mbps / r.mbps, 2)}x`,
    );
  }
}
table(
  `one process, 127.0.0.1: cold = the stack's first setup in the process, warm = median of ${SETUPS} setups after ${WARMUP}; bulk = median of ${BULK_RUNS} runs of ${MIB} MiB`,
  oneProcess,
);
table(
  `a process per peer, 127.0.0.1 (signaling over IPC): cold = median of ${RUNS} pairs of new processes, warm = median of ${RUNS} pairs of processes that made ${WARMUP} connections first; bulk = median of ${BULK_RUNS} runs of ${MIB} MiB`,
  processPerPeer,
);
const ours = oneProcess.find((r) => r.name === 'x-webrtc' && !r.error);
console.log(
  `\nsingle-thread ceiling (seal+open of 1200 B AES-128-GCM): ${f(ceilingMBps)} MB/s` +
    (ours ? `; x-webrtc bulk in one process = ${f((ours.mbps / ceilingMBps) * 100)} % of it` : ''),
);
process.exit(0);
