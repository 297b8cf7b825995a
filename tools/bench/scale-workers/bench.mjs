#!/usr/bin/env node
// How connections and data-channel throughput scale with workers: the workers example
// (tools/examples/workers/server.mjs: one HTTP signaling front, N worker_threads, one UDP mux
// port each) in a process of its own, run with 1 worker and then 2, and client processes
// (client-process.mjs) that connect to it over loopback and then echo messages. For each run:
// - connect: CONNECTIONS connections opened CONCURRENCY at a time per client process, from the
//   first offer to the last channel open: connections/s accepted, p50/p99 setup;
// - load: every channel keeps WINDOW messages of SIZE bytes in flight for LOAD_MS (an echo
//   sends the next): messages/s echoed;
// - in each phase, the CPU of each worker thread (Linux /proc/thread-self/schedstat, as % of
//   one core), its event loop's busy share and the time it waited for a core, the CPU of the
//   front thread, of the whole server process and of the client processes; and the CPU each
//   worker thread spent a connection and a message, what it could do with a core of its own;
// - the load average and CPU pressure of the machine when the run starts: other programs on
//   it skew every rate.
// The clients cost about what the server does (each end of a connection does the same DTLS
// and SCTP work), so on a small machine they compete with the workers for the cores: read the
// workers' CPU beside the rates.
//
// Run after a build and an install (the example's own node_modules): `node tools/bench/run.mjs
// scale-workers` (or `npm run bench -- scale-workers`); about 40 s with the defaults. Options (flags or environment):
//   --workers=1,2, BENCH_WORKERS        --connections=N, BENCH_CONNECTIONS (default 200)
//   --rounds=N, BENCH_ROUNDS (default 2: 1, 2, 1, 2 workers, so that a change in the machine's
//     load shows as a difference between rounds; the summary takes each count's best)
//   --clients=N, BENCH_CLIENTS (client processes, default 2)
//   --concurrency=N, BENCH_CONCURRENCY (offers in flight per client process, default 16)
//   --load-ms=MS, BENCH_LOAD_MS (default 5000)   --size=B, BENCH_SIZE (default 1000)
//   --window=N, BENCH_WINDOW (messages in flight per channel, default 4)
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? 'true'];
    }),
);
const opt = (flag, env, fallback) => args[flag] ?? process.env[env] ?? fallback;
const WORKERS = String(opt('workers', 'BENCH_WORKERS', '1,2'))
  .split(',')
  .map(Number);
const CONNECTIONS = Number(opt('connections', 'BENCH_CONNECTIONS', 200));
const CLIENTS = Number(opt('clients', 'BENCH_CLIENTS', 2));
const CONCURRENCY = Number(opt('concurrency', 'BENCH_CONCURRENCY', 16));
const ROUNDS = Number(opt('rounds', 'BENCH_ROUNDS', 2));
const LOAD_MS = Number(opt('load-ms', 'BENCH_LOAD_MS', 5000));
const SIZE = Number(opt('size', 'BENCH_SIZE', 1000));
const WINDOW = Number(opt('window', 'BENCH_WINDOW', 4));

const exampleDir = fileURLToPath(new URL('../../examples/workers/', import.meta.url));
const clientFile = fileURLToPath(new URL('./client-process.mjs', import.meta.url));

/** Starts the example's server with `workers` workers; resolves with its URL and a stop(). */
async function startServer(workers) {
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: exampleDir,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      WORKERS: String(workers),
      MAX_PEERS: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s) => (out += s));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 15_000);
    const look = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`the server exited with ${code}:\n${out}`)));
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { url, stop, output: () => out };
}

