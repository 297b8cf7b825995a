#!/usr/bin/env node
// Bulk data-channel transfer between a Node stack and headless Chromium, both ways, for
// @x/webrtc, libwebrtc and libdatachannel in one run: throughput, and the CPU each Node stack
// spends per MB (its own process, every thread) and Chromium's. README.md says how and why.
//
// The floor (floor.mjs) runs in the same rounds: the least a JavaScript stack on node:dgram and
// node:crypto can spend per datagram of DTLS with AES-128-GCM, turned into CPU per MB with the
// datagram counts ours had against the page.
//
// BENCH_MIB (32) per direction, BENCH_RUNS (3) rounds, stacks interleaved (A B C F A B C F);
// BENCH_STACKS=x-webrtc,libwebrtc a subset (`floor` is one of the names);
// BENCH_FLOOR_DATAGRAMS (100000) datagrams each way per floor measurement; BENCH_CPU_PROF=<dir> a --cpu-prof profile of the
// x-webrtc process (BENCH_CPU_PROF_INTERVAL µs); BENCH_DEBUG=1 each measurement as JSON;
// BENCH_SCTP_TRACE=1 our SCTP stats every 50 ms of a transfer (costs CPU in the window);
// BENCH_NODE_ARGS='--trace-gc' more node options for the x-webrtc process; BENCH_WARMUP (2)
// unmeasured rounds of each stack first; BENCH_PIN=0:1 each Node stack on CPU 0, Chromium on 1.
import { execFileSync, fork } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loopback, median, peers } from '../webrtc/peers.mjs';
import { cpuBetween, launchBrowser } from './chromium.mjs';

const CHILD = fileURLToPath(new URL('./node-peer.mjs', import.meta.url));
const FLOOR_CHILD = fileURLToPath(new URL('./floor.mjs', import.meta.url));
const MIB = Number(process.env.BENCH_MIB ?? 32);
const BYTES = MIB * 1024 * 1024;
const MB = BYTES / 1e6;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/**
 * Unmeasured rounds of each stack before the measured ones (not of the floor, which warms its
 * own path): a server runs for hours, and a JavaScript stack's first transfers in a process
 * also pay for compiling its hot paths: `--trace-opt` gave 496 ms of TurboFan in our first
 * round, 560 ms in the second, then 117, 44, 20, 35 ms.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const STACKS = (process.env.BENCH_STACKS ?? 'x-webrtc,libwebrtc,libdatachannel,floor')
  .split(',')
  .filter(Boolean);
const OURS = 'x-webrtc';
const FLOOR = 'floor';
const FLOOR_DATAGRAMS = Number(process.env.BENCH_FLOOR_DATAGRAMS ?? 100_000);
/** Unmeasured datagrams each way before each floor measurement, so that its path is compiled. */
const FLOOR_WARMUP = 5000;
/** A floor record on the wire: 1200 bytes of payload, 13 of header, 8 of nonce, 16 of tag. */
const FLOOR_DATAGRAM_BYTES = 1237;
/** Full 1200-byte SCTP packets per MB (1172 bytes of user data each), if ours was not measured. */
const FULL_PACKETS_PER_MB = 1e6 / 1172;
const unknown = STACKS.filter((s) => !(s in peers) && s !== FLOOR);
if (unknown.length > 0) {
  console.error(
    `unknown stack ${unknown.join(', ')}: have ${[...Object.keys(peers), FLOOR].join(', ')}`,
  );
  process.exit(1);
}
const DIRECTION_LIMIT_MS = 60_000;
const DEBUG = Boolean(process.env.BENCH_DEBUG);
// BENCH_PIN=0:1 pins each Node stack's process to CPU 0 and every Chromium process to CPU 1
// (taskset, every thread), so that the two ends do not take each other's core.
const PIN = process.env.BENCH_PIN ? process.env.BENCH_PIN.split(':') : undefined;
/** Sets the CPU affinity of every thread of `pid` (and of threads it starts later). */
const pin = (pid, cpu) =>
  execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
