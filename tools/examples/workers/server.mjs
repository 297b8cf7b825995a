// A data channel server on every core: one signaling front (this thread, a node:http server)
// and N workers (worker_threads, worker.mjs), each with its own event loop and its own UDP port
// (a UdpMux) that all of its RTCPeerConnections share. The front places each new connection
// on a worker and relays its offer, answer and candidates by postMessage; from then on the
// client's packets go straight to that worker's port, and the front is not on the data path.
//
// Why workers: one event loop runs on one core, and a connection's work is CPU (the DTLS
// handshake's ECDHE and ECDSA, then AES-GCM on every record, SCTP's chunking, SACKs and
// timers), all on the thread that owns it. N loops use N cores. Each worker's mux keeps it to
// one port, so a firewall or a cloud security group needs N rules, not one per connection.
// Processes (node:cluster or child_process.fork) work the same way, one mux port each; see
// the README for when to prefer them.
//
// Placement: least loaded, by open connections (placed and not yet released), ties broken
// round-robin. A connection's cost is roughly flat once it is up, so the count is a fair
// measure of a worker's load, known to the front without asking; plain round-robin drifts
// when connections end at different rates (a worker whose clients left keeps getting only its
// share of the new ones).
//
// Signaling, per connection (the same as the datachannel-server example):
//   POST /offer      {type: 'offer', sdp}   -> {id, worker, type: 'answer', sdp, candidates}
//   POST /candidate  {id, candidate}        -> 204 (the client's trickled candidates)
//   POST /bye        {id}                   -> 204 (the client is going away)
//   GET  /stats                             -> each worker's connections, messages and CPU
//
// Run it: `npm run example workers`, or `node tools/examples/workers/server.mjs` after a build.
// WORKERS sets how many (default: os.availableParallelism()); HOST and PORT where the front
// listens (default 127.0.0.1:8080, PORT=0 picks a free port); MUX_PORT the first worker's UDP
// port, the next ones following it (default 0: any free port each); MAX_PEERS caps the
// connections of all workers together (default 1000). Ctrl-C closes everything.
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { threadTimes } from './thread-cpu.mjs';

const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 8080);
const WORKERS = Number(process.env.WORKERS ?? availableParallelism());
const MUX_PORT = Number(process.env.MUX_PORT ?? 0);
const MAX_PEERS = Number(process.env.MAX_PEERS ?? 1000);
const log = (line) => console.log(`${new Date().toISOString().slice(11, 23)}  ${line}`);

if (!Number.isInteger(WORKERS) || WORKERS < 1)
  throw new Error(`WORKERS=${WORKERS}: want 1 or more`);

/** A worker thread, the requests it has not answered yet, and its open connections. */
class WorkerSlot {
  constructor(index) {
    this.index = index;
    this.load = 0; // connections placed here and not released yet
    this.placed = 0;
    this.alive = true;
    this.pending = new Map();
    this.nextReq = 1;
    this.thread = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: { index, host: HOST, port: MUX_PORT === 0 ? 0 : MUX_PORT + index },
    });
    this.ready = new Promise((resolve, reject) => {
      this.thread.on('message', (m) => {
        if (m.type === 'ready') {
          this.port = m.port;
          resolve();
        } else if (m.type === 'released') {
          this.load--;
        } else if (m.type === 'reply') {
          const p = this.pending.get(m.req);
          this.pending.delete(m.req);
          if (m.error !== undefined) p?.reject(new Error(m.error));
          else p?.resolve(m.result);
        }
      });
      this.thread.on('error', (error) => {
        log(`worker ${index}: ${error.stack ?? error}`);
        reject(error);
      });
    });
    this.exited = new Promise((resolve) => {
      this.thread.on('exit', (code) => {
        this.alive = false;
        for (const p of this.pending.values()) p.reject(new Error(`worker ${index} exited`));
        this.pending.clear();
        if (!stopping) log(`worker ${index} exited with ${code}: its connections are gone`);
        resolve(code);
      });
    });
  }

  /** Sends a request to the worker; resolves with its reply. */
  ask(message) {
    if (!this.alive) return Promise.reject(new Error(`worker ${this.index} is gone`));
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { resolve, reject });
      this.thread.postMessage({ ...message, req });
    });
  }
}

