// @x/webrtc: two RTCPeerConnections on real 127.0.0.1 sockets, offer/answer and trickled
// candidates exchanged in-process, a text message each way and a binary one echoed, then one
// side closes and the other hears it at once (the SCTP ABORT leaves before the socket closes).
import assert from 'node:assert/strict';
import { type RTCConfiguration, type RTCDataChannel, RTCPeerConnection } from '@x/webrtc';

const configuration: RTCConfiguration = {
  mdns: 'off',
  gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
};
const offerer = new RTCPeerConnection(configuration);
const answerer = new RTCPeerConnection(configuration);
const states: string[] = [];
offerer.onconnectionstatechange = () => states.push(offerer.connectionState);
offerer.onicecandidate = (e) => {
  if (e.candidate) void answerer.addIceCandidate(e.candidate);
};
answerer.onicecandidate = (e) => {
  if (e.candidate) void offerer.addIceCandidate(e.candidate);
};

const received: string[] = [];
const channel = offerer.createDataChannel('chat');
channel.binaryType = 'arraybuffer';
const opened = new Promise<void>((resolve) => {
  channel.onopen = () => resolve();
});
let remoteClosed: (at: number) => void = () => {};
const heardClose = new Promise<number>((resolve) => {
  remoteClosed = resolve;
});
const answered = new Promise<RTCDataChannel>((resolve) => {
  answerer.ondatachannel = (e) => {
    e.channel.binaryType = 'arraybuffer';
    e.channel.onmessage = (m) => {
      if (typeof m.data === 'string') {
        received.push(`answerer got ${m.data}`);
        e.channel.send('pong');
      } else {
        e.channel.send(new Uint8Array(m.data as ArrayBuffer).reverse());
      }
    };
    e.channel.onclose = () => remoteClosed(performance.now());
    resolve(e.channel);
  };
});
let echoed: (data: Uint8Array) => void = () => {};
const echo = new Promise<Uint8Array>((resolve) => {
  echoed = resolve;
});
const replied = new Promise<void>((resolve) => {
  channel.onmessage = (m) => {
    if (typeof m.data !== 'string') echoed(new Uint8Array(m.data as ArrayBuffer));
    else {
      received.push(`offerer got ${m.data}`);
      resolve();
    }
  };
});

await offerer.setLocalDescription(await offerer.createOffer());
await answerer.setRemoteDescription(offerer.localDescription!);
await answerer.setLocalDescription(await answerer.createAnswer());
await offerer.setRemoteDescription(answerer.localDescription!);

let timer: NodeJS.Timeout | undefined;
const timeout = new Promise<never>((_, reject) => {
  timer = setTimeout(() => reject(new Error(`timed out: ${states.join(', ')}`)), 15_000);
});
await Promise.race([opened, timeout]);
channel.send('ping');
const remote = await Promise.race([answered, timeout]);
await Promise.race([replied, timeout]);
// 64 KiB of binary: an ArrayBuffer arrives, whatever the runtime's Buffer pooling.
const bytes = Uint8Array.from({ length: 65_536 }, (_, i) => i % 251);
channel.send(bytes);
const back = await Promise.race([echo, timeout]);
assert.deepEqual(back, bytes.slice().reverse());
assert.equal(remote.label, 'chat');
assert.deepEqual(received, ['answerer got ping', 'offerer got pong']);
assert.equal(offerer.connectionState, 'connected');
const closedAt = performance.now();
offerer.close();
const heardAfter = (await Promise.race([heardClose, timeout])) - closedAt;
clearTimeout(timer);
// Consent expiry would take 12 s: a close heard this soon came with the ABORT.
assert.ok(heardAfter < 2000, `the remote channel closed ${heardAfter} ms after close()`);
answerer.close();
await Promise.all([offerer.released, answerer.released]);
console.log(
  `webrtc: ok (${states.join(' → ')}; the peer heard close() in ${heardAfter.toFixed(1)} ms)`,
);
