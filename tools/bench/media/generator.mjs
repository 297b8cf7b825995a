// The load, one process of our stack whatever the forwarder: for each group of sessions a
// publisher connection that sends ready-made RTP (`writeRtp`, no packetizer) and a subscriber
// connection that reads it back (`track.rtp()`, no depacketizer), sessions as session.mjs
// says. Every packet carries the time it was written in its last 8 octets, so the subscriber
// gives the end-to-end time and counts what arrived. Toward the floor relay (floor.mjs) a
// group is a bare UDP socket instead of two connections.
//
//   node generator.mjs   (forked by bench.mjs, driven over IPC)
import { endpoint } from './floor.mjs';
import { serve } from './ipc.mjs';
import { AUDIO, VIDEO } from './session.mjs';
import { closePeer, completeLocal, connected, stacks } from './stacks.mjs';

/** A generator that fell this far behind drops what it owes instead of bursting it. */
const BACKLOG_MS = 100;

const { make, MediaStreamTrack } = await stacks['x-webrtc']();
const groups = new Map();
/** The publisher's streams of each forwarder, in session order. */
const streamsOf = new Map();
/** Those that send now. */
let active = [];
let window;
let skipped = 0;

/**
 * A stream's packet, rewritten in place for each send (writeRtp copies it): `first` of a frame
 * or not, of a keyframe or an interframe.
 */
function packet(spec, ssrc, first, key = false) {
  const p = Buffer.alloc(12 + spec.size, 0x55);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt32BE(ssrc, 8);
  if (spec === AUDIO)
    p[12] = 0xfc; // Opus TOC: CELT fullband 20 ms, one frame
  else if (first) {
    // RFC 7741 descriptor (S bit), then an RFC 6386 frame tag: key or inter, shown, partition
    // 200; a keyframe's start code and 320×240 follow (RFC 6386 §9.1).
    p[12] = 0x10;
    p.writeUIntLE((key ? 0 : 0x01) | 0x10 | (200 << 5), 13, 3);
    if (key) {
      p.set([0x9d, 0x01, 0x2a], 16);
      p.writeUInt16LE(320, 19);
      p.writeUInt16LE(240, 21);
    }
  } else p[12] = 0x00;
  return p;
}

/**
 * A stream of `kind` whose packets go to `send`. A video stream starts with a keyframe and sends
 * another at each keyframe request (`onKeyframeRequest` hands the stream's trigger out), as a
 * camera's encoder does: the forwarders' receivers see what they see from a browser.
 */
function addStream(streams, kind, send, onKeyframeRequest) {
  const spec = kind === 'audio' ? AUDIO : VIDEO;
  const ssrc = (Math.random() * 2 ** 32) >>> 0;
  // Phases spread over the period (golden ratio), so that the load is even in time.
  const phase = ((streams.length * 0.618034) % 1) * spec.period;
  streams.push({
    spec,
    send,
    phase,
    frames: 0,
    seq: (Math.random() * 65536) | 0,
    first: packet(spec, ssrc, true),
    key: spec === VIDEO ? packet(spec, ssrc, true, true) : undefined,
    keyDue: spec === VIDEO,
    rest: packet(spec, ssrc, false),
  });
  const stream = streams[streams.length - 1];
  onKeyframeRequest?.(() => {
    if (stream.key) stream.keyDue = true;
  });
}

function sendFrame(s, now) {
  const ts = Math.round((s.frames * s.spec.period * s.spec.clock) / 1000) >>> 0;
  const key = s.keyDue;
  s.keyDue = false;
  for (let i = 0; i < s.spec.packets; i++) {
    const p = i > 0 ? s.rest : key ? s.key : s.first;
    p[1] = 96 | (i === s.spec.packets - 1 && s.spec === VIDEO ? 0x80 : 0);
    p.writeUInt16BE((s.seq = (s.seq + 1) & 0xffff), 2);
    p.writeUInt32BE(ts, 4);
    p.writeDoubleLE(now, p.length - 8);
    s.send(p);
    if (window && !window.stopped) window.sent++;
  }
  s.frames++;
}

let start = performance.now();
const pace = setInterval(() => {
  const now = performance.now();
  for (const s of active) {
    const due = Math.floor((now - start - s.phase) / s.spec.period) + 1;
    const owed = due - s.frames;
    if (owed * s.spec.period > BACKLOG_MS) {
      skipped += owed - 1;
      s.frames = due - 1;
    }
    while (s.frames < due) sendFrame(s, now);
  }
}, 2);

