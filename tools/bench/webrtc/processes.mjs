// Process-per-peer runs: each RTCPeerConnection in its own Node process (peer-process.mjs),
// signaling relayed by this process over IPC, as two applications on one host would run.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const child = fileURLToPath(new URL('./peer-process.mjs', import.meta.url));

function spawnPeer(name, role, warmup) {
  // BENCH_CPU_PROF=<dir>: each peer process writes a CPU profile there (node --cpu-prof), sampled
  // every BENCH_CPU_PROF_INTERVAL µs (default 1000: too coarse for one setup, use 50).
  // BENCH_EXEC_ARGV: more node flags for the peer processes (e.g. --no-lazy, which NODE_OPTIONS
  // refuses), to measure what V8's lazy compilation costs a cold process.
  const prof = process.env.BENCH_CPU_PROF;
  const interval = process.env.BENCH_CPU_PROF_INTERVAL;
  const proc = fork(child, [name, role, String(warmup)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [
      ...(prof
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${prof}`,
            `--cpu-prof-name=${role}.cpuprofile`,
            ...(interval ? [`--cpu-prof-interval=${interval}`] : []),
          ]
        : []),
      ...(process.env.BENCH_EXEC_ARGV?.split(' ').filter(Boolean) ?? []),
    ],
  });
  const waiters = new Map();
  proc.on('message', (m) => {
    const w = waiters.get(m.type);
    if (w) {
      waiters.delete(m.type);
      w(m);
    }
    proc.emit(`x:${m.type}`, m);
  });
  const next = (type, ms = 20_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} ${role}: no ${type}`)), ms);
      waiters.set(type, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  return { proc, next };
}

/**
 * One setup and `bulkRuns` transfers of `bytes` between two processes of peer `name`; with
 * `warmup`, each process first makes that many connections between two peers of its own (so
 * that the code has run, as in a long-running application).
 */
export async function runPair(name, bytes, bulkRuns, { warmup = 0 } = {}) {
  const a = spawnPeer(name, 'offerer', warmup);
  const b = spawnPeer(name, 'answerer', warmup);
  try {
    // A warm-up connection that hangs gives up after 5 s (peer-process.mjs).
    const readyMs = 20_000 + warmup * 6000;
    await Promise.all([a.next('ready', readyMs), b.next('ready', readyMs)]);
    // Relay signaling both ways, in order.
    for (const [from, to] of [
      [a, b],
      [b, a],
    ]) {
      from.proc.on('x:description', (m) => to.proc.send(m));
      from.proc.on('x:candidate', (m) => to.proc.send(m));
    }
    const connected = a.next('connected');
    const open = a.next('open');
    const peerOpen = b.next('open');
    a.proc.send({ type: 'start' });
    const c = await connected;
    const o = await open;
    await peerOpen;
    const mbps = [];
    for (let i = 0; i < bulkRuns; i++) {
      // The sender starts only once the receiver listens: its first message could otherwise
      // overtake the 'receive' order and be counted by nobody.
      const listening = b.next('receiving');
      const received = b.next('received', 120_000);
      b.proc.send({ type: 'receive', bytes });
      await listening;
      const t0 = performance.now();
      a.proc.send({ type: 'send', bytes });
      await received;
      mbps.push(bytes / ((performance.now() - t0) / 1000) / 1e6);
    }
    return { connected: c.ms, open: o.ms, mbps };
  } finally {
    for (const p of [a, b]) {
      if (p.proc.connected) p.proc.send({ type: 'close' });
    }
    await Promise.all(
      [a, b].map(async (p) => {
        if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
        const exited = once(p.proc, 'exit');
        const kill = setTimeout(() => p.proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(kill);
      }),
    );
  }
}
