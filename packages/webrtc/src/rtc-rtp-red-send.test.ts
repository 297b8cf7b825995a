/**
 * RED (RFC 2198) around Opus, sent (issue 20 item 4): when the negotiated codecs put `red`
 * first (here: `setCodecPreferences()` with red first, as Chromium does with its RED field
 * trial), a sender sends each Opus frame in a RED packet with the previous frame repeated,
 * numbered as plain Opus would be; otherwise plain Opus. Two of our peers on the virtual
 * network, A's datagrams losing a seeded tenth of A's audio packets (chosen by a wrapper
 * around A's `Net`, which sees the RTP header in the clear, so the test knows which): B's
 * track gives every frame but those whose packet and the next were both lost, each once, in
 * order; with plain Opus the same losses cost every lost frame.
 */
import { serializeRtp } from '@x/rtp';
import type { Net } from '@x/transport';
import { Prng, VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type EncodedMediaFrame, MediaStreamTrack } from './media-stream-track.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import type { RTCRtpCodec } from './rtp-parameters.js';
import { isRtp, sections, tasks, tapNet } from './testing-media.js';
import { closeAll, negotiate, trickle } from './testing-peers.js';

let open: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(...open);
  open = [];
});

const OPUS = 111;
const RED = 63;
const FRAMES = 250;

/** What the dropper saw of one RTP datagram A sent. */
interface WirePacket {
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly dropped: boolean;
}

/**
 * `net` whose sockets drop a seeded share of the RTP datagrams they send (never the first
 * `spare`: a loss before the stream's first packet is no loss to its receiver), noting each.
 */
function droppingNet(net: Net, share: number, seed: number, spare: number) {
  const random = new Prng(seed);
  const wire: WirePacket[] = [];
  const wrapped = tapNet(net, (data) => {
    if (!isRtp(data)) return true;
    const dropped = random.next() < share && wire.length >= spare;
    wire.push({
      payloadType: data[1]! & 0x7f,
      sequenceNumber: (data[2]! << 8) | data[3]!,
      dropped,
    });
    return !dropped;
  });
  return { net: wrapped, wire };
}

/** Frame `i`: an Opus TOC byte, then `i` in two bytes, then 20 to 99 bytes of filler. */
const opusFrame = (i: number) => {
  const f = new Uint8Array(23 + ((i * 37) % 80)).fill(i & 0xff);
  f[0] = 0xfc;
  f[1] = i >> 8;
  f[2] = i & 0xff;
  return f;
};
const indexOf = (f: EncodedMediaFrame) => (f.data[1]! << 8) | f.data[2]!;

const audioCodecs = (...names: string[]): RTCRtpCodec[] => {
  const all = RTCRtpReceiver.getCapabilities('audio')!.codecs;
  return names.flatMap((n) => all.filter((c) => c.mimeType.toLowerCase() === n));
};

type Stats = Record<string, unknown>;

/**
 * A sends {@link FRAMES} 20 ms Opus frames to B with `preferences` set on its transceiver
 * (none: our default order, Opus first), a tenth of its audio packets dropped.
 */