/** A packet back from the forwarder, written at `sentAt`. */
function received(sentAt) {
  const now = performance.now();
  if (window === undefined) return;
  if (sentAt < window.at || (window.stopped && sentAt > window.stoppedAt)) return;
  window.received++;
  window.times.push(now - sentAt);
}

function receive(track) {
  void (async () => {
    for await (const p of track.rtp())
      received(Buffer.from(p.buffer, p.byteOffset, p.length).readDoubleLE(p.length - 8));
  })();
}

serve({
  /**
   * A publisher toward `forwarder` with `sessions` sessions (Opus + VP8 each): its offer, and
   * the kinds in order. `g` names the group (the pair of connections) in later calls.
   */
  async publish(g, forwarder, sessions) {
    if (!streamsOf.has(forwarder)) streamsOf.set(forwarder, []);
    const kinds = [];
    for (let i = 0; i < sessions; i++) kinds.push('audio', 'video');
    if (forwarder === 'floor') {
      // No connection: one socket sends sealed packets to the relay and hears them back.
      const raw = await endpoint(received);
      for (const kind of kinds) addStream(streamsOf.get(forwarder), kind, (p) => raw.send(p));
      groups.set(g, { raw });
      return { offer: JSON.stringify({ port: raw.port }), kinds };
    }
    const publisher = make();
    for (const kind of kinds) {
      const track = MediaStreamTrack.create(kind);
      publisher.addTransceiver(track, { direction: 'sendonly' });
      addStream(
        streamsOf.get(forwarder),
        kind,
        (p) => track.writeRtp(p),
        (request) => track.addEventListener('keyframerequest', request),
      );
    }
    groups.set(g, { publisher });
    return { offer: await completeLocal(publisher, await publisher.createOffer()), kinds };
  },
  /** The forwarder's answer to the publisher and its offer to the subscriber: our answer. */
  async subscribe(g, answer, offer) {
    const group = groups.get(g);
    if (group.raw) return void group.raw.setRelay(JSON.parse(answer).port);
    await group.publisher.setRemoteDescription({ type: 'answer', sdp: answer });
    group.subscriber = make();
    group.subscriber.ontrack = ({ track }) => receive(track);
    await group.subscriber.setRemoteDescription({ type: 'offer', sdp: offer });
    return completeLocal(group.subscriber, await group.subscriber.createAnswer());
  },
  async connected(g) {
    const { publisher, subscriber, raw } = groups.get(g);
    if (raw) return;
    await Promise.all([connected(publisher), connected(subscriber)]);
  },
  /** From now on the first `sessions` sessions toward `forwarder` send, and no other. */
  active(forwarder, sessions) {
    const streams = streamsOf.get(forwarder) ?? [];
    if (sessions * 2 > streams.length) throw new Error(`only ${streams.length / 2} sessions`);
    const now = performance.now();
    active = streams.slice(0, sessions * 2);
    // Each stream starts with its next frame due.
    for (const s of active) s.frames = Math.floor((now - start - s.phase) / s.spec.period) + 1;
  },
  start() {
    window = {
      at: performance.now(),
      cpu: process.cpuUsage(),
      elu: performance.eventLoopUtilization(),
      sent: 0,
      received: 0,
      times: [],
    };
    window.skipped = skipped;
  },
  /** Ends the window; counts what arrived of it after `drainMs`. */
  async stop(drainMs = 300) {
    const w = window;
    w.stopped = true;
    w.stoppedAt = performance.now();
    const cpu = process.cpuUsage(w.cpu);
    const seconds = (w.stoppedAt - w.at) / 1000;
    await new Promise((r) => setTimeout(r, drainMs));
    window = undefined;
    w.times.sort((a, b) => a - b);
    const at = (q) => w.times[Math.min(w.times.length - 1, Math.floor(q * w.times.length))];
    return {
      seconds,
      cpu: (cpu.user + cpu.system) / 1e6 / seconds,
      elu: performance.eventLoopUtilization(w.elu).utilization,
      sent: w.sent,
      received: w.received,
      skipped: skipped - w.skipped,
      median: at(0.5),
      p99: at(0.99),
    };
  },
  async close() {
    clearInterval(pace);
    const all = [...groups.values()].flatMap((x) => [x.publisher, x.subscriber].filter(Boolean));
    await Promise.allSettled(all.map(closePeer));
    for (const { raw } of groups.values()) raw?.socket.close();
    setTimeout(() => process.exit(0), 50);
  },
});
start = performance.now();
