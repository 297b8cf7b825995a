// Two RTCPeerConnections in one process, signaled in-process: a data channel, a message each
// way, every connection state with its cause, then a close that the other side hears.
import { RTCPeerConnection } from '@x/webrtc';

// includeLoopback: this also runs on a machine whose only interface is lo (a CI container).
const config = { gather: { includeLoopback: true } };
const alice = new RTCPeerConnection(config);
const bob = new RTCPeerConnection(config);

// Signaling: here a function call; in an application, your server or a WebSocket.
alice.onicecandidate = ({ candidate }) => candidate && bob.addIceCandidate(candidate);
bob.onicecandidate = ({ candidate }) => candidate && alice.addIceCandidate(candidate);
for (const [name, pc] of [
  ['alice', alice],
  ['bob', bob],
]) {
  pc.onconnectionstatechange = (event) =>
    console.log(`${name}: ${pc.connectionState} (${event.cause})`);
}

const channel = alice.createDataChannel('chat');
let bobHeardClose;
const bobGotMessage = new Promise((resolve) => {
  bob.ondatachannel = ({ channel: remote }) => {
    remote.onmessage = ({ data }) => {
      console.log(`bob got: ${data}`);
      remote.send(`echo: ${data}`);
      resolve();
    };
    bobHeardClose = new Promise((closed) => {
      remote.onerror = ({ error }) => console.log(`bob: channel error ${error.errorDetail}`);
      remote.onclose = () => closed(console.log('bob: channel closed, alice closed hers'));
    });
  };
});
const aliceGotEcho = new Promise((resolve) => {
  channel.onmessage = ({ data }) => {
    console.log(`alice got: ${data}`);
    resolve();
  };
});
channel.onopen = () => channel.send('hello');

await alice.setLocalDescription();
await bob.setRemoteDescription(alice.localDescription);
await bob.setLocalDescription();
await alice.setRemoteDescription(bob.localDescription);

await Promise.all([bobGotMessage, aliceGotEcho]);
alice.close(); // returns undefined, as webrtc-pc says; the peer hears it at once
await bobHeardClose;
bob.close();
await Promise.all([alice.released, bob.released]); // every socket and timer let go
console.log('done');