let stopping = false;
const slots = Array.from({ length: WORKERS }, (_, i) => new WorkerSlot(i));
let turn = 0;

/** The live worker with the fewest open connections; among equals, the next in turn. */
function place() {
  let best;
  for (let k = 0; k < slots.length; k++) {
    const slot = slots[(turn + k) % slots.length];
    if (slot.alive && (best === undefined || slot.load < best.load)) best = slot;
  }
  if (best !== undefined) turn = (best.index + 1) % slots.length;
  return best;
}

/** The worker that holds a connection, from its id (`<worker>-<n>`). */
const slotOf = (id) => slots[Number(String(id).split('-')[0])];

async function offer(body) {
  const open = slots.reduce((n, s) => n + s.load, 0);
  if (open >= MAX_PEERS) return [503, { error: `already ${open} connections` }];
  const slot = place();
  if (slot === undefined) return [503, { error: 'no worker left' }];
  slot.load++; // counted now, so that concurrent offers spread before any answer is back
  slot.placed++;
  try {
    const answer = await slot.ask({ type: 'offer', offer: { type: 'offer', sdp: body.sdp } });
    return [200, { ...answer, worker: slot.index }];
  } catch (error) {
    slot.load--; // the worker dropped it (a bad offer) or died
    throw error;
  }
}

async function stats() {
  const workers = await Promise.all(
    slots.map(async (s) => {
      const elu = s.thread.performance.eventLoopUtilization();
      const base = { worker: s.index, alive: s.alive, load: s.load, placed: s.placed };
      if (!s.alive) return base;
      return { ...base, ...(await s.ask({ type: 'stats' })), loopActiveMs: elu.active };
    }),
  );
  const { user, system } = process.cpuUsage();
  return {
    placement: 'least-loaded',
    workers,
    front: { thread: threadTimes() },
    process: { cpuMs: (user + system) / 1000, rssBytes: process.memoryUsage.rss() },
  };
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
  const send = (status, body) => {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(status === 204 ? '' : JSON.stringify(body));
  };
  try {
    if (stopping) return send(503, { error: 'stopping' });
    if (request.method === 'GET' && request.url === '/stats') return send(200, await stats());
    if (request.method !== 'POST') return send(404, { error: 'not found' });
    const body = await readJson(request);
    if (request.url === '/offer') {
      if (body?.type !== 'offer' || typeof body.sdp !== 'string')
        return send(400, { error: 'expected {type: "offer", sdp}' });
      return send(...(await offer(body)));
    }
    const slot = slotOf(body?.id);
    if (slot === undefined) return send(404, { error: `no connection ${body?.id}` });
    if (request.url === '/candidate') {
      await slot.ask({ type: 'candidate', id: body.id, candidate: body.candidate });
      return send(204);
    }
    if (request.url === '/bye') {
      await slot.ask({ type: 'bye', id: body.id });
      return send(204);
    }
    return send(404, { error: 'not found' });
  } catch (error) {
    log(`${request.method} ${request.url}: ${error.message}`);
    if (!response.headersSent) send(400, { error: String(error.message) });
  }
});

await Promise.all(slots.map((s) => s.ready));
server.listen(PORT, HOST, () => {
  const { address, port } = server.address();
  const host = address.includes(':') ? `[${address}]` : address;
  const ports = slots.map((s) => s.port).join(', ');
  log(`${WORKERS} worker(s) on UDP port(s) ${ports}, placement least-loaded`);
  log(`listening on http://${host}:${port}/`);
});

// Ctrl-C or SIGTERM: each worker closes its connections and its mux and ends; then the HTTP
// server closes, and the process exits by itself because nothing is left open.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    stopping = true;
    const open = slots.reduce((n, s) => n + s.load, 0);
    log(`${signal}: closing ${open} connection(s) on ${WORKERS} worker(s)`);
    for (const s of slots) if (s.alive) s.thread.postMessage({ type: 'close' });
    const codes = await Promise.all(slots.map((s) => s.exited));
    server.closeAllConnections();
    server.close(() => log(`stopped (workers exited with ${codes.join(', ')})`));
  });
}