/** A client process, with `ask(message)` → its next reply. */
async function startClient() {
  const proc = fork(clientFile, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies = [];
  let waiting;
  proc.on('message', (m) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(m);
    } else replies.push(m);
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const next = (ms) =>
    new Promise((resolve, reject) => {
      if (replies.length > 0) return resolve(replies.shift());
      const timer = setTimeout(() => reject(new Error('a client process did not answer')), ms);
      waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  await next(15_000); // ready
  return {
    ask: (message, ms = 60_000) => {
      proc.send(message);
      return next(ms);
    },
    exited,
    kill: () => proc.exitCode === null && proc.kill('SIGKILL'),
  };
}

const stats = async (url) => (await fetch(new URL('/stats', url))).json();
/**
 * How loaded the machine is: the load average, and on Linux the share of the last 10 s in
 * which some runnable task waited for a core (/proc/pressure/cpu, PSI).
 */
function machineLoad() {
  const avg = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  try {
    const psi = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1];
    return `load average ${avg}, CPU pressure ${psi} %`;
  } catch {
    return `load average ${avg}`;
  }
}
const pct = (cpuMs, wallMs) => (100 * cpuMs) / wallMs;
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** The CPU of each worker, the front and the server process between two /stats. */
function cpuBetween(a, b, wallMs) {
  return {
    workers: b.workers.map((w, i) => pct(w.thread.cpuMs - a.workers[i].thread.cpuMs, wallMs)),
    // Ready to run, waiting for a core (other threads and processes had them).
    waits: b.workers.map((w, i) => pct(w.thread.waitMs - a.workers[i].thread.waitMs, wallMs)),
    // Event-loop utilization: the share of the time the worker's loop was running a task. Far
    // above its CPU share, the thread was ready to run and waiting for a core.
    loops: b.workers.map((w, i) => pct(w.loopActiveMs - a.workers[i].loopActiveMs, wallMs)),
    front: pct(b.front.thread.cpuMs - a.front.thread.cpuMs, wallMs),
    process: pct(b.process.cpuMs - a.process.cpuMs, wallMs),
  };
}

/** CPU ms of every worker thread together between two /stats. */
const workerCpuMs = (a, b) =>
  b.workers.reduce((n, w, i) => n + w.thread.cpuMs - a.workers[i].thread.cpuMs, 0);

async function run(workers) {
  const load = machineLoad();
  const server = await startServer(workers);
  const clients = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await startClient());
    const per = Array.from(
      { length: CLIENTS },
      (_, i) => Math.floor(CONNECTIONS / CLIENTS) + (i < CONNECTIONS % CLIENTS ? 1 : 0),
    );

    // Connect.
    const s0 = await stats(server.url);
    const w0 = performance.now();
    const connected = await Promise.all(
      clients.map((c, i) =>
        c.ask({ cmd: 'connect', url: server.url, count: per[i], concurrency: CONCURRENCY }, 90_000),
      ),
    );
    const s1 = await stats(server.url);
    const w1 = performance.now();
    const startedAt = Math.min(...connected.map((r) => r.startedAt));
    const endedAt = Math.max(...connected.map((r) => r.endedAt));
    const connectMs = endedAt - startedAt;
    const setups = connected.flatMap((r) => r.setups).sort((x, y) => x - y);
    const failed = connected.reduce((n, r) => n + r.failed, 0);

    // Load.
    const s2 = await stats(server.url);
    const t2 = performance.now();
    const loaded = await Promise.all(
      clients.map((c) => c.ask({ cmd: 'load', ms: LOAD_MS, size: SIZE, window: WINDOW })),
    );
    const loadMs = performance.now() - t2 - 300; // the clients' drain after the window
    const s3 = await stats(server.url);
    const w3 = performance.now();
    const echoes = loaded.reduce((n, r) => n + r.echoes, 0);

    // Close: every connection must be released on the workers.
    await Promise.all(clients.map((c) => c.ask({ cmd: 'close' })));
    const deadline = Date.now() + 10_000;
    let left = -1;
    while (Date.now() < deadline) {
      left = (await stats(server.url)).workers.reduce((n, w) => n + w.peers, 0);
      if (left === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await Promise.all(clients.map((c) => c.exited));

    return {
      workers,
      load,
      connections: setups.length,
      failed,
      perWorker: s1.workers.map((w) => w.peers),
      connectsPerS: (1000 * setups.length) / connectMs,
      setupP50: quantile(setups, 0.5),
      setupP99: quantile(setups, 0.99),
      connectCpu: cpuBetween(s0, s1, w1 - w0),
      clientConnectCpu: pct(
        connected.reduce((n, r) => n + r.cpuMs, 0),
        connectMs,
      ),
      serverCpuMsPerConnection: (s1.process.cpuMs - s0.process.cpuMs) / setups.length,
      workerCpuMsPerConnection: workerCpuMs(s0, s1) / setups.length,
      frontCpuMsPerConnection: (s1.front.thread.cpuMs - s0.front.thread.cpuMs) / setups.length,
      echoesPerS: (1000 * echoes) / loadMs,
      echoedPerWorker: s3.workers.map(
        (w, i) => (1000 * (w.messages - s2.workers[i].messages)) / loadMs,
      ),
      loadCpu: cpuBetween(s2, s3, w3 - t2),
      serverCpuUsPerEcho: (1000 * (s3.process.cpuMs - s2.process.cpuMs)) / echoes,
      workerCpuUsPerEcho: (1000 * workerCpuMs(s2, s3)) / echoes,
      clientLoadCpu: pct(
        loaded.reduce((n, r) => n + r.cpuMs, 0),
        LOAD_MS,
      ),
      leftAfterClose: left,
    };
  } finally {
    for (const c of clients) c.kill();
    const code = await server.stop();
    if (code !== 0) console.error(`the server exited with ${code}:\n${server.output()}`);
  }
}

const f0 = (n) => n.toFixed(0);
const cpuList = (xs) => xs.map((x) => `${f0(x)} %`).join(' + ');

console.log(
  `workers example: ${CONNECTIONS} connections from ${CLIENTS} client process(es) ` +
    `(${CONCURRENCY} offers in flight each), then ${LOAD_MS / 1000} s of ${SIZE}-byte echoes, ` +
    `${WINDOW} in flight per channel; ${availableParallelism()} cores`,
);
const results = [];
const order = Array.from({ length: ROUNDS }, () => WORKERS).flat();
for (const [i, w] of order.entries()) {
  const r = await run(w);
  results.push(r);
  const round = ROUNDS > 1 ? `round ${Math.floor(i / WORKERS.length) + 1}, ` : '';
  console.log(`\n${round}${w} worker(s); at the start: ${r.load}`);
  console.log(
    `  connect: ${r.connections} open (${r.failed} failed), per worker ${r.perWorker.join('/')}; ` +
      `${f0(r.connectsPerS)} connections/s, setup p50 ${f0(r.setupP50)} ms, p99 ${f0(r.setupP99)} ms`,
  );
  console.log(
    `    CPU: workers ${cpuList(r.connectCpu.workers)} (loops busy ${cpuList(r.connectCpu.loops)}, waiting for a core ${cpuList(r.connectCpu.waits)}), front ${f0(r.connectCpu.front)} %, ` +
      `server process ${f0(r.connectCpu.process)} % (${r.serverCpuMsPerConnection.toFixed(1)} ms a connection), ` +
      `clients ${f0(r.clientConnectCpu)} %`,
  );
  console.log(
    `  load: ${f0(r.echoesPerS)} messages/s echoed (per worker ${r.echoedPerWorker.map(f0).join('/')}), ` +
      `${((r.echoesPerS * SIZE * 2) / 1e6).toFixed(1)} MB/s both ways`,
  );
  console.log(
    `    CPU: workers ${cpuList(r.loadCpu.workers)} (loops busy ${cpuList(r.loadCpu.loops)}, waiting for a core ${cpuList(r.loadCpu.waits)}), front ${f0(r.loadCpu.front)} %, ` +
      `server process ${f0(r.loadCpu.process)} % (${f0(r.serverCpuUsPerEcho)} µs a message), clients ${f0(r.clientLoadCpu)} %`,
  );
  // What a worker could do with a core of its own, from the CPU its thread spent: less load-
  // dependent than the rates on a shared machine (though contention inflates it too).
  console.log(
    `  a worker thread spent ${r.workerCpuMsPerConnection.toFixed(1)} ms a connection and ` +
      `${f0(r.workerCpuUsPerEcho)} µs a message: a core of its own would take it to ` +
      `${f0(1000 / r.workerCpuMsPerConnection)} connections/s or ${f0(1e6 / r.workerCpuUsPerEcho)} messages/s; ` +
      `the front thread spent ${r.frontCpuMsPerConnection.toFixed(2)} ms a connection`,
  );
  if (r.leftAfterClose !== 0)
    console.log(`  ${r.leftAfterClose} connection(s) not released after close`);
}
// Each worker count's best round: on a shared machine, the least disturbed one.
const best = (w, key) => Math.max(...results.filter((r) => r.workers === w).map((r) => r[key]));
if (WORKERS.length >= 2) {
  console.log('\nbest round of each:');
  for (const w of WORKERS)
    console.log(
      `  ${w} worker(s): ${f0(best(w, 'connectsPerS'))} connections/s, ${f0(best(w, 'echoesPerS'))} messages/s`,
    );
  const [a, b] = [WORKERS[0], WORKERS[WORKERS.length - 1]];
  console.log(
    `  ${b} vs ${a}: connections/s ×${(best(b, 'connectsPerS') / best(a, 'connectsPerS')).toFixed(2)}, ` +
      `messages/s ×${(best(b, 'echoesPerS') / best(a, 'echoesPerS')).toFixed(2)}`,
  );
}
if (results.some((r) => r.failed > 0 || r.leftAfterClose !== 0)) process.exitCode = 1;
