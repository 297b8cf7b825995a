// Benchmark of @x/sctp against werift's SCTP, in one run: 64 MiB as 16 KiB messages on one
// reliable ordered stream between two associations in this process, over an in-memory pipe,
// over real 127.0.0.1 UDP sockets (no DTLS) and over a VirtualNetwork of @x/transport/testing;
// each at the 1200-byte MTU of WebRTC, then ours with path MTU discovery. The sender keeps at
// most 1 MiB buffered and resumes below 256 KiB, as the data-channel baseline of INTEROP.md
// does; the receiver checks every sequence number. Prints MB/s (10^6 bytes/s) and the ratios ours/werift.
//
//   node tools/bench/sctp/bench.mjs [--mib 64] [--runs 3] [--only mem|udp|vnet]
//
// Requires `pnpm --filter @x/sctp build` first (the bench imports the built package).
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Association, AssociationState } from '@x/sctp';

const require = createRequire(import.meta.url);
const werift = require(
  fileURLToPath(new URL('../node_modules/werift/lib/sctp/src/index.js', import.meta.url)),
);

const { values: args } = parseArgs({
  options: {
    mib: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    'zero-checksum': { type: 'boolean', default: false },
    'ours-only': { type: 'boolean', default: false },
    'time-limit': { type: 'string', default: '120' },
  },
});
const TOTAL = Number(args.mib) * 1024 * 1024;
const MSG = 16 * 1024;
const COUNT = TOTAL / MSG;
const HIGH = 1024 * 1024;
const LOW = 256 * 1024;
const RUNS = Number(args.runs);

// ---- transports --------------------------------------------------------------------------

/** An in-memory pipe: packets are delivered in a batch on the next turn of the event loop. */
function memoryPipe() {
  const ends = [
    { queue: [], scheduled: false, deliver: undefined },
    { queue: [], scheduled: false, deliver: undefined },
  ];
  const make = (from) => {
    const to = ends[1 - from];
    const drain = () => {
      to.scheduled = false;
      const q = to.queue;
      to.queue = [];
      for (const p of q) to.deliver?.(p);
    };
    return (p) => {
      to.queue.push(p);
      if (!to.scheduled) {
        to.scheduled = true;
        setImmediate(drain);
      }
    };
  };
  return {
    sendA: make(0),
    sendB: make(1),
    onA: (fn) => {
      ends[0].deliver = fn;
    },
    onB: (fn) => {
      ends[1].deliver = fn;
    },
    close() {},
  };
}

async function udpPipe() {
  const a = dgram.createSocket('udp4');
  const b = dgram.createSocket('udp4');
  await Promise.all([
    new Promise((r) => a.bind(0, '127.0.0.1', r)),
    new Promise((r) => b.bind(0, '127.0.0.1', r)),
  ]);
  for (const s of [a, b]) {
    try {
      s.setRecvBufferSize(8 * 1024 * 1024);
      s.setSendBufferSize(8 * 1024 * 1024);
    } catch {}
  }
  await Promise.all([
    new Promise((r) => a.connect(b.address().port, '127.0.0.1', r)),
    new Promise((r) => b.connect(a.address().port, '127.0.0.1', r)),
  ]);
  return {
    sendA: (p) => a.send(p),
    sendB: (p) => b.send(p),
    onA: (fn) => a.on('message', fn),
    onB: (fn) => b.on('message', fn),
    close() {
      a.close();
      b.close();
    },
  };
}

/**
 * Two hosts of a VirtualNetwork (`@x/transport/testing`) on one router, links without delay:
 * datagrams cross on its VirtualClock, which `drive` moves (the clock is also given to our
 * association; werift keeps its real timers).
 */
