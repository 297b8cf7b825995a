// A custom P2P protocol on @x/ice alone: no DTLS, no SCTP, no SDP. Two ICE agents ("alice",
// controlling, and "bob", controlled) exchange their credentials and candidates through a
// signalling channel, connect over 127.0.0.1, and then speak their own small protocol over
// the selected candidate pair: length-prefixed frames inside UDP datagrams.
//
// Run it: `pnpm --filter @x-tools/example-p2p-ice start` (after `pnpm turbo run build`).
//
// The signalling channel here is an in-process queue of JSON strings, so that everything a
// real application would send over a WebSocket or HTTP is visible: credentials and
// `candidate:` lines (RFC 8839 §5.1), `null` meaning end-of-candidates (RFC 8838 §8.2).
import { performance } from 'node:perf_hooks';
import { Agent, ConnectionState, describeCandidate, serializeCandidate } from '@x/ice';

const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(3).padStart(7)} s`;
const print = (who, line) => console.log(`${stamp()}  ${who.padEnd(5)} ${line}`);

// ---- the protocol --------------------------------------------------------------------------
//
// Every datagram starts with the byte 0x58 ('X'). RFC 7983 §7 keeps 0–3 for STUN (the agent's
// own checks and consent requests share the socket), 20–63 for DTLS, 64–79 for TURN channels
// and 128–191 for RTP: 0x58 collides with none of them. Then one or more frames follow:
//
//   type (1 byte) | sequence number (2 bytes) | payload length (2 bytes) | payload
//
// Input that does not parse is dropped and counted, never thrown: it comes from the network.
const MAGIC = 0x58;
const HEADER = 5;
const FrameType = { Hello: 1, Text: 2, Ack: 3, Bye: 4 };
const show = (payload) =>
  payload.length > 40 ? `${payload.length} bytes` : `"${payload.toString()}"`;
const typeName = (t) => Object.keys(FrameType).find((k) => FrameType[k] === t) ?? `type ${t}`;

/** Packs frames (`{ type, seq, payload }`) into one datagram. */
function encodeDatagram(frames) {
  const size = frames.reduce((n, f) => n + HEADER + f.payload.length, 1);
  const out = Buffer.allocUnsafe(size);
  out[0] = MAGIC;
  let at = 1;
  for (const f of frames) {
    out[at] = f.type;
    out.writeUInt16BE(f.seq, at + 1);
    out.writeUInt16BE(f.payload.length, at + 3);
    out.set(f.payload, at + HEADER);
    at += HEADER + f.payload.length;
  }
  return out;
}

/** Unpacks a datagram; `undefined` when it is not ours or is truncated. */
function decodeDatagram(data) {
  if (data.length < 1 + HEADER || data[0] !== MAGIC) return undefined;
  const frames = [];
  let at = 1;
  while (at < data.length) {
    if (data.length - at < HEADER) return undefined;
    const length = data.readUInt16BE(at + 3);
    if (data.length - at - HEADER < length) return undefined;
    frames.push({
      type: data[at],
      seq: data.readUInt16BE(at + 1),
      // A copy: the agent's buffer is valid only during the onData call.
      payload: Buffer.from(data.subarray(at + HEADER, at + HEADER + length)),
    });
    at += HEADER + length;
  }
  return frames;
}

// ---- why a state changed, in words ---------------------------------------------------------

const pairText = (pair) => `${describeCandidate(pair.local)} <-> ${describeCandidate(pair.remote)}`;

/** One sentence for each `StateCause` the agent can give (see `StateCause` in @x/ice). */
function why(cause) {
  switch (cause.kind) {
    case 'checks-started':
      return 'connectivity checks started (remote credentials and candidates known)';
    case 'pair-valid':
      return `pair works, data may flow before nomination (RFC 8445 §12.1): ${pairText(cause.pair)}`;
    case 'nominated':
      return `pair nominated: ${pairText(cause.pair)}`;
    case 'checks-completed':
      return `checks done, end-of-candidates both ways, using ${pairText(cause.pair)}`;
    case 'all-pairs-failed':
      return `all ${cause.pairs} candidate pairs failed`;
    case 'no-packets':
      return `nothing heard on ${pairText(cause.pair)} for ${cause.silentMs} ms`;
    case 'packets-resumed':
      return `packets again on ${pairText(cause.pair)}`;
    case 'consent-expired':
      return `consent expired on ${pairText(cause.pair)} (RFC 7675)`;
    case 'restart':
      return 'ICE restart';
    case 'closed-by-user':
      return 'close() was called';
    default:
      return JSON.stringify(cause);
  }
}

// ---- a peer: an agent, its signalling, and the protocol on top ------------------------------

/**
 * One peer. `signal(json)` sends a signalling message to the other peer; `onSignal(json)`
 * handles one from it. `onFrame(frame)` gets every frame of our protocol.
 */
function createPeer(name, { controlling, signal, onFrame }) {
  const states = [];
  const waiters = new Set();
  const stats = { framesSent: 0, framesReceived: 0, dropped: 0 };
  const agent = new Agent(
    {
      controlling,
      // 127.0.0.1 only: this example never leaves the machine. A real application leaves the
      // defaults (every non-loopback interface) and adds `iceServers` (STUN/TURN).
      gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
      mdns: 'off',
      onCandidate: (candidate) =>
        signal(JSON.stringify({ candidate: candidate && serializeCandidate(candidate) })),
      onSelectedPairChange: (pair, cause) =>
        print(name, `PAIR ${pairText(pair)} (${cause.kind}, RTT ${pair.rttMs?.toFixed(2)} ms)`),
      onData: (data) => {
        const frames = decodeDatagram(data);
        if (frames === undefined) {
          stats.dropped++;
          return;
        }
        for (const frame of frames) {
          stats.framesReceived++;
          onFrame(frame);
        }
      },
    },
    // The agent's notifier: called once per change, in order, after the state is committed.
    (state, cause) => {
      states.push(ConnectionState[state]);
      print(name, `ICE  ${ConnectionState[state].padEnd(12)} ${why(cause)}`);
      for (const waiter of waiters) waiter();
    },
  );
  return {
    agent,
    states,
    stats,
    /** Resolves once `predicate(agent.state)` holds. */
    until: (predicate) =>
      new Promise((resolve) => {
        const check = () => {
          if (!predicate(agent.state)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    /** Sends frames in one datagram; false when ICE has no usable pair. */
    send(frames) {
      if (!agent.send(encodeDatagram(frames))) return false;
      stats.framesSent += frames.length;
      return true;
    },
    /** Handles one signalling message of the other peer. */
    onSignal(json) {
      const message = JSON.parse(json);
      if ('ufrag' in message) agent.setRemoteCredentials(message.ufrag, message.pwd);
      else agent.addRemoteCandidate(message.candidate); // a `candidate:` line, or null = the end
    },
  };
}

// ---- the program ---------------------------------------------------------------------------

console.log('p2p-ice: two @x/ice agents, a custom framing over the selected pair, on 127.0.0.1\n');

// The signalling channel: messages are delivered asynchronously and in order, like a socket.
const channel = { toAlice: [], toBob: [] };
const deliver = (queue, peer) => () => {
  while (queue.length > 0) peer().onSignal(queue.shift());
};
let alice;
let bob;
const toBob = (json) => {
  channel.toBob.push(json);
  setImmediate(deliver(channel.toBob, () => bob));
};
const toAlice = (json) => {
  channel.toAlice.push(json);
  setImmediate(deliver(channel.toAlice, () => alice));
};

const rtts = [];
const sentAt = new Map();
let byeSeen;
const byeReceived = new Promise((resolve) => {
  byeSeen = resolve;
});

alice = createPeer('alice', {
  controlling: true,
  signal: toBob,
  onFrame: (frame) => {
    if (frame.type === FrameType.Ack) {
      const rtt = performance.now() - sentAt.get(frame.seq);
      rtts.push(rtt);
      print(
        'alice',
        `RECV ${typeName(frame.type)} #${frame.seq} ${show(frame.payload)} after ${rtt.toFixed(2)} ms`,
      );
    } else {
      print('alice', `RECV ${typeName(frame.type)} #${frame.seq} ${show(frame.payload)}`);
    }
  },
});
bob = createPeer('bob', {
  controlling: false,
  signal: toAlice,
  onFrame: (frame) => {
    print('bob', `RECV ${typeName(frame.type)} #${frame.seq} ${show(frame.payload)}`);
    if (frame.type === FrameType.Bye) {
      byeSeen();
      return;
    }
    // Acknowledge every frame, with the text upper-cased so that the reply visibly comes from bob.
    bob.send([
      {
        type: FrameType.Ack,
        seq: frame.seq,
        payload: Buffer.from(String(frame.payload).toUpperCase()),
      },
    ]);
  },
});

