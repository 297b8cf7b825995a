// An audio loop server in the shape of a voice agent: a web page sends its microphone, the
// server receives 20 ms Opus frames with their timestamps and sends Opus back on its own
// track. `respond()` below is where a speech model goes (speech-to-text, a language model,
// text-to-speech); here it plays the caller's voice back one second later.
//
// Signalling, per tab (as in the datachannel-server example):
//   POST /offer  {type: 'offer', sdp}  -> {id, type: 'answer', sdp, candidates: [...]}
//   POST /bye    {id}                  -> 204
//   GET  /calls                        -> each call's frames in and out (JSON)
//
// Run it: `npm run example voice-loop`, then open the URL it prints and allow the microphone.
// HOST and PORT choose the address (default 127.0.0.1:8080; PORT=0 picks a free port).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { MediaStreamTrack, RTCPeerConnection } from '@x/webrtc';

const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 8080);
const DELAY_MS = 1000;
const page = readFileSync(new URL('./index.html', import.meta.url));
const log = (line) => console.log(`${new Date().toISOString().slice(11, 23)}  ${line}`);
const gather = {
  includeLoopback: true,
  ipv6: HOST.includes(':'),
  addressFilter: (a) => a === HOST,
};

/**
 * The place for your speech model. It gets the caller's encoded Opus frames, each with its
 * timestamp in µs from the first, and returns what to say as Opus frames with timestamps on
 * the reply track's own timeline. To work on audio samples, decode with an Opus decoder from
 * npm and encode the reply; this loop sends the caller's frames back, DELAY_MS later.
 * @param {AsyncIterable<{data: Uint8Array, timestamp: number}>} frames
 * @returns {AsyncIterable<{data: Uint8Array, timestamp: number}>}
 */
async function* respond(frames) {
  let start; // when the caller's first frame arrived
  for await (const frame of frames) {
    start ??= Date.now() - frame.timestamp / 1000;
    const due = start + frame.timestamp / 1000 + DELAY_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    yield frame; // the same timestamp: the reply keeps the caller's 20 ms spacing
  }
}

const calls = new Map();
let nextId = 1;

async function answer(offer) {
  const id = String(nextId++);
  const pc = new RTCPeerConnection({ gather });
  const call = { id, pc, framesIn: 0, framesOut: 0, firstTimestamps: [], loop: undefined };
  calls.set(id, call);
  const reply = MediaStreamTrack.create('audio'); // what the server says
  const candidates = [];
  const gathered = new Promise((resolve) => {
    pc.onicecandidate = (e) => (e.candidate ? candidates.push(e.candidate.toJSON()) : resolve());
  });
  pc.onconnectionstatechange = (e) => {
    log(`call ${id}: ${pc.connectionState} (${e.cause})`);
    if (pc.connectionState === 'failed') void hangUp(id, 'failed');
  };
  pc.ontrack = ({ track }) => {
    if (track.kind !== 'audio') return;
    log(`call ${id}: the caller's audio track arrived`);
    call.loop = (async () => {
      const heard = (async function* () {
        for await (const frame of track.frames()) {
          call.framesIn++;
          if (call.firstTimestamps.length < 3) call.firstTimestamps.push(frame.timestamp);
          yield frame;
        }
      })();
      for await (const frame of respond(heard)) {
        if (pc.connectionState === 'closed') break; // hung up: drop what was still to say
        if (reply.writeFrame(frame.data, { timestamp: frame.timestamp })) call.framesOut++;
      }
      log(`call ${id}: the caller's audio ended`);
    })();
  };
  await pc.setRemoteDescription(offer);
  // The offer's audio section becomes sendrecv: addTrack takes its transceiver (webrtc-pc).
  pc.addTrack(reply);
  await pc.setLocalDescription();
  await gathered;
  return { id, type: 'answer', sdp: pc.localDescription.sdp, candidates };
}

async function hangUp(id, why) {
  const call = calls.get(id);
  if (!call) return;
  calls.delete(id);
  call.pc.close(); // an RTCP BYE for the reply track and the DTLS close_notify
  await Promise.all([call.pc.released, call.loop]);
  log(`call ${id}: closed (${why}): ${call.framesIn} frames in, ${call.framesOut} out`);
}

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
    if (request.method === 'GET' && request.url === '/calls') {
      const list = [...calls.values()].map(({ id, pc, framesIn, framesOut, firstTimestamps }) => ({
        id,
        connectionState: pc.connectionState,
        framesIn,
        framesOut,
        firstTimestamps,
      }));
      return send(200, list);
    }
    if (request.method !== 'POST') return send(404, { error: 'not found' });
    const body = await readJson(request);
    if (request.url === '/offer') {
      if (body?.type !== 'offer' || typeof body.sdp !== 'string')
        return send(400, { error: 'expected {type: "offer", sdp}' });
      return send(200, await answer(body));
    }
    if (request.url === '/bye' && calls.has(String(body?.id))) {
      await hangUp(String(body.id), 'the page hung up');
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
  log(`listening on http://${host}:${port}/ (open it and allow the microphone)`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    log(`${signal}: hanging up ${calls.size} call(s)`);
    await Promise.all([...calls.keys()].map((id) => hangUp(id, signal)));
    server.closeAllConnections();
    server.close(() => log('stopped'));
  });
}
