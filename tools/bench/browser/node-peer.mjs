// One Node stack in its own process, driven over IPC by bench.mjs: for each measurement a new
// RTCPeerConnection that offers one reliable ordered channel to the page, then a bulk send and a
// bulk receive on it. `process.cpuUsage()` here counts every thread of this process (a native
// stack's too) and nothing of the other stacks or of the parent.
import { performance } from 'node:perf_hooks';
import {
  closePeer,
  loopbackCandidate,
  peers,
  receiveBulk,
  sendBulk,
  whenEvent,
} from '../webrtc/peers.mjs';

const [name] = process.argv.slice(2);
// BENCH_BALLAST_MB: long-lived objects of that many MB in this process, as a server's own state
// would be (V8 sizes its collections by the heap it has).
const ballast = [];
for (let i = 0; i < Number(process.env.BENCH_BALLAST_MB ?? 0) * 1024; i++) {
  ballast.push(Array.from({ length: 16 }, (_, k) => ({ k, s: `${i}:${k}` })));
}
globalThis.benchBallast = ballast;
const make = await peers[name]();
const send = (m) => process.send(m);
// Wall-clock milliseconds at sub-millisecond resolution: the page's clock is read the same way
// (performance.timeOrigin + performance.now()), and the parent measures the offset of each.
const now = () => performance.timeOrigin + performance.now();

let pc;
let channel;
let remoteQueue = [];
let sending;

const flushRemote = async () => {
  while (pc?.remoteDescription && remoteQueue.length > 0) {
    await pc.addIceCandidate(remoteQueue.shift()).catch(() => {});
  }
};

/** What getStats says of the transport (datagrams) and of SCTP, for the stacks that say it. */
async function transportStats() {
  const out = {};
  try {
    const report = await Promise.race([
      pc.getStats(),
      new Promise((r) => setTimeout(() => r(new Map()), 2000)),
    ]);
    report.forEach((s) => {
      if (s.type === 'transport') {
        out.packetsSent = s.packetsSent;
        out.packetsReceived = s.packetsReceived;
        out.bytesSent = s.bytesSent;
        out.bytesReceived = s.bytesReceived;
      } else if (s.type === 'sctp-transport') {
        out.mtu = s.mtu;
        out.congestionWindow = s.congestionWindow;
        out.receiverWindow = s.receiverWindow;
        out.unackData = s.unackData;
        out.smoothedRoundTripTime = s.smoothedRoundTripTime;
      }
    });
  } catch {
    // A stack without getStats: nothing to report.
  }
  return out;
}

/** User + system CPU in ms; BENCH_DEBUG=1 also prints the two apart (JavaScript vs kernel). */
const cpuMs = (u) => {
  if (process.env.BENCH_DEBUG)
    console.error(
      `${name} CPU: user ${(u.user / 1000).toFixed(0)} ms, system ${(u.system / 1000).toFixed(0)} ms`,
    );
  return (u.user + u.system) / 1000;
};

/**
 * BENCH_SCTP_TRACE=1: the SCTP stats every 50 ms during a transfer, for a stack whose getStats
 * has them (ours). It costs CPU inside the measured window: use it to look, not to measure.
 */
function trace() {
  if (!process.env.BENCH_SCTP_TRACE) return () => undefined;
  const samples = [];
  const t0 = now();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    const s = await transportStats();
    busy = false;
    if (s.congestionWindow !== undefined) samples.push({ ms: Math.round(now() - t0), ...s });
  }, 50);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

async function start() {
  remoteQueue = [];
  pc = make();
  pc.onicecandidate = (e) => {
    const candidate = loopbackCandidate(e);
    if (candidate !== undefined) send({ type: 'candidate', candidate });
  };
  channel = pc.createDataChannel('bulk');
  void whenEvent(channel, 'open', () => channel.readyState === 'open', 20_000).then(
    () => send({ type: 'open' }),
    (error) => send({ type: 'error', message: `channel not open: ${error.message}` }),
  );
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: 'description', description: { type: 'offer', sdp: pc.localDescription.sdp } });
}

process.on('message', async (m) => {
  try {
    switch (m.type) {
      case 'clock':
        send({ type: 'clock', at: now() });
        break;
      case 'start':
        await start();
        break;
      case 'description':
        await pc.setRemoteDescription(m.description);
        await flushRemote();
        break;
      case 'candidate':
        remoteQueue.push(m.candidate);
        await flushRemote();
        break;
      case 'send': {
        // Stats are read outside the CPU window: getStats costs something of its own.
        const before = await transportStats();
        const cpu = process.cpuUsage();
        const t0 = now();
        const stop = sendBulk(channel, m.bytes);
        sending = { before, cpu, stop, trace: trace() };
        send({ type: 'sending', t0 });
        break;
      }
      case 'sent': {
        // The parent heard from the page that every byte arrived.
        const cpu = cpuMs(process.cpuUsage(sending.cpu));
        sending.stop();
        const after = await transportStats();
        const samples = sending.trace();
        send({ type: 'send-done', cpuMs: cpu, before: sending.before, after, samples });
        sending = undefined;
        break;
      }
      case 'receive': {
        const before = await transportStats();
        const cpu0 = process.cpuUsage();
        const tracing = trace();
        // receiveBulk resolves from inside onmessage; the time and CPU are read in the
        // microtask that follows it.
        const done = receiveBulk(channel, m.bytes).then(() => ({
          at: now(),
          cpu: cpuMs(process.cpuUsage(cpu0)),
        }));
        send({ type: 'receiving' });
        const { at, cpu } = await done;
        const samples = tracing();
        const after = await transportStats();
        send({ type: 'received', at, cpuMs: cpu, before, after, samples });
        break;
      }
      case 'close':
        if (pc) await closePeer(pc);
        pc = undefined;
        channel = undefined;
        send({ type: 'closed' });
        break;
      case 'exit':
        setTimeout(() => process.exit(0), 20);
        break;
    }
  } catch (error) {
    send({ type: 'error', message: `${m.type}: ${error?.stack ?? error}` });
  }
});
send({ type: 'ready' });
