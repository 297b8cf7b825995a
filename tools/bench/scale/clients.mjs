// `bench.mjs --clients=N`: N data-channel connections from client processes to one server
// process on a UDP mux (every server connection on one port), as issue 21 item 4 asks: the
// accept rate (connections a second, while `--in-flight` setups per client process run at
// once), p50/p99 setup, then the server's RSS and CPU per connection held idle and with one
// message a second on each channel, and the messages a second it received.
// Options: --clients=N, --client-procs=P (default 2), --in-flight=K per client process (default
// 8), --idle-ms (default 10000). The server is @x/webrtc; libwebrtc and libdatachannel servers
// (which have no UDP mux here) are not driven yet.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));

function spawn(file, args, execArgv = []) {
  const proc = fork(here(file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const waiters = new Map();
  proc.on('message', (m) => {
    const w = waiters.get(m.type);
    if (w) {
      waiters.delete(m.type);
      w(m);
    }
  });
  const next = (type, ms = 600_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file}: no ${type}`)), ms);
      waiters.set(type, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  return { proc, next };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

export async function runClients(args) {
  const N = Number(args.clients);
  const P = Number(args['client-procs'] ?? 2);
  const K = Number(args['in-flight'] ?? 8);
  const IDLE_MS = Number(args['idle-ms'] ?? 10_000);
  const server = spawn('./server-process.mjs', [], ['--expose-gc']);
  await server.next('ready');
  const counts = Array.from({ length: P }, (_, i) => Math.floor(N / P) + (i < N % P ? 1 : 0));
  const clients = counts.map((c) => spawn('./client-process.mjs', [String(c), String(K)]));
  await Promise.all(clients.map((c) => c.next('ready')));
  for (const c of clients) {
    c.proc.on('message', (m) => {
      if (m.type === 'offer') server.proc.send(m);
    });
  }
  server.proc.on('message', (m) => {
    if (m.type !== 'answer') return;
    clients[Number(m.id.split('-')[0])].proc.send(m);
  });
  const mark = (gc = false) => {
    const r = server.next('mark');
    server.proc.send({ type: 'mark', gc });
    return r;
  };
  try {
    const before = await mark(true);
    const t0 = performance.now();
    const done = await Promise.all(
      clients.map((c, i) => {
        const r = c.next('connected');
        c.proc.send({ type: 'start', prefix: String(i) });
        return r;
      }),
    );
    const wallMs = performance.now() - t0;
    const setup = await mark();
    const setupMs = done.flatMap((d) => d.setupMs);
    const failures = done.reduce((s, d) => s + d.failures, 0);
    await sleep(2000);
    const connected = await mark(true);
    const idle = await sleep(IDLE_MS).then(() => mark());
    for (const c of clients) c.proc.send({ type: 'messages' });
    await sleep(IDLE_MS);
    const sent = await Promise.all(
      clients.map((c) => {
        const r = c.next('sent');
        c.proc.send({ type: 'stop' });
        return r;
      }),
    );
    await sleep(200);
    const messages = await mark();
    const n = setupMs.length;
    const pctCore = (m) => (100 * m.cpuMs) / m.elapsedMs;
    console.log(
      `\n${n}/${N} connections from ${P} client processes (${K} setups in flight each) to one server process on a UDP mux`,
    );
    console.table({
      'x-webrtc server': {
        'accepted/s': (n / (wallMs / 1000)).toFixed(0),
        'setup p50 ms': pct(setupMs, 0.5).toFixed(1),
        'setup p99 ms': pct(setupMs, 0.99).toFixed(1),
        failed: failures,
        'setup CPU ms/conn': (setup.cpuMs / n).toFixed(2),
        'RSS/conn KiB': ((connected.rss - before.rss) / n / 1024).toFixed(0),
        'idle % core': pctCore(idle).toFixed(2),
        'idle µs/conn/s': ((1000 * idle.cpuMs) / n / (idle.elapsedMs / 1000)).toFixed(1),
        'msgs % core': pctCore(messages).toFixed(2),
        'msgs/s received': (
          (messages.received - idle.received) /
          (messages.elapsedMs / 1000)
        ).toFixed(0),
        sent: sent.reduce((s, x) => s + x.sent, 0),
        'connected at end': messages.connected,
      },
    });
  } finally {
    for (const p of [...clients, server]) if (p.proc.connected) p.proc.send({ type: 'close' });
    await Promise.all(
      [...clients, server].map(async (p) => {
        if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
        const exited = once(p.proc, 'exit');
        const kill = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(kill);
      }),
    );
  }
}
