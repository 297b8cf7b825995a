// A client process of bench.mjs: opens data-channel connections to the workers example's
// front (POST /offer, half trickle: the offer carries our candidates, the answer the worker's),
// then keeps messages flowing on each and counts the echoes. Driven by bench.mjs over IPC:
//
//   {cmd: 'connect', url, count, concurrency}  -> {type: 'connected', setups, startedAt, endedAt, failed, cpuMs}
//   {cmd: 'load', ms, size, window}            -> {type: 'loaded', echoes, cpuMs}
//   {cmd: 'close'}                             -> {type: 'closed'}   (every connection released)
//
// Times are wall-clock ms (performance.timeOrigin + now), so that the parent can take the
// span over every client process.
import { performance } from 'node:perf_hooks';
import { RTCPeerConnection } from '@x/webrtc';

const now = () => performance.timeOrigin + performance.now();
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** @type {{pc: RTCPeerConnection, channel: RTCDataChannel, id: string}[]} */
const conns = [];

async function connectOne(url) {
  const pc = new RTCPeerConnection({ gather: { includeLoopback: true, ipv6: false } });
  const channel = pc.createDataChannel('echo');
  channel.binaryType = 'arraybuffer';
  const gathered = new Promise((resolve) => {
    pc.onicecandidate = (e) => e.candidate === null && resolve();
  });
  const open = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('channel not open in 20 s')), 20_000);
    channel.onopen = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  try {
    await pc.setLocalDescription();
    await gathered;
    const r = await fetch(new URL('/offer', url), {
      method: 'POST',
      body: JSON.stringify({ type: 'offer', sdp: pc.localDescription.sdp }),
    });
    if (!r.ok) throw new Error(`POST /offer: ${r.status} ${await r.text()}`);
    const answer = await r.json();
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    for (const c of answer.candidates) await pc.addIceCandidate(c);
    await open;
    conns.push({ pc, channel, id: answer.id });
  } catch (error) {
    pc.close();
    await pc.released;
    throw error;
  }
}

async function connect({ url, count, concurrency }) {
  const setups = [];
  let failed = 0;
  let next = 0;
  const cpu0 = cpuMs();
  const startedAt = now();
  const lane = async () => {
    while (next < count) {
      next++;
      const t0 = now();
      try {
        await connectOne(url);
        setups.push(now() - t0);
      } catch (error) {
        failed++;
        if (failed <= 3) console.error(`client ${process.pid}: ${error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { type: 'connected', setups, startedAt, endedAt: now(), failed, cpuMs: cpuMs() - cpu0 };
}

/** Each channel keeps `window` messages of `size` bytes in flight: an echo sends the next. */
async function load({ ms, size, window }) {
  const payload = new Uint8Array(size);
  let echoes = 0;
  let running = true;
  for (const { channel } of conns) {
    channel.onmessage = () => {
      if (!running) return;
      echoes++;
      if (channel.readyState === 'open') channel.send(payload);
    };
  }
  const cpu0 = cpuMs();
  for (const { channel } of conns) for (let i = 0; i < window; i++) channel.send(payload);
  await new Promise((resolve) => setTimeout(resolve, ms));
  running = false;
  const result = { type: 'loaded', echoes, cpuMs: cpuMs() - cpu0 };
  // Let the messages still in flight come back before the next phase.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return result;
}

async function close() {
  for (const { pc } of conns) pc.close();
  await Promise.all(conns.map(({ pc }) => pc.released));
  conns.length = 0;
  return { type: 'closed' };
}

process.on('message', async (m) => {
  if (m.cmd === 'connect') process.send(await connect(m));
  else if (m.cmd === 'load') process.send(await load(m));
  else if (m.cmd === 'close') {
    process.send(await close());
    process.disconnect(); // nothing left open: the process ends
  }
});
process.send({ type: 'ready' });
