// The server of clients.mjs: one process, every connection on one UDP port (a `UdpMux` of
// @x/webrtc's RTCConfiguration `udpMux`), answering the offers the parent relays from the
// client processes (half trickle: the answer carries the server's candidate), echoing nothing,
// counting the messages that arrive. Reports CPU and RSS of phases the parent marks.
import { performance } from 'node:perf_hooks';
import { UdpMux } from '@x/network';
import { RTCPeerConnection } from '@x/webrtc';

const mux = await UdpMux.bind({ port: 0, address: '127.0.0.1' });
const peers = [];
let received = 0;
const gc = globalThis.gc ?? (() => {});
const send = (m) => process.send(m);
let mark = { cpu: process.cpuUsage(), at: performance.now() };

async function answer(id, offer) {
  const pc = new RTCPeerConnection({ udpMux: mux, mdns: 'off' });
  peers.push(pc);
  pc.ondatachannel = ({ channel }) => {
    channel.onmessage = () => {
      received++;
    };
  };
  const gathered = new Promise((resolve) => {
    pc.onicecandidate = (e) => {
      if (e.candidate === null) resolve();
    };
  });
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription();
  await gathered;
  send({ type: 'answer', id, description: { type: 'answer', sdp: pc.localDescription.sdp } });
}

process.on('message', async (m) => {
  switch (m.type) {
    case 'offer':
      await answer(m.id, m.description).catch((error) =>
        send({ type: 'answer', id: m.id, error: String(error) }),
      );
      break;
    case 'mark': {
      // The end of a phase: CPU time and wall time since the previous mark, RSS now.
      if (m.gc) {
        gc();
        gc();
      }
      const cpu = process.cpuUsage(mark.cpu);
      const at = performance.now();
      send({
        type: 'mark',
        cpuMs: (cpu.user + cpu.system) / 1000,
        elapsedMs: at - mark.at,
        rss: process.memoryUsage().rss,
        received,
        connected: peers.filter((pc) => pc.connectionState === 'connected').length,
      });
      mark = { cpu: process.cpuUsage(), at: performance.now() };
      break;
    }
    case 'close':
      await Promise.all(
        peers.map(async (pc) => {
          pc.close();
          await pc.released;
        }),
      );
      await mux.close();
      setTimeout(() => process.exit(0), 20);
      break;
  }
});
send({ type: 'ready' });
