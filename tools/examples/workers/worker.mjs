// One worker of server.mjs: a thread with its own event loop and its own UDP port (a UdpMux)
// on which every RTCPeerConnection the front places here runs. It echoes every data-channel
// message. It talks only to the front, by messages on `parentPort`:
//
//   front → worker                                worker → front
//   {type: 'offer', req, offer}                   {type: 'reply', req, result} or {…, error}
//   {type: 'candidate', req, id, candidate}       (result: the answer, or null)
//   {type: 'bye', req, id}
//   {type: 'stats', req}
//                                                 {type: 'ready', port}   once the mux is bound
//                                                 {type: 'released', id}  a peer is gone for good
//   {type: 'close'}                               closes every peer and the mux, then exits
//
// The ids of the peers are the front's: `<worker>-<n>`, so that the front knows where to relay
// a candidate or a bye without a table of its own.
import { parentPort, workerData } from 'node:worker_threads';
import { UdpMux } from '@x/network';
import { RTCPeerConnection } from '@x/webrtc';
import { threadTimes } from './thread-cpu.mjs';

/** @type {{index: number, host: string, port: number}} */
const { index, host, port } = workerData;
const log = (line) =>
  console.log(`${new Date().toISOString().slice(11, 23)}  worker ${index}: ${line}`);

// The worker's one UDP port: every connection placed here shares it (routed by the STUN
// USERNAME's ufrag, then by 5-tuple). On a wildcard HOST it binds every interface's address.
const wildcard = host === '0.0.0.0' || host === '::';
const mux = await UdpMux.bind(wildcard ? { port } : { port, address: host });

/** @type {Map<string, {id: string, pc: RTCPeerConnection, messages: number, bytes: number}>} */
const peers = new Map();
let nextId = 1;
const totals = { accepted: 0, connected: 0, released: 0, messages: 0, bytes: 0 };

async function answer(offer) {
  const id = `${index}-${nextId++}`;
  // No socket of its own: its host candidates are the mux's addresses and port.
  const pc = new RTCPeerConnection({ udpMux: mux });
  const peer = { id, pc, messages: 0, bytes: 0 };
  peers.set(id, peer);
  totals.accepted++;
  const candidates = [];
  const gathered = new Promise((resolve) => {
    pc.onicecandidate = (e) => {
      if (e.candidate === null) resolve();
      else if (e.candidate.candidate) candidates.push(e.candidate.toJSON());
    };
  });
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected') totals.connected++;
    // A client that vanished: consent expires and the state goes to failed.
    if (pc.connectionState === 'failed') void drop(id, 'failed');
  };
  pc.ondatachannel = ({ channel }) => {
    channel.onmessage = ({ data }) => {
      const size = typeof data === 'string' ? data.length : data.byteLength;
      peer.messages++;
      peer.bytes += size;
      totals.messages++;
      totals.bytes += size;
      channel.send(data);
    };
    // The client closed its channel or its connection (SCTP ABORT, DTLS close_notify).
    channel.onclose = () => void drop(id, 'the client closed');
  };
  try {
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription();
    await gathered;
  } catch (error) {
    await drop(id, `bad offer: ${error.message}`);
    throw error;
  }
  // Half trickle (RFC 8838): the answer carries our candidates, here the mux's address.
  return { id, type: 'answer', sdp: pc.localDescription.sdp, candidates };
}

async function drop(id, why) {
  const peer = peers.get(id);
  if (!peer) return;
  peers.delete(id);
  peer.pc.close();
  await peer.pc.released;
  totals.released++;
  parentPort.postMessage({ type: 'released', id });
  if (process.env.LOG_PEERS) log(`peer ${id} closed (${why}); ${peers.size} left`);
}

function stats() {
  let connected = 0;
  for (const { pc } of peers.values()) if (pc.connectionState === 'connected') connected++;
  return {
    worker: index,
    port: mux.port,
    peers: peers.size,
    connected,
    ...totals,
    thread: threadTimes(),
    routes: mux.routeCounts,
    dropped: mux.stats.dropped,
  };
}

async function close() {
  await Promise.all([...peers.keys()].map((id) => drop(id, 'server stopping')));
  await mux.close();
  parentPort.close(); // nothing is left open: the thread ends
}

parentPort.on('message', async (message) => {
  if (message.type === 'close') return void close();
  let result = null;
  try {
    if (message.type === 'offer') result = await answer(message.offer);
    else if (message.type === 'stats') result = stats();
    else {
      const peer = peers.get(message.id);
      if (!peer) throw new Error(`no peer ${message.id}`);
      if (message.type === 'candidate') await peer.pc.addIceCandidate(message.candidate);
      else if (message.type === 'bye') await drop(peer.id, 'the client said bye');
    }
    parentPort.postMessage({ type: 'reply', req: message.req, result });
  } catch (error) {
    parentPort.postMessage({ type: 'reply', req: message.req, error: String(error.message) });
  }
});

log(`UDP mux on ${mux.localAddresses.map((a) => `${a.address}:${a.port}`).join(' ')}`);
parentPort.postMessage({ type: 'ready', port: mux.port });
