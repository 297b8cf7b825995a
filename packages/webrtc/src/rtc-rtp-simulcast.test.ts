/**
 * Simulcast between two of our peers (issue 20 item 3, RFC 8853): A sends one track in three
 * encodings (`sendEncodings` with rids h, m, l), feeding each layer its own pre-encoded frames
 * (`writeFrame(..., { rid })`); B receives three streams, each an `inbound-rtp` with its rid,
 * and its track carries one layer at a time (`receiver.selectLayer()`), switching at the new
 * layer's keyframe; B forwards the track's `rtp()` back to A, whose echo stays one stream with
 * consecutive sequence numbers across the switch.
 */
import { readFileSync } from 'node:fs';
import { parseRtp } from '@x/rtp';
import { afterEach, describe, expect, it } from 'vitest';
import { type EncodedMediaFrame, MediaStreamTrack } from './media-stream-track.js';
import type { KeyframeRequestEvent } from './track-events.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import { tasks } from './testing-media.js';
import {
  closeAll,
  negotiate,
  openChannelPair,
  type VirtualPeers,
  virtualPeers,
} from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

const RIDS = ['h', 'm', 'l'] as const;
type Rid = (typeof RIDS)[number];
/** Bytes per frame of each layer: h spans several packets, l fits in one. */
const SIZE: Record<Rid, number> = { h: 3000, m: 1500, l: 400 };

/**
 * A VP8 frame (RFC 6386 §9.1 frame tag; a keyframe has the start code and a size) whose
 * bytes 10–13 say which layer and frame it is: `[layer, n >> 8, n & 255, key]`.
 */
function vp8(rid: Rid, n: number, key: boolean): Uint8Array {
  const size = SIZE[rid];
  const frame = new Uint8Array(size);
  for (let i = 14; i < size; i++) frame[i] = (i * 31 + n) & 0xff;
  const first = (size - 10) >>> 1;
  frame[0] = ((first & 7) << 5) | 0x10 | (key ? 0 : 1);
  frame[1] = (first >> 3) & 0xff;
  frame[2] = (first >> 11) & 0xff;
  if (key) frame.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 3);
  frame.set([RIDS.indexOf(rid), n >> 8, n & 0xff, key ? 1 : 0], 10);
  return frame;
}
const layerOf = (f: EncodedMediaFrame): Rid => RIDS[f.data[10]!]!;
const numberOf = (f: EncodedMediaFrame): number => (f.data[11]! << 8) | f.data[12]!;

/** Reads a remote track's frames until it ends. */
function collect(track: MediaStreamTrack): EncodedMediaFrame[] {
  const frames: EncodedMediaFrame[] = [];
  void (async () => {
    for await (const f of track.frames()) frames.push(f);
  })();
  return frames;
}

/** A sends a 3-layer track to B; B can forward what its track carries back to A. */
async function simulcastPeers(seed: number) {
  peers = virtualPeers({ seed });
  const { a, b, clock } = peers;
  const camera = MediaStreamTrack.create('video', { label: 'layers' });
  a.addTransceiver(camera, {
    direction: 'sendonly',
    sendEncodings: [
      { rid: 'h' },
      { rid: 'm', scaleResolutionDownBy: 2 },
      { rid: 'l', scaleResolutionDownBy: 4 },
    ],
  });
  let receiver: RTCRtpReceiver | undefined;
  b.ontrack = (e) => {
    receiver = e.receiver;
  };
  await openChannelPair(peers, 'side');
  const offer = a.localDescription!.sdp;
  const answer = b.localDescription!.sdp;
  // B forwards its remote track on a local one, sent back to A (B offers it).
  const relay = MediaStreamTrack.create('video', { label: 'relay' });
  b.addTransceiver(relay, { direction: 'sendonly' });
  let echo: MediaStreamTrack | undefined;
  a.ontrack = (e) => {
    echo = e.track;
  };
  await negotiate(b, a);
  const ready = (pc: unknown) => (pc as { manager: { mediaReady: boolean } }).manager.mediaReady;
  expect(await clock.runUntil(() => ready(a) && ready(b), { timeoutMs: 5000 })).toBe(true);
  return { a, b, clock, camera, relay, receiver: receiver!, echo: echo!, offer, answer };
}

