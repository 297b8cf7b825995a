// @x/rtp alone (no dependency): a VP8 keyframe and a delta frame packetized, numbered and
// serialized with a MID extension, then parsed, reordered, put through a jitter buffer with the
// VP8 depacketizer and reassembled; an RTCP compound (SR, SDES, PLI) built and parsed; a
// malformed datagram refused with a reason, not thrown.
import assert from 'node:assert/strict';
import {
  buildRtcpCompound,
  depacketizerFor,
  isRtcpParseFailure,
  isRtpParseFailure,
  JitterBuffer,
  midExtension,
  parseRtcp,
  parseRtp,
  payloaderFor,
  readMid,
  type RtpPacket,
  sdesCname,
  serializeRtp,
} from '@x/rtp';

/** A VP8 frame as an encoder writes it: frame tag, then (keyframe) start code and size. */
function vp8Frame(size: number, key: boolean, fill: number): Uint8Array {
  const frame = new Uint8Array(size).fill(fill);
  const header = key ? 10 : 3;
  const first = (size - header) >>> 1;
  frame[0] = ((first & 7) << 5) | 0x10 | (key ? 0 : 1);
  frame[1] = (first >> 3) & 0xff;
  frame[2] = (first >> 11) & 0xff;
  if (key) frame.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 3);
  return frame;
}

const payloader = payloaderFor('video/VP8');
const depacketizer = depacketizerFor('video/vp8');
assert.ok(payloader && depacketizer);
const frames = [vp8Frame(5000, true, 1), vp8Frame(2500, false, 2)];
const wire: Uint8Array[] = [];
let seq = 65530; // across the 16-bit wrap
frames.forEach((frame, f) => {
  const payloads = payloader.packetize(frame, 1200);
  payloads.forEach((payload, i) => {
    wire.push(
      serializeRtp({
        payloadType: 96,
        sequenceNumber: seq++ & 0xffff,
        timestamp: 90_000 + f * 3000,
        ssrc: 0xdecafbad,
        marker: i === payloads.length - 1,
        extensions: [midExtension(1, 'video')],
        payload,
      }),
    );
  });
});
assert.ok(wire.length >= 7);
[wire[1], wire[2]] = [wire[2]!, wire[1]!]; // reordered on the way

const buffer = new JitterBuffer({ depacketizer, clockRate: 90_000, targetLatencyMs: 0 });
for (const datagram of wire) {
  const packet = parseRtp(datagram);
  if (isRtpParseFailure(packet)) throw new Error(`unexpected ${packet}`);
  const p: RtpPacket = packet;
  assert.equal(readMid(p, 1), 'video');
  buffer.push(p, 0);
}
const out = buffer.pop(0);
assert.deepEqual(
  out.map((f) => [f.keyframe, f.data.length]),
  [
    [true, 5000],
    [false, 2500],
  ],
);
assert.deepEqual(Buffer.from(out[0]!.data), Buffer.from(frames[0]!));

const compound = buildRtcpCompound([
  { kind: 'pli', senderSsrc: 1, mediaSsrc: 0xdecafbad },
  { kind: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'pack-test' }] }] },
  {
    kind: 'sr',
    ssrc: 1,
    ntpSeconds: 3_900_000_000,
    ntpFraction: 0,
    rtpTimestamp: 96_000,
    packetCount: wire.length,
    octetCount: 7500,
    reports: [],
  },
]);
const parsed = parseRtcp(compound);
if (isRtcpParseFailure(parsed)) throw new Error(`unexpected ${parsed}`);
assert.deepEqual(
  parsed.map((p) => p.kind),
  ['sr', 'sdes', 'pli'],
);
const sdes = parsed[1];
assert.ok(sdes?.kind === 'sdes' && sdesCname(sdes, 1) === 'pack-test');
assert.equal(parseRtp(Uint8Array.of(0x80, 0x60)), 'too-short');
console.log(
  `rtp: ok (${wire.length} packets, ${out.length} frames, RTCP ${parsed.length} packets)`,
);
