/**
 * Media from Node between two of our peers (issue 19 items 3 and 5): peer A writes the demo
 * clip's VP8 and Opus frames on its local tracks, peer B's remote tracks yield exactly those
 * frames; keyframe requests, RTCP reports, BYE on stop() and the release on close().
 */
import { readFileSync } from 'node:fs';
import { serializeRtcp, wrapRtxPacket } from '@x/rtp';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStream } from './media-stream.js';
import { type EncodedMediaFrame, MediaStreamTrack } from './media-stream-track.js';
import type { KeyframeRequestEvent, TrackStateCause, TrackStateEvent } from './track-events.js';
import type { RTCTrackEvent } from './rtc-track-event.js';
import { isRtp, rtpPacket, sections, tasks } from './testing-media.js';
import { closeAll, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

interface ClipFrame {
  readonly timestampUs: number;
  readonly keyframe: boolean;
  readonly data: string;
}
/** The first frames of tools/demo/media/clip.webm, as `readClip()` gives them (base64). */
const clip = JSON.parse(
  readFileSync(new URL('./fixtures/clip-frames.json', import.meta.url), 'utf8'),
) as { tracks: { kind: 'audio' | 'video'; codec: string; frames: ClipFrame[] }[] };
const framesOf = (kind: 'audio' | 'video'): ClipFrame[] =>
  clip.tracks.find((t) => t.kind === kind)!.frames;

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

/** Reads a track's frames into an array until it ends. */
function collect(track: MediaStreamTrack): { frames: EncodedMediaFrame[]; done: Promise<void> } {
  const frames: EncodedMediaFrame[] = [];
  const done = (async () => {
    for await (const f of track.frames()) frames.push(f);
  })();
  return { frames, done };
}

/** Two peers with audio, video and a data channel negotiated, media keyed on both sides. */
async function connectedWithMedia(
  seed: number,
  tapA?: (data: Uint8Array, port: number, address: string) => boolean,
) {
  peers = virtualPeers({ seed, tapA });
  const { a, b, clock } = peers;
  const audio = MediaStreamTrack.create('audio', { label: 'clip-audio' });
  const video = MediaStreamTrack.create('video', { label: 'clip-video' });
  const stream = new MediaStream();
  a.addTrack(audio, stream);
  a.addTrack(video, stream);
  const events: RTCTrackEvent[] = [];
  b.ontrack = (e) => events.push(e);
  // Nothing is sent before the transceivers are negotiated to send.
  expect(video.writeFrame(new Uint8Array([1, 2, 3]), { timestamp: 0, keyframe: true })).toBe(false);
  await openChannelPair(peers, 'side');
  const manager = (pc: unknown) => (pc as { manager: { mediaReady: boolean } }).manager.mediaReady;
  expect(await clock.runUntil(() => manager(a) && manager(b), { timeoutMs: 5000 })).toBe(true);
  const [remoteAudio, remoteVideo] = events.map((e) => e.track);
  return { a, b, clock, audio, video, remoteAudio: remoteAudio!, remoteVideo: remoteVideo! };
}

const readUInt32 = (d: Uint8Array, at: number): number =>
  ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;

/** The first SSRC of section `index` of a peer's local description. */
function ssrcOfSender(pc: { localDescription: { sdp: string } | null }, index: number): number {
  const a = sections(pc.localDescription!.sdp)[index]!.attributes.find((x) => x.name === 'ssrc');
  return Number(a!.value!.split(' ')[0]);
}

/** Writes the clip's frames in time order, the clock following their timestamps. */
async function writeClip(
  clock: VirtualPeers['clock'],
  audio: MediaStreamTrack,
  video: MediaStreamTrack,
): Promise<boolean[]> {
  const all = [
    ...framesOf('audio').map((f) => ({ f, track: audio })),
    ...framesOf('video').map((f) => ({ f, track: video })),
  ].sort((x, y) => x.f.timestampUs - y.f.timestampUs);
  const start = clock.now();
  const results: boolean[] = [];
  for (const { f, track } of all) {
    const due = start + f.timestampUs / 1000;
    if (due > clock.now()) await clock.advanceTo(due);
    results.push(
      track.writeFrame(Buffer.from(f.data, 'base64'), {
        timestamp: f.timestampUs,
        keyframe: f.keyframe,
      }),
    );
  }
  return results;
}

describe('frames between two peers (MediaStreamTrack.writeFrame / frames())', () => {
  it('delivers the clip: the VP8 and Opus frames written on A come out of B, in order, keyframe first, timestamps mapped through the RTP clock', async () => {
    const { clock, audio, video, remoteAudio, remoteVideo } = await connectedWithMedia(61);
    const gotAudio = collect(remoteAudio);
    const gotVideo = collect(remoteVideo);
    const sent = await writeClip(clock, audio, video);
    expect(sent.every((s) => s)).toBe(true);
    await clock.advance(200);
    await tasks();

    const video0 = framesOf('video')[0]!.timestampUs;
    expect(
      gotVideo.frames.map((f) => [Buffer.from(f.data).toString('base64'), f.timestamp]),
    ).toEqual(framesOf('video').map((f) => [f.data, f.timestampUs - video0]));
    expect(gotVideo.frames.map((f) => f.keyframe)).toEqual(
      framesOf('video').map((f) => f.keyframe),
    );
    expect(gotVideo.frames[0]!.keyframe).toBe(true);
    const audio0 = framesOf('audio')[0]!.timestampUs;
    expect(
      gotAudio.frames.map((f) => [Buffer.from(f.data).toString('base64'), f.timestamp]),
    ).toEqual(framesOf('audio').map((f) => [f.data, f.timestampUs - audio0]));
  });

  it('yields raw RTP on rtp(), and throws TypeError for program errors (a remote track written, a local one read, a wrong type)', async () => {
    const { clock, audio, video, remoteVideo } = await connectedWithMedia(62);
    const packets: Uint8Array[] = [];
    const reading = (async () => {
      for await (const p of remoteVideo.rtp()) packets.push(p);
    })();
    await writeClip(clock, audio, video);
    await clock.advance(100);
    await tasks();
    expect(packets.length).toBeGreaterThanOrEqual(framesOf('video').length);
    expect(packets.every((p) => p[0]! >> 6 === 2)).toBe(true);
    expect(() => remoteVideo.writeFrame(new Uint8Array(1), { timestamp: 0 })).toThrow(TypeError);
    expect(() => video.frames()).toThrow(TypeError);
    expect(() => video.writeFrame('x' as unknown as Uint8Array, { timestamp: 0 })).toThrow(
      TypeError,
    );
    expect(() => video.writeFrame(new Uint8Array(1), { timestamp: Number.NaN })).toThrow(TypeError);
    expect(() => video.writeFrame(new Uint8Array(0), { timestamp: 0 })).toThrow(TypeError);
    remoteVideo.stop();
    await reading;
  });

  it('yields only the media stream on rtp(): an RTX padding probe and an RTX retransmission are not in it', async () => {
    const { a, b, clock, audio, video, remoteVideo } = await connectedWithMedia(70);
    const packets: Uint8Array[] = [];
    const reading = (async () => {
      for await (const p of remoteVideo.rtp()) packets.push(p);
    })();
    const videoSection = sections(a.localDescription!.sdp)[1]!;
    const value = (name: string, test: (v: string) => boolean) =>
      videoSection.attributes.find((x) => x.name === name && test(x.value ?? ''))!.value!;
    const [mediaSsrc, rtxSsrc] = value('ssrc-group', (v) => v.startsWith('FID '))
      .split(' ')
      .slice(1)
      .map(Number);
    const vp8 = Number(value('rtpmap', (v) => v.includes(' VP8/')).split(' ')[0]);
    const rtx = Number(value('rtpmap', (v) => v.includes(' rtx/')).split(' ')[0]);
    const sendFromA = (p: Uint8Array) =>
      (a as unknown as { manager: { sendRtp(p: Uint8Array): boolean } }).manager.sendRtp(p);
    // libwebrtc's bandwidth probe before its first frame: padding only, on the RTX stream, in
    // the RTX stream's own numbering (RFC 3550 §5.1 P bit: the last octet counts the padding).
    const probe = rtpPacket({
      payloadType: rtx,
      sequenceNumber: 40_000,
      timestamp: 0,
      ssrc: rtxSsrc!,
      payload: Buffer.alloc(224),
    });
    probe[0]! |= 0x20;
    probe[probe.length - 1] = 224;
    expect(sendFromA(probe)).toBe(true);
    await writeClip(clock, audio, video);
    await tasks();
    // Then the first media packet again on the RTX stream (RFC 4588 §4), next in its numbering.
    const first = packets.find((p) => Buffer.from(p).readUInt32BE(8) === mediaSsrc)!;
    const again = wrapRtxPacket(first, {
      ssrc: rtxSsrc!,
      payloadType: rtx,
      sequenceNumber: 40_001,
    });
    expect(sendFromA(again!)).toBe(true);
    await clock.advance(50);
    await tasks();
    const inbound = [...(await b.getTransceivers()[1]!.receiver.getStats()).values()].find(
      (s) => s.type === 'inbound-rtp',
    )!;
    expect(inbound.retransmittedPacketsReceived).toBe(2);
    expect(packets).toHaveLength(inbound.packetsReceived as number);
    expect(new Set(packets.map((p) => Buffer.from(p).readUInt32BE(8)))).toEqual(
      new Set([mediaSsrc]),
    );
    expect(new Set(packets.map((p) => p[1]! & 0x7f))).toEqual(new Set([vp8]));
    remoteVideo.stop();
    await reading;
  });

  it('sends nothing while the encoding is inactive or the track is stopped (false, not thrown)', async () => {
    const { a, clock, audio, video } = await connectedWithMedia(63);
    const sender = a.getSenders().find((s) => s.track === video)!;
    const params = sender.getParameters();
    params.encodings[0]!.active = false;
    await sender.setParameters(params);
    expect(video.writeFrame(new Uint8Array([0x10, 0, 0]), { timestamp: 0 })).toBe(false);
    params.encodings[0]!.active = true;
    await sender.setParameters(sender.getParameters());
    const again = sender.getParameters();
    again.encodings[0]!.active = true;
    await sender.setParameters(again);
    expect(audio.writeFrame(new Uint8Array([0xfc, 1, 2]), { timestamp: 0 })).toBe(true);
    audio.stop();
    expect(audio.writeFrame(new Uint8Array([0xfc, 1, 2]), { timestamp: 20_000 })).toBe(false);
    await clock.advance(10);
  });
});

describe('RTP written to a track (MediaStreamTrack.writeRtp)', () => {
  it('forwards ready packets: renumbered on the sender’s SSRC, their payloads come out of B as frames', async () => {
    const { clock, audio, remoteAudio } = await connectedWithMedia(67);
    const got = collect(remoteAudio);
    const payloads = [1, 2, 3, 4].map((n) => Buffer.alloc(30, n));
    for (const [i, payload] of payloads.entries()) {
      const packet = rtpPacket({
        payloadType: 100, // the forwarder's own numbering: rewritten to the negotiated one
        sequenceNumber: 5000 + i,
        timestamp: 77_000 + i * 960,
        ssrc: 0x1234,
        payload,
      });
      expect(audio.writeRtp(packet)).toBe(true);
      expect(packet[1]! & 0x7f).toBe(100); // the caller's buffer is left as it was
      await clock.advance(20);
    }
    expect(audio.writeRtp(new Uint8Array([1, 2, 3]))).toBe(false);
    await tasks();
    expect(got.frames.map((f) => Buffer.from(f.data))).toEqual(payloads);
    expect(got.frames.map((f) => f.timestamp)).toEqual([0, 20_000, 40_000, 60_000]);
  });
});

describe('keyframe requests and RTCP', () => {
  it('RTCRtpReceiver.requestKeyFrame() on B reaches A as a keyframerequest event (PLI) on the track', async () => {
    const { b, clock, audio, video } = await connectedWithMedia(64);
    const requests: string[] = [];
    video.onkeyframerequest = (e: KeyframeRequestEvent) => requests.push(e.request);
    const receiver = b.getTransceivers()[1]!.receiver;
    expect(receiver.requestKeyFrame()).toBe(false); // no RTP received yet
    await writeClip(clock, audio, video);
    expect(receiver.requestKeyFrame()).toBe(true);
    await clock.advance(50);
    await tasks();
    expect(requests).toEqual(['pli']);
  });

  it('answers a NACK from the send history, on the RTX stream: A counts retransmissions, B counts them on the media stream', async () => {
    const { a, b, clock, audio, video, remoteVideo } = await connectedWithMedia(69);
    const seqs: number[] = [];
    const reading = (async () => {
      for await (const p of remoteVideo.rtp()) seqs.push((p[2]! << 8) | p[3]!);
    })();
    await writeClip(clock, audio, video);
    await tasks();
    const sender = a.getSenders().find((s) => s.track === video)!;
    const mediaSsrc = ssrcOfSender(a, 1);
    // RFC 4585 §6.2.1 generic NACK (RTPFB, FMT 1): the first packet and the one after it.
    const nack = Buffer.alloc(16);
    nack[0] = 0x81;
    nack[1] = 205;
    nack.writeUInt16BE(3, 2);
    nack.writeUInt32BE(1, 4);
    nack.writeUInt32BE(mediaSsrc, 8);
    nack.writeUInt16BE(seqs[0]!, 12);
    nack.writeUInt16BE(0b1, 14);
    const managerOfB = (b as unknown as { manager: { sendRtcp(c: Uint8Array): boolean } }).manager;
    expect(managerOfB.sendRtcp(nack)).toBe(true);
    await clock.advance(50);
    const outbound = [...(await sender.getStats()).values()].find(
      (s) => s.type === 'outbound-rtp',
    )!;
    expect(outbound.nackCount).toBe(1);
    expect(outbound.retransmittedPacketsSent).toBe(2);
    const inbound = [...(await b.getTransceivers()[1]!.receiver.getStats()).values()].find(
      (s) => s.type === 'inbound-rtp',
    )!;
    expect(inbound.retransmittedPacketsReceived).toBe(2);
    remoteVideo.stop();
    await reading;
  });

  it('reports flow: B counts packets and frames in inbound-rtp, A sees remote-inbound-rtp with a round-trip time', async () => {
    const { a, b, clock, audio, video } = await connectedWithMedia(65);
    await writeClip(clock, audio, video);
    // Reports every ~1 s (video): an SR from A, then B's report block about it.
    await clock.advance(4000);
    const inbound = [...(await b.getTransceivers()[1]!.receiver.getStats()).values()].find(
      (s) => s.type === 'inbound-rtp',
    )!;
    expect(inbound.packetsReceived).toBeGreaterThan(0);
    expect(inbound.framesReceived).toBe(framesOf('video').length);
    expect(inbound.keyFramesReceived).toBe(1);
    const sender = a.getSenders().find((s) => s.track === video)!;
    const stats = [...(await sender.getStats()).values()];
    const outbound = stats.find((s) => s.type === 'outbound-rtp')!;
    expect(outbound.framesSent).toBe(framesOf('video').length);
    const remote = stats.find((s) => s.type === 'remote-inbound-rtp');
    expect(remote).toBeDefined();
    expect(remote!.roundTripTime).toBeGreaterThan(0);
    expect(outbound.remoteId).toBe(remote!.id);
  });

  it('plays out only for a frames() reader: without one, frames leave the jitter buffer once complete', async () => {
    // jitterBufferDelay per emitted frame: the playout latency (NACK negotiated: at least
    // 100 ms) with a reader, about nothing without (the packets are let go at once).
    const delayPerFrame = async (seed: number, read: boolean) => {
      const { b, clock, audio, video, remoteVideo } = await connectedWithMedia(seed);
      if (read) collect(remoteVideo);
      await writeClip(clock, audio, video);
      await clock.advance(1000);
      const inbound = [...(await b.getTransceivers()[1]!.receiver.getStats()).values()].find(
        (s) => s.type === 'inbound-rtp',
      )!;
      expect(inbound.framesReceived).toBe(framesOf('video').length);
      await closeAll(peers?.a, peers?.b);
      peers = undefined;
      return (inbound.jitterBufferDelay as number) / (inbound.jitterBufferEmittedCount as number);
    };
    expect(await delayPerFrame(66, true)).toBeGreaterThanOrEqual(0.1);
    expect(await delayPerFrame(67, false)).toBeLessThan(0.01);
  });

  it('transceiver.stop() sends a BYE: B’s track ends with `ended` and its frames() ends; close() leaves no timer', async () => {
    const { a, b, clock, audio, video, remoteVideo } = await connectedWithMedia(66);
    const gotVideo = collect(remoteVideo);
    await writeClip(clock, audio, video);
    let ended = 0;
    remoteVideo.onended = () => ended++;
    a.getTransceivers()[1]!.stop();
    await clock.advance(50);
    await tasks();
    expect(ended).toBe(1);
    expect(remoteVideo.readyState).toBe('ended');
    expect(video.writeFrame(new Uint8Array([0x10, 0, 0]), { timestamp: 1e6 })).toBe(false);
    await gotVideo.done;
    expect(gotVideo.frames.length).toBe(framesOf('video').length);
    a.close();
    b.close();
    await a.released;
    await b.released;
    expect(clock.describeLeaks()).toEqual([]);
  });

  it('a stopped sender answers nothing more: a late NACK for its SSRC sends no RTP', async () => {
    // Every RTP datagram A sends, by SSRC and sequence number (SRTP leaves the header clear).
    const sent: { ssrc: number; seq: number }[] = [];
    const { a, b, clock, audio, video } = await connectedWithMedia(67, (d) => {
      if (isRtp(d)) sent.push({ ssrc: readUInt32(d, 8), seq: (d[2]! << 8) | d[3]! });
      return true;
    });
    await writeClip(clock, audio, video);
    const ssrc = ssrcOfSender(a, 1);
    const last = sent.filter((p) => p.ssrc === ssrc).at(-1)!;
    expect(last).toBeDefined();
    const nack = serializeRtcp({
      kind: 'nack',
      senderSsrc: 1,
      mediaSsrc: ssrc,
      items: [{ pid: last.seq, blp: 0 }],
    });
    const manager = (b as unknown as { manager: { sendRtcp(c: Uint8Array): boolean } }).manager;
    // While the sender sends, the NACK is answered from its history.
    const before = sent.length;
    expect(manager.sendRtcp(nack)).toBe(true);
    await clock.advance(50);
    expect(sent.length).toBeGreaterThan(before);
    a.getTransceivers()[1]!.stop();
    await clock.advance(50);
    await tasks();
    const stopped = sent.length;
    expect(manager.sendRtcp(nack)).toBe(true);
    await clock.advance(200);
    expect(sent.slice(stopped)).toEqual([]);
  });

  it('close() puts a BYE on the wire before the sockets go: B’s tracks end', async () => {
    const { a, clock, audio, video, remoteAudio, remoteVideo } = await connectedWithMedia(68);
    await writeClip(clock, audio, video);
    const ended: string[] = [];
    remoteAudio.onended = () => ended.push('audio');
    remoteVideo.onended = () => ended.push('video');
    a.close();
    await clock.advance(50);
    await tasks();
    expect(ended.sort()).toEqual(['audio', 'video']);
    expect(video.writeFrame(new Uint8Array([1]), { timestamp: 0 })).toBe(false);
  });
});

describe('why a track muted, unmuted or ended (typed causes, an extension)', () => {
  /** Every mute/unmute/ended of a track, with the event's cause and the track's stateCause. */
  function watch(track: MediaStreamTrack): [string, TrackStateCause, TrackStateCause][] {
    const seen: [string, TrackStateCause, TrackStateCause][] = [];
    for (const type of ['mute', 'unmute', 'ended'])
      track.addEventListener(type, (e) =>
        seen.push([type, (e as TrackStateEvent).cause, track.stateCause]),
      );
    return seen;
  }

  it('created → rtp-received (its SSRC) → description (the peer stopped sending) → rtp-received → transceiver-stopped by the peer', async () => {
    const { a, b, clock, audio, remoteAudio } = await connectedWithMedia(71);
    expect(remoteAudio.stateCause).toEqual({ kind: 'created' });
    expect(audio.stateCause).toEqual({ kind: 'created' });
    const seen = watch(remoteAudio);
    const ssrc = ssrcOfSender(a, 0);
    const opus = Buffer.from(framesOf('audio')[0]!.data, 'base64');
    audio.writeFrame(opus, { timestamp: 0 });
    await clock.advance(20);
    await tasks();
    expect(seen).toEqual([
      ['unmute', { kind: 'rtp-received', ssrc }, { kind: 'rtp-received', ssrc }],
    ]);

    // A stops sending audio: its offer leaves B's transceiver sendonly (B's view).
    const [aAudio] = a.getTransceivers();
    aAudio!.direction = 'recvonly';
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    const muted = { kind: 'description', description: 'remote', direction: 'sendonly' };
    expect(seen[1]).toEqual(['mute', muted, muted]);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);

    // Sending again: the first packet unmutes it.
    aAudio!.direction = 'sendrecv';
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    audio.writeFrame(opus, { timestamp: 20_000 });
    await clock.advance(20);
    await tasks();
    expect(seen[2]).toEqual([
      'unmute',
      { kind: 'rtp-received', ssrc },
      { kind: 'rtp-received', ssrc },
    ]);

    // A stops the transceiver: its BYE reaches B first, then the offer rejecting the section.
    aAudio!.stop();
    await clock.advance(50);
    await tasks();
    const bye = { kind: 'rtcp-bye', ssrc };
    expect(seen.slice(3)).toEqual([['ended', bye, bye]]);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect(remoteAudio.stateCause).toEqual(bye); // already ended: the first cause stays
    expect(b.getTransceivers()[0]!.currentDirection).toBe('stopped');
  });

  it('description (local): our answer that stops receiving mutes the track, saying so', async () => {
    const { a, b, clock, audio, remoteAudio } = await connectedWithMedia(73);
    const seen = watch(remoteAudio);
    audio.writeFrame(Buffer.from(framesOf('audio')[0]!.data, 'base64'), { timestamp: 0 });
    await clock.advance(20);
    await tasks();
    expect(seen.map(([type]) => type)).toEqual(['unmute']);
    b.getTransceivers()[0]!.direction = 'inactive';
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect(seen).toHaveLength(1);
    await b.setLocalDescription();
    const muted = { kind: 'description', description: 'local', direction: 'inactive' };
    expect(seen[1]).toEqual(['mute', muted, muted]);
  });

  it('transceiver-stopped by us, transceiver-stopped by the peer (a rejected section), connection-closed without an event, stopped', async () => {
    const { a, b, clock, video, remoteAudio, remoteVideo } = await connectedWithMedia(72);
    const audioSeen = watch(remoteAudio);
    const videoSeen = watch(remoteVideo);
    b.getTransceivers()[0]!.stop();
    await tasks();
    const local = { kind: 'transceiver-stopped', by: 'local' };
    expect(audioSeen).toEqual([['ended', local, local]]);

    // B's re-offer rejects the audio section; A's transceiver stops by the peer's description.
    const aRemoteAudio = a.getTransceivers()[0]!.receiver.track;
    const aSeen = watch(aRemoteAudio);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    await tasks();
    const remote = { kind: 'transceiver-stopped', by: 'remote' };
    expect(aSeen).toEqual([['ended', remote, remote]]);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);

    // close(): the tracks end without an event (webrtc-pc), and say why.
    b.close();
    await clock.advance(10);
    await tasks();
    expect(videoSeen).toEqual([]);
    expect(remoteVideo.readyState).toBe('ended');
    expect(remoteVideo.stateCause).toEqual({ kind: 'connection-closed' });
    video.stop();
    expect(video.stateCause).toEqual({ kind: 'stopped' });
    expect(video.clone().stateCause).toEqual({ kind: 'stopped' });
  });
});