describe('simulcast between two peers (RFC 8853)', () => {
  it('sends three encodings, receives three streams, and switches the track at the new layer’s keyframe', async () => {
    const { a, b, clock, camera, relay, receiver, echo, offer, answer } = await simulcastPeers(81);

    // The offer and the answer (RFC 8853 §5.3: the answerer reverses the direction).
    expect(offer).toContain('a=simulcast:send h;m;l');
    for (const rid of RIDS) expect(offer).toContain(`a=rid:${rid} send`);
    expect(answer).toContain('a=simulcast:recv h;m;l');
    for (const rid of RIDS) expect(answer).toContain(`a=rid:${rid} recv`);
    // B's later offer keeps the layers it receives, and A's answer keeps sending them.
    expect(b.currentLocalDescription!.sdp).toContain('a=simulcast:recv h;m;l');
    expect(a.currentLocalDescription!.sdp).toContain('a=simulcast:send h;m;l');

    const track = receiver.track;
    const got = collect(track);
    const echoed = collect(echo);
    const echoRtp: { ssrc: number; seq: number; ts: number }[] = [];
    void (async () => {
      for await (const bytes of echo.rtp()) {
        const p = parseRtp(bytes);
        if (typeof p !== 'string')
          echoRtp.push({ ssrc: p.ssrc, seq: p.sequenceNumber, ts: p.timestamp });
      }
    })();
    // The relay: what B's track carries goes back to A.
    void (async () => {
      for await (const bytes of track.rtp()) relay.writeRtp(bytes);
    })();

    // A's encoder: a keyframe for a layer when its stream is asked for one.
    const wantKey = new Set<Rid>(RIDS);
    const requests: (string | null)[] = [];
    camera.onkeyframerequest = (e: KeyframeRequestEvent) => {
      requests.push(e.rid);
      if (e.rid !== null) wantKey.add(e.rid as Rid);
    };
    const written: Record<Rid, number> = { h: 0, m: 0, l: 0 };
    const sentFrames = new Map<string, Uint8Array>();
    let n = 0;
    const writeFor = async (ms: number): Promise<void> => {
      const end = clock.now() + ms;
      while (clock.now() < end) {
        for (const rid of RIDS) {
          const key = wantKey.delete(rid);
          const frame = vp8(rid, n, key);
          sentFrames.set(`${rid}${n}`, frame);
          expect(camera.writeFrame(frame, { timestamp: n * 33_333, keyframe: key, rid })).toBe(
            true,
          );
          written[rid]++;
        }
        n++;
        await clock.advance(33);
        await tasks(1);
      }
    };

    await writeFor(1000);
    // Three inbound streams, each its own SSRC and rid.
    const layers = receiver.getLayers();
    expect(layers.map((l) => l.rid)).toEqual(['h', 'm', 'l']);
    expect(new Set(layers.map((l) => l.ssrc)).size).toBe(3);
    for (const l of layers) expect(l.packetsReceived).toBeGreaterThan(30);
    // The track carries the first layer whose keyframe arrived: h (written first each tick).
    expect(receiver.layer).toBe('h');
    expect(layers.filter((l) => l.selected).map((l) => l.rid)).toEqual(['h']);
    const before = got.length;
    expect(before).toBeGreaterThan(25);
    expect(new Set(got.map(layerOf))).toEqual(new Set(['h']));

    // Switch to l: a PLI to l's stream, A writes l's keyframe, the track follows it.
    let switched = false;
    const selecting = receiver.selectLayer('l').then(() => {
      switched = true;
    });
    expect(receiver.layer).toBe('h');
    await writeFor(500);
    await selecting;
    expect(switched).toBe(true);
    expect(receiver.layer).toBe('l');
    expect(requests).toContain('l');
    await writeFor(500);
    await clock.advance(300);
    await tasks();

    // Frames: whole (each exactly as written), h then l, l beginning with a keyframe.
    for (const f of got)
      expect(
        Buffer.from(f.data).equals(Buffer.from(sentFrames.get(`${layerOf(f)}${numberOf(f)}`)!)),
      ).toBe(true);
    const firstL = got.findIndex((f) => layerOf(f) === 'l');
    expect(firstL).toBeGreaterThan(before - 1);
    expect(got.slice(0, firstL).every((f) => layerOf(f) === 'h')).toBe(true);
    expect(got.slice(firstL).every((f) => layerOf(f) === 'l')).toBe(true);
    expect(got[firstL]!.keyframe).toBe(true);
    // One timeline: timestamps grow across the switch, by about a frame's time.
    for (let i = 1; i < got.length; i++)
      expect(got[i]!.timestamp).toBeGreaterThan(got[i - 1]!.timestamp);
    const gap = got[firstL]!.timestamp - got[firstL - 1]!.timestamp;
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThan(500_000);
    // Frame numbers advance (no frame from the past of the new layer).
    expect(numberOf(got[firstL]!)).toBeGreaterThan(numberOf(got[firstL - 1]!) - 3);

    // The echo through B's relay: one SSRC, consecutive sequence numbers across the switch,
    // and A's remote track gives whole frames, h then l from a keyframe.
    expect(new Set(echoRtp.map((p) => p.ssrc)).size).toBe(1);
    expect(echoRtp.length).toBeGreaterThan(100);
    for (let i = 1; i < echoRtp.length; i++)
      expect((echoRtp[i]!.seq - echoRtp[i - 1]!.seq) & 0xffff).toBe(1);
    const echoFirstL = echoed.findIndex((f) => layerOf(f) === 'l');
    expect(echoFirstL).toBeGreaterThan(0);
    expect(echoed.slice(0, echoFirstL).every((f) => layerOf(f) === 'h')).toBe(true);
    expect(echoed.slice(echoFirstL).every((f) => layerOf(f) === 'l')).toBe(true);
    expect(echoed[echoFirstL]!.keyframe).toBe(true);
    for (const f of echoed)
      expect(
        Buffer.from(f.data).equals(Buffer.from(sentFrames.get(`${layerOf(f)}${numberOf(f)}`)!)),
      ).toBe(true);

    // Stats: an outbound-rtp per encoding on A, an inbound-rtp per layer on B, with rids.
    const out = [...(await a.getSenders()[0]!.getStats()).values()].filter(
      (s) => s.type === 'outbound-rtp',
    );
    expect(out.map((s) => s.rid).sort()).toEqual(['h', 'l', 'm']);
    for (const s of out) expect(s.framesSent).toBe(written[s.rid as Rid]);
    expect(new Set(out.map((s) => s.ssrc)).size).toBe(3);
    const inbound = [...(await receiver.getStats()).values()].filter(
      (s) => s.type === 'inbound-rtp',
    );
    expect(inbound.map((s) => s.rid).sort()).toEqual(['h', 'l', 'm']);
    for (const s of inbound) {
      const sent = out.find((o) => o.rid === s.rid)!;
      expect(s.ssrc).toBe(sent.ssrc);
      expect(s.framesReceived).toBeGreaterThan(written[s.rid as Rid] - 5);
    }
    expect(b.getTransceivers().length).toBeGreaterThan(0);
  });

  it('an encoding set inactive with setParameters() stops its stream; selectLayer() refuses an unknown rid', async () => {
    const { a, clock, camera, receiver } = await simulcastPeers(82);
    const sender = a.getSenders()[0]!;
    const params = sender.getParameters();
    expect(params.encodings.map((e) => e.rid)).toEqual(['h', 'm', 'l']);
    params.encodings[1]!.active = false;
    await sender.setParameters(params);
    let n = 0;
    for (; n < 30; n++) {
      for (const rid of RIDS)
        expect(
          camera.writeFrame(vp8(rid, n, n === 0), {
            timestamp: n * 33_333,
            keyframe: n === 0,
            rid,
          }),
        ).toBe(rid !== 'm');
      await clock.advance(33);
    }
    await clock.advance(300);
    await tasks();
    const out = [...(await sender.getStats()).values()].filter((s) => s.type === 'outbound-rtp');
    const byRid = new Map(out.map((s) => [s.rid, s]));
    expect(byRid.get('m')!.packetsSent).toBe(0);
    expect(byRid.get('m')!.active).toBe(false);
    expect(byRid.get('h')!.framesSent).toBe(30);
    const layers = receiver.getLayers();
    expect(layers.find((l) => l.rid === 'm')!.ssrc).toBeNull();
    expect(layers.find((l) => l.rid === 'l')!.packetsReceived).toBe(30);
    // A frame of a layer the sender has not: not sent, counted.
    expect(camera.writeFrame(vp8('l', n, false), { timestamp: n * 33_333, rid: 'x' })).toBe(false);
    await expect(receiver.selectLayer('x')).rejects.toBeInstanceOf(RangeError);
    // A switch replaced by another is an AbortError; one aborted by its signal too, without
    // replacing the one that waits.
    const first = expect(receiver.selectLayer('m')).rejects.toMatchObject({ name: 'AbortError' });
    await expect(receiver.selectLayer('h', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const controller = new AbortController();
    const third = receiver.selectLayer('l', { signal: controller.signal });
    await first;
    controller.abort();
    await expect(third).rejects.toMatchObject({ name: 'AbortError' });
  });

  it("answers Chromium's real simulcast offer: its three layers received, our sections and receiver say so", async () => {
    const sdp = readFileSync(
      new URL('./sdp/fixtures/chromium-simulcast-offer.sdp', import.meta.url),
      'utf8',
    );
    const pc = new RTCPeerConnection();
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      const answer = await pc.createAnswer();
      const video = answer.sdp!.slice(answer.sdp!.indexOf('m=video'));
      const lines = video.slice(0, video.indexOf('m=application')).split('\r\n');
      expect(lines).toContain('a=recvonly');
      expect(lines.filter((l) => l.startsWith('a=rid:'))).toEqual([
        'a=rid:q recv',
        'a=rid:h recv',
        'a=rid:f recv',
      ]);
      expect(lines).toContain('a=simulcast:recv q;h;f');
      // The RID extensions that tell the layers apart are kept with Chromium's ids.
      expect(lines).toContain('a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
      expect(lines).toContain('a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id');
      await pc.setLocalDescription(answer);
      const receiver = pc.getTransceivers().find((t) => t.mid === '1')!.receiver;
      expect(receiver.getLayers()).toEqual([
        { rid: 'q', ssrc: null, packetsReceived: 0, selected: false },
        { rid: 'h', ssrc: null, packetsReceived: 0, selected: false },
        { rid: 'f', ssrc: null, packetsReceived: 0, selected: false },
      ]);
      expect(receiver.layer).toBeNull();
      const audio = pc.getTransceivers().find((t) => t.mid === '0')!.receiver;
      expect(audio.getLayers()).toEqual([]);
      await expect(audio.selectLayer('q')).rejects.toBeInstanceOf(RangeError);
    } finally {
      pc.close();
      await pc.released;
    }
  });
});
