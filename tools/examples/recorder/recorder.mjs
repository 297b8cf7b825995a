// Records a peer's audio and video to a WebM file. The sender here is a second
// RTCPeerConnection in the same process playing a VP8 + Opus clip in real time; in an
// application it is a browser or a phone. The recorder writes each track's encoded frames
// straight into a WebM muxer (mediabunny): nothing is decoded or re-encoded.
//
//   node recorder.mjs [input.webm] [output.webm]
import { fileURLToPath } from 'node:url';
import { MediaStreamTrack, RTCPeerConnection } from '@x/webrtc';
import {
  ALL_FORMATS,
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  FilePathSource,
  FilePathTarget,
  Input,
  Output,
  WebMOutputFormat,
} from 'mediabunny';

const [
  inputPath = fileURLToPath(new URL('../../demo/media/clip.webm', import.meta.url)),
  outputPath = 'recording.webm',
] = process.argv.slice(2);

// includeLoopback: this also runs on a machine whose only interface is lo (a CI container).
const config = { gather: { includeLoopback: true } };
const sender = new RTCPeerConnection(config);
const recorder = new RTCPeerConnection(config);
sender.onicecandidate = ({ candidate }) => candidate && recorder.addIceCandidate(candidate);
recorder.onicecandidate = ({ candidate }) => candidate && sender.addIceCandidate(candidate);
recorder.onconnectionstatechange = (event) =>
  console.log(`recorder: ${recorder.connectionState} (${event.cause})`);

// The sender: one local track per track of the clip, fed its encoded frames.
const clip = new Input({ source: new FilePathSource(inputPath), formats: ALL_FORMATS });
const playlist = [];
for (const input of await clip.getTracks()) {
  const track = MediaStreamTrack.create(input.type); // 'audio' or 'video'
  sender.addTrack(track);
  playlist.push({ track, packets: new EncodedPacketSink(input).packets() });
}

// The recorder: one WebM track per remote track, written as its frames arrive.
const output = new Output({
  format: new WebMOutputFormat(),
  target: new FilePathTarget(outputPath),
});
const recordings = [];
let startOutput; // the muxer starts once it knows every track: after setRemoteDescription
const outputStarted = new Promise((resolve) => (startOutput = resolve));
recorder.ontrack = ({ track, receiver }) => {
  const source =
    track.kind === 'video'
      ? new EncodedVideoPacketSource('vp8')
      : new EncodedAudioPacketSource('opus');
  if (track.kind === 'video') output.addVideoTrack(source);
  else output.addAudioTrack(source);
  recordings.push(record(track, receiver, source));
};

/** Writes a remote track's frames to `source` until the track ends; returns what it wrote. */
async function record(track, receiver, source) {
  await outputStarted;
  let frames = 0;
  let size = '';
  for await (const frame of track.frames()) {
    if (frames === 0 && track.kind === 'video' && !frame.keyframe) {
      receiver.requestKeyFrame(); // a recording starts on a keyframe: ask for one (PLI)
      continue;
    }
    const type = frame.keyframe || track.kind === 'audio' ? 'key' : 'delta';
    const packet = new EncodedPacket(frame.data, type, frame.timestamp / 1e6, 0);
    if (frames === 0) {
      const config = decoderConfig(track.kind, frame.data);
      if (config.codedWidth) size = ` ${config.codedWidth}x${config.codedHeight}`;
      await source.add(packet, { decoderConfig: config });
    } else {
      await source.add(packet);
    }
    frames++;
  }
  // The loop ended: the sender's RTCP BYE (its close) ended the track.
  return `${track.kind}: ${frames} frames${size}`;
}

/** What a WebM muxer needs to know from the first frame: the VP8 picture size, Opus channels. */
function decoderConfig(kind, data) {
  if (kind === 'video') {
    // A VP8 keyframe: 3-byte tag, start code 9d 01 2a, then 14-bit width and height.
    return {
      codec: 'vp8',
      codedWidth: (data[6] | (data[7] << 8)) & 0x3fff,
      codedHeight: (data[8] | (data[9] << 8)) & 0x3fff,
    };
  }
  // Opus on RTP is always 48 kHz; the TOC byte's stereo flag gives the channels.
  return { codec: 'opus', sampleRate: 48_000, numberOfChannels: data[0] & 0x04 ? 2 : 1 };
}

// Signaling, here in-process; in an application, your server or a WebSocket.
await sender.setLocalDescription();
await recorder.setRemoteDescription(sender.localDescription); // fires `track` for each
startOutput(output.start());
await recorder.setLocalDescription();
await sender.setRemoteDescription(recorder.localDescription);
await new Promise((resolve) => {
  sender.onconnectionstatechange = () => sender.connectionState === 'connected' && resolve();
});

// Play the clip in real time: each frame at its own timestamp (µs), each track on its own.
const start = performance.now();
await Promise.all(
  playlist.map(async ({ track, packets }) => {
    for await (const packet of packets) {
      const due = start + packet.timestamp * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      track.writeFrame(packet.data, {
        timestamp: Math.round(packet.timestamp * 1e6),
        keyframe: packet.type === 'key',
      });
    }
  }),
);
await new Promise((resolve) => setTimeout(resolve, 200)); // the last packets' way across
clip.dispose();

sender.close(); // an RTCP BYE for each of its SSRCs: the recorder's tracks end
for (const line of await Promise.all(recordings)) console.log(`recorded ${line}`);
await output.finalize();
recorder.close();
await Promise.all([sender.released, recorder.released]);

// Read the file back: what a player will see.
const check = new Input({ source: new FilePathSource(outputPath), formats: ALL_FORMATS });
console.log(
  `${outputPath}: ${(await check.computeDuration()).toFixed(2)} s, ` +
    `${(await check.getTracks()).map((t) => t.codec).join(' + ')}`,
);
check.dispose();
