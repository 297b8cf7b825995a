// Bulk between @x/webrtc and libwebrtc in one process, both directions, at WebRTC's 1200-byte
// SCTP packets (a native peer never raises the path MTU): the path a browser peer takes, with
// our per-packet JavaScript alone on the main thread (libwebrtc runs on threads of its own), so
// that `node --cpu-prof tools/bench/webrtc/mixed.mjs` profiles what we cost per packet.
// Environment: BENCH_MIB (default 32), BENCH_ROUNDS (default 3), BENCH_ONLY=send|receive (one
// direction, as seen from @x/webrtc, for a profile of it alone).
import { performance } from 'node:perf_hooks';
import { closePeer, connectInProcess, peers, receiveBulk, sendBulk } from './peers.mjs';

const MIB = Number(process.env.BENCH_MIB ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ours = await peers['x-webrtc']();
const native = await peers.libwebrtc();

async function run(oursOffers) {
  let n = 0;
  const make = () => ((n++ === 0) === oursOffers ? ours() : native());
  const { a, b, dc, rx } = await connectInProcess(make);
  const total = MIB * 1024 * 1024;
  const done = receiveBulk(rx(), total);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const stop = sendBulk(dc, total);
  await done;
  stop();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  await Promise.all([closePeer(a), closePeer(b)]);
  const mb = total / 1e6;
  return { mbps: mb / (ms / 1000), cpuPerMb: (used.user + used.system) / 1000 / mb };
}

for (let i = 0; i < ROUNDS; i++) {
  const only = process.env.BENCH_ONLY;
  for (const oursSends of [true, false].filter((s) => !only || s === (only === 'send'))) {
    const r = await run(oursSends);
    console.log(
      `${oursSends ? 'x-webrtc → libwebrtc' : 'libwebrtc → x-webrtc'}: ${r.mbps.toFixed(1)} MB/s, process CPU ${r.cpuPerMb.toFixed(1)} ms/MB`,
    );
  }
}
process.exit(0);
