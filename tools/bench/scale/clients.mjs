// `bench.mjs --clients=N`: N data-channel connections from client processes of @x/webrtc to one
// server process (issue 21 item 4), for each server stack of `--server` in turn, with fresh
// processes and the same parameters for each: the accept rate (connections a second, while
// `--in-flight` setups per client process run at once), p50/p99 setup, then the server's setup
// CPU, RSS, CPU held idle and with one message a second on each channel, and the messages a
// second it received. The clients are our stack whatever the server, so the load is the same.
//
// Servers (server-process.mjs): x-webrtc (every connection on one UDP port, a `UdpMux`;
// `--server-ice-lite` makes it an ICE lite server), libwebrtc and libdatachannel (no mux: a
// port, or more, per connection).
//
// Options:
//   --clients=N                 connections (all client processes together)
//   --server=a,b                x-webrtc (default), libwebrtc, libdatachannel, one after the other
//   --server-ice-lite           `iceLite: true` in the x-webrtc server's RTCConfiguration
//   --client-procs=P            client processes (default 2)
//   --in-flight=K               setups at a time in each client process (default 8)
//   --setup-timeout-ms=MS       a client's setup fails after this (default 20000); the server
//                               gives up gathering after it too
//   --idle-ms=MS                the idle phase, and the phase with messages (default 10000)
//   --settle-ms=MS              after the last setup, before the idle RSS (default 2000)
//   --server-heap-mb=MB, --client-heap-mb=MB   --max-old-space-size of those processes
//   --mux-rcvbuf=BYTES          the x-webrtc mux socket's receive buffer (the kernel caps it at
//                               net.core.rmem_max)
//   --client-nice=N             the client processes run at `nice -n N`: on a machine too small
//                               for clients and server, the server gets the cores first, as it
//                               would on a machine of its own
// Every process is started by `sh -c 'ulimit -n <hard limit>; exec node …'`: its soft limit
// of open files is raised to the hard one (a native server binds one socket or more per
// connection, a client process one per connection).
import { spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const STACKS = ['x-webrtc', 'libwebrtc', 'libdatachannel'];

function spawn(file, args, execArgv = [], nice = 0) {
  // `exec` keeps the IPC channel (its descriptor and NODE_CHANNEL_FD pass through the shell).
  const proc = spawnProcess(
    '/bin/sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
      'sh',
      ...(nice ? ['nice', '-n', String(nice)] : []),
      process.execPath,
      ...execArgv,
      here(file),
      ...args,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
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
      const timer = setTimeout(() => reject(new Error(`${file}: no ${type} in ${ms} ms`)), ms);
      const exited = (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${file} exited with ${signal ?? code} before ${type}`));
      };
      proc.once('exit', exited);
      waiters.set(type, (m) => {
        clearTimeout(timer);
        proc.off('exit', exited);
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
const heap = (mb) => (mb ? [`--max-old-space-size=${Number(mb)}`] : []);

/** One run: a fresh server process of `stack` and fresh client processes, N connections. */
async function trial(stack, o) {
  const { N, P, K } = o;
  const server = spawn(
    './server-process.mjs',
    [
      stack,
      `--answer-timeout-ms=${o.setupTimeoutMs}`,
      ...(o.iceLite && stack === 'x-webrtc' ? ['--ice-lite'] : []),
      ...(o.muxRcvbuf ? [`--mux-rcvbuf=${o.muxRcvbuf}`] : []),
    ],
    ['--expose-gc', ...heap(o.serverHeapMb)],
  );
  const counts = Array.from({ length: P }, (_, i) => Math.floor(N / P) + (i < N % P ? 1 : 0));
  let clients = [];
  try {
    const ready = await server.next('ready', 120_000);
    clients = counts.map((c) =>
      spawn(
        './client-process.mjs',
        [String(c), String(K), String(o.setupTimeoutMs)],
        heap(o.clientHeapMb),
        o.clientNice,
      ),
    );
    await Promise.all(clients.map((c) => c.next('ready', 120_000)));
    // The relay: offers to the server, answers back to the client process named by the id.
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
      const r = server.next('mark', 120_000);
      server.proc.send({ type: 'mark', gc });
      return r;
    };
    const before = await mark(true);
    const t0 = performance.now();
    // Each worker of a client process sets up its connections one after the other, each within
    // the setup timeout: the worst case, every setup timing out, plus a margin.
    const setupLimitMs = 120_000 + Math.ceil(N / (P * K)) * (o.setupTimeoutMs + 1000);
    const done = await Promise.all(
      clients.map((c, i) => {
        const r = c.next('connected', setupLimitMs);
        c.proc.send({ type: 'start', prefix: String(i) });
        return r;
      }),
    );
    const wallMs = performance.now() - t0;
    const setup = await mark();
    const setupMs = done.flatMap((d) => d.setupMs);
    const failures = done.reduce((s, d) => s + d.failures, 0);
    const errors = {};
    for (const d of done) {
      for (const [why, count] of Object.entries(d.errors)) errors[why] = (errors[why] ?? 0) + count;
    }
    await sleep(o.settleMs);
    const connected = await mark(true);
    const idle = await sleep(o.idleMs).then(() => mark());
    for (const c of clients) c.proc.send({ type: 'messages' });
    await sleep(o.idleMs);
    const sent = await Promise.all(
      clients.map((c) => {
        const r = c.next('sent', 120_000);
        c.proc.send({ type: 'stop' });
        return r;
      }),
    );
    await sleep(200);
    const messages = await mark();
    return {
      stack: o.iceLite && stack === 'x-webrtc' ? 'x-webrtc (ICE lite)' : stack,
      fdLimit: ready.fdLimit,
      ours: stack === 'x-webrtc',
      n: setupMs.length,
      wallMs,
      setupMs,
      failures,
      errors,
      before,
      setup,
      connected,
      idle,
      messages,
      sent: sent.reduce((s, x) => s + x.sent, 0),
      clientStates: { setup: sumStates(done), end: sumStates(sent) },
    };
  } catch (error) {
    return { stack, error: String(error?.message ?? error) };
  } finally {
    const all = [...clients, server];
    for (const p of all) if (p.proc.connected) p.proc.send({ type: 'close' });
    await Promise.all(
      all.map(async (p) => {
        if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
        const exited = once(p.proc, 'exit');
        // Closing 10 000 connections takes a while; the exit releases whatever is left.
        const kill = setTimeout(() => p.proc.kill('SIGKILL'), 15_000 + 2 * N);
        await exited;
        clearTimeout(kill);
      }),
    );
  }
}

const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** The figures of one run, as numbers (the table formats them). */
function figures(r) {
  const { n } = r;
  const perConnPerS = (m) => (1000 * m.cpuMs) / n / (m.elapsedMs / 1000);
  return {
    'accepted/s': n / (r.wallMs / 1000),
    'setup p50 ms': pct(r.setupMs, 0.5),
    'setup p99 ms': pct(r.setupMs, 0.99),
    'server setup CPU ms/conn': r.setup.cpuMs / n,
    'server RSS KiB/conn': (r.connected.rss - r.before.rss) / n / 1024,
    'idle % core': (100 * r.idle.cpuMs) / r.idle.elapsedMs,
    'idle µs/conn/s': perConnPerS(r.idle),
    'msgs % core': (100 * r.messages.cpuMs) / r.messages.elapsedMs,
    'msgs µs/conn/s': perConnPerS(r.messages),
    'msgs/s received': (r.messages.received - r.idle.received) / (r.messages.elapsedMs / 1000),
  };
}
const DIGITS = { 'accepted/s': 0, 'server RSS KiB/conn': 0, 'msgs/s received': 0 };

export async function runClients(args) {
  const o = {
    N: Number(args.clients),
    P: Number(args['client-procs'] ?? 2),
    K: Number(args['in-flight'] ?? 8),
    setupTimeoutMs: Number(args['setup-timeout-ms'] ?? 20_000),
    idleMs: Number(args['idle-ms'] ?? 10_000),
    settleMs: Number(args['settle-ms'] ?? 2000),
    iceLite: args['server-ice-lite'] === 'true',
    serverHeapMb: args['server-heap-mb'],
    clientHeapMb: args['client-heap-mb'],
    muxRcvbuf: args['mux-rcvbuf'],
    clientNice: Number(args['client-nice'] ?? 0),
  };
  const servers = (args.server ?? 'x-webrtc').split(',').filter(Boolean);
  for (const s of servers) if (!STACKS.includes(s)) throw new Error(`no server stack ${s}`);
  if (o.iceLite && !servers.includes('x-webrtc'))
    throw new Error('--server-ice-lite applies to the x-webrtc server only');

  // The machine's load before this bench started (1, 5 and 15 minutes): figures taken while
  // other work runs are not comparable with a quiet machine's.
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const runs = [];
  for (const [i, stack] of servers.entries()) {
    if (i > 0) await sleep(2000); // the previous run's sockets and threads are gone
    const r = await trial(stack, o);
    if (r.error) {
      console.log(`${stack} server: ${r.error}`);
      continue;
    }
    runs.push(r);
    const perConn = (a, b) => fmt((b - a) / Math.max(1, r.n), 2);
    const drops = r.messages.muxDropped;
    console.log(
      `${r.stack} server: ${r.n}/${o.N} connected in ${fmt(r.wallMs / 1000)} s, ${r.failures} failed` +
        `${r.failures ? ` (${JSON.stringify(r.errors)})` : ''}; ` +
        `${r.messages.connected} connected at the end (states after setup ${JSON.stringify(r.setup.states)}, ` +
        `idle ${JSON.stringify(r.idle.states)}, end ${JSON.stringify(r.messages.states)}; ` +
        `the clients' after setup ${JSON.stringify(r.clientStates.setup)}, end ${JSON.stringify(r.clientStates.end)}); RSS ${fmt(r.before.rss / 2 ** 20, 0)} → ` +
        `${fmt(r.connected.rss / 2 ** 20, 0)} MiB; descriptors ${r.before.fds} → ${r.connected.fds}` +
        ` (${perConn(r.before.fds, r.connected.fds)} per connection, limit ${r.fdLimit}); threads ` +
        `${r.before.threads} → ${r.connected.threads}; ${r.sent} messages sent, ` +
        `${r.messages.received - r.idle.received} received` +
        (drops ? `; mux drops ${JSON.stringify(drops)}` : ''),
    );
    const peak = Math.max(r.setup.fds, r.connected.fds);
    if (r.fdLimit && peak >= 0.95 * r.fdLimit) {
      console.log(
        `  ${r.stack}: ${peak} descriptors open, at the limit of ${r.fdLimit} (\`ulimit -Hn\`):` +
          ' setups past it fail; raise the hard limit to measure more connections',
      );
    }
  }
  if (runs.length === 0) return;

  console.log(
    `\n${o.N} connections from ${o.P} client processes of @x/webrtc (${o.K} setups in flight each,` +
      ` ${o.setupTimeoutMs / 1000} s timeout), idle ${o.idleMs / 1000} s, then 1 message/s per channel;` +
      ` load average before ${load}`,
  );
  const cols = runs.map((r) => ({ name: r.stack, f: figures(r), ours: r.ours }));
  const ours = cols.find((c) => c.ours);
  const others = cols.filter((c) => !c.ours);
  const table = {};
  for (const key of Object.keys(cols[0].f)) {
    const row = {};
    for (const c of cols) row[c.name] = fmt(c.f[key], DIGITS[key] ?? 2);
    if (ours) {
      for (const c of others) row[`ours ÷ ${c.name}`] = `×${fmt(ours.f[key] / c.f[key], 2)}`;
    }
    table[key] = row;
  }
  table['connected/failed'] = Object.fromEntries(
    cols.map((c, i) => [c.name, `${runs[i].n}/${runs[i].failures}`]),
  );
  console.table(table);
}

/** The sum of the `states` counts the client processes reported. */
function sumStates(reports) {
  const total = {};
  for (const r of reports)
    for (const [k, v] of Object.entries(r.states ?? {})) total[k] = (total[k] ?? 0) + v;
  return total;
}