async function vnetPipe() {
  const { VirtualClock, VirtualNetwork } = await import('@x/transport/testing');
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 1 });
  const lan = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
  const hosts = [
    world.addHost({ name: 'a', router: lan }),
    world.addHost({ name: 'b', router: lan }),
  ];
  // Links that carry 64 KiB datagrams, like loopback, so that PLPMTUD has room.
  for (const h of hosts) h.link.set({ mtu: 65_535 });
  const deliver = [undefined, undefined];
  const sockets = await Promise.all(
    hosts.map((h, i) =>
      h.bindUdp({ address: h.addresses[0], onMessage: (d) => deliver[i]?.(Buffer.from(d)) }),
    ),
  );
  const sendTo = (from, to) => (p) =>
    sockets[from].send(p, sockets[to].localAddress.port, hosts[to].addresses[0]);
  return {
    clock,
    sendA: sendTo(0, 1),
    sendB: sendTo(1, 0),
    onA: (fn) => {
      deliver[0] = fn;
    },
    onB: (fn) => {
      deliver[1] = fn;
    },
    /** Runs the virtual clock until `done()` (our timers are virtual, werift's real). */
    async drive(done) {
      while (!done()) await clock.advance(1);
    },
    close() {
      if (process.env.BENCH_DEBUG) console.log(JSON.stringify(world.stats), clock.now());
      void world.close();
    },
  };
}

// ---- the two stacks ----------------------------------------------------------------------

function payload(i) {
  const m = Buffer.allocUnsafe(MSG);
  m.fill(i & 0xff);
  m.writeUInt32BE(i, 0);
  return m;
}
const payloads = Array.from({ length: 64 }, (_, i) => payload(i));

async function runOurs(pipe, extra = {}) {
  let received = 0;
  let bad = 0;
  let done;
  const finished = new Promise((r) => {
    done = r;
  });
  const opts = {
    zeroChecksum: args['zero-checksum'],
    heartbeatIntervalMs: 0,
    ...(process.env.DACK ? { delayedAckMs: Number(process.env.DACK) } : {}),
    ...(pipe.clock ? { clock: pipe.clock } : {}),
    ...extra,
  };
  const a = new Association({ send: pipe.sendA }, opts);
  const b = new Association(
    { send: pipe.sendB },
    {
      ...opts,
      handlers: {
        onMessage: (_sid, _ppid, data) => {
          if (data.length !== MSG || data.readUInt32BE(0) % 64 !== received % 64) bad++;
          if (++received === COUNT) done();
        },
      },
    },
  );
  pipe.onA((p) => a.handlePacket(p));
  pipe.onB((p) => b.handlePacket(p));
  a.connect();
  b.connect();
  await until(
    pipe,
    () => a.state === AssociationState.Connected && b.state === AssociationState.Connected,
  );
  let sent = 0;
  const pump = () => {
    while (sent < COUNT && a.bufferedAmount(1) < HIGH) {
      const m = payloads[sent % 64];
      m.writeUInt32BE(sent % 64, 0);
      a.send(1, 53, m);
      sent++;
    }
  };
  a.setBufferedAmountLowThreshold(1, LOW);
  // Re-read the handlers: they are fixed at construction, so pump from a poll of the event.
  const t0 = process.hrtime.bigint();
  pump();
  const timer = setInterval(pump, 0);
  if (pipe.drive) await pipe.drive(() => received === COUNT);
  await finished;
  clearInterval(timer);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stats = a.stats;
  a.close();
  b.close();
  return { ms, bad, retransmissions: stats.retransmissions, pathMtu: stats.pathMtu };
}

async function runWerift(pipe) {
  let received = 0;
  let bad = 0;
  let done;
  const finished = new Promise((r) => {
    done = r;
  });
  const ta = { onData: undefined, send: async (p) => pipe.sendA(p), close() {} };
  const tb = { onData: undefined, send: async (p) => pipe.sendB(p), close() {} };
  pipe.onA((p) => ta.onData?.(p));
  pipe.onB((p) => tb.onData?.(p));
  const a = werift.SCTP.client(ta);
  const b = werift.SCTP.server(tb);
  b.onReceive.subscribe((_sid, _ppid, data) => {
    if (data.length !== MSG || data.readUInt32BE(0) % 64 !== received % 64) bad++;
    if (++received === COUNT) done();
  });
  await Promise.all([a.start(5000), b.start(5000)]);
  await until(pipe, () => a.state === 'connected' && b.state === 'connected');
  // werift's RTCDataChannel queues messages and its flush awaits each SCTP send in turn
  // (webrtc/src/transport/sctp.js dataChannelFlush): drive it the same way. Calling its
  // send() many times without awaiting makes it far slower (the waiters pile up).
  let stop = false;
  const t0 = process.hrtime.bigint();
  (async () => {
    for (let sent = 0; sent < COUNT && !stop; sent++) {
      const m = Buffer.from(payloads[sent % 64]);
      m.writeUInt32BE(sent % 64, 0);
      await a.send(1, 53, m);
    }
  })();
  // werift can be very slow: stop after the time limit and report the rate it reached.
  let limit;
  let late = false;
  const timedOut = new Promise((r) => {
    limit = setTimeout(() => {
      late = true;
      r();
    }, Number(args['time-limit']) * 1000);
  });
  await until(pipe, () => received === COUNT || late);
  await Promise.race([finished, timedOut]);
  stop = true;
  clearTimeout(limit);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await a.stop().catch(() => {});
  await b.stop().catch(() => {});
  return { ms, bad, bytes: received * MSG };
}

