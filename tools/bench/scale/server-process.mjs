// The server of clients.mjs: one process of one stack answering the offers the parent relays
// from the client processes, counting the messages that arrive, reporting CPU, RSS, open file
// descriptors and threads at the phase marks the parent sends.
//
// - x-webrtc: every connection on one UDP port (a `UdpMux` in the RTCConfiguration), with
//   `--ice-lite` an ICE lite server (RFC 8445 §2.5: it answers checks and sends none);
// - libwebrtc (@roamhq/wrtc) and libdatachannel (node-datachannel/polyfill, bound to
//   127.0.0.1): no mux, so every connection gathers and binds sockets of its own.
//
// Every stack is driven the same way: setRemoteDescription(offer), setLocalDescription(
// createAnswer()), wait until gathering is complete (null candidate or iceGatheringState
// `complete`), then the answer goes back with only its 127.0.0.1 UDP candidates (half trickle:
// the client trickles nothing and gets everything in the answer). Close: closePeer() of
// tools/bench/webrtc/peers.mjs on each connection, then process exit.
//
// argv: <stack> [--ice-lite] [--answer-timeout-ms=MS] [--mux-rcvbuf=BYTES]
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { closePeer, connectInProcess, loopback, peers as stacks } from '../webrtc/peers.mjs';

const [stack, ...flags] = process.argv.slice(2);
const flag = (name) =>
  flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3) ??
  (flags.includes(`--${name}`) ? 'true' : undefined);
const ICE_LITE = flag('ice-lite') === 'true';
const ANSWER_TIMEOUT_MS = Number(flag('answer-timeout-ms') ?? 20_000);
const MUX_RCVBUF = flag('mux-rcvbuf');
if (!(stack in stacks) || stack === 'werift') throw new Error(`no server for stack ${stack}`);
if (ICE_LITE && stack !== 'x-webrtc') throw new Error('--ice-lite is for the x-webrtc server only');

const send = (m) => {
  if (process.connected) process.send(m);
};
// The parent gone (its run ended or failed): nothing to report to, and nothing may stay open.
process.on('disconnect', () => process.exit(0));
const gc = globalThis.gc ?? (() => {});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One connection pair of the stack made and closed in this process before the first mark, so
// that the baseline holds the loaded code and what a stack allocates once per process (a native
// stack's threads), not per connection (as pairs-process.mjs does).
{
  const make = await stacks[stack]();
  for (let tries = 1; ; tries++) {
    // libdatachannel throws now and then during an in-process setup: try again.
    const s = await connectInProcess(make).catch((error) => {
      if (tries >= 3) throw error;
    });
    if (!s) continue;
    await Promise.all([closePeer(s.a), closePeer(s.b)]);
    break;
  }
  await sleep(500);
}

/** A factory of server connections, and what must be closed after them. */
async function server() {
  if (stack !== 'x-webrtc') return { make: await stacks[stack](), close: async () => {} };
  const { UdpMux } = await import('@x/network');
  const { RTCPeerConnection } = await import('@x/webrtc');
  const mux = await UdpMux.bind({
    port: 0,
    address: '127.0.0.1',
    ...(MUX_RCVBUF ? { receiveBufferSize: Number(MUX_RCVBUF) } : {}),
  });
  return {
    make: () =>
      new RTCPeerConnection({ udpMux: mux, mdns: 'off', ...(ICE_LITE ? { iceLite: true } : {}) }),
    close: () => mux.close(),
    stats: () => ({ muxDropped: { ...mux.stats.dropped } }),
  };
}
const { make, close, stats } = await server();

const peers = [];
let received = 0;
let mark = { cpu: process.cpuUsage(), at: performance.now() };

/** Resolves when `pc` has gathered every candidate (whichever of the two signals comes first). */
function gathered(pc) {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => reject(new Error(`gathering not complete in ${ANSWER_TIMEOUT_MS} ms`)),
      ANSWER_TIMEOUT_MS,
    );
    pc.addEventListener('icecandidate', (e) => {
      if (!e.candidate) done();
    });
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') done();
    });
  });
}

/** The SDP with only its 127.0.0.1 UDP candidates (the same filter for every stack). */
const loopbackOnly = (sdp) =>
  sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || loopback(line))
    .join('\r\n');

async function answer(id, offer) {
  const pc = make();
  peers.push(pc);
  pc.ondatachannel = ({ channel }) => {
    channel.onmessage = () => {
      received++;
    };
  };
  const complete = gathered(pc);
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== 'complete') await complete;
  else complete.catch(() => {});
  const sdp = loopbackOnly(pc.localDescription.sdp);
  send({ type: 'answer', id, description: { type: 'answer', sdp } });
}

/**
 * How many connections are in each connectionState, with the cause where the stack says one
 * (ours: `connectionStateCause`), e.g. `failed consent-expired: 12`.
 */
function statesOf(pcs) {
  const counts = {};
  for (const pc of pcs) {
    const cause = pc.connectionStateCause?.kind;
    const key =
      pc.connectionState === 'connected' || cause === undefined
        ? pc.connectionState
        : `${pc.connectionState} ${cause}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Open file descriptors and threads of this process (Linux; null elsewhere). */
function resources() {
  try {
    const threads = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return { fds: readdirSync('/proc/self/fd').length, threads: Number(threads?.[1]) };
  } catch {
    return { fds: null, threads: null };
  }
}

/** The soft limit of open files of this process (Linux; null elsewhere). */
function fdLimit() {
  try {
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return Number(limit?.[1]);
  } catch {
    return null;
  }
}

process.on('message', async (m) => {
  switch (m.type) {
    case 'offer':
      await answer(m.id, m.description).catch((error) =>
        send({ type: 'answer', id: m.id, error: String(error) }),
      );
      break;
    case 'mark': {
      // The end of a phase: CPU time (every thread of the process) and wall time since the
      // previous mark; RSS, descriptors and threads now.
      if (m.gc) {
        gc();
        await sleep(200);
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
        states: statesOf(peers),
        ...resources(),
        ...stats?.(),
      });
      mark = { cpu: process.cpuUsage(), at: performance.now() };
      break;
    }
    case 'close':
      // A native close that never returns must not keep the process: the exit releases it.
      await Promise.race([
        Promise.allSettled(peers.map((pc) => closePeer(pc))).then(close),
        sleep(10_000),
      ]);
      setTimeout(() => process.exit(0), 20);
      break;
  }
});
send({ type: 'ready', stack, iceLite: ICE_LITE, fdLimit: fdLimit() });
