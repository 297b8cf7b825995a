// Runs @x/sctp against werift's SCTP in this process (in-memory pipe, no DTLS), checks that
// they interoperate (handshake, messages both ways, fragmentation, stream reset both ways,
// partial reliability with FORWARD-TSN), and saves the first packet of each kind seen in each
// direction as golden files under packages/sctp/src/fixtures/ for the codec tests.
//
//   node tools/bench/sctp/capture-fixtures.mjs [--check]   (--check: interop only, save nothing)
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Association, AssociationState, decodePacket } from '@x/sctp';

const require = createRequire(import.meta.url);
const werift = require(
  fileURLToPath(new URL('../node_modules/werift/lib/sctp/src/index.js', import.meta.url)),
);
const outDir = fileURLToPath(new URL('../../../packages/sctp/src/fixtures/', import.meta.url));
mkdirSync(outDir, { recursive: true });

const names = {
  0: 'data',
  1: 'init',
  2: 'init-ack',
  3: 'sack',
  4: 'heartbeat',
  5: 'heartbeat-ack',
  6: 'abort',
  7: 'shutdown',
  8: 'shutdown-ack',
  10: 'cookie-echo',
  11: 'cookie-ack',
  14: 'shutdown-complete',
  130: 'reconfig',
  192: 'forward-tsn',
};
const saved = new Set();
const save = !process.argv.includes('--check');
let dropWeriftData = false;
function capture(from, p) {
  const d = decodePacket(p);
  if (typeof d === 'string') throw new Error(`${from} sent a packet we cannot decode: ${d}`);
  for (const c of d.chunks) {
    const name = `${from}-${names[c.type] ?? `type-${c.type}`}`;
    if (saved.has(name)) continue;
    saved.add(name);
    if (save) writeFileSync(`${outDir}${name}.bin`, p);
  }
}

const wt = {
  onData: undefined,
  send: async (p) => {
    capture('werift', p);
    if (dropWeriftData && p[12] === 0 && Math.random() < 0.5) return;
    setImmediate(() => ours.handlePacket(p));
  },
  close() {},
};
const received = [];
const incoming = [];
const outgoing = [];
const ours = new Association(
  {
    send: (p) => {
      capture('x', p);
      setImmediate(() => wt.onData?.(p));
    },
  },
  {
    heartbeatIntervalMs: 0,
    handlers: {
      onMessage: (sid, ppid, data) => received.push({ sid, ppid, len: data.length }),
      onIncomingStreamsReset: (ids) => incoming.push(ids),
      onOutgoingStreamsReset: (ids, ok) => outgoing.push({ ids, ok }),
    },
  },
);
const peer = werift.SCTP.client(wt);
const got = [];
peer.onReceive.subscribe((sid, ppid, data) => got.push({ sid, ppid, text: data.toString() }));
ours.connect();
await peer.start(5000);
const until = async (pred, what) => {
  for (let i = 0; i < 3000 && !pred(); i++) await new Promise((r) => setTimeout(r, 1));
  if (!pred()) throw new Error(`timed out waiting for ${what}`);
};
await until(
  () => ours.state === AssociationState.Connected && peer.state === 'connected',
  'handshake',
);
ours.send(1, 51, Buffer.from('hello werift'));
await until(() => got.length === 1, 'werift to receive');
await peer.send(2, 53, Buffer.alloc(20_000, 7));
await until(() => received.length === 1, 'a fragmented message from werift');
// werift resets its outgoing stream 2: our incoming side must follow.
peer.reconfigQueue.push(2);
await peer.transmitReconfigRequest();
await until(() => incoming.length === 1, 'the incoming reset');
ours.resetStreams([1]);
await until(() => outgoing.length === 1, 'our outgoing reset');
// Partial reliability from werift: lose half its DATA, never retransmit.
dropWeriftData = true;
for (let i = 0; i < 20; i++)
  peer.send(3, 51, Buffer.from(`pr ${i}`), { maxRetransmits: 0, ordered: true });
await new Promise((r) => setTimeout(r, 1500));
dropWeriftData = false;
ours.send(4, 51, Buffer.from('after'));
await until(() => got.length === 2, 'werift to receive after reset');
console.log('interop ok:', {
  weriftReceived: got,
  oursReceived: received.length,
  incomingResets: incoming,
  outgoingResets: outgoing,
  stats: {
    dup: ours.stats.duplicateChunks,
    dropped: ours.stats.droppedPackets + ours.stats.droppedChunks,
  },
});
ours.shutdown();
await until(() => ours.state === AssociationState.Closed, 'shutdown');
await peer.stop().catch(() => {});
console.log(save ? 'saved:' : 'seen:', [...saved].sort().join(', '));
process.exit(0);
