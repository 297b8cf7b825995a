// A client process of clients.mjs: `count` connections of @x/webrtc to the server, `inFlight`
// set up at a time, each offer relayed by the parent and answered with the server's candidate
// (half trickle); each connection's setup is timed from createDataChannel to the channel's
// `open` (a setup that takes longer than `setupTimeoutMs` fails, and its connection is closed at
// once). Then, when told, one message a second on each channel.
//
// argv: <count> <inFlight> [setupTimeoutMs (default 20000)]
import { performance } from 'node:perf_hooks';
import { RTCPeerConnection } from '@x/webrtc';

const [countArg, inFlightArg, timeoutArg] = process.argv.slice(2);
const COUNT = Number(countArg);
const IN_FLIGHT = Number(inFlightArg);
const SETUP_TIMEOUT_MS = Number(timeoutArg ?? 20_000);
const send = (m) => {
  if (process.connected) process.send(m);
};
// The parent gone (its run ended or failed): nothing to report to, and nothing may stay open.
process.on('disconnect', () => process.exit(0));
const answers = new Map();
const channels = [];
const peers = [];
const setupMs = [];
let failures = 0;
/** Why setups failed: message → count. */
const errors = {};
let ticker;

const gather = { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' };

async function connect(id) {
  const t0 = performance.now();
  const pc = new RTCPeerConnection({ gather, mdns: 'off' });
  const dc = pc.createDataChannel('load');
  let timer;
  // The whole setup (gathering, the relay, the server's answer, ICE, DTLS, SCTP) has
  // SETUP_TIMEOUT_MS; on failure the connection goes at once, so that it costs nothing after.
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no open in ${SETUP_TIMEOUT_MS / 1000} s`)),
      SETUP_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([setup(id, pc, dc), timeout]);
  } catch (error) {
    answers.delete(id);
    pc.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  setupMs.push(performance.now() - t0);
  peers.push(pc);
  channels.push(dc);
}

async function setup(id, pc, dc) {
  const open = new Promise((resolve) => {
    dc.onopen = resolve;
  });
  const gathered = new Promise((resolve) => {
    pc.onicecandidate = (e) => {
      if (e.candidate === null) resolve();
    };
  });
  await pc.setLocalDescription();
  await gathered;
  const answered = new Promise((resolve) => answers.set(id, resolve));
  send({ type: 'offer', id, description: { type: 'offer', sdp: pc.localDescription.sdp } });
  const answer = await answered;
  if (answer.error) throw new Error(answer.error);
  await pc.setRemoteDescription(answer.description);
  await open;
}

/** Connections per connectionState and its cause, e.g. `failed consent-expired: 12`. */
function statesOf(pcs) {
  const counts = {};
  for (const pc of pcs) {
    const cause = pc.connectionState === 'connected' ? undefined : pc.connectionStateCause?.kind;
    const key = cause === undefined ? pc.connectionState : `${pc.connectionState} ${cause}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

process.on('message', async (m) => {
  switch (m.type) {
    case 'start': {
      const t0 = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < COUNT) {
          const id = `${m.prefix}-${next++}`;
          await connect(id).catch((error) => {
            failures++;
            const why = String(error?.message ?? error);
            errors[why] = (errors[why] ?? 0) + 1;
          });
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      send({
        type: 'connected',
        setupMs,
        failures,
        errors,
        wallMs: performance.now() - t0,
        states: statesOf(peers),
      });
      break;
    }
    case 'answer':
      answers.get(m.id)?.(m);
      answers.delete(m.id);
      break;
    case 'messages': {
      // One message a second on each channel, spread over the second by one 20 ms ticker.
      const SLOTS = 50;
      let slot = 0;
      let sent = 0;
      const message = 'x'.repeat(100);
      ticker = setInterval(() => {
        for (let i = slot; i < channels.length; i += SLOTS) {
          if (channels[i].readyState === 'open') {
            channels[i].send(message);
            sent++;
          }
        }
        slot = (slot + 1) % SLOTS;
      }, 1000 / SLOTS);
      process.once('message', (stop) => {
        if (stop.type !== 'stop') return;
        clearInterval(ticker);
        send({ type: 'sent', sent, states: statesOf(peers) });
      });
      break;
    }
    case 'close':
      clearInterval(ticker);
      await Promise.all(
        peers.map(async (pc) => {
          pc.close();
          await pc.released;
        }),
      );
      setTimeout(() => process.exit(0), 20);
      break;
  }
});
send({ type: 'ready' });