/** Waits until `pred()` holds: on a virtual network by running its clock, else polling. */
function until(pipe, pred) {
  return pipe.drive ? pipe.drive(pred) : waitFor(pred, 120_000);
}

function waitFor(pred, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (pred()) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 1);
    };
    tick();
  });
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const mbps = (ms, bytes = TOTAL) => bytes / 1e6 / (ms / 1000);

/**
 * Runs both stacks `RUNS` times over fresh pipes; `werift` given: reuse that median instead of
 * measuring werift again (its figure does not depend on `ourOptions`). Returns werift's median.
 */
async function scenario(name, makePipe, ourOptions = {}, werift) {
  const ours = [];
  const theirs = [];
  for (let r = 0; r < RUNS; r++) {
    let pipe = await makePipe();
    const o = await runOurs(pipe, ourOptions);
    pipe.close();
    let w = {
      ms: werift === undefined ? Number.NaN : (TOTAL / 1e6 / werift) * 1000,
      bad: 0,
      bytes: TOTAL,
    };
    if (!args['ours-only'] && werift === undefined) {
      pipe = await makePipe();
      w = await runWerift(pipe);
      pipe.close();
    }
    if (o.bad || w.bad)
      throw new Error(`corrupt or reordered messages: ours ${o.bad}, werift ${w.bad}`);
    const wr = mbps(w.ms, w.bytes);
    ours.push(mbps(o.ms));
    theirs.push(wr);
    console.log(
      `  ${name} run ${r + 1}: @x/sctp ${mbps(o.ms).toFixed(1)} MB/s (${o.retransmissions} rtx, PMTU ${o.pathMtu}), werift ${wr.toFixed(1)} MB/s${w.bytes < TOTAL ? ` (${(w.bytes / 1048576).toFixed(1)} MiB in the ${args['time-limit']} s limit)` : ''}, ratio ${(mbps(o.ms) / wr).toFixed(1)}x`,
    );
  }
  const mo = median(ours);
  const mw = median(theirs);
  console.log(
    `${name.padEnd(8)} @x/sctp ${mo.toFixed(1).padStart(7)} MB/s   werift ${mw.toFixed(1).padStart(6)} MB/s   ratio ${(mo / mw).toFixed(1)}x (medians of ${RUNS})`,
  );
  return mw;
}

console.log(
  `SCTP bulk: ${args.mib} MiB as ${MSG / 1024} KiB messages, one reliable ordered stream, buffered <= 1 MiB${args['zero-checksum'] ? ', zero checksum' : ''}`,
);
// Both at the 1200-byte MTU of WebRTC first; then ours with path MTU discovery (RFC 8899)
// allowed up to the largest UDP datagram, as an association over loopback may use it
// (werift has no PMTU discovery: its figure is the same).
const PMTU = { maxMtu: 65_507 };
const wanted = (name) => args.only === undefined || args.only === name;
if (wanted('mem')) {
  const w = await scenario('memory', async () => memoryPipe());
  await scenario('memory, PLPMTUD to 64 KiB', async () => memoryPipe(), PMTU, w);
}
if (wanted('udp')) {
  const w = await scenario('udp', udpPipe);
  await scenario('udp, PLPMTUD to 64 KiB', udpPipe, PMTU, w);
}
if (wanted('vnet')) {
  const w = await scenario('virtual network', vnetPipe);
  await scenario('virtual network, PLPMTUD to 64 KiB', vnetPipe, PMTU, w);
}
