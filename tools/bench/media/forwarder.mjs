// The forwarder under test, one process: for each group of sessions a connection from the
// publisher and one to the subscriber, every incoming RTP packet written as it is to the
// matching outgoing sender, the way each stack's own SFU example does it:
// - ours: `track.rtp()` → `MediaStreamTrack.writeRtp()` (tools/examples/forwarding);
// - werift: `track.onReceiveRtp` → `RTCRtpSender.sendRtp()`;
// - floor: no stack, a bare relay of AES-GCM packets (floor.mjs), for what any forwarder on
//   node:dgram and node:crypto costs at least.
// Reports its CPU time and the time each packet spent inside it (wire-clock.mjs) per window.
//
//   node forwarder.mjs x-webrtc|werift|floor   (forked by bench.mjs, driven over IPC)
import { relay } from './floor.mjs';
import { serve } from './ipc.mjs';
import { closePeer, completeLocal, connected, stacks } from './stacks.mjs';
import { installWireClock, match, startRecording, stopRecording } from './wire-clock.mjs';

installWireClock();
const name = process.argv[2];
const stack = name === 'floor' ? undefined : await stacks[name]();
const groups = new Map();
/** One entry per forwarded stream: `inSsrc` once a packet came, `outSsrc()` its sender's. */
const relays = [];
const counter = { forwarded: 0 };
let window;

/** Our forwarder: a local track per outgoing sender, fed from the incoming track's rtp(). */
function relayOurs(incoming, outgoing, sender, relay) {
  relay.outSsrc = async () => {
    for (const s of (await sender.getStats()).values())
      if (s.type === 'outbound-rtp') return s.ssrc;
  };
  void (async () => {
    for await (const packet of incoming.rtp()) {
      relay.inSsrc ??= new DataView(packet.buffer, packet.byteOffset).getUint32(8);
      if (outgoing.writeRtp(packet)) counter.forwarded++;
    }
  })();
}

/** werift's: each packet its receiver hands on goes to the sender (as its SFU examples do). */
function relayWerift(incoming, sender, relay) {
  relay.outSsrc = async () => sender.ssrc;
  incoming.onReceiveRtp.subscribe((rtp) => {
    relay.inSsrc ??= rtp.header.ssrc;
    counter.forwarded++;
    void sender.sendRtp(rtp);
  });
}

serve({
  /** Answers the publisher's offer of group `g` and offers `kinds` to its subscriber. */
  async accept(g, offer, kinds) {
    if (name === 'floor') {
      const { port } = JSON.parse(offer);
      const socket = await relay(() => port, counter);
      groups.set(g, { socket });
      return { answer: JSON.stringify({ port: socket.address().port }), offer: '' };
    }
    const fromPublisher = stack.make();
    const toSubscriber = stack.make();
    const outgoing = kinds.map((kind) => {
      if (name === 'werift') {
        return { sender: toSubscriber.addTransceiver(kind, { direction: 'sendonly' }).sender };
      }
      const track = stack.MediaStreamTrack.create(kind);
      return { track, sender: toSubscriber.addTrack(track) };
    });
    groups.set(g, { fromPublisher, toSubscriber });
    fromPublisher.ontrack = ({ track, transceiver }) => {
      const index = fromPublisher.getTransceivers().indexOf(transceiver);
      const out = outgoing[index];
      if (out === undefined || kinds[index] !== track.kind)
        throw new Error(`group ${g}: no ${track.kind} sender at ${index}`);
      const relay = {};
      relays.push(relay);
      if (name === 'werift') relayWerift(track, out.sender, relay);
      else relayOurs(track, out.track, out.sender, relay);
    };
    await fromPublisher.setRemoteDescription({ type: 'offer', sdp: offer });
    const answer = await completeLocal(fromPublisher, await fromPublisher.createAnswer());
    const toOffer = await completeLocal(toSubscriber, await toSubscriber.createOffer());
    return { answer, offer: toOffer };
  },
  async answered(g, answer) {
    if (name === 'floor') return;
    await groups.get(g).toSubscriber.setRemoteDescription({ type: 'answer', sdp: answer });
  },
  async connected(g) {
    if (name === 'floor') return;
    const { fromPublisher, toSubscriber } = groups.get(g);
    await Promise.all([connected(fromPublisher), connected(toSubscriber)]);
  },
  start() {
    window = {
      cpu: process.cpuUsage(),
      elu: performance.eventLoopUtilization(),
      at: performance.now(),
      forwarded: counter.forwarded,
    };
    startRecording();
  },
  async stop() {
    stopRecording();
    const cpu = process.cpuUsage(window.cpu);
    const seconds = (performance.now() - window.at) / 1000;
    const pairs = [];
    for (const r of relays) if (r.inSsrc !== undefined) pairs.push([await r.outSsrc(), r.inSsrc]);
    // The floor relay keeps each packet's SSRC.
    const { times, departed, arrived } = match(pairs, name === 'floor');
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return {
      seconds,
      cpu: (cpu.user + cpu.system) / 1e6 / seconds,
      elu: performance.eventLoopUtilization(window.elu).utilization,
      system: cpu.system / 1e6 / seconds,
      forwarded: counter.forwarded - window.forwarded,
      arrived,
      departed,
      matched: times.length,
      median: at(0.5),
      p99: at(0.99),
    };
  },
  async close() {
    const all = [...groups.values()].flatMap((x) => [x.fromPublisher, x.toSubscriber]);
    await Promise.allSettled(all.filter(Boolean).map(closePeer));
    for (const { socket } of groups.values()) socket?.close();
    setTimeout(() => process.exit(0), 50);
  },
});