// Credentials first (RFC 8445 §5.3), then each side gathers and trickles its candidates.
toBob(JSON.stringify(alice.agent.localCredentials));
toAlice(JSON.stringify(bob.agent.localCredentials));
await Promise.all([alice.agent.gather(), bob.agent.gather()]);

// `connected` is enough to send; `completed` means checks are over on both sides.
const usable = (s) => s === ConnectionState.Connected || s === ConnectionState.Completed;
await Promise.all([alice.until(usable), bob.until(usable)]);
print('alice', `READY after ${(performance.now() - started).toFixed(1)} ms`);

// Our protocol: a hello, then texts; several frames may share one datagram.
let seq = 0;
const frame = (type, text) => {
  seq++;
  sentAt.set(seq, performance.now());
  return { type, seq, payload: Buffer.from(text) };
};
alice.send([frame(FrameType.Hello, 'alice/1.0')]);
alice.send([frame(FrameType.Text, 'hello bob'), frame(FrameType.Text, 'two frames, one datagram')]);
alice.send([frame(FrameType.Text, 'x'.repeat(1000))]);
const ackCount = () => rtts.length;
await new Promise((resolve) => {
  const poll = () => (ackCount() >= seq ? resolve() : setTimeout(poll, 1));
  poll();
});
await Promise.all([
  alice.until((s) => s === ConnectionState.Completed),
  bob.until((s) => s === ConnectionState.Completed),
]);

// Goodbye: bob closes when the Bye arrives, alice right after sending it.
alice.send([frame(FrameType.Bye, 'see you')]);
await byeReceived;
await bob.agent.close();
await alice.agent.close();

for (const [name, peer] of [
  ['alice', alice],
  ['bob', bob],
]) {
  console.log(
    `${name}: states ${peer.states.join(' > ')}; frames sent ${peer.stats.framesSent}, received ${peer.stats.framesReceived}, dropped datagrams ${peer.stats.dropped}; ICE checks sent ${peer.agent.stats.checksSent}, consent requests ${peer.agent.stats.consentRequestsSent}`,
  );
}
const median = [...rtts].sort((a, b) => a - b)[Math.floor(rtts.length / 2)];
console.log(`median frame RTT ${median.toFixed(2)} ms; closed cleanly`);
