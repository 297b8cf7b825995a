// N connected RTCPeerConnection pairs of one stack in this process (both ends of each pair here),
// driven by bench.mjs over IPC: connect them one after the other (data channel open on both
// ends), hold them idle, then send one message a second on each channel; report setup times,
// RSS and CPU of each phase. With `--profile=<dir>`, a CPU profile of the idle phase alone
// (node:inspector) is written there for profile.mjs.
//
// argv: <stack> <pairs> <idleMs> <messagesMs> [--profile=<dir>]
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closePeer, connectInProcess, peers, sleep } from '../webrtc/peers.mjs';

const [stack, pairsArg, idleArg, messagesArg, ...flags] = process.argv.slice(2);
const PAIRS = Number(pairsArg);
const IDLE_MS = Number(idleArg);
const MESSAGES_MS = Number(messagesArg);
const profileDir = flags.find((f) => f.startsWith('--profile='))?.slice('--profile='.length);
// A connection that hangs (libdatachannel, now and then) is given up after this and retried.
const CONNECT_TIMEOUT_MS = 10_000;
const TRIES = 3;

const make = await peers[stack]();
const gc = globalThis.gc ?? (() => {});

/** RSS once the garbage of the previous phase is collected and the heap has settled. */
async function settledRss() {
  gc();
  await sleep(200);
  gc();
  return process.memoryUsage().rss;
}

/** CPU time of the whole process (every thread: a native stack's own threads included). */
async function cpuOver(ms, during = () => () => {}) {
  const stop = during();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(c0);
  const elapsed = performance.now() - t0;
  stop();
  return { cpuMs: (used.user + used.system) / 1000, userMs: used.user / 1000, elapsedMs: elapsed };
}

// One connection made and closed first, so that the baseline holds the loaded code and what
// a stack allocates once per process (a native stack's threads), not per connection.
{
  const s = await connectInProcess(make, { timeoutMs: CONNECT_TIMEOUT_MS });
  await Promise.all([closePeer(s.a), closePeer(s.b)]);
  await sleep(500);
}
const rssBefore = await settledRss();

const pairs = [];
const setupMs = [];
let retries = 0;
// RSS at half the pairs too: (connected − half) / (N − N/2) is what one more pair costs, without
// what a process grows by once (V8's young generation grows to its 32 MiB while the first pairs
// are set up; a native stack's thread pools).
const HALF = Math.floor(PAIRS / 2);
let rssHalf;
let pausedMs = 0;
const tSetup = performance.now();
while (pairs.length < PAIRS) {
  if (pairs.length === HALF && rssHalf === undefined && HALF > 0) {
    const t0 = performance.now();
    await sleep(2000);
    rssHalf = await settledRss();
    pausedMs += performance.now() - t0;
  }
  try {
    const s = await connectInProcess(make, { timeoutMs: CONNECT_TIMEOUT_MS });
    pairs.push({ a: s.a, b: s.b, dc: s.dc, rx: s.rx() });
    setupMs.push(s.open);
  } catch (error) {
    if (++retries > TRIES * 10) throw new Error(`${stack}: too many failed setups (${error})`);
  }
}
const setupTotalMs = performance.now() - tSetup - pausedMs;
// Let what follows a setup end (nomination, the SCTP and DTLS tail) before measuring idle.
await sleep(2000);
const rssConnected = await settledRss();

let profiler;
if (profileDir) {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  await profiler.post('Profiler.start');
}
const idle = await cpuOver(IDLE_MS);
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(join(profileDir, `${stack}-idle.cpuprofile`), JSON.stringify(profile));
  profiler.disconnect();
}

// One message a second on each channel (offerer → answerer), the sends spread evenly over the
// second by one 20 ms ticker (the same driver for every stack).
let received = 0;
for (const p of pairs) {
  p.rx.onmessage = () => {
    received++;
  };
}
const message = 'x'.repeat(100);
const SLOTS = 50;
let sent = 0;
const messages = await cpuOver(MESSAGES_MS, () => {
  let slot = 0;
  const ticker = setInterval(() => {
    for (let i = slot; i < pairs.length; i += SLOTS) {
      const dc = pairs[i].dc;
      if (dc.readyState === 'open') {
        dc.send(message);
        sent++;
      }
    }
    slot = (slot + 1) % SLOTS;
  }, 1000 / SLOTS);
  return () => clearInterval(ticker);
});
await sleep(500);
const rssAfter = process.memoryUsage().rss;
const stillOpen = pairs.filter((p) => p.dc.readyState === 'open').length;

await Promise.all(pairs.flatMap((p) => [closePeer(p.a), closePeer(p.b)]));
const sorted = [...setupMs].sort((x, y) => x - y);
const pct = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
process.send({
  type: 'result',
  stack,
  pairs: PAIRS,
  retries,
  setup: { p50: pct(0.5), p99: pct(0.99), totalMs: setupTotalMs },
  rss: {
    before: rssBefore,
    half: rssHalf,
    halfPairs: HALF,
    connected: rssConnected,
    after: rssAfter,
  },
  idle,
  messages: { ...messages, sent, received },
  stillOpen,
});
setTimeout(() => process.exit(0), 100);
