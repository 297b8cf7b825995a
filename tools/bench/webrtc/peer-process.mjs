// One RTCPeerConnection in its own process, driven over IPC by processes.mjs (after warm-up
// connections inside the process when asked): signaling
// messages in and out, `connected` and `open` reported with times relative to createOffer,
// then bulk transfers (send or receive) on the channel, and a clean close.
import { performance } from 'node:perf_hooks';
import {
  closePeer,
  connectInProcess,
  loopbackCandidate,
  peers,
  receiveBulk,
  sendBulk,
  whenEvent,
} from './peers.mjs';

// A warm-up connection that hangs (libdatachannel, now and then) is given up after this.
const WARMUP_TIMEOUT_MS = 5000;
const [name, role, warmup] = process.argv.slice(2);
const make = await peers[name]();
for (let i = 0; i < Number(warmup ?? 0); i++) {
  // Whole connections inside this process first, as a long-running application has made (one
  // that fails still ran the code).
  try {
    const s = await connectInProcess(make, { timeoutMs: WARMUP_TIMEOUT_MS });
    await Promise.all([closePeer(s.a), closePeer(s.b)]);
  } catch (error) {
    console.error(`${name} warm-up connection ${i + 1} failed: ${error.message}`);
  }
  await new Promise((r) => setTimeout(r, 20));
}
const pc = make();
const send = (m) => process.send(m);
let channel;
let t0 = 0;
const remoteQueue = [];

pc.onicecandidate = (e) => {
  const candidate = loopbackCandidate(e);
  if (candidate !== undefined) send({ type: 'candidate', candidate });
};
// Both times are taken in the event handlers (whenEvent), relative to createOffer (or, for the
// answerer, to its setRemoteDescription of the offer).
const connectedAt = whenEvent(
  pc,
  'connectionstatechange',
  () => pc.connectionState === 'connected',
);
void connectedAt.then((at) => send({ type: 'connected', ms: at - t0 }));
const onOpen = (dc) => {
  channel = dc;
  void whenEvent(dc, 'open', () => dc.readyState === 'open').then((at) =>
    send({ type: 'open', ms: at - t0 }),
  );
};
if (role === 'answerer') pc.ondatachannel = (e) => onOpen(e.channel);

const flushRemote = async () => {
  while (pc.remoteDescription && remoteQueue.length > 0) {
    await pc.addIceCandidate(remoteQueue.shift()).catch(() => {});
  }
};

process.on('message', async (m) => {
  switch (m.type) {
    case 'start': {
      t0 = performance.now();
      onOpen(pc.createDataChannel('bulk'));
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      send({ type: 'description', description: { type: 'offer', sdp: pc.localDescription.sdp } });
      break;
    }
    case 'description': {
      await pc.setRemoteDescription(m.description);
      await flushRemote();
      if (m.description.type === 'offer') {
        t0 = performance.now();
        await pc.setLocalDescription(await pc.createAnswer());
        send({
          type: 'description',
          description: { type: 'answer', sdp: pc.localDescription.sdp },
        });
      }
      break;
    }
    case 'candidate':
      remoteQueue.push(m.candidate);
      await flushRemote();
      break;
    case 'receive': {
      const done = receiveBulk(channel, m.bytes);
      send({ type: 'receiving' });
      await done;
      send({ type: 'received' });
      break;
    }
    case 'send':
      sendBulk(channel, m.bytes);
      break;
    case 'close':
      await closePeer(pc);
      setTimeout(() => process.exit(0), 20);
      break;
  }
});
send({ type: 'ready' });
