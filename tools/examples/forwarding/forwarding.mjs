// The forwarding path of an SFU: a publisher sends VP8 + Opus to the server, and the server
// relays each RTP packet to a subscriber without depacketizing it (`track.rtp()` in,
// `writeRtp()` out). A keyframe request from the subscriber goes back upstream to the
// publisher. Publisher and subscriber are RTCPeerConnections in the same process; in an
// application they are browsers, each signaled by your server.
//
//   node forwarding.mjs [input.webm]
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MediaStreamTrack, RTCPeerConnection } from '@x/webrtc';
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';

const [inputPath = fileURLToPath(new URL('../../demo/media/clip.webm', import.meta.url))] =
  process.argv.slice(2);

// includeLoopback: this also runs on a machine whose only interface is lo (a CI container).
const config = { gather: { includeLoopback: true } };
const publisher = new RTCPeerConnection(config);
const fromPublisher = new RTCPeerConnection(config); // the server's side of each peer
const toSubscriber = new RTCPeerConnection(config);
const subscriber = new RTCPeerConnection(config);

/** Offer/answer and candidates between two connections (your signaling server's job). */
async function connect(offerer, answerer) {
  offerer.onicecandidate = ({ candidate }) => candidate && answerer.addIceCandidate(candidate);
  answerer.onicecandidate = ({ candidate }) => candidate && offerer.addIceCandidate(candidate);
  const connected = new Promise((resolve) => {
    offerer.onconnectionstatechange = () => offerer.connectionState === 'connected' && resolve();
  });
  await offerer.setLocalDescription();
  await answerer.setRemoteDescription(offerer.localDescription);
  await answerer.setLocalDescription();
  await offerer.setRemoteDescription(answerer.localDescription);
  await connected;
}

// The publisher: one local track per track of the clip.
const clip = new Input({ source: new FilePathSource(inputPath), formats: ALL_FORMATS });
const playlist = [];
for (const input of await clip.getTracks()) {
  const track = MediaStreamTrack.create(input.type);
  publisher.addTrack(track);
  playlist.push({ track, packets: new EncodedPacketSink(input).packets() });
}

// The server: for each track the publisher sends, a local track toward the subscriber, fed
// with the incoming RTP as it is. writeRtp() rewrites SSRC, payload type and sequence numbers
// to the outgoing sender's own; the payload and the timestamp spacing are kept.
const relays = [];
fromPublisher.ontrack = ({ track: incoming, receiver }) => {
  const outgoing = MediaStreamTrack.create(incoming.kind);
  toSubscriber.addTrack(outgoing);
  // The subscriber's PLI arrives on the outgoing track: ask the publisher for a keyframe.
  outgoing.onkeyframerequest = () => {
    receiver.requestKeyFrame();
    console.log(`server: ${incoming.kind} keyframe request passed upstream`);
  };
  relays.push(
    (async () => {
      let packets = 0;
      for await (const packet of incoming.rtp()) if (outgoing.writeRtp(packet)) packets++;
      return `server: relayed ${packets} ${incoming.kind} packets`;
    })(),
  );
};

// The subscriber: counts the frames of each track and hashes their bytes (the same frames
// the publisher wrote, if nothing was lost or changed on the way); asks for a keyframe once,
// as a decoder that lost its reference would.
const received = [];
subscriber.ontrack = ({ track, receiver }) => {
  received.push(
    (async () => {
      let frames = 0;
      let keyframes = 0;
      const hash = createHash('sha256');
      for await (const frame of track.frames()) {
        frames++;
        hash.update(frame.data);
        if (frame.keyframe && track.kind === 'video') keyframes++;
        if (frames === 10 && track.kind === 'video') receiver.requestKeyFrame();
      }
      const keys = track.kind === 'video' ? ` (${keyframes} keyframes)` : '';
      const digest = hash.digest('hex').slice(0, 16);
      return `subscriber: ${track.kind} ${frames} frames${keys}, sha256 ${digest}`;
    })(),
  );
};

await connect(publisher, fromPublisher); // fromPublisher.ontrack adds the outgoing tracks
await connect(toSubscriber, subscriber);

// The publisher plays the clip in real time. A live encoder would answer a keyframe request
// by making its next frame a keyframe; a file cannot, so it only says it was asked.
const start = performance.now();
await Promise.all(
  playlist.map(async ({ track, packets }) => {
    track.onkeyframerequest = ({ request }) =>
      console.log(`publisher: ${track.kind} keyframe request (${request})`);
    for await (const packet of packets) {
      const due = start + packet.timestamp * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const timestamp = Math.round(packet.timestamp * 1e6);
      track.writeFrame(packet.data, { timestamp, keyframe: packet.type === 'key' });
    }
  }),
);
await new Promise((resolve) => setTimeout(resolve, 200)); // the last packets' way across
clip.dispose();

// The publisher leaves: its BYE ends the server's incoming tracks and so the relays; the
// server then closes toward the subscriber, whose BYE-ended tracks end its loops.
publisher.close();
for (const line of await Promise.all(relays)) console.log(line);
toSubscriber.close();
for (const line of await Promise.all(received)) console.log(line);
fromPublisher.close();
subscriber.close();
await Promise.all([publisher, fromPublisher, toSubscriber, subscriber].map((pc) => pc.released));
console.log('done');