const LABEL = { toPage: 'Node → Chromium', fromPage: 'Chromium → Node' };
const ALL_DIRECTIONS = Object.keys(LABEL);
// BENCH_DIRECTIONS=toPage (or fromPage) measures one direction only (a profile of one path).
const DIRECTIONS = process.env.BENCH_DIRECTIONS?.split(',') ?? ALL_DIRECTIONS;

const now = () => performance.timeOrigin + performance.now();
const withTimeout = (promise, ms, message) => {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};
/** An SDP with only the candidates that peers.mjs's `loopback` keeps. */
const loopbackSdp = (sdp) =>
  sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || loopback(line.slice(2)))
    .join('\r\n');

/**
 * The offset of another clock from ours: the reading with the shortest round trip, taken as
 * read at its midpoint. Times of the page and of the children are converted with it, so that a
 * duration from one process's clock to another's is fair to every stack.
 */
async function clockOffset(read) {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 9; i++) {
    const a = now();
    const theirs = await read();
    const b = now();
    if (b - a < best.rtt) best = { rtt: b - a, offset: theirs - (a + b) / 2 };
  }
  return best;
}

// --- the Node stacks' processes ---------------------------------------------------------------

function spawnStack(name) {
  const prof = process.env.BENCH_CPU_PROF;
  const interval = process.env.BENCH_CPU_PROF_INTERVAL;
  const proc = fork(name === FLOOR ? FLOOR_CHILD : CHILD, [name], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [
      ...(prof && name === OURS
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${prof}`,
            ...(interval ? [`--cpu-prof-interval=${interval}`] : []),
          ]
        : []),
      ...(name === OURS && process.env.BENCH_NODE_ARGS
        ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean)
        : []),
    ],
  });
  if (PIN) pin(proc.pid, PIN[0]);
  const events = new EventEmitter();
  let failure;
  proc.on('message', (m) => {
    if (m.type === 'error') failure = new Error(`${name}: ${m.message}`);
    events.emit(m.type, m);
    if (failure) events.emit('failure', failure);
  });
  proc.on('exit', (code, signal) => {
    failure ??= new Error(`${name}: process exited (${signal ?? code})`);
    events.emit('failure', failure);
  });
  /** The next message of `type`; rejects on an error from the process or after `ms`. */
  const next = (type, ms = 20_000, message = `${name}: no ${type} within ${ms / 1000} s`) =>
    new Promise((resolve, reject) => {
      const done = (fn, value) => {
        clearTimeout(timer);
        events.off(type, onMessage);
        events.off('failure', onFailure);
        fn(value);
      };
      const onMessage = (m) => done(resolve, m);
      const onFailure = (e) => done(reject, e);
      const timer = setTimeout(() => done(reject, new Error(message)), ms);
      events.on(type, onMessage);
      events.on('failure', onFailure);
      if (failure) onFailure(failure);
    });
  const stack = {
    name,
    proc,
    events,
    next,
    send: (m) => proc.send(m),
    offset: 0,
    async ready() {
      await next('ready');
      stack.offset = (
        await clockOffset(async () => {
          const reply = next('clock', 5000);
          proc.send({ type: 'clock' });
          return (await reply).at;
        })
      ).offset;
      return stack;
    },
    async exit() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      if (proc.connected) proc.send({ type: 'exit' });
      const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(kill);
    },
  };
  return stack;
}

// --- one measurement: connect, a transfer each way, close -------------------------------------

const pageEvents = new EventEmitter();
const browser = await launchBrowser((m) => pageEvents.emit(m.type, m));
const { page } = browser;
const pinBrowser = () => {
  if (PIN) for (const pid of browser.cpu().keys()) pin(pid, PIN[1]);
};
pinBrowser();
const pageOffset = (await clockOffset(() => page.evaluate(() => globalThis.bench.now()))).offset;
const waitPage = (type, ms, message) =>
  withTimeout(
    once(pageEvents, type).then(([m]) => m),
    ms,
    message,
  );

/**
 * Datagrams the kernel dropped at the UDP sockets of these processes because their receive
 * buffer was full (the `drops` column of /proc/net/udp, for the sockets among their fds).
 */
function udpDrops(pids) {
  const inodes = new Set();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSafe(`/proc/${pid}/fd/${fd}`);
        const m = link && /^socket:\[(\d+)\]$/.exec(link);
        if (m) inodes.add(m[1]);
      }
    } catch {
      // The process ended while we looked.
    }
  }
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 12 && inodes.has(f[9])) drops += Number(f[12]);
    }
  }
  return drops;
}
const readlinkSafe = (path) => {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
};
/** Drops at Chromium's sockets and at the Node stack's. */
const dropsOf = (stack) => ({
  chromium: udpDrops(browser.cpu().keys()),
  node: udpDrops([stack.proc.pid]),
});
const dropsSince = (before, stack) => {
  const after = dropsOf(stack);
  return { chromium: after.chromium - before.chromium, node: after.node - before.node };
};

/** Datagram counts that changed between two getStats readings, per MB transferred. */
const perMb = (before, after, key) =>
  before?.[key] === undefined || after?.[key] === undefined
    ? undefined
    : (after[key] - before[key]) / MB;

async function connect(stack) {
  await page.evaluate(() => globalThis.bench.create());
  // Candidates each way once the receiving side has the remote description, in order.
  let pageHasOffer = false;
  const toPage = [];
  let chain = Promise.resolve();
  const pageAdd = (c) => {
    chain = chain.then(() =>
      page.evaluate((c) => globalThis.bench.pc.addIceCandidate(c), c).catch(() => {}),
    );
  };
  const onChildCandidate = (m) => {
    if (pageHasOffer) pageAdd(m.candidate);
    else toPage.push(m.candidate);
  };
  const onPageCandidate = (m) => {
    if (loopback(m.candidate.candidate)) stack.send({ type: 'candidate', candidate: m.candidate });
  };
  stack.events.on('candidate', onChildCandidate);
  pageEvents.on('candidate', onPageCandidate);
  try {
    const offered = stack.next('description');
    const childOpen = stack.next('open', 20_000, `${stack.name}: channel not open within 20 s`);
    // Awaited below, after `offered`: a process that dies rejects both, and the first throws.
    childOpen.catch(() => {});
    stack.send({ type: 'start' });
    const { description } = await offered;
    const answer = await page.evaluate((d) => globalThis.bench.answer(d), {
      type: 'offer',
      sdp: loopbackSdp(description.sdp),
    });
    pageHasOffer = true;
    for (const c of toPage.splice(0)) pageAdd(c);
    stack.send({ type: 'description', description: { ...answer, sdp: loopbackSdp(answer.sdp) } });
    await childOpen;
    await withTimeout(
      page.evaluate(() => globalThis.bench.opened),
      20_000,
      `${stack.name}: the page's channel not open within 20 s`,
    );
    await chain;
  } finally {
    stack.events.off('candidate', onChildCandidate);
    pageEvents.off('candidate', onPageCandidate);
  }
}

/** Node → Chromium: the child sends, the page counts. */
async function toPage(stack) {
  const statsBefore = await page.evaluate(() => globalThis.bench.stats());
  await page.evaluate((n) => globalThis.bench.receive(n), BYTES);
  const limit = `${stack.name} ${LABEL.toPage}: ${MIB} MiB not delivered within ${DIRECTION_LIMIT_MS / 1000} s`;
  const received = waitPage('page-received', DIRECTION_LIMIT_MS, limit);
  received.catch(() => {});
  const sending = stack.next('sending');
  const drops0 = dropsOf(stack);
  const chromium0 = browser.cpu();
  stack.send({ type: 'send', bytes: BYTES });
  const { t0 } = await sending;
  let at;
  try {
    ({ at } = await received);
  } catch (error) {
    const got = await page.evaluate(() => globalThis.bench.got).catch(() => undefined);
    throw new Error(`${error.message} (the page got ${got} bytes)`);
  }
  const done = stack.next('send-done');
  stack.send({ type: 'sent' });
  const child = await done;
  const chromiumMs = cpuBetween(chromium0, browser.cpu());
  const drops = dropsSince(drops0, stack);
  const statsAfter = await page.evaluate(() => globalThis.bench.stats());
  const ms = at - pageOffset - (t0 - stack.offset);
  return figures({ ms, child, chromiumMs, drops, statsBefore, statsAfter, pageReceives: true });
}

/** Chromium → Node: the page sends, the child counts. */
async function fromPage(stack) {
  const statsBefore = await page.evaluate(() => globalThis.bench.stats());
  const receiving = stack.next('receiving');
  const received = stack.next(
    'received',
    DIRECTION_LIMIT_MS,
    `${stack.name} ${LABEL.fromPage}: ${MIB} MiB not delivered within ${DIRECTION_LIMIT_MS / 1000} s`,
  );
  received.catch(() => {});
  stack.send({ type: 'receive', bytes: BYTES });
  await receiving;
  const drops0 = dropsOf(stack);
  const chromium0 = browser.cpu();
  const t0 = await page.evaluate((n) => globalThis.bench.send(n), BYTES);
  const child = await received;
  const chromiumMs = cpuBetween(chromium0, browser.cpu());
  const drops = dropsSince(drops0, stack);
  const statsAfter = await page.evaluate(() => globalThis.bench.stats());
  const ms = child.at - stack.offset - (t0 - pageOffset);
  return figures({ ms, child, chromiumMs, drops, statsBefore, statsAfter, pageReceives: false });
}

/**
 * The figures of one direction. The page's view of the datagrams: with `pageReceives`, data
 * in and acknowledgements out; otherwise data out and acknowledgements in.
 */
function figures({ ms, child, chromiumMs, drops, statsBefore, statsAfter, pageReceives }) {
  const [data, acks, bytes] = pageReceives
    ? ['packetsReceived', 'packetsSent', 'bytesReceived']
    : ['packetsSent', 'packetsReceived', 'bytesSent'];
  const wireBytes = statsAfter[bytes] - statsBefore[bytes];
  return {
    ms,
    mbps: MB / (ms / 1000),
    cpuPerMb: child.cpuMs / MB,
    chromiumPerMb: chromiumMs / MB,
    drops,
    wireBytes,
    dataPerMb: perMb(statsBefore, statsAfter, data),
    acksPerMb: perMb(statsBefore, statsAfter, acks),
    datagramBytes: wireBytes / (statsAfter[data] - statsBefore[data]),
    child: childStats(child),
  };
}

/** What the Node stack's own getStats says (ours: datagrams both ways and the SCTP path MTU). */
function childStats({ before, after, samples }) {
  return {
    sentPerMb: perMb(before, after, 'packetsSent'),
    receivedPerMb: perMb(before, after, 'packetsReceived'),
    mtu: after?.mtu,
    congestionWindow: after?.congestionWindow,
    ...(samples?.length ? { trace: samples } : {}),
  };
}

/**
 * Figures that cannot be right (a clock offset gone wrong, bytes that never crossed the
 * transport) fail the measurement instead of entering the table.
 */
function check(stack, d, r, wire) {
  const what = `${stack.name} ${LABEL[d]}`;
  if (!(r.ms > 0)) throw new Error(`${what}: a duration of ${r.ms} ms (clocks?)`);
  if (!(wire >= BYTES))
    throw new Error(`${what}: the page's transport counted ${wire} bytes for ${BYTES} sent`);
}

/**
 * The floor's measurement: the same work per datagram in each direction as a transfer needs at
 * the least (floor.mjs). CPU per MB is worked out at the report, from ours' datagram counts.
 */
async function measureFloor(stack) {
  stack.send({ type: 'measure', warmup: FLOOR_WARMUP, datagrams: FLOOR_DATAGRAMS });
  const m = await stack.next('measured', 120_000);
  if (m.sendErrors > 0) throw new Error(`${FLOOR}: ${m.sendErrors} sends failed`);
  // Drops: data lost at the receiver's socket, acknowledgements at the sender's; the far end
  // plays Chromium's part.
  const one = (r, drops) => {
    if (r.bad > 0) throw new Error(`${FLOOR}: ${r.bad} records did not authenticate`);
    return {
      usPerDatagram: r.cpu.total / r.datagrams,
      userPerDatagram: r.cpu.user / r.datagrams,
      systemPerDatagram: r.cpu.system / r.datagrams,
      acksPerDatagram: r.acksSent / r.datagrams,
      drops,
    };
  };
  return {
    toPage: one(m.send, {
      chromium: m.send.datagrams - m.send.received,
      node: m.send.acksSent - m.send.acksReceived,
    }),
    fromPage: one(m.receive, {
      chromium: m.receive.acksSent - m.receive.acksReceived,
      node: m.receive.datagrams - m.receive.received,
    }),
  };
}

async function measure(stack) {
  try {
    pinBrowser();
    await connect(stack);
    const out = {};
    for (const d of DIRECTIONS) {
      out[d] = d === 'toPage' ? await toPage(stack) : await fromPage(stack);
      check(stack, d, out[d], out[d].wireBytes);
    }
    return out;
  } finally {
    await page.evaluate(() => globalThis.bench.close()).catch(() => {});
  }
}

// --- the run ------------------------------------------------------------------------------------

const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
console.log(
  `Chromium ${browser.version} ⇄ Node ${process.version}: ${MIB} MiB of 16 KiB messages each way, ` +
    `${RUNS} rounds (${STACKS.join(', ')}); load average ${loadBefore}`,
);
console.log(`clock offset page ${pageOffset.toFixed(3)} ms`);

const results = Object.fromEntries(STACKS.map((s) => [s, []]));
const failures = [];
const live = new Map();
const getStack = async (name) => {
  if (!live.has(name)) {
    const stack = spawnStack(name);
    live.set(name, stack);
    try {
      await stack.ready();
    } catch (error) {
      live.delete(name);
      stack.proc.kill('SIGKILL');
      throw error;
    }
    console.log(`${name}: process ${stack.proc.pid}, clock offset ${stack.offset.toFixed(3)} ms`);
  }
  return live.get(name);
};

/** BENCH_SCTP_TRACE: min / median / max of each SCTP figure sampled during a transfer. */
function traceSummary(samples) {
  const spread = (key, scale = 1, digits = 0) => {
    const xs = samples.map((s) => s[key]).filter((x) => x !== undefined);
    if (xs.length === 0) return '–';
    return [Math.min(...xs), median(xs), Math.max(...xs)]
      .map((x) => fmt(x * scale, digits))
      .join('/');
  };
  return (
    `SCTP over ${samples.length} samples (min/median/max): cwnd ${spread('congestionWindow')}, ` +
    `peer rwnd ${spread('receiverWindow')}, unacked ${spread('unackData')}, ` +
    `srtt ms ${spread('smoothedRoundTripTime', 1000, 2)}`
  );
}

const fmt = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
for (let round = 1 - WARMUP; round <= RUNS; round++) {
  const warmup = round < 1;
  for (const name of STACKS) {
    if (warmup && name === FLOOR) continue;
    let stack;
    try {
      stack = await getStack(name);
      if (name === FLOOR) {
        const r = await measureFloor(stack);
        results[name].push(r);
        const line = DIRECTIONS.map(
          (d) =>
            `${LABEL[d]} ${fmt(r[d].usPerDatagram, 2)} µs CPU per data datagram ` +
            `(user ${fmt(r[d].userPerDatagram, 2)}, system ${fmt(r[d].systemPerDatagram, 2)}), ` +
            `lost ${r[d].drops.chromium} far, ${r[d].drops.node} here`,
        ).join('; ');
        console.log(`round ${round} ${name}: ${line}`);
        if (DEBUG) console.log(JSON.stringify({ round, name, ...r }));
        continue;
      }
      const r = await measure(stack);
      const closed = stack.next('closed');
      stack.send({ type: 'close' });
      await closed;
      if (warmup) {
        console.log(`warm-up ${name}: not measured`);
        continue;
      }
      results[name].push(r);
      const line = DIRECTIONS.map(
        (d) =>
          `${LABEL[d]} ${fmt(r[d].mbps)} MB/s, ${fmt(r[d].cpuPerMb, 2)} ms/MB ` +
          `(Chromium ${fmt(r[d].chromiumPerMb, 2)}), UDP drops ${r[d].drops.chromium} at Chromium, ` +
          `${r[d].drops.node} at Node`,
      ).join('; ');
      console.log(`round ${round} ${name}: ${line}`);
      if (DEBUG) console.log(JSON.stringify({ round, name, ...r }));
      for (const d of DIRECTIONS)
        if (r[d].child.trace) console.log(`  ${LABEL[d]} ${traceSummary(r[d].child.trace)}`);
    } catch (error) {
      if (!warmup) failures.push({ name, round, error });
      console.error(`round ${round} ${name} FAILED: ${error.message}`);
      // A fresh process for the next round: this one may be stuck mid-transfer.
      if (stack) {
        stack.proc.kill('SIGKILL');
        live.delete(name);
      }
    }
  }
}

// --- the report -------------------------------------------------------------------------------

const pick = (name, d, key) =>
  results[name].map((r) => r[d][key]).filter((x) => x !== undefined && !Number.isNaN(x));
const med = (name, d, key) => {
  const xs = pick(name, d, key);
  return xs.length ? median(xs) : undefined;
};
const range = (name, d, key, digits) => {
  const xs = pick(name, d, key);
  if (xs.length === 0) return '–';
  return `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
};

// The floor in CPU per MB: its CPU per data datagram (acknowledgements included, one for every
// second datagram) times the data datagrams per MB that ours needed against the page in this
// run (the page's count, median of ours' rounds), the same count for every round of the floor.
const floorPerMb = {};
if (results[FLOOR]?.length) {
  for (const d of DIRECTIONS) {
    const ours = results[OURS]?.length ? med(OURS, d, 'dataPerMb') : undefined;
    floorPerMb[d] = { datagrams: ours ?? FULL_PACKETS_PER_MB, from: ours ? OURS : 'full packets' };
    for (const r of results[FLOOR]) {
      const perMb = floorPerMb[d].datagrams;
      r[d].dataPerMb = perMb;
      r[d].acksPerMb = perMb * r[d].acksPerDatagram;
      r[d].datagramBytes = FLOOR_DATAGRAM_BYTES;
      r[d].cpuPerMb = (perMb * r[d].usPerDatagram) / 1000;
    }
  }
}

const COLUMNS = [
  'stack',
  'direction',
  'MB/s',
  'Node CPU ms/MB',
  'Chromium CPU ms/MB',
  'data datagrams/MB',
  'ack datagrams/MB',
  'bytes/datagram',
  'UDP drops Chromium/Node, each round',
];
console.log(`\n| ${COLUMNS.join(' | ')} |`);
console.log(`|${' --- |'.repeat(COLUMNS.length)}`);
for (const name of STACKS) {
  if (results[name].length === 0) continue;
  for (const d of DIRECTIONS) {
    console.log(
      `| ${name} | ${LABEL[d]} | ${range(name, d, 'mbps', 1)} | ${range(name, d, 'cpuPerMb', 2)} | ` +
        `${range(name, d, 'chromiumPerMb', 2)} | ${fmt(med(name, d, 'dataPerMb'), 0)} | ` +
        `${fmt(med(name, d, 'acksPerMb'), 0)} | ${fmt(med(name, d, 'datagramBytes'), 0)} | ` +
        `${results[name].map((r) => `${r[d].drops.chromium}/${r[d].drops.node}`).join(', ')} |`,
    );
  }
}
console.log(
  "(medians of the rounds, range in parentheses; datagrams and bytes counted by the page's " +
    'getStats; drops from /proc/net/udp at the sockets of Chromium and of the Node process)',
);
if (results[FLOOR]?.length) {
  for (const d of DIRECTIONS) {
    console.log(
      `${FLOOR} ${LABEL[d]}: ${range(FLOOR, d, 'usPerDatagram', 2)} µs CPU per data datagram ` +
        `(user ${fmt(med(FLOOR, d, 'userPerDatagram'), 2)}, system ` +
        `${fmt(med(FLOOR, d, 'systemPerDatagram'), 2)}; ${FLOOR_DATAGRAMS} datagrams a round) ` +
        `× ${fmt(floorPerMb[d].datagrams, 0)} data datagrams per MB (${floorPerMb[d].from}); ` +
        "its drops are the far end's/its own, from the counts sent and received",
    );
  }
}

if (results[OURS]?.length) {
  for (const d of DIRECTIONS) {
    const c = results[OURS].map((r) => r[d].child);
    const m = (key) => {
      const xs = c.map((x) => x[key]).filter((x) => x !== undefined);
      return xs.length ? median(xs) : undefined;
    };
    console.log(
      `${OURS} ${LABEL[d]} (its getStats): ${fmt(m('sentPerMb'), 0)} datagrams sent and ` +
        `${fmt(m('receivedPerMb'), 0)} received per MB; SCTP path MTU ${m('mtu') ?? '–'}, ` +
        `congestion window ${m('congestionWindow') ?? '–'} at the end`,
    );
  }
}

const natives = STACKS.filter((s) => s !== OURS && s !== FLOOR && results[s].length > 0);
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}x`);
const ratioRows = [];
/** A row of the ratio table: `a` ÷ `of`, each a function of (direction, figure). */
const ratioRow = (label, a, of, keys = ['cpuPerMb', 'mbps']) =>
  ratioRows.push(
    `| ${label} | ${['cpuPerMb', 'mbps']
      // Every column, also of a direction not measured ('–'), so that the columns stay aligned.
      .flatMap((k) =>
        ALL_DIRECTIONS.map((d) =>
          keys.includes(k) && DIRECTIONS.includes(d) ? ratio(a(d, k), of(d, k)) : '–',
        ),
      )
      .join(' | ')} |`,
  );
const of = (name) => (d, k) => med(name, d, k);
if (results[OURS]?.length && natives.includes('libwebrtc'))
  ratioRow(`${OURS} ÷ libwebrtc`, of(OURS), of('libwebrtc'));
if (results[OURS]?.length && natives.length)
  // Best native: the lowest CPU per MB, the highest throughput, each taken on its own.
  ratioRow(`${OURS} ÷ best native`, of(OURS), (d, k) => {
    const xs = natives.map((s) => med(s, d, k)).filter((x) => x !== undefined);
    if (xs.length === 0) return undefined;
    return k === 'mbps' ? Math.max(...xs) : Math.min(...xs);
  });
if (results[FLOOR]?.length && results[OURS]?.length)
  ratioRow(`${OURS} ÷ ${FLOOR}`, of(OURS), of(FLOOR), ['cpuPerMb']);
if (results[FLOOR]?.length && natives.includes('libwebrtc'))
  ratioRow(`${FLOOR} ÷ libwebrtc`, of(FLOOR), of('libwebrtc'), ['cpuPerMb']);
if (ratioRows.length > 0) {
  console.log('\n| ratio | CPU/MB N→C | CPU/MB C→N | MB/s N→C | MB/s C→N |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const line of ratioRows) console.log(line);
  console.log('(CPU: below 1 is less than theirs; MB/s: above 1 is faster)');
}
// What Chromium costs with nothing to do, to read its per-MB figures against.
const idle0 = browser.cpu();
await new Promise((r) => setTimeout(r, 1000));
console.log(`Chromium idle after the run: ${cpuBetween(idle0, browser.cpu()).toFixed(0)} ms CPU/s`);
console.log(`load average after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

await Promise.all([...live.values()].map((s) => s.exit()));
await browser.close();
for (const f of failures) console.error(`FAILED ${f.name} round ${f.round}: ${f.error.message}`);
process.exit(failures.length > 0 ? 1 : 0);
