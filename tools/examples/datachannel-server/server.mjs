// A data channel server that many browsers connect to: a Node HTTP server serves a small page
// (index.html); the page's script creates an RTCPeerConnection and a data channel, and
// signals with this server over HTTP POST. The server keeps one RTCPeerConnection of
// @x/webrtc per browser tab and echoes every message on its channel.
//
// Signalling, per tab:
//   POST /offer      {type: 'offer', sdp}       -> {id, type: 'answer', sdp, candidates: [...]}
//   POST /candidate  {id, candidate}            -> 204 (the browser's trickled candidates)
//   POST /bye        {id}                       -> 204 (the tab is going away)
//   GET  /peers                                 -> the server's peers and their states (JSON)
//
// The answer is sent once the server's own candidates are gathered, with them (RFC 8838
// "half trickle"): the browser adds them with addIceCandidate. The browser's candidates come
// in the offer and, if it trickles more, through /candidate.
//
// Run it: `pnpm --filter @x-tools/example-datachannel-server start` (after the build), then
// open the URL it prints in one or more browser tabs. HOST and PORT choose the address
// (default 127.0.0.1:8080; PORT=0 picks a free port), MAX_PEERS caps the peer connections
// (default 100). Ctrl-C closes everything.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { RTCPeerConnection } from '@x/webrtc';

const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 8080);
/** Each peer connection holds a UDP socket and timers: cap them. */
const MAX_PEERS = Number(process.env.MAX_PEERS ?? 100);
const page = readFileSync(new URL('./index.html', import.meta.url));
const log = (line) => console.log(`${new Date().toISOString().slice(11, 23)}  ${line}`);

/** Which local addresses a peer connection gathers: the one we serve on, or every one. */
const gather =
  HOST === '0.0.0.0' || HOST === '::'
    ? undefined // every interface (not loopback)
    : { includeLoopback: true, ipv6: HOST.includes(':'), addressFilter: (a) => a === HOST };

/** One RTCPeerConnection per browser tab. */
const peers = new Map();
let nextId = 1;

async function answer(offer) {
  const id = String(nextId++);
  const pc = new RTCPeerConnection({ gather });
  const peer = { id, pc, messages: 0, channel: undefined };
  peers.set(id, peer);
  const candidates = [];
  const gathered = new Promise((resolve) => {
    pc.onicecandidate = (e) => {
      if (e.candidate === null) resolve();
      else if (e.candidate.candidate) candidates.push(e.candidate.toJSON());
    };
  });
  pc.onconnectionstatechange = (e) => {
    log(`peer ${id}: connectionState ${pc.connectionState} (${e.cause})`);
    // A browser that vanished without /bye: consent expires, the state goes to failed.
    if (pc.connectionState === 'failed') void drop(id, 'failed');
  };
  pc.ondatachannel = ({ channel }) => {
    peer.channel = channel;
    log(`peer ${id}: data channel "${channel.label}" open`);
    channel.onmessage = (m) => {
      peer.messages++;
      channel.send(typeof m.data === 'string' ? `echo: ${m.data}` : m.data);
    };
    channel.onclose = () => log(`peer ${id}: data channel "${channel.label}" closed`);
  };
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription();
  await gathered;
  return { id, type: 'answer', sdp: pc.localDescription.sdp, candidates };
}

async function drop(id, why) {
  const peer = peers.get(id);
  if (!peer) return;
  peers.delete(id);
  peer.pc.close();
  await peer.pc.released;
  log(`peer ${id}: closed (${why}); ${peers.size} peer(s) left`);
}

/** Reads a JSON body of at most 64 KiB. */
function readJson(request) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
      if (body.length > 65_536) request.destroy(new Error('body too large'));
    });
    request.on('end', () => {
      try {
        resolve(JSON.parse(body));
      } catch (error) {
        reject(error);
      }
    });
    request.on('error', reject);
  });
}

const server = createServer(async (request, response) => {
  const send = (status, body, type = 'application/json') => {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  try {
    if (request.method === 'GET' && request.url === '/') return send(200, page, 'text/html');
    if (request.method === 'GET' && request.url === '/peers') {
      return send(
        200,
        [...peers.values()].map(({ id, pc, messages, channel }) => ({
          id,
          connectionState: pc.connectionState,
          // The typed cause (an RTCStateCause) has its sentence as `message`.
          cause: pc.connectionStateCause.message,
          channel: channel?.readyState ?? null,
          messages,
        })),
      );
    }
    if (request.method !== 'POST') return send(404, { error: 'not found' });
    const body = await readJson(request);
    if (request.url === '/offer') {
      if (body?.type !== 'offer' || typeof body.sdp !== 'string')
        return send(400, { error: 'expected {type: "offer", sdp}' });
      if (peers.size >= MAX_PEERS) return send(503, { error: `already ${peers.size} peers` });
      return send(200, await answer(body));
    }
    const peer = peers.get(String(body?.id));
    if (!peer) return send(404, { error: `no peer ${body?.id}` });
    if (request.url === '/candidate') {
      await peer.pc.addIceCandidate(body.candidate);
      return send(204, '');
    }
    if (request.url === '/bye') {
      await drop(peer.id, 'the page said bye');
      return send(204, '');
    }
    return send(404, { error: 'not found' });
  } catch (error) {
    log(`${request.method} ${request.url}: ${error.message}`);
    if (!response.headersSent) send(400, { error: String(error.message) });
  }
});

server.listen(PORT, HOST, () => {
  const { address, port } = server.address();
  const host = address.includes(':') ? `[${address}]` : address;
  log(`listening on http://${host}:${port}/ (open it in one or more browser tabs)`);
});

// Ctrl-C or SIGTERM: close every peer connection, then the HTTP server; the process then exits
// by itself because nothing is left open.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    log(`${signal}: closing ${peers.size} peer(s)`);
    await Promise.all([...peers.keys()].map((id) => drop(id, signal)));
    server.closeAllConnections();
    server.close(() => log('stopped'));
  });
}
