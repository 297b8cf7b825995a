// One RTCPeerConnection in its own process, driven over IPC by processes.mjs: signaling
// messages in and out, `connected` and `open` reported with times relative to createOffer,
// then bulk transfers (send or receive) on the channel, and a clean close.
import { performance } from 'node:perf_hooks';
import { loopback, peers, receiveBulk, sendBulk } from './peers.mjs';

const [name, role] = process.argv.slice(2);
const make = await peers[name]();
const pc = make();
const send = (m) => process.send(m);
let channel;
let t0 = 0;
let reported = false;
const remoteQueue = [];

pc.onicecandidate = (e) => {
  const text = e.candidate?.candidate?.replace(/^a=/, '');
  if (!text || !loopback(text)) return;
  send({
    type: 'candidate',
    candidate: {
      candidate: text,
      sdpMid: e.candidate.sdpMid ?? '0',
      sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0,
    },
  });
};
const watchConnected = () => {
  if (!reported && pc.connectionState === 'connected') {
    reported = true;
    send({ type: 'connected', ms: performance.now() - t0 });
  }
};
pc.onconnectionstatechange = watchConnected;
const poll = setInterval(watchConnected, 1);
const onOpen = (dc) => {
  channel = dc;
  const opened = () => send({ type: 'open', ms: performance.now() - t0 });
  if (dc.readyState === 'open') opened();
  else dc.onopen = opened;
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
    case 'receive':
      await receiveBulk(channel, m.bytes);
      send({ type: 'received' });
      break;
    case 'send':
      sendBulk(channel, m.bytes);
      break;
    case 'close':
      clearInterval(poll);
      await pc.close();
      setTimeout(() => process.exit(0), 20);
      break;
  }
});
send({ type: 'ready' });