async function run(options: {
  seed: number;
  preferences?: RTCRtpCodec[];
  mungeAnswer?: (sdp: string) => string;
  share?: number;
  /** How the frames are written: `writeFrame()` (default) or as Opus packets to `writeRtp()`. */
  source?: 'frames' | 'rtp';
}) {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: options.seed });
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const hostA = world.addHost({ name: 'a', router: wan, link: { delayMs: 10 } });
  const hostB = world.addHost({ name: 'b', router: wan, link: { delayMs: 10 } });
  const dropping = droppingNet(hostA, options.share ?? 0.1, options.seed, 2);
  const a = new RTCPeerConnection({ net: dropping.net, clock, mdns: 'off' });
  const b = new RTCPeerConnection({ net: hostB, clock, mdns: 'off' });
  open = [a, b];
  trickle(a, b);
  trickle(b, a);
  const track = MediaStreamTrack.create('audio');
  const t = a.addTransceiver(track, { direction: 'sendonly' });
  if (options.preferences !== undefined) t.setCodecPreferences(options.preferences);
  const got: EncodedMediaFrame[] = [];
  b.ontrack = (e) => {
    void (async () => {
      for await (const f of e.track.frames()) got.push(f);
    })();
  };
  await negotiate(a, b, options.mungeAnswer);
  expect(await clock.runUntil(() => a.connectionState === 'connected', { timeoutMs: 10_000 })).toBe(
    true,
  );
  const written: Uint8Array[] = [];
  const start = clock.now();
  for (let i = 0; i < FRAMES; i++) {
    const due = start + i * 20;
    if (due > clock.now()) await clock.advanceTo(due);
    const frame = opusFrame(i);
    const packet = () =>
      serializeRtp({
        payloadType: OPUS,
        sequenceNumber: (0xfff0 + i) & 0xffff,
        timestamp: 960 * i,
        ssrc: 0x5151,
        payload: frame,
      });
    expect(
      options.source === 'rtp'
        ? track.writeRtp(packet())
        : track.writeFrame(frame, { timestamp: i * 20_000 }),
    ).toBe(true);
    written.push(frame);
  }
  await clock.advance(500);
  await tasks();
  const stats = async (pc: RTCPeerConnection) => [...(await pc.getStats()).values()] as Stats[];
  return { a, b, t, got, written, wire: dropping.wire, stats };
}

/** The frames a receiver of distance-1 RED can have: a lost one needs the next packet. */
function recoverable(wire: readonly WirePacket[]): number[] {
  const out: number[] = [];
  wire.forEach((p, i) => {
    if (!p.dropped || wire[i + 1]?.dropped === false) out.push(i);
  });
  return out;
}

