// @x/webrtc: two RTCPeerConnections on real 127.0.0.1 sockets, offer/answer and trickled
// candidates exchanged in-process, a data channel message each way, then closed.
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
const opened = new Promise<void>((resolve) => {
  channel.onopen = () => resolve();
});
const answered = new Promise<RTCDataChannel>((resolve) => {
  answerer.ondatachannel = (e) => {
    e.channel.onmessage = (m) => {
      received.push(`answerer got ${String(m.data)}`);
      e.channel.send('pong');
    };
    resolve(e.channel);
  };
});
const replied = new Promise<void>((resolve) => {
  channel.onmessage = (m) => {
    received.push(`offerer got ${String(m.data)}`);
    resolve();
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
clearTimeout(timer);
assert.equal(remote.label, 'chat');
assert.deepEqual(received, ['answerer got ping', 'offerer got pong']);
assert.equal(offerer.connectionState, 'connected');
offerer.close();
answerer.close();
await Promise.all([offerer.released, answerer.released]);
console.log(`webrtc: ok (${states.join(' → ')})`);
