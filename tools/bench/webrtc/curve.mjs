// Setup time as a process keeps making connections: each stack in a new process of its own makes
// BENCH_CURVE_TOTAL (default 400) connections one after the other, both peers in that process,
// as bench.mjs's one-process setups do (20 ms apart), and this prints the median setup
// (createOffer → the offerer's `connected`) of each block of connections, with the CPU time per
// connection (construction, setup and close, both peers) and the process's thread count.
//
// A JavaScript stack gets faster as V8 optimizes its code over the first hundred or so
// connections; a native one does not need to, but may pile up threads until its wrappers are
// garbage-collected. bench.mjs's "warm" (after BENCH_WARMUP connections) is one point on this
// curve. Run after a build: `node tools/bench/webrtc/curve.mjs` (BENCH_PEERS, BENCH_CURVE_TOTAL).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closePeer, connectInProcess, median, peers, sleep } from './peers.mjs';

const TOTAL = Number(process.env.BENCH_CURVE_TOTAL ?? 400);
/** The connections each row covers: the first, the next four, then blocks of 50. */
const blocks = [
  [1, 1],
  [2, 5],
  [6, 50],
];
for (let from = 51; from <= TOTAL; from += 50) blocks.push([from, Math.min(from + 49, TOTAL)]);

const threads = () =>
  Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);

async function child(name) {
  const make = await peers[name]();
  let times = [];
  let cpu = process.cpuUsage();
  let b = 0;
  for (let i = 1; i <= TOTAL; i++) {
    const s = await connectInProcess(make);
    times.push(s.connected);
    await Promise.all([closePeer(s.a), closePeer(s.b)]);
    await sleep(20);
    if (i === blocks[b][1]) {
      const used = process.cpuUsage(cpu);
      process.send({
        block: b,
        setup: median(times),
        cpuMs: (used.user + used.system) / times.length / 1000,
        threads: threads(),
      });
      times = [];
      cpu = process.cpuUsage();
      b++;
    }
  }
}

async function parent() {
  const only = process.env.BENCH_PEERS?.split(',');
  const names = Object.keys(peers).filter((n) => !only || only.includes(n));
  const rows = new Map();
  for (const name of names) {
    const proc = fork(fileURLToPath(import.meta.url), [name], { stdio: 'inherit' });
    proc.on('message', (m) => {
      rows.set(`${name}:${m.block}`, m);
    });
    await new Promise((resolve) => proc.on('exit', resolve));
  }
  const cell = (r) =>
    r
      ? `${r.setup.toFixed(1)} ms / ${r.cpuMs.toFixed(1)} ms / ${r.threads}`.padStart(24)
      : 'n/a'.padStart(24);
  console.log(
    `setup median / CPU per connection / threads, by connection number, each stack in its own process (${TOTAL} connections)`,
  );
  console.log(`connections | ${names.map((n) => n.padStart(24)).join(' | ')}`);
  for (const [k, [from, to]] of blocks.entries()) {
    const label = from === to ? `${from}` : `${from}-${to}`;
    const ratio =
      rows.has(`x-webrtc:${k}`) && rows.has(`libwebrtc:${k}`)
        ? `  x-webrtc / libwebrtc ${(rows.get(`x-webrtc:${k}`).setup / rows.get(`libwebrtc:${k}`).setup).toFixed(2)}x`
        : '';
    console.log(
      `${label.padStart(11)} | ${names.map((n) => cell(rows.get(`${n}:${k}`))).join(' | ')}${ratio}`,
    );
  }
}

if (process.argv[2]) {
  await child(process.argv[2]);
  process.exit(0);
} else {
  await parent();
}