describe('RED around Opus (RFC 2198), sent', () => {
  it('sends RED when red is negotiated first: B recovers each lost frame from the next packet, none twice', async () => {
    const r = await run({ seed: 2198, preferences: audioCodecs('audio/red', 'audio/opus') });
    const audio = sections(r.a.localDescription!.sdp)[0]!;
    expect(audio.formats).toEqual([String(RED), String(OPUS)]);
    expect(r.t.sender.getParameters().codecs.map((c) => c.mimeType)).toEqual([
      'audio/red',
      'audio/opus',
    ]);
    // Every packet A sent is RED, one per frame, consecutive numbers.
    expect(r.wire).toHaveLength(FRAMES);
    expect(r.wire.every((p) => p.payloadType === RED)).toBe(true);
    expect(
      r.wire.every((p, i) => p.sequenceNumber === ((r.wire[0]!.sequenceNumber + i) & 0xffff)),
    ).toBe(true);
    const dropped = r.wire.flatMap((p, i) => (p.dropped ? [i] : []));
    const expected = recoverable(r.wire);
    const indexes = r.got.map(indexOf);
    const recovered = dropped.filter((i) => indexes.includes(i));
    console.log(
      `RED send, distance 1: ${dropped.length} of ${FRAMES} packets dropped ` +
        `(${FRAMES - expected.length} with the next one too); B's track gave ${indexes.length} ` +
        `frames, ${recovered.length} of them from redundancy`,
    );
    // The seed drops some packets alone and some in pairs.
    expect(dropped.length).toBeGreaterThan(0.06 * FRAMES);
    expect(expected.length).toBeLessThan(FRAMES);
    // Exactly the recoverable frames, each once, in order, with the bytes written.
    expect(indexes).toEqual(expected);
    expect(recovered.length).toBe(dropped.length - (FRAMES - expected.length));
    for (const f of r.got) expect(new Uint8Array(f.data)).toEqual(r.written[indexOf(f)]);
    // Times as written: 20 ms apart, counted from the first frame.
    for (const f of r.got) expect(f.timestamp).toBe(indexOf(f) * 20_000);

    // A's outbound-rtp: a packet per frame; bytes of RED payloads (a 1-byte header and the
    // frame, then from the second on a 4-byte header and the frame before).
    const ours = await r.stats(r.a);
    const out = ours.find((s) => s.type === 'outbound-rtp')!;
    const bytes = r.written.reduce(
      (n, f, i) => n + 1 + f.length + (i > 0 ? 4 + r.written[i - 1]!.length : 0),
      0,
    );
    expect([out.packetsSent, out.bytesSent, out.framesSent]).toEqual([FRAMES, bytes, FRAMES]);
    const codec = ours.find((s) => s.id === out.codecId)!;
    expect([codec.mimeType, codec.payloadType, codec.sdpFmtpLine]).toEqual([
      'audio/red',
      RED,
      '111/111',
    ]);
    // B counted what arrived: the RED packets that were not dropped.
    const inbound = (await r.stats(r.b)).find((s) => s.type === 'inbound-rtp')!;
    expect(inbound.packetsReceived).toBe(FRAMES - dropped.length);
  });

  it('sends plain Opus with the default order (Opus first): the same losses lose every dropped frame', async () => {
    const r = await run({ seed: 2198 });
    expect(sections(r.a.localDescription!.sdp)[0]!.formats.slice(0, 2)).toEqual([
      String(OPUS),
      String(RED),
    ]);
    expect(r.wire.every((p) => p.payloadType === OPUS)).toBe(true);
    const kept = r.wire.flatMap((p, i) => (p.dropped ? [] : [i]));
    expect(r.got.map(indexOf)).toEqual(kept);
    const out = (await r.stats(r.a)).find((s) => s.type === 'outbound-rtp')!;
    expect([out.packetsSent, out.bytesSent]).toEqual([
      FRAMES,
      r.written.reduce((n, f) => n + f.length, 0),
    ]);
  });

  it('sends plain Opus when the answer puts Opus before red, whatever we preferred', async () => {
    const r = await run({
      seed: 7,
      share: 0,
      preferences: audioCodecs('audio/red', 'audio/opus'),
      mungeAnswer: (sdp) => sdp.replace(/^(m=audio \d+ \S+) 63 111/m, '$1 111 63'),
    });
    expect(r.t.sender.getParameters().codecs[0]!.mimeType).toBe('audio/opus');
    expect(r.wire.every((p) => p.payloadType === OPUS)).toBe(true);
    expect(r.got).toHaveLength(FRAMES);
  });

  it('wraps packets written with writeRtp() (a relay) in RED too, renumbered as before', async () => {
    const r = await run({
      seed: 4,
      preferences: audioCodecs('audio/red', 'audio/opus'),
      source: 'rtp',
    });
    expect(r.wire.every((p) => p.payloadType === RED)).toBe(true);
    const dropped = r.wire.filter((p) => p.dropped).length;
    const expected = recoverable(r.wire);
    expect(dropped).toBeGreaterThan(FRAMES - expected.length);
    expect(r.got.map(indexOf)).toEqual(expected);
    const out = (await r.stats(r.a)).find((s) => s.type === 'outbound-rtp')!;
    expect(out.packetsSent).toBe(FRAMES);
  });

  it('keeps red in the preferences only with the codec it carries', async () => {
    const a = new RTCPeerConnection();
    open = [a];
    const t = a.addTransceiver('audio');
    t.setCodecPreferences(audioCodecs('audio/red', 'audio/pcmu'));
    expect(sections((await a.createOffer()).sdp!)[0]!.formats).toEqual(['0']);
    t.setCodecPreferences(audioCodecs('audio/pcmu', 'audio/red', 'audio/opus'));
    expect(sections((await a.createOffer()).sdp!)[0]!.formats).toEqual(['0', '63', '111']);
  });
});
