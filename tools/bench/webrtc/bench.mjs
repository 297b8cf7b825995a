// RTCPeerConnection pairs on 127.0.0.1, first both in one process, then a process per peer
// (processes.mjs), each process new (the first connection of a cold process), then again with
// one warm-up connection made inside each process first (a long-running application): setup
// (createOffer until the offerer's connectionState is 'connected', and until the data channel
// is open, both timed in the event handlers) and bulk throughput
// (MiB of 16 KiB messages on a reliable ordered channel, sending while bufferedAmount <= 1 MiB,
// resuming at bufferedamountlow 256 KiB, the receiver counting bytes), for @x/webrtc,
// libwebrtc (@roamhq/wrtc), werift and libdatachannel (node-datachannel) in the same run, with
// the single-thread ceiling (seal + open of 1200-byte AES-128-GCM records in bare node:crypto).
//
// Environment: BENCH_PEERS=x-webrtc,libwebrtc (a subset), BENCH_RUNS (setups, default 5),
// BENCH_MIB (default 32), BENCH_DEBUG=1 (every setup time, not only the medians),
// BENCH_CPU_PROF=<dir> and BENCH_CPU_PROF_INTERVAL=<µs> (a CPU profile of each peer process).
import { performance } from 'node:perf_hooks';
import {
  ceiling,
  connectInProcess,
  median,
  peers,
  receiveBulk,
  sendBulk,
  sleep,
} from './peers.mjs';
import { runPair } from './processes.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MIB = Number(process.env.BENCH_MIB ?? 32);

async function bulk(s) {
  const total = MIB * 1024 * 1024;
  const done = receiveBulk(s.rx(), total);
  const t0 = performance.now();
  const stop = sendBulk(s.dc, total);
  await done;
  stop();
  return total / ((performance.now() - t0) / 1000) / 1e6;
}

/** Medians of `RUNS` setups and of the bulk runs, or the error that stopped them. */
async function measure(name, once) {
  const connected = [];
  const open = [];
  const mbps = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const r = await once(i);
      connected.push(r.connected);
      open.push(r.open);
      mbps.push(...r.mbps);
    }
    if (process.env.BENCH_DEBUG) console.log(name, connected.map((x) => x.toFixed(1)).join(' '));
    return { name, connected: median(connected), open: median(open), mbps: median(mbps) };
  } catch (error) {
    return {
      name,
      connected: Number.NaN,
      open: Number.NaN,
      mbps: Number.NaN,
      error: error.message,
    };
  }
}

const only = process.env.BENCH_PEERS?.split(',');
const names = Object.keys(peers).filter((n) => !only || only.includes(n));
const bytes = MIB * 1024 * 1024;

const inOneProcess = [];
for (const name of names) {
  const make = await peers[name]().catch(() => undefined);
  inOneProcess.push(
    await measure(name, async (i) => {
      if (make === undefined) throw new Error('cannot load');
      const s = await connectInProcess(make);
      const mbps = i < 3 ? [await bulk(s)] : [];
      await s.a.close();
      await s.b.close();
      await sleep(50);
      return { connected: s.connected, open: s.open, mbps };
    }),
  );
}
const perProcess = [];
for (const name of names) {
  perProcess.push(await measure(name, (i) => runPair(name, bytes, i < 3 ? 1 : 0)));
}
const perWarmProcess = [];
for (const name of names) {
  perWarmProcess.push(await measure(name, () => runPair(name, bytes, 0, { warm: true })));
}

const ceilingMBps = median([ceiling(), ceiling(), ceiling()]);
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
function table(title, rows) {
  console.log(`\n${title}; medians of ${RUNS} setups and 3 bulk runs of ${MIB} MiB`);
  console.log('peer            | setup ms | channel open ms | bulk MB/s');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(15)} | ${f(r.connected).padStart(8)} | ${f(r.open).padStart(15)} | ${f(r.mbps).padStart(9)}${r.error ? `  (failed: ${r.error})` : ''}`,
    );
  }
  const ours = rows.find((r) => r.name === 'x-webrtc');
  if (ours === undefined) return;
  for (const r of rows.filter((x) => x !== ours)) {
    console.log(
      `${r.name} / x-webrtc: setup ${f(r.connected / ours.connected, 2)}x, open ${f(r.open / ours.open, 2)}x, bulk ${f(r.mbps / ours.mbps, 2)}x`,
    );
  }
}
table('one process, 127.0.0.1', inOneProcess);
table('a process per peer, 127.0.0.1 (signaling over IPC), each process new', perProcess);
table(
  'a process per peer, after one warm-up connection inside each process (no bulk)',
  perWarmProcess,
);
const ours = inOneProcess.find((r) => r.name === 'x-webrtc');
console.log(
  `\nsingle-thread ceiling (seal+open of 1200 B AES-128-GCM): ${f(ceilingMBps)} MB/s` +
    (ours ? `; x-webrtc bulk in one process = ${f((ours.mbps / ceilingMBps) * 100)} % of it` : ''),
);
process.exit(0);
